"""The contract every search backend keeps, run against each backend.

`BackendContract` holds the tests; a backend joins by subclassing it with a
`create_backend` method (SQLite always; Elasticsearch or PostgreSQL classes
skip themselves when their service is not reachable). No database and no
Django settings are needed: documents are built directly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.backends.base import (
    FacetCount,
    SearchBackend,
    SearchResults,
    SegmentDocument,
)
from search.backends.sqlite import SearchBackend as SQLiteBackend
from search.query import QueryError, parse_query

PUBLIC = frozenset({"public"})
RESEARCHER = frozenset({"public", "researchers"})
EVERYONE = frozenset({"public", "researchers", "staff"})
CANARY = "zanzibar marmalade"


def segment(
    segment_id: int,
    testimony_id: int,
    text: str,
    *,
    start: float = 0.0,
    language: str = "en",
    themes: tuple[str, ...] = (),
    access_level: str = "public",
    title: str | None = None,
) -> SegmentDocument:
    return SegmentDocument(
        segment_id=segment_id,
        testimony_id=testimony_id,
        title=title if title is not None else f"Testimony {testimony_id}",
        url=f"/testimonies/t{testimony_id}/",
        start=start,
        end=start + 12.0,
        text=text,
        language=language,
        themes=themes,
        access_level=access_level,
    )


ARCHIVE = [
    segment(
        101,
        1,
        "They put an ICE hold on me, so I could not post bail.",
        start=125.5,
        themes=("ice-detainer", "secure-communities"),
    ),
    segment(
        102,
        1,
        "I was transferred to a county jail far from my children.",
        start=180.0,
        themes=("detention",),
    ),
    segment(
        201,
        2,
        "La separación familiar fue lo más duro para mis hijos.",
        start=30.0,
        language="es",
        themes=("family-separation",),
    ),
    segment(
        202,
        2,
        "Recibí una orden de deportación sin abogado.",
        start=60.0,
        language="es",
        themes=("deportation",),
    ),
    segment(
        301,
        3,
        f"Nobody outside may read this: {CANARY}, and the ICE hold they used.",
        start=10.0,
        themes=("family-separation", "ice-detainer"),
        access_level="researchers",
    ),
    segment(
        401,
        4,
        "Hablé de la separacion y de la violencia doméstica.",
        start=5.0,
        language="es",
        themes=("domestic-violence",),
        access_level="staff",
    ),
    segment(
        501,
        5,
        "<script>alert('x')</script> & the bail hearing was <b>short</b>.",
        start=42.0,
        themes=("detention",),
    ),
]

HOSTILE_QUERIES = [
    "NEAR(a b)",
    "NEAR(hold bail, 2)",
    '"',
    '"""',
    'hold "',
    "a AND",
    "AND",
    "OR hold",
    "hold NOT",
    "*",
    "hold*",
    "^x",
    "col:val",
    "text:hold",
    "title : bail",
    "{text title}: hold",
    "- -- ---",
    "-hold",
    "(hold",
    "hold)",
    "')); DROP TABLE segments;--",
    "'); DROP TABLE segments;--",
    '"; DELETE FROM segments; --',
    "rank MATCH 'x'",
    "segments_fts",
    "\x00hold\x01\x02\x03\x7f",
    "hold\x02mark\x03",
    "\u202eblod\u202c",
    "😀 hold 🏳️‍⚧️",
    "😀",
    "日本語 中文 한국어",
    "नमस्ते",
    "ǅemal ﬁnance",
    "\ufeffhold",
    "\ud800",
    "\ue000 private",
    "'" * 50,
    "a" * 500,
    "a " * 250,
    '"a" ' * 100,
    "-a " * 160 + "hold",
    "x" * 501,
    "x" * 10_000,
]


def marked_words(snippet_html: str) -> set[str]:
    """Words inside <mark> (a backend may mark a phrase as one span or word by word)."""
    spans = re.findall(r"<mark>(.*?)</mark>", snippet_html)
    return {word.lower() for span in spans for word in span.split()}


def render_without_marks(snippet_html: str) -> str:
    return re.sub(r"</?mark>", "", snippet_html)


class BackendContract:
    """Mixin: subclasses provide `create_backend(tmp_path)`."""

    def create_backend(self, tmp_path: Path) -> SearchBackend:
        raise NotImplementedError

    @pytest.fixture
    def backend(self, tmp_path: Path) -> Iterator[SearchBackend]:
        backend = self.create_backend(tmp_path)
        backend.clear()
        backend.index_segments(ARCHIVE)
        yield backend
        backend.close()

    def search(
        self, backend: SearchBackend, text: str, access_levels=EVERYONE, **filters
    ) -> SearchResults:
        return backend.search(parse_query(text, **filters), access_levels=access_levels)

    @staticmethod
    def ids(results: SearchResults) -> set[int]:
        return {hit.segment_id for hit in results.hits}

    @staticmethod
    def facet(results: SearchResults, name: str) -> dict[str, int]:
        return {fc.value: fc.count for fc in results.facets[name]}

    # -- finding the moment -------------------------------------------------

    def test_phrase_opens_the_player_at_the_moment_it_was_said(self, backend) -> None:
        results = self.search(backend, '"post bail"', PUBLIC)
        assert results.total == 1
        (hit,) = results.hits
        assert (hit.testimony_id, hit.segment_id) == (1, 101)
        assert hit.start == 125.5
        assert hit.end == 137.5
        assert hit.url == "/testimonies/t1/"
        assert hit.player_url == "/testimonies/t1/?t=125"
        assert {"post", "bail"} <= marked_words(hit.snippet_html)

    def test_phrase_needs_its_words_in_order(self, backend) -> None:
        assert self.search(backend, '"bail post"').total == 0
        assert self.ids(self.search(backend, "bail post")) == {101}

    def test_every_word_must_match(self, backend) -> None:
        assert self.ids(self.search(backend, "county jail children")) == {102}
        assert self.search(backend, "county jail zebra").total == 0

    def test_title_words_match_too(self, backend) -> None:
        assert self.ids(self.search(backend, "testimony 2")) == {201, 202}

    def test_excluded_word_removes_segments(self, backend) -> None:
        assert self.ids(self.search(backend, "hold")) == {101, 301}
        assert self.ids(self.search(backend, "hold -zanzibar")) == {101}
        assert self.ids(self.search(backend, "hold NOT bail")) == {301}

    def test_hits_come_best_first(self, backend) -> None:
        scores = [hit.score for hit in self.search(backend, "hold").hits]
        assert scores == sorted(scores, reverse=True)

    # -- Spanish ------------------------------------------------------------

    @pytest.mark.parametrize("text", ["separacion", "separación", "SEPARACIÓN", "Separacio\u0301n"])
    def test_accents_fold_both_ways(self, backend, text: str) -> None:
        # 201 is written with the accent, 401 without it.
        assert self.ids(self.search(backend, text)) == {201, 401}

    def test_unaccented_phrase_finds_accented_text(self, backend) -> None:
        results = self.search(backend, '"orden de deportacion"', PUBLIC)
        assert self.ids(results) == {202}
        assert "deportación" in marked_words(results.hits[0].snippet_html)

    # -- filters and facets -------------------------------------------------

    def test_theme_filter_needs_every_listed_theme(self, backend) -> None:
        assert self.ids(self.search(backend, "hold", themes=["ice-detainer"])) == {101, 301}
        both = self.search(backend, "hold", themes=["ice-detainer", "family-separation"])
        assert self.ids(both) == {301}
        assert self.search(backend, "hold", themes=["no-such-theme"]).total == 0

    def test_language_filter_takes_any_listed_language(self, backend) -> None:
        assert self.ids(self.search(backend, "la", languages=["es"])) == {201, 401}
        assert self.search(backend, "la", languages=["en"]).total == 0
        assert self.ids(self.search(backend, "hold bail", languages=["en", "es"])) == {101}

    def test_facets_count_the_matching_segments(self, backend) -> None:
        results = self.search(backend, "hold")
        assert results.total == 2
        assert self.facet(results, "theme") == {
            "ice-detainer": 2,
            "secure-communities": 1,
            "family-separation": 1,
        }
        assert results.facets["theme"][0] == FacetCount("ice-detainer", 2)
        assert self.facet(results, "language") == {"en": 2}

    def test_a_facet_count_is_what_clicking_it_returns(self, backend) -> None:
        results = self.search(backend, "hold")
        for value, count in self.facet(results, "theme").items():
            assert self.search(backend, "hold", themes=[value]).total == count

    def test_filters_alone_browse_the_matching_segments(self, backend) -> None:
        results = self.search(backend, "", PUBLIC, languages=["es"])
        assert [hit.segment_id for hit in results.hits] == [201, 202]
        assert results.total == 2
        assert self.facet(results, "theme") == {"family-separation": 1, "deportation": 1}
        assert "separación" in results.hits[0].snippet_html

    def test_exclusion_with_only_a_filter(self, backend) -> None:
        results = self.search(backend, "-zanzibar", themes=["ice-detainer"])
        assert self.ids(results) == {101}

    def test_paging_keeps_the_total(self, backend) -> None:
        query = parse_query("", languages=["en"])
        first = backend.search(query, access_levels=EVERYONE, limit=2)
        second = backend.search(query, access_levels=EVERYONE, limit=2, offset=2)
        beyond = backend.search(query, access_levels=EVERYONE, limit=2, offset=50)
        assert first.total == second.total == beyond.total == 4
        assert len(first.hits) == len(second.hits) == 2
        assert not self.ids(first) & self.ids(second)
        assert beyond.hits == ()

    # -- access -------------------------------------------------------------

    def test_restricted_canary_leaves_no_trace_for_the_public(self, backend) -> None:
        hidden = self.search(backend, f'"{CANARY}"', PUBLIC)
        assert hidden.hits == ()
        assert hidden.total == 0
        assert not any(hidden.facets.values())

        # Nor through words it shares with public segments.
        shared = self.search(backend, "hold", PUBLIC)
        assert self.ids(shared) == {101}
        assert shared.total == 1
        assert "family-separation" not in self.facet(shared, "theme")
        assert all(CANARY.split()[0] not in hit.snippet_html for hit in shared.hits)
        browse = self.search(backend, "", PUBLIC, themes=["family-separation"])
        assert self.ids(browse) == {201}
        assert self.facet(browse, "theme") == {"family-separation": 1}

    def test_researchers_see_the_canary_and_staff_material_stays_hidden(self, backend) -> None:
        assert self.ids(self.search(backend, f'"{CANARY}"', RESEARCHER)) == {301}
        assert self.ids(self.search(backend, "separacion", RESEARCHER)) == {201}
        assert self.ids(self.search(backend, "separacion", {"staff"})) == {401}

    @pytest.mark.parametrize("levels", [set(), frozenset(), (), ["sealed"], ["admin"]])
    def test_no_access_level_sees_nothing(self, backend, levels) -> None:
        for query in (parse_query("hold"), parse_query("", languages=["en"])):
            results = backend.search(query, access_levels=levels)
            assert results.hits == ()
            assert results.total == 0
            assert not any(results.facets.values())

    def test_sealed_segments_are_refused(self, backend) -> None:
        with pytest.raises(ValueError, match="sealed"):
            backend.index_segments([segment(901, 9, "sealed words", access_level="sealed")])
        assert self.search(backend, "sealed").total == 0

    # -- keeping the index in step -------------------------------------------

    def test_removed_testimony_leaves_search_at_once(self, backend) -> None:
        before = backend.count()
        backend.remove_testimony(1)
        assert backend.count() == before - 2
        assert self.ids(self.search(backend, "hold")) == {301}
        assert self.search(backend, "", themes=["secure-communities"]).total == 0
        backend.remove_testimony(1)  # nothing left to remove: not an error

    def test_reindexing_a_segment_replaces_it(self, backend) -> None:
        before = backend.count()
        corrected = segment(
            101, 1, "They put a detainer on me before my release.", themes=("detention",)
        )
        assert backend.index_segments([corrected, corrected]) == 1
        assert backend.count() == before
        assert self.search(backend, "bail", PUBLIC).total == 1  # only 501 now
        assert self.ids(self.search(backend, "detainer release")) == {101}
        assert self.search(backend, "", themes=["secure-communities"]).total == 0
        assert self.facet(self.search(backend, "detainer"), "theme") == {"detention": 1}

    def test_clear_empties_the_index(self, backend) -> None:
        backend.clear()
        assert backend.count() == 0
        assert self.search(backend, "hold").total == 0
        assert backend.index_segments([]) == 0

    # -- hostile input --------------------------------------------------------

    def test_snippet_escapes_markup_in_the_transcript(self, backend) -> None:
        (hit,) = self.search(backend, "hearing").hits
        assert "&lt;script&gt;" in hit.snippet_html
        assert marked_words(hit.snippet_html) == {"hearing"}
        assert "<" not in render_without_marks(hit.snippet_html)

    def test_markers_in_document_text_cannot_forge_highlights(self, backend) -> None:
        backend.index_segments([segment(601, 6, "forged \x02tag\x03 and bail<mark>")])
        (hit,) = self.search(backend, "forged").hits
        assert hit.snippet_html.count("<mark>") == 1
        assert "&lt;mark&gt;" in hit.snippet_html

    def test_ten_thousand_characters_is_a_query_error(self, backend) -> None:
        with pytest.raises(QueryError, match="10000 characters"):
            parse_query("hold " * 2000)

    def test_operators_only_is_a_query_error(self, backend) -> None:
        with pytest.raises(QueryError):
            parse_query('AND OR * ( ) "" -')

    @pytest.mark.parametrize("text", HOSTILE_QUERIES)
    def test_hostile_query_is_refused_or_answered(self, backend, text: str) -> None:
        self.refuse_or_answer(backend, text)

    def test_random_hostile_queries_are_refused_or_answered(self, backend) -> None:
        rng = random.Random(20240611)
        alphabet = list("\"'-*^:(){}+,.;\\/ \t\n\x00\x02\x03") + [
            "AND ",
            "OR ",
            "NOT ",
            "NEAR",
            "hold",
            "bail",
            "é",
            "\u0301",
            "😀",
            "\u200d",
            "ß",
        ]
        for _ in range(300):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
            self.refuse_or_answer(backend, text)
        assert backend.count() == len(ARCHIVE)

    def refuse_or_answer(self, backend: SearchBackend, text: str) -> None:
        try:
            query = parse_query(text)
        except QueryError:
            return
        results = backend.search(query, access_levels=PUBLIC)
        assert results.total >= len(results.hits)
        for hit in results.hits:
            assert "<" not in render_without_marks(hit.snippet_html)
            assert hit.segment_id not in (301, 401)


class TestSQLiteInMemory(BackendContract):
    def create_backend(self, tmp_path: Path) -> SearchBackend:
        return SQLiteBackend({"PATH": ":memory:"})


class TestSQLiteFile(BackendContract):
    def create_backend(self, tmp_path: Path) -> SearchBackend:
        return SQLiteBackend({"PATH": str(tmp_path / "nested" / "search.sqlite3")})
