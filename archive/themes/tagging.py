"""Theme suggestions for transcript segments, from the thesaurus terms.

The design once sketched this as search/themes.py, but suggestions are written to
archive rows (segment themes, testimony theme links) and search never writes
the archive, so the matcher lives here and search reads its results.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def fold(text: str) -> str:
    """Lowercase and strip accents, so "separacion" matches "separación"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class ThemeTerms:
    slug: str
    terms: Sequence[str]


class ThemeMatcher:
    """Finds which themes a text speaks to, matching whole words of any term."""

    def __init__(self, themes: Iterable[ThemeTerms]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for theme in themes:
            alternatives = sorted(
                {re.escape(fold(term)) for term in theme.terms if term.strip()}, key=len
            )
            if alternatives:
                pattern = re.compile(r"(?<!\w)(?:" + "|".join(reversed(alternatives)) + r")(?!\w)")
                self._patterns.append((theme.slug, pattern))

    def match(self, text: str) -> set[str]:
        folded = fold(text)
        return {slug for slug, pattern in self._patterns if pattern.search(folded)}


def matcher_from_thesaurus() -> ThemeMatcher:
    """A matcher over the Theme rows as editors keep them now."""
    from archive.models.themes import Theme

    return ThemeMatcher(ThemeTerms(theme.slug, theme.terms) for theme in Theme.objects.all())
