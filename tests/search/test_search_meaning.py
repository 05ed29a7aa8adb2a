"""Search by meaning: a paraphrase with none of the spoken words finds the moment.

Real encoder (all-MiniLM-L6-v2 from its PyPI package), real SQLite and
PostgreSQL backends; Elasticsearch as request bodies. The rules a person
would notice: what the words miss, meaning finds; nothing restricted is
ever a candidate; filters hold; removal and access changes take effect at
once, even in another process's copy of the vectors; nonsense finds nothing.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from search import meaning
from search.backends.base import SearchBackend, SegmentDocument
from search.backends.sqlite import SearchBackend as SQLiteBackend
from search.query import parse_query
from tests.search.test_search_backend_contract import postgres_database  # noqa: F401 (fixture)

PUBLIC = frozenset({"public"})
RESEARCHER = frozenset({"public", "researchers"})

GROOMED = "I was only fifteen when I met him, and he was twenty-nine with a car and money."
PARAPHRASE = "teenager groomed by a much older man"


def moment(
    segment_id: int,
    testimony_id: int,
    text: str,
    *,
    access_level: str = "public",
    language: str = "en",
    translation: str = "",
    themes: tuple[str, ...] = (),
) -> SegmentDocument:
    return SegmentDocument(
        segment_id=segment_id,
        testimony_id=testimony_id,
        title=f"Testimony {testimony_id}",
        url=f"/t/{testimony_id}/",
        start=float(segment_id % 100) * 10,
        end=float(segment_id % 100) * 10 + 9,
        text=text,
        language=language,
        themes=themes,
        access_level=access_level,
        translation=translation,
    )


ARCHIVE = [
    moment(101, 1, GROOMED, themes=("trafficking",)),
    moment(102, 1, "Every Sunday I call my mother on video before she goes to sleep."),
    moment(201, 2, "The judge listened to my story and for the first time I felt believed."),
    moment(202, 2, "They kept me in a cold room at the border station for three days."),
    moment(
        301,
        3,
        "Tenía solo quince años y él casi treinta, con carro y dinero.",
        language="es",
        translation="I was only fifteen years old and he was almost thirty, with a car and money.",
    ),
]


def segment_ids(results) -> list[int]:
    return [hit.segment_id for hit in results.hits]


class MeaningContract:
    """Subclasses give `create_backend(tmp_path, meaning=...)`."""

    def create_backend(self, tmp_path: Path, *, meaning: bool) -> SearchBackend:
        raise NotImplementedError

    @pytest.fixture
    def backend(self, tmp_path: Path) -> Iterator[SearchBackend]:
        backend = self.create_backend(tmp_path, meaning=True)
        backend.index_segments(ARCHIVE)
        yield backend
        backend.close()

    def test_a_paraphrase_with_none_of_the_words_finds_the_moment(
        self, backend: SearchBackend, tmp_path: Path
    ) -> None:
        results = backend.search(parse_query(PARAPHRASE), access_levels=PUBLIC)

        assert segment_ids(results)[:2] and set(segment_ids(results)[:2]) == {101, 301}
        assert results.total == len(results.hits)
        # The Spanish moment is found through its English translation, and shown as said.
        spanish = next(hit for hit in results.hits if hit.segment_id == 301)
        assert "quince" in spanish.snippet_html

        words_only = self.create_backend(tmp_path / "words", meaning=False)
        words_only.index_segments(ARCHIVE)
        assert 101 not in segment_ids(
            words_only.search(parse_query(PARAPHRASE), access_levels=PUBLIC)
        )
        words_only.close()

    def test_grouped_results_and_facets_count_what_meaning_found(
        self, backend: SearchBackend
    ) -> None:
        results = backend.search_grouped(parse_query(PARAPHRASE), access_levels=PUBLIC)

        assert [group.testimony_id for group in results.groups][:2] in ([1, 3], [3, 1])
        assert results.total >= 2 and results.total_groups == len(results.groups)
        languages = {facet.value: facet.count for facet in results.facets["language"]}
        assert languages.get("en", 0) >= 1 and languages.get("es", 0) >= 1

    def test_a_spanish_question_meets_an_english_moment_through_the_thesaurus_english(
        self, backend: SearchBackend, tmp_path: Path
    ) -> None:
        studied = moment(
            401, 4, "While incarcerated I studied literature with professors from the university."
        )
        backend.index_segments([studied])
        # "educación en prisión" is a term of a theme whose English is "education in prison":
        # the encoder reads that, and the moment says none of those words.
        results = backend.search(parse_query("educación en prisión"), access_levels=PUBLIC)
        assert 401 in segment_ids(results)

        words_only = self.create_backend(tmp_path / "words", meaning=False)
        words_only.index_segments([*ARCHIVE, studied])
        alone = words_only.search(parse_query("educación en prisión"), access_levels=PUBLIC)
        assert 401 not in segment_ids(alone)
        words_only.close()

    def test_a_moment_is_read_in_its_place_in_the_story(self, backend: SearchBackend) -> None:
        # Two moments say the same words; only one follows the prison gate. A question
        # spanning both sentences finds that one first, though neither says "mother".
        released = "He walked out at nine in the morning with a paper bag."
        backend.index_segments(
            [
                replace(moment(501, 5, released), context="We planted tomatoes that spring."),
                replace(
                    moment(601, 6, released),
                    context="My mother was waiting for me outside the prison gate.",
                ),
            ]
        )
        question = "his mother waited at the prison gate the morning he was released"

        results = backend.search(parse_query(question), access_levels=PUBLIC)

        scores = {hit.segment_id: hit.score for hit in results.hits}
        assert scores[601] > scores[501]

    def test_a_word_match_stays_ahead_of_a_loose_paraphrase(self, backend: SearchBackend) -> None:
        results = backend.search(parse_query("cold room border station"), access_levels=PUBLIC)

        assert segment_ids(results)[0] == 202

    def test_restricted_moments_are_never_candidates(self, tmp_path: Path) -> None:
        backend = self.create_backend(tmp_path, meaning=True)
        backend.index_segments(
            [
                moment(101, 1, GROOMED, access_level="researchers"),
                *ARCHIVE[1:4],
            ]
        )
        try:
            anonymous = backend.search(parse_query(PARAPHRASE), access_levels=PUBLIC)
            grouped = backend.search_grouped(parse_query(PARAPHRASE), access_levels=PUBLIC)
            researcher = backend.search(parse_query(PARAPHRASE), access_levels=RESEARCHER)
        finally:
            backend.close()

        assert 101 not in segment_ids(anonymous)
        assert 1 not in {group.testimony_id for group in grouped.groups}
        assert "fifteen" not in str(anonymous) + str(grouped)
        assert segment_ids(researcher)[0] == 101

    def test_filters_hold_for_what_meaning_finds(self, backend: SearchBackend) -> None:
        spanish = backend.search(parse_query(PARAPHRASE, languages=["es"]), access_levels=PUBLIC)
        themed = backend.search(
            parse_query(PARAPHRASE, themes=["family-separation"]), access_levels=PUBLIC
        )

        assert segment_ids(spanish) == [301]
        assert segment_ids(themed) == []

    def test_removed_testimony_is_gone_at_once_even_from_another_process(
        self, tmp_path: Path
    ) -> None:
        writer = self.create_backend(tmp_path, meaning=True)
        writer.index_segments(ARCHIVE)
        reader = self.reader(writer, tmp_path)
        try:
            assert 101 in segment_ids(reader.search(parse_query(PARAPHRASE), access_levels=PUBLIC))

            writer.remove_testimony(1)
            after_removal = reader.search(parse_query(PARAPHRASE), access_levels=PUBLIC)
            # Made staff-only in another process: the reader's vectors still say public.
            writer.index_segments([moment(301, 3, ARCHIVE[4].text, access_level="staff")])
            after_restriction = reader.search(parse_query(PARAPHRASE), access_levels=PUBLIC)
        finally:
            reader.close()
            writer.close()

        assert 101 not in segment_ids(after_removal)
        assert 301 not in segment_ids(after_restriction)

    @pytest.mark.parametrize(
        "text",
        ["lorem ipsum dolor", "zzzz qqqq wwww", "the and of", "xqzvb blorft"],
    )
    def test_nonsense_finds_nothing_by_meaning(self, backend: SearchBackend, text: str) -> None:
        assert backend.search(parse_query(text), access_levels=PUBLIC).hits == ()

    def reader(self, writer: SearchBackend, tmp_path: Path) -> SearchBackend:
        raise NotImplementedError


class TestSQLite(MeaningContract):
    def create_backend(self, tmp_path: Path, *, meaning: bool) -> SearchBackend:
        return SQLiteBackend({"PATH": str(tmp_path / "search.sqlite3"), "MEANING": meaning})

    def reader(self, writer: SearchBackend, tmp_path: Path) -> SearchBackend:
        return SQLiteBackend({"PATH": str(tmp_path / "search.sqlite3"), "MEANING": True})

    def test_a_purged_testimony_leaves_no_vector_behind(self, tmp_path: Path) -> None:
        backend = self.create_backend(tmp_path, meaning=True)
        backend.index_segments(ARCHIVE)
        backend.forget_testimony(1)
        backend.close()

        with sqlite3.connect(tmp_path / "search.sqlite3") as conn:
            left = conn.execute(
                "SELECT COUNT(*) FROM meaning WHERE segment_id IN (101, 102)"
            ).fetchone()[0]
            kept = conn.execute("SELECT COUNT(*) FROM meaning").fetchone()[0]
        assert left == 0 and kept == 3

    def test_an_index_from_before_gains_the_table_and_answers_by_words(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "search.sqlite3"
        old = SQLiteBackend({"PATH": str(path)})
        old.index_segments(ARCHIVE)
        by_words = segment_ids(old.search(parse_query("cold room"), access_levels=PUBLIC))
        old.close()
        with sqlite3.connect(path) as conn:
            conn.execute("DROP TABLE meaning")

        upgraded = SQLiteBackend({"PATH": str(path), "MEANING": True})
        try:
            found = upgraded.search(parse_query("cold room"), access_levels=PUBLIC)
        finally:
            upgraded.close()
        assert segment_ids(found) == by_words and by_words[0] == 202


class TestPostgreSQL(MeaningContract):
    @pytest.fixture(autouse=True)
    def _tables(self, request: pytest.FixtureRequest) -> Iterator[None]:
        self.url = request.getfixturevalue("postgres_database")
        self.tables: dict[str, str] = {}
        self.created: list = []
        yield
        for backend in self.created:
            backend.drop()
            backend.close()

    def create_backend(self, tmp_path: Path, *, meaning: bool) -> SearchBackend:
        from search.backends.postgres import SearchBackend as PostgresBackend

        table = self.tables.setdefault(str(tmp_path), "search_meaning_" + uuid.uuid4().hex[:12])
        backend = PostgresBackend({"DATABASE_URL": self.url, "TABLE": table, "MEANING": meaning})
        self.created.append(PostgresBackend({"DATABASE_URL": self.url, "TABLE": table}))
        return backend

    def reader(self, writer: SearchBackend, tmp_path: Path) -> SearchBackend:
        from search.backends.postgres import SearchBackend as PostgresBackend

        return PostgresBackend(
            {"DATABASE_URL": self.url, "TABLE": self.tables[str(tmp_path)], "MEANING": True}
        )


# -- which questions go to the encoder, and what Elasticsearch is sent -------------


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("teenager groomed by a much older man", True),
        ("ICE detainer", True),
        ("trata de personas", True),  # Spanish, read as the thesaurus's "human trafficking"
        ("cantaba en el coro", False),  # Spanish with no thesaurus term: the words serve it
        ('"ice hold"', False),  # a phrase asks for exact words
        ("+detainer bail", False),
        ("bail -mail", False),
        ("the of and", False),  # stop words only
    ],
)
def test_which_questions_are_also_asked_by_meaning(text: str, asked: bool) -> None:
    from search.expansion import seed_thesaurus
    from search.plan import plan_query

    query = parse_query(text)
    assert (meaning.question(query, plan_query(query, seed_thesaurus())) is not None) is asked


def test_a_spanish_question_is_encoded_in_the_english_of_its_thesaurus_terms() -> None:
    from search.expansion import seed_thesaurus
    from search.plan import plan_query

    def encoded(text: str) -> str | None:
        query = parse_query(text)
        return meaning.question(query, plan_query(query, seed_thesaurus()))

    # The English term spelt most like the Spanish one comes first, the theme's name otherwise.
    assert encoded("orden de protección en la corte familiar") == "order of protection family court"
    assert encoded("trata de personas") == "human trafficking"
    # A word the lexicon knows is glossed too; a Spanish question with nothing glossed is
    # left to the words, and an English one is encoded as typed.
    assert encoded("indulto del gobernador") == "pardon and clemency governor"
    assert encoded("cantaba en el coro") is None
    assert encoded("teenager groomed by a much older man") == PARAPHRASE
    assert meaning.question(parse_query("trata de personas")) is None  # no plan, no English


def test_a_neighbour_about_something_else_barely_moves_a_moment() -> None:
    released = "He walked out at nine in the morning with a paper bag."
    alone = meaning.encode([released])[0]

    def leaned(context: str) -> float:
        (vector,) = meaning.encode_documents([replace(moment(1, 1, released), context=context)])
        return float(vector @ alone)

    related = leaned("My mother was waiting for me outside the prison gate when I was released.")
    unrelated = leaned("We planted tomatoes that spring.")
    assert unrelated > related
    assert unrelated > 0.98


def test_the_elasticsearch_body_asks_knn_under_the_same_filters() -> None:
    from search.backends.elasticsearch import grouped_body, index_body, search_body

    query = parse_query(PARAPHRASE, languages=["es"])
    vector = [0.1] * meaning.DIMENSIONS
    body = search_body(query, PUBLIC, 20, 0, vector)
    grouped = grouped_body(query, PUBLIC, 10, 0, 3, vector)

    for knn in (body["knn"], grouped["knn"]):
        filters = knn["filter"]["bool"]["filter"]
        assert {"terms": {"access_level": ["public"]}} in filters
        assert {"terms": {"language": ["es"]}} in filters
        assert knn["field"] == "meaning" and len(knn["query_vector"]) == meaning.DIMENSIONS
        assert knn["similarity"] == meaning.MIN_SIMILARITY
    assert "knn" not in search_body(query, PUBLIC, 20, 0)
    mapping = index_body()["mappings"]["properties"]["meaning"]
    assert mapping == {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine"}


def test_the_elasticsearch_backend_sends_vectors_and_the_question(tmp_path: Path) -> None:
    from search.backends.elasticsearch import SearchBackend as ElasticsearchBackend

    class Client:
        """Records what the backend sends; answers as the Elasticsearch reference shows."""

        def __init__(self) -> None:
            self.bodies: list[dict] = []

        def search(self, **body):
            self.bodies.append(body)
            return {
                "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []},
                "aggregations": {"moments": {"doc_count": 0}, "testimonies": {"value": 0}},
            }

    client = Client()
    backend = ElasticsearchBackend({"CLIENT": client, "MEANING": True, "INDEX": "t"})
    backend._ready = backend._mapped = True
    backend.search(parse_query(PARAPHRASE), access_levels=PUBLIC)
    backend.search(parse_query("cantaba en el coro"), access_levels=PUBLIC)
    backend.search(parse_query("educación en prisión"), access_levels=PUBLIC)

    asked = client.bodies[0]["knn"]
    near = meaning.encode([GROOMED])[0]
    assert sum(a * b for a, b in zip(asked["query_vector"], near, strict=True)) > 0.3
    assert "knn" not in client.bodies[1]
    # A Spanish question with a thesaurus term is asked in that term's English.
    english = meaning.encode(["education in prison"])[0]
    glossed = client.bodies[2]["knn"]["query_vector"]
    assert sum(a * b for a, b in zip(glossed, english, strict=True)) > 0.99
    vectors = backend._meaning_vectors(ARCHIVE[:2])
    assert sorted(vectors) == [101, 102] and len(vectors[101]) == meaning.DIMENSIONS


def test_a_vector_of_a_level_nobody_holds_is_never_near() -> None:
    import numpy as np

    vectors = meaning.encode([GROOMED, "The judge listened to my story."])
    rows = [
        (101, 1, "sealed", meaning.to_bytes(vectors[0])),
        (201, 2, "public", meaning.to_bytes(vectors[1])),
    ]
    table = meaning.VectorTable()
    question = meaning.question_vector(PARAPHRASE)
    everyone = frozenset({"public", "researchers", "staff", "sealed"})

    near = table.nearest(question, everyone, 10, version=1, load=lambda: rows)

    assert [segment_id for _, segment_id, _ in near] in ([], [201])
    assert np.isclose(np.linalg.norm(question), 1.0)


def test_a_server_can_load_the_encoder_before_its_first_question() -> None:
    meaning._load_encoder.cache_clear()
    meaning.question_vector.cache_clear()

    meaning.warm_in_background().join(120)

    assert meaning._load_encoder.cache_info().currsize == 1
    assert meaning.question_vector("warm up").shape == (meaning.DIMENSIONS,)


def test_one_ranking_keeps_how_far_apart_the_scores_are() -> None:
    # The best word match, a weak one (a common word of the question, a fifth of
    # the best score), and a moment that says nothing typed but means it closely.
    words = [(1, 10, 10.0), (2, 11, 2.0)]
    near = [(3, 12, 0.8), (1, 10, 0.35)]

    order = [segment_id for _, segment_id, _ in meaning.fuse(words, near)]

    # Found both ways first; the close paraphrase before the weak word match
    # (by ranks alone the weak match, second of its list, came before it).
    assert order == [10, 12, 11]
    assert meaning.fuse([], []) == []
    # A moment barely near the question adds nothing below the floor.
    only_far = meaning.fuse([], [(1, 13, meaning.SIMILARITY_FLOOR - 0.05)])
    assert [score for _, _, score in only_far] == [0.0]


def test_a_word_match_is_measured_against_the_whole_question_not_the_best_match() -> None:
    # The best word match says one of the question's four words: by the best score
    # it would count as a full match and stay ahead of a close paraphrase.
    words = [(1, 10, 3.0)]
    near = [(2, 11, 0.6)]

    by_best = [segment_id for _, segment_id, _ in meaning.fuse(words, near)]
    by_ceiling = [segment_id for _, segment_id, _ in meaning.fuse(words, near, ceiling=12.0)]

    assert by_best == [10, 11]
    assert by_ceiling == [11, 10]
    # A moment scoring past the ceiling (a word said twice) counts as a full match, no more.
    (past,) = meaning.fuse([(1, 10, 20.0)], [], ceiling=12.0)
    assert past[2] == meaning.WORDS_WEIGHT


def test_the_ceiling_is_a_typical_moment_saying_each_word_once_side_by_side() -> None:
    from search.expansion import Thesaurus
    from search.plan import plan_query
    from search.query import parse_query
    from search.ranking import AVERAGE_WORDS, Statistics, ceiling, score, scoring_clauses

    plan = plan_query(parse_query("jail bail"), Thesaurus())
    statistics = Statistics(documents=1_000, frequencies=(10, 40))
    moment = ["jail", "bail", *["other"] * (int(AVERAGE_WORDS) - 2)]
    one_word = ["jail", *["other"] * (int(AVERAGE_WORDS) - 1)]

    full = score(scoring_clauses(plan), statistics, moment)
    assert abs(full - ceiling(statistics)) < 1e-5
    # One of the two words, the rarer: about half of the question.
    assert 0.4 < score(scoring_clauses(plan), statistics, one_word) / ceiling(statistics) < 0.6
    assert ceiling(Statistics(documents=1_000, frequencies=())) == 0.0
