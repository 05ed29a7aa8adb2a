"""The search backend contract: value objects and the base class.

As with Django's cache and storage backends, :class:`SearchBackend` offers a
small public API and leaves private hooks (``_index_segments``, ``_search``,
...) to each backend. The public methods hold the rules every backend must
keep the same way, above all deny-by-default access: an asker who holds no
access level gets nothing, not even a count.

Pure Python: no Django models are imported here; questions become a
:class:`~search.plan.MatchPlan` through archive.language (pure) and the
thesaurus the backend is given (``THESAURUS``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from search.expansion import Thesaurus
from search.plan import MatchPlan, plan_query
from search.query import Query

__all__ = [
    "ACCESS_LEVELS",
    "FACET_FIELDS",
    "Document",
    "MAX_LIMIT",
    "FacetCount",
    "Hit",
    "TestimonyGroup",
    "SearchBackend",
    "SearchResults",
    "SearchUnavailable",
    "SegmentDocument",
    "TestimonyDocument",
    "TestimonyMatch",
]

# "sealed" is deliberately absent: sealed testimony is never indexed at all.
ACCESS_LEVELS = frozenset({"public", "researchers", "staff"})
FACET_FIELDS = ("theme", "language", "place", "decade", "media_type")
MAX_LIMIT = 100
MAX_PER_GROUP = 50  # "Show all N moments" of one testimony (search.selectors.ALL_MOMENTS)
# Grouping ranks testimonies by their best segment among at most this many
# best-ranked segments: enough for any page a person reads, and it bounds the
# work a very common word costs.
GROUP_CANDIDATES = 1_000


def _thesaurus_source(value: object) -> Callable[[], Thesaurus]:
    """``THESAURUS``: a Thesaurus, a function returning one, or its dotted path.

    Without one, the seed thesaurus (pure data): a backend made directly, as
    benchmarks and the backends' own tests do, needs no database. The
    settings name ``search.expansion.archive_thesaurus``, the Themes editors keep.
    """
    if value is None:
        value = "search.expansion.seed_thesaurus"
    if isinstance(value, Thesaurus):
        fixed = value
        return lambda: fixed
    if isinstance(value, str):
        from django.utils.module_loading import import_string

        value = import_string(value)
    if not callable(value):
        raise ValueError(f"THESAURUS must be a Thesaurus, a function or a dotted path: {value!r}")
    return value  # type: ignore[return-value]


class SearchUnavailable(RuntimeError):
    """The search index cannot be reached or read; the message says what to check."""


class _Recorded:
    """What both kinds of document derive from the recording's year."""

    year: int | None

    @property
    def decade(self) -> str:
        """The facet value for the recorded year: ``"1990"`` for 1990 to 1999."""
        return str(self.year // 10 * 10) if self.year is not None else ""


@dataclass(frozen=True)
class SegmentDocument(_Recorded):
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
    media_type: str = ""  # "audio" or "video"; "" when unknown (no facet value)
    # The English machine translation of what was said here ("" for English
    # testimony): an English question reaches a Spanish moment through it.
    translation: str = ""
    # What the moments just before and after say (as the encoder reads them):
    # a moment is read by meaning in its place in the story. Never shown.
    context: str = ""


@dataclass(frozen=True)
class TestimonyDocument(_Recorded):
    """One testimony as the index sees it: what is said *about* it rather than in it.

    A word in the title, the editor's summary or the storyteller's public
    name finds the testimony itself (a group with no moments of its own when
    no segment says the word), instead of flooding results with every one of
    its segments. ``storyteller`` is the name consent allows to be shown.
    """

    testimony_id: int
    title: str
    url: str
    summary: str
    language: str
    themes: tuple[str, ...]
    access_level: str
    storyteller: str = ""
    place: str = ""
    year: int | None = None
    media_type: str = ""


Document = SegmentDocument | TestimonyDocument


@dataclass(frozen=True)
class TestimonyMatch:
    """A testimony found by its own document; ``snippet_html`` is safe to render unescaped."""

    testimony_id: int
    title: str
    url: str
    snippet_html: str
    score: float


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
    # The moment's machine translation, marked where it matched; "" when none.
    translation_html: str = ""

    @property
    def player_url(self) -> str:
        """The testimony page opened at this segment's second."""
        from archive.collections.citations import (
            moment_t,  # hundredths rounded up: the right line plays
        )

        base, hash_mark, fragment = self.url.partition("#")
        separator = "&" if "?" in base else "?"
        return f"{base}{separator}t={moment_t(self.start)}{hash_mark}{fragment}"


@dataclass(frozen=True)
class TestimonyGroup:
    """One testimony in grouped results, with its best moments (best first).

    ``summary_html`` is set when the testimony's title, summary or
    storyteller's name matched: those words, highlighted. A testimony found
    only that way has no ``hits``.
    """

    testimony_id: int
    title: str
    url: str
    hits: tuple[Hit, ...]
    total: int  # matching segments in this testimony the asker may see
    score: float
    summary_html: str = ""

    @property
    def player_url(self) -> str:
        """Where the group's heading leads: its best moment, else the testimony page."""
        return self.hits[0].player_url if self.hits else self.url


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


def _empty_facets() -> dict[str, tuple[FacetCount, ...]]:
    return dict.fromkeys(FACET_FIELDS, ())


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, the total number of matching segments, and facet counts.

    ``facets`` maps each of FACET_FIELDS to counts, largest first; every
    number counts only segments the asker may see that match the query.
    ``facets_approximate`` is True when a backend counted facets over a
    capped sample of a very large match set (the counts then are lower
    bounds). ``total_exact`` is False when ``total`` is a lower bound: a
    backend that stops counting a very common word's matches (SQLite past
    its COUNT_WALK, as Elasticsearch past track_total_hits) says "at least".
    Grouped searches fill ``groups`` (one page of testimonies) and
    ``total_groups``; ``hits`` is then the groups' hits in order.
    ``suggestions`` are spellings that exist in what the asker may see.
    """

    hits: tuple[Hit, ...] = ()
    total: int = 0
    total_exact: bool = True
    facets: dict[str, tuple[FacetCount, ...]] = field(default_factory=_empty_facets)
    groups: tuple[TestimonyGroup, ...] = ()
    total_groups: int = 0
    facets_approximate: bool = False
    suggestions: tuple[str, ...] = ()


def _check_level(document: Document) -> None:
    if document.access_level not in ACCESS_LEVELS:
        what = (
            f"Testimony {document.testimony_id}"
            if isinstance(document, TestimonyDocument)
            else f"Segment {document.segment_id}"
        )
        raise ValueError(
            f"{what} has access level {document.access_level!r}; "
            f"only {sorted(ACCESS_LEVELS)} may be indexed."
        )


class SearchBackend(ABC):
    """Base class for search backends; subclasses implement the ``_`` hooks."""

    def __init__(self, params: dict) -> None:
        self.params = dict(params)
        self._thesaurus = _thesaurus_source(params.get("THESAURUS"))

    def thesaurus(self) -> Thesaurus:
        """The thesaurus questions are expanded by (param ``THESAURUS``)."""
        return self._thesaurus()

    def plan(self, query: Query) -> MatchPlan:
        """What this backend looks for: the shared plan (search/plan.py) of ``query``."""
        return plan_query(query, self.thesaurus())

    def thesaurus_changed(self) -> None:  # noqa: B027 - optional: most expand at query time
        """A theme's terms changed: bring the backend's synonyms up to date where it can."""

    def thesaurus_notice(self) -> str:
        """What an editor who changed the thesaurus must do for search to follow, or ""."""
        return ""

    # -- public API ---------------------------------------------------------

    def index_segments(self, documents: Iterable[SegmentDocument]) -> int:
        """Add or replace (by ``segment_id``) documents; return how many were written.

        Raises ValueError for a document with an access level that may not be
        indexed (sealed, or unknown) and SearchUnavailable if the index fails.
        """
        batch: dict[int, SegmentDocument] = {}
        for document in documents:
            _check_level(document)
            batch[document.segment_id] = document
        if not batch:
            return 0
        self._index_segments(list(batch.values()))
        return len(batch)

    def index_testimonies(self, documents: Iterable[TestimonyDocument]) -> int:
        """Add or replace (by ``testimony_id``) testimony documents; return how many.

        Same rules as :meth:`index_segments`.
        """
        batch: dict[int, TestimonyDocument] = {}
        for document in documents:
            _check_level(document)
            batch[document.testimony_id] = document
        if not batch:
            return 0
        self._index_testimonies(list(batch.values()))
        return len(batch)

    def remove_testimony(self, testimony_id: int) -> None:
        """Remove the testimony's document and every one of its segments; a no-op if none."""
        self._remove_testimony(int(testimony_id))

    def forget_testimony(self, testimony_id: int) -> None:
        """Remove the testimony and make sure no trace of it stays in the index's storage.

        For a purge at the storyteller's request: slower than remove_testimony.
        """
        self._remove_testimony(int(testimony_id))
        self._compact()

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

    def search_grouped(
        self,
        query: Query,
        *,
        access_levels: Collection[str],
        limit: int = 10,
        offset: int = 0,
        per_group: int = 3,
    ) -> SearchResults:
        """Like :meth:`search`, but a page of testimonies, each with its best segments.

        ``limit`` and ``offset`` count testimonies; ``per_group`` (at most
        MAX_PER_GROUP) bounds the hits shown per testimony. ``total`` still
        counts segments and ``total_groups`` testimonies. Testimonies are
        ordered by their best segment.
        """
        if limit < 1 or offset < 0 or per_group < 1:
            raise ValueError(
                f"limit and per_group must be positive, offset not negative "
                f"({limit}, {offset}, {per_group})"
            )
        levels = frozenset(level for level in access_levels if level in ACCESS_LEVELS)
        if not levels or query.is_empty:
            return SearchResults()
        return self._search_grouped(
            query, levels, min(limit, MAX_LIMIT), offset, min(per_group, MAX_PER_GROUP)
        )

    def suggest(self, word: str, *, access_levels: Collection[str]) -> tuple[str, ...]:
        """Indexed words close to a (misspelt) ``word``, best first; () where unsupported.

        Only words from segments the asker may see are offered, so a
        suggestion cannot reveal that a restricted testimony says something.
        """
        levels = frozenset(level for level in access_levels if level in ACCESS_LEVELS)
        if not levels or not word:
            return ()
        return self._suggest(word, levels)

    def clear(self) -> None:
        """Remove every document."""
        self._clear()

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Replace the whole index with ``documents``; return how many segments were written.

        ``documents`` mixes segment and testimony documents. This default
        clears and refills, so search is briefly incomplete; backends that
        can (Elasticsearch) build aside and swap atomically.
        """
        self.clear()
        written = 0
        segments: list[SegmentDocument] = []
        testimonies: list[TestimonyDocument] = []
        for document in documents:
            if isinstance(document, TestimonyDocument):
                testimonies.append(document)
            else:
                segments.append(document)
            if len(segments) + len(testimonies) >= 1_000:
                written += self.index_segments(segments)
                self.index_testimonies(testimonies)
                segments, testimonies = [], []
        self.index_testimonies(testimonies)
        return written + self.index_segments(segments)

    def count(self) -> int:
        """How many segments are indexed (all access levels: for operators, not askers)."""
        return self._count()

    def close(self) -> None:  # noqa: B027 - optional: most backends hold nothing open
        """Release connections; the backend may not be used afterwards."""

    # -- hooks --------------------------------------------------------------

    @abstractmethod
    def _index_segments(self, documents: list[SegmentDocument]) -> None: ...

    @abstractmethod
    def _index_testimonies(self, documents: list[TestimonyDocument]) -> None: ...

    @abstractmethod
    def _remove_testimony(self, testimony_id: int) -> None: ...

    def _compact(self) -> None:  # noqa: B027 (optional hook: most backends need nothing)
        """Drop deleted entries from storage; backends that keep them override this."""

    @abstractmethod
    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults: ...

    @abstractmethod
    def _search_grouped(
        self,
        query: Query,
        access_levels: frozenset[str],
        limit: int,
        offset: int,
        per_group: int,
    ) -> SearchResults: ...

    def _suggest(self, word: str, access_levels: frozenset[str]) -> tuple[str, ...]:
        return ()

    @abstractmethod
    def _clear(self) -> None: ...

    @abstractmethod
    def _count(self) -> int: ...


@dataclass(frozen=True)
class GroupPage:
    """Which testimonies and segments a page of grouped results shows.

    Computed from ranked (testimony_id, segment_id) candidates by
    :func:`plan_groups`; backends then fetch snippets for ``segment_ids``
    only, which is what keeps grouping cheap.
    """

    testimony_ids: tuple[int, ...]
    segment_ids: dict[int, tuple[int, ...]]  # testimony -> its best segments, best first
    total_groups: int


def plan_groups(
    ranked: Iterable[tuple[int, int, float]],
    limit: int,
    offset: int,
    per_group: int,
    testimonies: Iterable[tuple[int, float]] = (),
) -> GroupPage:
    """Group ranked ``(testimony_id, segment_id, score)`` triples (best first) into one page.

    Testimonies found by their own document, ``(testimony_id, score)``, join
    the ranking: a testimony ranks by the better of its document and its
    best moment.
    """
    order: dict[int, list[int]] = {}
    best: dict[int, float] = {}
    for testimony_id, segment_id, score in ranked:
        shown = order.setdefault(testimony_id, [])
        best.setdefault(testimony_id, score)
        if len(shown) < per_group:
            shown.append(segment_id)
    for testimony_id, score in testimonies:
        order.setdefault(testimony_id, [])
        best[testimony_id] = max(best.get(testimony_id, score), score)
    # sorted() is stable: equal scores (a browse) keep the segments' order.
    ranking = sorted(order, key=lambda testimony_id: -best[testimony_id])
    page = ranking[offset : offset + limit]
    return GroupPage(
        testimony_ids=tuple(page),
        segment_ids={testimony_id: tuple(order[testimony_id]) for testimony_id in page},
        total_groups=len(order),
    )


def build_groups(
    page: GroupPage,
    hits: dict[int, Hit],
    totals: dict[int, int],
    testimonies: dict[int, TestimonyMatch] | None = None,
) -> tuple[TestimonyGroup, ...]:
    """TestimonyGroups for ``page`` from hits fetched by segment id and testimony matches."""
    testimonies = testimonies or {}
    groups = []
    for testimony_id in page.testimony_ids:
        shown = tuple(hits[sid] for sid in page.segment_ids[testimony_id] if sid in hits)
        match = testimonies.get(testimony_id)
        if shown:
            title, url, score = shown[0].title, shown[0].url, shown[0].score
        elif match is not None:
            title, url, score = match.title, match.url, match.score
        else:
            continue
        if match is not None:
            score = max(score, match.score)
        groups.append(
            TestimonyGroup(
                testimony_id=testimony_id,
                title=title,
                url=url,
                hits=shown,
                total=totals.get(testimony_id, len(shown)),
                score=score,
                summary_html=match.snippet_html if match is not None else "",
            )
        )
    return tuple(groups)
