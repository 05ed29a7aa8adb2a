"""The search backend contract: value objects and the base class.

As with Django's cache and storage backends, :class:`SearchBackend` offers a
small public API and leaves private hooks (``_index_segments``, ``_search``,
...) to each backend. The public methods hold the rules every backend must
keep the same way, above all deny-by-default access: an asker who holds no
access level gets nothing, not even a count.

Pure Python: no Django models and nothing from ``archive`` are imported here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from search.query import Query

__all__ = [
    "ACCESS_LEVELS",
    "FACET_FIELDS",
    "MAX_LIMIT",
    "FacetCount",
    "Hit",
    "SearchBackend",
    "SearchResults",
    "SearchUnavailable",
    "SegmentDocument",
]

# "sealed" is deliberately absent: sealed testimony is never indexed at all.
ACCESS_LEVELS = frozenset({"public", "researchers", "staff"})
FACET_FIELDS = ("theme", "language")
MAX_LIMIT = 100


class SearchUnavailable(RuntimeError):
    """The search index cannot be reached or read; the message says what to check."""


@dataclass(frozen=True)
class SegmentDocument:
    """One transcript segment as the index sees it.

    ``url`` is the testimony page (no ``?t=``); ``themes`` are the segment's
    and the testimony's theme slugs; ``text`` has redactions already masked.
    """

    segment_id: int
    testimony_id: int
    title: str
    url: str
    start: float
    end: float
    text: str
    language: str
    themes: tuple[str, ...]
    access_level: str
    storyteller: str = ""
    place: str = ""
    year: int | None = None


@dataclass(frozen=True)
class Hit:
    """One matching segment. ``snippet_html`` is safe to render unescaped."""

    testimony_id: int
    segment_id: int
    title: str
    url: str
    start: float
    end: float
    snippet_html: str
    score: float

    @property
    def player_url(self) -> str:
        """The testimony page opened at this segment's second."""
        base, hash_mark, fragment = self.url.partition("#")
        separator = "&" if "?" in base else "?"
        return f"{base}{separator}t={int(self.start)}{hash_mark}{fragment}"


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


def _empty_facets() -> dict[str, tuple[FacetCount, ...]]:
    return dict.fromkeys(FACET_FIELDS, ())


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, the total number of matching segments, and facet counts.

    ``facets`` maps ``"theme"`` and ``"language"`` to counts, largest first;
    every number counts only segments the asker may see that match the query.
    """

    hits: tuple[Hit, ...] = ()
    total: int = 0
    facets: dict[str, tuple[FacetCount, ...]] = field(default_factory=_empty_facets)


class SearchBackend(ABC):
    """Base class for search backends; subclasses implement the ``_`` hooks."""

    def __init__(self, params: dict) -> None:
        self.params = dict(params)

    # -- public API ---------------------------------------------------------

    def index_segments(self, documents: Iterable[SegmentDocument]) -> int:
        """Add or replace (by ``segment_id``) documents; return how many were written.

        Raises ValueError for a document with an access level that may not be
        indexed (sealed, or unknown) and SearchUnavailable if the index fails.
        """
        batch: dict[int, SegmentDocument] = {}
        for document in documents:
            if document.access_level not in ACCESS_LEVELS:
                raise ValueError(
                    f"Segment {document.segment_id} has access level "
                    f"{document.access_level!r}; only {sorted(ACCESS_LEVELS)} may be indexed."
                )
            batch[document.segment_id] = document
        if not batch:
            return 0
        self._index_segments(list(batch.values()))
        return len(batch)

    def remove_testimony(self, testimony_id: int) -> None:
        """Remove every segment of the testimony; a no-op if it has none."""
        self._remove_testimony(int(testimony_id))

    def search(
        self,
        query: Query,
        *,
        access_levels: Collection[str],
        limit: int = 20,
        offset: int = 0,
    ) -> SearchResults:
        """Return the hits the asker may see, with totals and facets over the same set.

        ``access_levels`` are the levels the asker holds; unknown levels are
        ignored and an empty set returns nothing at all (deny by default).
        ``limit`` is capped at MAX_LIMIT. Raises SearchUnavailable if the
        index cannot answer.
        """
        if limit < 1 or offset < 0:
            raise ValueError(f"limit must be positive and offset not negative ({limit}, {offset})")
        levels = frozenset(level for level in access_levels if level in ACCESS_LEVELS)
        if not levels or query.is_empty:
            return SearchResults()
        return self._search(query, levels, min(limit, MAX_LIMIT), offset)

    def clear(self) -> None:
        """Remove every document."""
        self._clear()

    def count(self) -> int:
        """How many segments are indexed (all access levels: for operators, not askers)."""
        return self._count()

    def close(self) -> None:  # noqa: B027 - optional: most backends hold nothing open
        """Release connections; the backend may not be used afterwards."""

    # -- hooks --------------------------------------------------------------

    @abstractmethod
    def _index_segments(self, documents: list[SegmentDocument]) -> None: ...

    @abstractmethod
    def _remove_testimony(self, testimony_id: int) -> None: ...

    @abstractmethod
    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults: ...

    @abstractmethod
    def _clear(self) -> None: ...

    @abstractmethod
    def _count(self) -> int: ...
