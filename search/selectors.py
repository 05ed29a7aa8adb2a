"""Searching as a given user: the one path pages, the API and commands share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archive import access
from archive.models import Theme
from search.backends import get_backend
from search.backends.base import SearchResults
from search.query import parse_query

PAGE_SIZE = 20


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int


def search_segments(
    *,
    text: str,
    user: access.User | None,
    themes: Sequence[str] = (),
    languages: Sequence[str] = (),
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> SearchResults:
    """Segment hits `user` may see. Raises QueryError for unusable text, SearchUnavailable."""
    query = parse_query(text, themes=themes, languages=languages)
    page = max(1, page)
    return get_backend().search(
        query,
        access_levels=access.access_levels(user),
        limit=page_size,
        offset=(page - 1) * page_size,
    )


def facet_options(results: SearchResults) -> dict[str, list[FacetOption]]:
    """Facet counts with labels a person can read (theme names, language names)."""
    names = dict(
        Theme.objects.filter(
            slug__in=[facet.value for facet in results.facets.get("theme", ())]
        ).values_list("slug", "name")
    )
    languages = {"en": "English", "es": "Español"}
    return {
        "theme": [
            FacetOption(f.value, names.get(f.value, f.value), f.count)
            for f in results.facets.get("theme", ())
        ],
        "language": [
            FacetOption(f.value, languages.get(f.value, f.value), f.count)
            for f in results.facets.get("language", ())
        ],
    }
