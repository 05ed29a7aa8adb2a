"""The JSON search API, the search page and the command: same answers, same policy, no 500s."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client

from search.backends import get_backend, reset_backends
from search.backends.base import SearchUnavailable, SegmentDocument
from search.indexing import with_retries

pytestmark = pytest.mark.django_db

DOWN = {"BACKEND": "search.backends.postgres", "DATABASE_URL": "postgresql://x@127.0.0.1:1/x"}


def doc(segment_id: int, testimony_id: int, text: str, **extra) -> SegmentDocument:
    fields = {
        "title": f"Testimony {testimony_id}",
        "url": f"/t{testimony_id}/",
        "start": 60.0 * segment_id,
        "end": 60.0 * segment_id + 10,
        "language": "en",
        "themes": ("ice-detainer",),
        "access_level": "public",
        "place": "New York",
        "year": 2012,
        "media_type": "audio",
        **extra,
    }
    return SegmentDocument(segment_id=segment_id, testimony_id=testimony_id, text=text, **fields)


@pytest.fixture
def indexed() -> None:
    cache.clear()
    get_backend().index_segments(
        [
            doc(1, 1, "They put an ICE hold on me so I could not post bail."),
            doc(2, 1, "The hold lasted for weeks."),
            doc(3, 2, "Another hold, in Houston.", place="Houston", year=1999, media_type="video"),
            doc(4, 3, "Restricted hold words zanzibar.", access_level="researchers"),
        ]
    )


@pytest.mark.usefixtures("indexed")
def test_api_returns_testimonies_with_their_best_moments() -> None:
    response = Client().get("/api/search/", {"q": "hold"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert body["total_testimonies"] == 2
    assert [g["testimony_id"] for g in body["groups"]][0] in (1, 2)
    first = next(g for g in body["groups"] if g["testimony_id"] == 1)
    assert first["total"] == 2
    assert first["hits"][0]["url"].startswith("/t1/?t=")
    assert "<mark>" in first["hits"][0]["snippet"]
    facets = {name: {f["value"]: f["count"] for f in v} for name, v in body["facets"].items()}
    assert facets["place"] == {"New York": 2, "Houston": 1}
    assert facets["decade"] == {"2010": 2, "1990": 1}
    assert facets["media_type"] == {"audio": 2, "video": 1}
    assert body["page"] == 1 and body["pages"] == 1


@pytest.mark.usefixtures("indexed")
def test_api_filters_by_field_and_parameter() -> None:
    by_text = Client().get("/api/search/", {"q": 'hold place:"new york"'}).json()
    by_param = Client().get("/api/search/", {"q": "hold", "year": "2010..2015"}).json()
    assert by_text["total"] == by_param["total"] == 2


@pytest.mark.usefixtures("indexed")
def test_api_never_shows_an_anonymous_client_restricted_testimony() -> None:
    body = Client().get("/api/search/", {"q": "zanzibar"}).json()
    assert body["total"] == 0 and body["groups"] == [] and body["hits"] == []
    assert body["suggestions"] == []


@pytest.mark.usefixtures("indexed")
def test_api_suggests_a_spelling_for_a_misspelt_word() -> None:
    body = Client().get("/api/search/", {"q": "hlod"}).json()
    assert body["total"] == 0
    assert body["suggestions"] == ["hold"]


@pytest.mark.usefixtures("indexed")
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 10_000}, "the limit is 500"),
        ({"q": "AND OR *"}, "Nothing to search for"),
        ({"q": "hold year:2015..2010"}, "ends before it starts"),
        ({"q": "hold", "year": "soon"}, "Cannot read the year"),
        ({"q": "hold colour:red"}, "Unknown search field"),
        ({"q": "\x00\x01\x02"}, "Nothing to search for"),
    ],
)
def test_api_bad_queries_are_400_with_a_message(params: dict, message: str) -> None:
    response = Client().get("/api/search/", params)
    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.usefixtures("indexed")
def test_api_unknown_theme_is_zero_results_not_an_error() -> None:
    response = Client().get("/api/search/", {"q": "hold theme:no-such-theme"})
    assert response.status_code == 200
    assert response.json()["total"] == 0


@pytest.mark.usefixtures("indexed")
def test_api_is_rate_limited_per_client_with_retry_after(settings) -> None:
    settings.SEARCH_API_RATE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [client.get("/api/search/", {"q": "hold"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/search/", {"q": "hold"})
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many searches" in refused.json()["error"]
    other = Client(REMOTE_ADDR="203.0.113.10").get("/api/search/", {"q": "hold"})
    assert other.status_code == 200


def test_api_schema_is_openapi_3_describing_the_search() -> None:
    schema = Client().get("/api/schema.json").json()
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/search/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "theme", "language", "page"}
    assert {"200", "400", "429", "503"} <= set(operation["responses"])


@pytest.fixture
def backend_down(settings) -> None:
    cache.clear()
    settings.SEARCH_BACKENDS = {"default": DOWN}
    reset_backends()


@pytest.mark.usefixtures("backend_down")
def test_a_backend_that_is_down_is_503_for_the_api_the_page_and_exit_1_for_the_command():
    api = Client().get("/api/search/", {"q": "hold"})
    assert api.status_code == 503
    assert "unavailable" in api.json()["error"]
    page = Client().get("/search/", {"q": "hold"})
    assert page.status_code == 503
    assert "Search is unavailable right now" in page.content.decode()
    with pytest.raises(CommandError):
        call_command("search", "hold", stdout=StringIO())


@pytest.mark.usefixtures("indexed")
def test_search_page_groups_moments_by_testimony_with_facets_and_pages() -> None:
    response = Client().get("/search/", {"q": "hold"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="group"') == 2
    assert "2 moments in this testimony" in html
    assert "1990s" in html and "Houston" in html and "Video" in html
    assert "year=1990..1999" in html


@pytest.mark.usefixtures("indexed")
def test_search_command_json_keeps_its_keys() -> None:
    out = StringIO()
    call_command("search", "hold", "--json", stdout=out)
    import json

    body = json.loads(out.getvalue())
    assert {"total", "hits", "facets"} <= set(body)
    assert body["total"] == 3


def test_indexing_is_retried_then_gives_up_with_the_last_error(caplog) -> None:
    calls = []

    def flaky() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise SearchUnavailable("index restarting")
        return 7

    with caplog.at_level(logging.WARNING, logger="search.indexing"):
        assert with_retries(flaky, what="indexing", delays=(0, 0, 0)) == 7
    assert len(calls) == 3
    assert "retrying" in caplog.text

    def down() -> int:
        raise SearchUnavailable("down")

    with pytest.raises(SearchUnavailable):
        with_retries(down, what="indexing", delays=(0,))


@pytest.fixture
def bilingual() -> None:
    cache.clear()
    get_backend().index_segments(
        [
            doc(
                10,
                10,
                "Esta separación familiar es lo más duro que he vivido.",
                language="es",
                translation="This family separation is the hardest thing I have lived.",
                themes=(),
            ),
            doc(11, 11, "The jail would not let me go after my bail was paid.", themes=()),
            doc(12, 12, "Restricted zanzibar words about the detainer.", access_level="staff"),
        ]
    )


@pytest.mark.usefixtures("bilingual")
def test_an_english_question_finds_a_spanish_moment_shown_with_its_translation() -> None:
    body = Client().get("/api/search/", {"q": "family separation"}).json()
    (hit,) = body["hits"]
    assert hit["testimony_id"] == 10
    assert "<mark>separación familiar</mark>" in hit["snippet"]
    assert "<mark>family separation</mark>" in hit["translation"]
    page = Client().get("/search/", {"q": "family separation"}).content.decode()
    assert "Machine translation:" in page
    assert page.index("separación familiar") < page.index("Machine translation:")


@pytest.mark.usefixtures("bilingual")
def test_the_all_words_option_requires_every_word() -> None:
    loose = Client().get("/api/search/", {"q": "bail fianza"}).json()
    assert [h["testimony_id"] for h in loose["hits"]] == [11]
    strict = Client().get("/api/search/", {"q": "bail fianza", "all": "1"}).json()
    assert strict["total"] == 0
    page = Client().get("/search/", {"q": "bail fianza", "all": "1"}).content.decode()
    assert 'name="all" value="1" checked' in page


@pytest.mark.usefixtures("bilingual")
def test_a_thesaurus_edit_takes_effect_without_rebuilding_the_index() -> None:
    from archive.models import Theme

    assert Client().get("/api/search/", {"q": "kinfracture"}).json()["total"] == 0
    theme = Theme.objects.get(slug="family-separation")
    theme.terms_en += "\nkinfracture"
    theme.save()
    body = Client().get("/api/search/", {"q": "kinfracture"}).json()
    assert [h["testimony_id"] for h in body["hits"]] == [10]


@pytest.mark.usefixtures("bilingual")
@pytest.mark.parametrize(
    "text",
    [
        "the of and",  # stop words only: looked up as typed
        "a",  # one letter
        "zanzibar",  # said only where the asker may not look
        "zanzibr",  # a near spelling of it
        "detainer immigration hold orden de retención",  # synonyms of a restricted moment's theme
        "qxzv wrrpt blorf",  # nothing like any word
        " ".join(f"w{n}" for n in range(32)),  # as many words as allowed
    ],
)
def test_odd_questions_are_answered_without_a_restricted_byte(text: str) -> None:
    for url in ("/api/search/", "/search/"):
        response = Client().get(url, {"q": text})
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "zanzibar" not in body.replace(text, "")
        assert "Restricted" not in body


@pytest.mark.usefixtures("bilingual")
def test_too_many_words_is_a_clear_400() -> None:
    response = Client().get("/api/search/", {"q": " ".join(f"w{n}" for n in range(40))})
    assert response.status_code == 400
    assert "the limit is 32" in response.json()["error"]


@pytest.mark.usefixtures("indexed")
def test_the_search_page_and_the_api_share_one_allowance(settings) -> None:
    """A client refused by the API cannot keep scraping through the HTML page."""
    settings.SEARCH_API_RATE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.20")
    assert client.get("/api/search/", {"q": "hold"}).status_code == 200
    assert client.get("/search/", {"q": "hold"}).status_code == 200
    assert client.get("/api/search/", {"q": "hold"}).status_code == 200
    refused = client.get("/search/", {"q": "hold"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many searches" in refused.content.decode()
    assert client.get("/api/search/", {"q": "hold"}).status_code == 429
    # An empty search page is a form, not a search: it stays open.
    assert client.get("/search/").status_code == 200


@pytest.mark.usefixtures("indexed")
def test_the_allowance_is_counted_in_a_shared_redis_cache(settings) -> None:
    """With CACHE_URL on Redis, every server process counts against the same allowance."""
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": "testimonio-test",
        }
    }
    server = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    for key in server.scan_iter("testimonio-test:*"):
        server.delete(key)
    settings.SEARCH_API_RATE_LIMIT = 2
    client = Client(REMOTE_ADDR="203.0.113.21")
    assert client.get("/search/", {"q": "hold"}).status_code == 200
    [key] = list(server.scan_iter("testimonio-test:*search-rate:203.0.113.21:*"))
    assert int(server.get(key)) == 1
    # Another process's count, written straight to Redis, is this process's too.
    server.incr(key)
    assert client.get("/api/search/", {"q": "hold"}).status_code == 429
    server.delete(key)


@pytest.mark.usefixtures("indexed")
def test_a_total_past_the_count_limit_says_at_least_everywhere(monkeypatch) -> None:
    import search.backends.sqlite as sqlite_backend

    # A walk limit of one plays a word said in more moments than are counted.
    monkeypatch.setattr(sqlite_backend, "COUNT_WALK", 1)
    body = Client().get("/api/search/", {"q": "hold"}).json()
    assert body["total_exact"] is False and 1 < body["total"] <= 3
    html = Client().get("/search/", {"q": "hold"}).content.decode()
    assert f"At least {body['total']} moments in" in html
    out = StringIO()
    call_command("search", "hold", stdout=out)
    assert out.getvalue().startswith(f"at least {body['total']} moment(s) found")
    monkeypatch.setattr(sqlite_backend, "COUNT_WALK", 10_000)
    body = Client().get("/api/search/", {"q": "hold"}).json()
    assert body["total_exact"] is True and body["total"] == 3
