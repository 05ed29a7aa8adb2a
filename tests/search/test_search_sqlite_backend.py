"""What the SQLite backend and the backend loader do beyond the shared contract."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.backends import get_backend, reset_backends
from search.backends.base import Hit, SearchUnavailable, SegmentDocument
from search.backends.sqlite import SearchBackend as SQLiteBackend
from search.backends.sqlite import segment_match
from search.expansion import seed_thesaurus
from search.plan import plan_query
from search.query import Query, parse_query


def document(segment_id: int, text: str, testimony_id: int = 1) -> SegmentDocument:
    return SegmentDocument(
        segment_id=segment_id,
        testimony_id=testimony_id,
        title="A testimony",
        url=f"/t/{testimony_id}/",
        start=float(segment_id),
        end=float(segment_id) + 5,
        text=text,
        language="en",
        themes=("detention",),
        access_level="public",
    )


def hit(url: str, start: float) -> Hit:
    return Hit(1, 1, "t", url, start, start + 1, "", 1.0)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/t/1/", "/t/1/?t=125.9"),
        ("/t/1/?lang=es", "/t/1/?lang=es&t=125.9"),
        ("/t/1/#transcript", "/t/1/?t=125.9#transcript"),
    ],
)
def test_player_url_adds_the_second_to_any_url(url: str, expected: str) -> None:
    assert hit(url, 125.9).player_url == expected


def test_every_word_is_quoted_for_fts5() -> None:
    query = Query(terms=('he said "no"', "bail"), phrases=(("ice", "hold"),), exclusions=("not",))
    match, counted = segment_match(
        plan_query(query, seed_thesaurus()), query, frozenset({"public"})
    )
    assert '"ice hold"' in match
    assert '"he said no"' in match  # the word's tokens as one quoted phrase, no quote left raw
    assert match.endswith('NOT ({stems tstems}: ("not"))')
    assert counted == []  # one of the two words is enough: their OR is in the MATCH
    many = Query(terms=("hold", "request", "kept", "posting", "bail"), phrases=(), exclusions=())
    match, counted = segment_match(plan_query(many, seed_thesaurus()), many, frozenset({"public"}))
    assert len(counted) == 5  # two of five must match: the backend counts them
    assert all(c.startswith("{stems tstems}: (") for c in counted)


def test_index_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "index" / "search.sqlite3"
    backend = SQLiteBackend({"PATH": str(path)})
    backend.index_segments([document(1, "held at the county jail")])
    backend.close()

    reopened = SQLiteBackend({"PATH": str(path)})
    results = reopened.search(parse_query("county"), access_levels={"public"})
    assert [h.segment_id for h in results.hits] == [1]
    reopened.close()


def test_unusable_path_is_search_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SearchUnavailable, match="Cannot open the search index") as excinfo:
        SQLiteBackend({"PATH": str(tmp_path)})  # a directory, not a file
    assert excinfo.value.__cause__ is not None


def test_a_closed_index_is_search_unavailable_not_a_crash() -> None:
    backend = SQLiteBackend({"PATH": ":memory:"})
    backend.close()
    with pytest.raises(SearchUnavailable, match="could not search"):
        backend.search(parse_query("jail"), access_levels={"public"})


def test_foreign_file_is_search_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(SearchUnavailable):
        SQLiteBackend({"PATH": str(path)})


def test_threads_share_one_backend(tmp_path: Path) -> None:
    backend = SQLiteBackend({"PATH": str(tmp_path / "s.sqlite3")})
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(30):
                segment_id = worker * 1000 + i
                backend.index_segments([document(segment_id, f"jail word{worker}", worker)])
                backend.search(parse_query("jail"), access_levels={"public"})
        except BaseException as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert backend.count() == 120
    backend.close()


# -- get_backend: needs settings, not a database ------------------------------


@pytest.fixture
def search_settings(tmp_path: Path) -> Iterator[None]:
    from django.conf import settings
    from django.test import override_settings

    if not settings.configured:
        settings.configure()
    reset_backends()
    with override_settings(
        SEARCH_BACKENDS={
            "default": {"BACKEND": "search.backends.sqlite", "PATH": str(tmp_path / "a.db")},
            "by_class": {
                "BACKEND": "search.backends.sqlite.SearchBackend",
                "PATH": ":memory:",
            },
            "missing": {"BACKEND": "search.backends.nonexistent"},
            "not_a_backend": {"BACKEND": "search.query.Query"},
        }
    ):
        yield
    reset_backends()


@pytest.mark.usefixtures("search_settings")
def test_backend_is_chosen_by_setting_and_made_once(tmp_path: Path) -> None:
    backend = get_backend()
    assert isinstance(backend, SQLiteBackend)
    assert backend.path == str(tmp_path / "a.db")
    assert get_backend("default") is backend
    assert isinstance(get_backend("by_class"), SQLiteBackend)


@pytest.mark.usefixtures("search_settings")
@pytest.mark.parametrize("alias", ["missing", "not_a_backend", "no-such-alias"])
def test_misconfigured_backend_is_improperly_configured(alias: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        get_backend(alias)


def test_a_misspelt_word_gets_a_suggestion_the_asker_may_see() -> None:
    backend = SQLiteBackend({"PATH": ":memory:"})
    backend.index_segments(
        [
            document(1, "the detainer was lifted"),
            SegmentDocument(
                segment_id=2,
                testimony_id=2,
                title="Sealed away",
                url="/t/2/",
                start=0.0,
                end=1.0,
                text="deportation hearing",
                language="en",
                themes=(),
                access_level="staff",
            ),
        ]
    )
    assert backend.suggest("detainr", access_levels={"public"}) == ("detainer",)
    assert backend.suggest("deportaton", access_levels={"public"}) == ()
    assert backend.suggest("deportaton", access_levels={"staff"}) == ("deportation",)
    backend.close()


def test_filters_run_inside_the_full_text_index() -> None:
    query = parse_query("hold theme:ice-detainer lang:es media:video -bail")
    expression, counted = segment_match(
        plan_query(query, seed_thesaurus()), query, frozenset({"public"})
    )
    assert expression.startswith(
        '(({tags}: ("acl_public")) AND ({tags}: ("lang_es")) '
        'AND ({tags}: ("med_video")) AND ({tags}: "th_ice_detainer") AND ({stems tstems}: ("hold"'
    )
    assert expression.endswith('NOT ({stems tstems}: ("bail"))')
    assert counted == []  # one word: it must match, inside the MATCH


def test_an_index_from_older_code_is_recreated_empty_and_says_to_rebuild(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    path = tmp_path / "search.sqlite3"
    old = sqlite3.connect(path)
    # Schema 2 matched titles in every segment; its rows must not linger.
    old.executescript(
        "CREATE TABLE segments (segment_id INTEGER PRIMARY KEY, text TEXT);"
        "INSERT INTO segments VALUES (1, 'stale words');"
        "PRAGMA user_version = 2;"
    )
    old.close()
    backend = SQLiteBackend({"PATH": str(path)})
    assert backend.count() == 0
    assert "rebuild_index" in caplog.text
    backend.index_segments([document(1, "held at the county jail")])
    backend.index_testimonies([])
    assert backend.search(parse_query("jail"), access_levels={"public"}).total == 1
    backend.close()


def restricted(segment_id: int, text: str, access_level: str) -> SegmentDocument:
    return SegmentDocument(
        segment_id=segment_id,
        testimony_id=100 + segment_id % 3,
        title="Restricted",
        url="/t/restricted/",
        start=0.0,
        end=1.0,
        text=text,
        language="en",
        themes=(),
        access_level=access_level,
    )


@pytest.mark.parametrize(("rank_cap", "count_walk"), [(2, 3), (1_000, 3), (1_000, 100)])
def test_ranking_by_the_words_alone_never_shows_what_the_asker_may_not_see(
    monkeypatch: pytest.MonkeyPatch, rank_cap: int, count_walk: int
) -> None:
    import search.backends.sqlite as sqlite_backend

    # Tiny caps send even this small index down the paths a million segments take:
    # ranking a capped subset, and counting only the walked matches past the walk limit.
    monkeypatch.setattr(sqlite_backend, "RANK_CAP", rank_cap)
    monkeypatch.setattr(sqlite_backend, "COUNT_WALK", count_walk)
    backend = SQLiteBackend({"PATH": ":memory:"})
    # Staff segments say the word more often, so they would rank first if seen.
    backend.index_segments(
        [restricted(n, "bail bail bail bail", "staff") for n in range(1, 6)]
        + [document(n, "the bail hearing") for n in range(6, 11)]
        + [restricted(n, "bail bail bail", "researchers") for n in range(11, 16)]
    )
    exact = count_walk >= 10
    for search in (backend.search, backend.search_grouped):
        results = search(parse_query("bail"), access_levels={"public"})
        # Past the walk the total is a lower bound of what the asker may see, never more.
        assert results.total == 5 if exact else count_walk < results.total <= 5
        assert results.total_exact is exact
        assert results.hits
        assert {hit.segment_id for hit in results.hits} <= set(range(6, 11))
        assert all("Restricted" not in hit.title for hit in results.hits)
    everyone = backend.search(parse_query("bail"), access_levels={"public", "staff"})
    assert everyone.total == 10 if exact else count_walk < everyone.total <= 10
    if rank_cap > 10:
        # Nothing capped: the best-ranked moments come first.
        assert everyone.hits[0].segment_id in range(1, 6)
    else:
        assert everyone.facets_approximate
    backend.close()


@pytest.mark.parametrize("question", ["bail", "bail hearing judge lawyer"])
def test_a_very_common_word_ranks_moments_from_new_testimony_too(
    monkeypatch: pytest.MonkeyPatch, question: str
) -> None:
    import search.backends.sqlite as sqlite_backend

    # Tiny walk limits play a word said in hundreds of thousands of moments: only
    # some matches are ranked, and they must not all be the oldest ones.
    monkeypatch.setattr(sqlite_backend, "COUNT_WALK", 4)
    monkeypatch.setattr(sqlite_backend, "WALK_RUNS", 2)
    backend = SQLiteBackend({"PATH": ":memory:"})
    best = 15  # where the second run starts: 1 + (30 - 1) // 2
    backend.index_segments(
        [
            document(n, "the bail hearing was set for a later day and then moved again", n)
            if n != best
            else document(n, "bail hearing judge lawyer", n)
            for n in range(1, 31)
        ]
    )
    for search in (backend.search, backend.search_grouped):
        results = search(parse_query(question), access_levels={"public"})
        assert results.hits[0].segment_id == best
        assert results.facets_approximate
    common = backend.search(parse_query("bail"), access_levels={"public"})
    # Walked: the first 5 matches, then a run of 2 from the middle (15, 16).
    assert (common.total, common.total_exact) == (7, False)
    backend.close()


def test_a_total_past_the_walk_says_at_least_on_the_page_and_in_the_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.template.loader import render_to_string

    import search.backends.sqlite as sqlite_backend
    from search.api import _payload

    monkeypatch.setattr(sqlite_backend, "COUNT_WALK", 4)
    backend = SQLiteBackend({"PATH": ":memory:"})
    backend.index_segments([document(n, "the bail hearing", n) for n in range(1, 11)])
    counted = backend.search_grouped(parse_query("bail"), access_levels={"public"})
    assert not counted.total_exact and 4 < counted.total < 10
    page = render_to_string("search/search.html", {"results": counted, "facets": {}})
    assert f"At least {counted.total} moments in" in page
    assert _payload(counted, 1)["total_exact"] is False
    monkeypatch.setattr(sqlite_backend, "COUNT_WALK", 100)
    exact = backend.search_grouped(parse_query("bail"), access_levels={"public"})
    assert exact.total_exact and exact.total == 10
    page = render_to_string("search/search.html", {"results": exact, "facets": {}})
    assert "At least" not in page and "10 moments in" in page
    assert _payload(exact, 1)["total_exact"] is True
    backend.close()


def test_a_phrase_is_highlighted_as_one_span() -> None:
    from search.highlight import marked_html

    query = parse_query('"took my fingerprints" changed')
    snippet, marked = marked_html(
        "The day they took my fingerprints, everything changed.",
        "en",
        plan_query(query, seed_thesaurus()),
    )
    assert marked
    assert "<mark>took my fingerprints</mark>," in snippet
    assert "<mark>changed</mark>." in snippet


def test_the_typed_words_in_the_other_language_rank_above_a_synonym_in_the_same() -> None:
    from dataclasses import replace

    backend = SQLiteBackend({"PATH": ":memory:"})
    backend.index_segments(
        [
            # A synonym of "ICE hold" in the question's language, in a short moment...
            document(1, "the detainer came that week"),
            # ...and the thesaurus's Spanish for it in a longer one, which length alone
            # would put second.
            replace(
                document(2, "aquella semana llegó para mí la solicitud de retención", 2),
                language="es",
            ),
        ]
    )
    results = backend.search(parse_query("ice hold"), access_levels={"public"})
    assert [hit.segment_id for hit in results.hits] == [2, 1]
    backend.close()
