"""A theme named as people name it -> its slug: slug, English or Spanish name, or any term.

For manifests and other hand-typed lists; accents and case do not matter
("separacion familiar" finds the theme whose Spanish term is "separación
familiar"). A name that is a term of several themes finds all of them, so
the caller can say it is ambiguous rather than guess.
"""

from __future__ import annotations

from archive.models import Theme
from archive.themes.tagging import fold


class ThemeLookup:
    """The thesaurus as the Theme rows hold it now, read once."""

    def __init__(self) -> None:
        self._by_key: dict[str, set[str]] = {}
        for theme in Theme.objects.all():
            for key in (theme.slug, theme.name, theme.name_es, *theme.terms):
                if key.strip():
                    self._by_key.setdefault(fold(key.strip()), set()).add(theme.slug)

    def slugs(self, name: str) -> set[str]:
        """Every theme ``name`` names (none, one, or several when it is ambiguous)."""
        return set(self._by_key.get(fold(name.strip()), set()))
