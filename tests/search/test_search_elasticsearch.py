"""The Elasticsearch backend without a server: the bodies it sends, the answers it reads.

Responses are shaped as the Elasticsearch reference documents them (search
with highlight and aggregations; field collapsing with inner_hits). The live
contract runs in test_search_backend_contract.py when ELASTICSEARCH_URL is set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_search_backend_contract import ARCHIVE

from search.backends.base import FacetCount, SearchUnavailable, TestimonyDocument
from search.backends.elasticsearch import (
    NOT_TESTIMONY,
    SearchBackend,
    document_id,
    document_source,
    grouped_body,
    index_body,
    parse_grouped,
    parse_results,
    search_body,
    synonym_rules,
    synonyms_set_body,
    testimony_source,
)
from search.cognates import proposals
from search.expansion import Thesaurus, seed_thesaurus
from search.lexicon import PREFIX as LEXICON_PREFIX
from search.query import parse_query

FIXTURES = Path(__file__).parent / "fixtures"
PUBLIC = frozenset({"public"})


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_mapping_is_explicit_with_each_segment_analysed_in_its_own_language() -> None:
    body = index_body()
    mapping = body["mappings"]
    assert mapping["dynamic"] == "strict"
    properties = mapping["properties"]
    assert properties["text"]["analyzer"] == "folded"
    assert properties["translation"]["analyzer"] == "folded"
    assert properties["said_en"]["analyzer"] == "english"
    assert properties["said_es"]["analyzer"] == "spanish"
    assert properties["translation_en"]["analyzer"] == "english"
    for name in ("kind", "access_level", "language", "themes", "place", "decade", "media_type"):
        assert properties[name]["type"] == "keyword"
    analysis = body["settings"]["analysis"]
    for analyzer in analysis["analyzer"].values():
        assert "asciifolding" in analyzer["filter"]
    filters = analysis["filter"]
    # Snowball, as archive.language stems for SQLite and PostgreSQL.
    assert filters["english_stemmer"]["language"] == "porter2"
    assert filters["spanish_stemmer"]["language"] == "spanish"
    assert filters["thesaurus_es"]["type"] == "synonym_graph"
    analyzers = analysis["analyzer"]
    # Synonyms at search time only, after the stemmer (rules are stemmed as questions are).
    assert analyzers["spanish_search"]["filter"][-2:] == ["spanish_stemmer", "thesaurus_es"]
    assert "thesaurus_es" not in analyzers["spanish"]["filter"]


def test_a_segment_is_analysed_in_its_language_and_its_translation_in_english() -> None:
    from search.backends.base import SegmentDocument

    spanish = SegmentDocument(
        segment_id=9, testimony_id=2, title="T", url="/t/", start=1.0, end=2.0,
        text="La separación familiar", language="es", themes=(), access_level="public",
        translation="The family separation",
    )  # fmt: skip
    source = document_source(spanish)
    assert source["said_es"] == "La separación familiar"
    assert "said_en" not in source
    assert source["translation"] == source["translation_en"] == "The family separation"
    assert "translation" not in document_source(ARCHIVE[0])


def test_every_themes_english_and_spanish_terms_are_one_synonym_rule() -> None:
    assert len(synonym_rules(seed_thesaurus())) == len(synonyms_set_body(seed_thesaurus()))
    rules = [
        rule["synonyms"]
        for rule in synonyms_set_body(seed_thesaurus())
        if not rule["id"].startswith(LEXICON_PREFIX)
    ]
    (enforcement,) = [rule for rule in rules if "la migra" in rule]
    assert "immigration enforcement" in enforcement  # both languages in one rule
    assert all("=>" not in rule and rule.count(",") >= 1 for rule in rules)
    (detainer,) = [rule for rule in rules if "orden de retencion" in rule.split(", ")]
    assert "hold request" in detainer.split(", ")


def test_the_lexicon_groups_are_synonym_rules_too() -> None:
    lexicon = {
        rule["id"]: rule["synonyms"].split(", ")
        for rule in synonyms_set_body(seed_thesaurus())
        if rule["id"].startswith(LEXICON_PREFIX)
    }
    assert any({"fingerprints", "huellas digitales"} <= set(words) for words in lexicon.values())


def test_query_filters_by_access_first_and_quotes_nothing_raw() -> None:
    query = parse_query(
        'hold "post bail" -zanzibar theme:ice-detainer lang:en year:2010..2015 '
        'place:"New York" media:audio'
    )
    body = search_body(query, frozenset({"public", "researchers"}), 20, 40)
    bool_query = body["query"]["bool"]
    assert bool_query["filter"][0] == {"terms": {"access_level": ["public", "researchers"]}}
    assert {"term": {"themes": "ice-detainer"}} in bool_query["filter"]
    assert {"terms": {"language": ["en"]}} in bool_query["filter"]
    place_filter = {
        "bool": {
            "should": [{"regexp": {"place_key": "(.*[ ,])?new york([ ,].*)?"}}],
            "minimum_should_match": 1,
        }
    }
    assert place_filter in bool_query["filter"]
    assert {"terms": {"media_type": ["audio"]}} in bool_query["filter"]
    assert {"range": {"year": {"gte": 2010, "lte": 2015}}} in bool_query["filter"]
    phrase, typed = bool_query["must"]
    assert phrase["multi_match"] == {
        "query": "post bail", "type": "phrase", "fields": ["text", "translation"]
    }  # fmt: skip
    assert typed["bool"]["minimum_should_match"] == 1
    assert bool_query["must_not"][0]["multi_match"]["query"] == "zanzibar"
    assert (body["from"], body["size"]) == (40, 20)
    assert body["track_total_hits"] is True
    assert body["highlight"]["pre_tags"] == ["\x02"]
    assert set(body["highlight"]["fields"]) == {"text", "translation"}
    assert set(body["aggs"]) == {"moments", "testimonies"}
    assert body["aggs"]["moments"]["aggs"]["theme"]["terms"]["field"] == "themes"


def matches(clause: object) -> list[tuple[str, dict]]:
    """Every (field, match options) of every match query anywhere in a query."""
    found: list[tuple[str, dict]] = []
    if isinstance(clause, dict):
        for key, value in clause.items():
            if key in ("match", "match_phrase"):
                found += list(value.items())
            else:
                found += matches(value)
    elif isinstance(clause, list):
        for value in clause:
            found += matches(value)
    return found


def test_the_typed_words_are_matched_by_form_synonym_and_near_spelling_scored_below() -> None:
    body = search_body(parse_query("she could not post the bail money"), PUBLIC, 20, 0)
    found = matches(body["query"])
    # Stop words left out; one of three words is enough (search/plan.py's rule).
    words = {options["query"] for _, options in found}
    cognates = " ".join(p for word in ("post", "bail", "money") for p in proposals(word))
    assert words == {"post bail money", cognates}  # and what they may be in Spanish
    assert {o["minimum_should_match"] for _, o in found if "slop" not in o} == {1}
    by_kind = {
        (field, options.get("analyzer"), "fuzziness" in options): options.get("boost")
        for field, options in found
        if "slop" not in options
    }
    assert by_kind[("said_en", "english", False)] == 1.0
    assert by_kind[("said_es", "spanish", False)] == 1.0
    assert by_kind[("said_en", "english_search", False)] == 0.5  # the thesaurus's other words
    assert by_kind[("translation_en", "english", False)] == 0.8  # found through the translation
    assert by_kind[("text", None, True)] == 0.3  # a near spelling: what Whisper misheard
    fuzzy = next(options for field, options in found if "fuzziness" in options)
    assert fuzzy["fuzziness"] == "AUTO"
    # Words close together add to the score.
    assert any(options.get("slop") == 3 for _, options in found)


def test_the_strict_form_requires_the_word_itself() -> None:
    body = search_body(parse_query("+bail hold"), PUBLIC, 20, 0)
    must = body["query"]["bool"]["must"]
    required = [clause["multi_match"] for clause in must if "multi_match" in clause]
    assert required == [
        {
            "query": "bail",
            "type": "best_fields",
            "fields": ["said_en", "said_es", "translation_en^0.8"],
        }
    ]


def test_a_question_of_stop_words_only_is_matched_without_synonyms_or_near_spellings() -> None:
    found = matches(search_body(parse_query("to be or not to be"), PUBLIC, 20, 0)["query"])
    assert found and all("fuzziness" not in options for _, options in found)
    assert all(options.get("analyzer") in ("english", "spanish") for _, options in found)


def multi_matches(clause: object) -> list[dict]:
    """Every multi_match anywhere in a query."""
    found = []
    if isinstance(clause, dict):
        for key, value in clause.items():
            found += [value] if key == "multi_match" else multi_matches(value)
    elif isinstance(clause, list):
        for value in clause:
            found += multi_matches(value)
    return found


SEGMENT_TEXT_FIELDS = {"text", "translation", "said_en", "said_es", "translation_en"}


@pytest.mark.parametrize("text", ["hold", 'hold "post bail" -zanzibar', "", "-zanzibar"])
def test_segment_search_matches_words_in_the_text_only_and_never_testimony_documents(
    text: str,
) -> None:
    # A word in the title must not make every segment of a testimony match.
    body = search_body(parse_query(text, languages=["en"]), PUBLIC, 20, 0)
    query = body["query"]["bool"]
    assert query["filter"][0] == {"terms": {"access_level": ["public"]}}
    # must_not inside the filter: an index made before ``kind`` existed still matches.
    assert NOT_TESTIMONY in query["filter"]
    assert NOT_TESTIMONY == {"bool": {"must_not": {"term": {"kind": "testimony"}}}}
    for match in multi_matches(body["query"]):
        assert {field.split("^")[0] for field in match["fields"]} <= SEGMENT_TEXT_FIELDS
    for field, _ in matches(body["query"]):
        assert field in SEGMENT_TEXT_FIELDS


def test_grouped_search_finds_segments_by_text_and_testimonies_by_what_is_said_about_them() -> None:
    query = parse_query('hold "post bail" -zanzibar lang:en theme:detention')
    outer = grouped_body(query, frozenset({"public", "staff"}), 10, 0, 3)["query"]["bool"]
    # Access and every filter sit outside both clauses, so they bind both kinds alike.
    assert outer["filter"][0] == {"terms": {"access_level": ["public", "staff"]}}
    assert {"terms": {"language": ["en"]}} in outer["filter"]
    assert {"term": {"themes": "detention"}} in outer["filter"]
    assert outer["minimum_should_match"] == 1
    segment, testimony = (clause["bool"] for clause in outer["should"])

    assert segment["filter"] == [NOT_TESTIMONY]
    phrase, typed = segment["must"]
    assert phrase["multi_match"]["query"] == "post bail"
    assert {field for field, _ in matches(typed)} <= SEGMENT_TEXT_FIELDS
    assert segment["must_not"][0]["multi_match"]["fields"][0] == "said_en"

    assert testimony["filter"] == [{"term": {"kind": "testimony"}}]
    fields = ["title^2", "summary", "storyteller^2"]
    assert [m["multi_match"] for m in testimony["must"]] == [
        {"query": "hold", "type": "best_fields", "fields": fields, "operator": "and"},
        {"query": "post bail", "type": "phrase", "fields": fields},
    ]
    excluded = testimony["must_not"][0]["multi_match"]
    assert (excluded["query"], excluded["fields"]) == (
        "zanzibar",
        ["title", "summary", "storyteller"],
    )


def test_a_grouped_browse_finds_segments_only() -> None:
    body = grouped_body(parse_query("", languages=["es"]), PUBLIC, 10, 0, 3)
    query = body["query"]["bool"]
    assert "should" not in query
    assert query["filter"][0] == {"terms": {"access_level": ["public"]}}
    assert NOT_TESTIMONY in query["filter"]
    assert [inner["name"] for inner in body["collapse"]["inner_hits"]] == ["best"]
    assert body["sort"] == [{"segment_id": "asc"}]


@pytest.mark.parametrize("grouped", [False, True])
def test_totals_and_facets_count_segments_only(grouped: bool) -> None:
    query = parse_query("hold")
    body = grouped_body(query, PUBLIC, 10, 0, 3) if grouped else search_body(query, PUBLIC, 10, 0)
    moments = body["aggs"]["moments"]
    assert moments["filter"] == NOT_TESTIMONY
    assert moments["aggs"]["media_type"] == {"terms": {"field": "media_type", "size": 50}}
    # Testimonies count both kinds: one found by its title is a testimony found.
    assert body["aggs"]["testimonies"]["cardinality"]["field"] == "testimony_id"


def test_browse_sorts_by_segment_and_has_no_must_clause() -> None:
    body = search_body(parse_query("", languages=["es"]), PUBLIC, 20, 0)
    assert "must" not in body["query"]["bool"]
    assert body["sort"] == [{"segment_id": "asc"}]


def test_grouped_search_collapses_on_testimony_with_best_moments() -> None:
    body = grouped_body(parse_query("bail"), PUBLIC, 10, 20, 3)
    assert body["collapse"]["field"] == "testimony_id"
    best, about = body["collapse"]["inner_hits"]
    assert best["name"] == "best"
    assert best["size"] == 4  # the testimony's own document may take one place
    assert best["sort"][0] == "_score"
    assert best["highlight"]["post_tags"] == ["\x03"]
    assert "text" in best["highlight"]["fields"]
    # "testimony" sorts after "segment": the group's document first whenever it matched.
    assert about["name"] == "about"
    assert about["size"] == 1
    assert about["sort"] == [{"kind": {"order": "desc", "unmapped_type": "keyword"}}]
    summary = about["highlight"]["fields"]["summary"]
    assert summary["number_of_fragments"] == 1
    assert summary["no_match_size"] > 0  # a title-only match still shows the summary's start
    assert (body["from"], body["size"]) == (20, 10)


def test_documents_carry_the_fields_filters_and_facets_need() -> None:
    source = document_source(ARCHIVE[2])
    assert source["kind"] == "segment"
    assert source["place_key"] == "bogota"
    assert source["decade"] == "1990"
    assert source["media_type"] == "video"
    assert source["themes"] == ["family-separation"]


def testimony(testimony_id: int = 2, access_level: str = "public", **fields) -> TestimonyDocument:
    values = {
        "title": "Testimony 2",
        "url": "/testimonies/t2/",
        "summary": "A mother\x02 on family separation.",
        "language": "es",
        "themes": ("family-separation", "deportation", "family-separation"),
        "access_level": access_level,
        "storyteller": "María",
        "place": "Bogotá",
        "year": 1998,
        "media_type": "video",
    }
    return TestimonyDocument(testimony_id=testimony_id, **{**values, **fields})


def test_a_testimony_document_is_filtered_exactly_like_its_segments() -> None:
    source = testimony_source(testimony())
    assert document_source(testimony()) == source
    assert source["kind"] == "testimony"
    assert {"segment_id", "start", "end", "text"}.isdisjoint(source)
    assert source["summary"] == "A mother  on family separation."  # our markers never stored
    segment = document_source(ARCHIVE[2])
    for name in ("access_level", "language", "place", "place_key", "year", "decade", "media_type"):
        assert source[name] == segment[name], name
    assert source["themes"] == ["deportation", "family-separation"]
    assert set(source) <= set(index_body()["mappings"]["properties"])
    assert set(segment) <= set(index_body()["mappings"]["properties"])
    # Ids never collide with a segment's.
    assert document_id(testimony(7)) == "testimony-7"
    assert document_id(ARCHIVE[2]) == "201"


def test_search_response_becomes_results_with_escaped_snippets() -> None:
    results = parse_results(fixture("es_search_response.json"))
    assert results.total == 2
    assert results.total_groups == 2
    first, second = results.hits
    assert (first.segment_id, first.start, first.score) == (101, 125.5, 3.1)
    assert "<mark>hold</mark>" in first.snippet_html
    assert "&lt;script&gt;" in second.snippet_html
    assert "<script>" not in second.snippet_html
    assert results.facets["theme"] == (
        FacetCount("detention", 1),
        FacetCount("ice-detainer", 1),
    )
    assert results.facets["decade"] == (FacetCount("2010", 1),)
    assert not results.facets_approximate


def test_collapsed_response_becomes_groups_with_their_totals() -> None:
    results = parse_grouped(fixture("es_collapse_response.json"))
    assert results.total == 4
    assert [g.testimony_id for g in results.groups] == [7, 1]
    seven = results.groups[0]
    assert seven.total == 3
    assert [h.segment_id for h in seven.hits] == [702, 700]
    assert seven.hits[0].snippet_html.count("<mark>") == 2
    assert results.hits == seven.hits + results.groups[1].hits


INDEX = "testimonio-segments-20250101120000-1"


def segment_hit(segment_id: int, testimony_id: int, score: float, text: str) -> dict:
    source = {
        "kind": "segment",
        "testimony_id": testimony_id,
        "segment_id": segment_id,
        "title": f"Testimony {testimony_id}",
        "url": f"/testimonies/t{testimony_id}/",
        "start": 10.0,
        "end": 20.0,
        "text": text,
    }
    return {
        "_index": INDEX,
        "_id": str(segment_id),
        "_score": score,
        "_source": source,
        "highlight": {"text": [text.replace("bail", "\x02bail\x03")]},
        "sort": [score, segment_id],
    }


def testimony_hit(testimony_id: int, score: float, summary: str, highlight: str) -> dict:
    return {
        "_index": INDEX,
        "_id": f"testimony-{testimony_id}",
        "_score": score,
        "_source": {
            "kind": "testimony",
            "testimony_id": testimony_id,
            "title": f"Bail stories {testimony_id}",
            "url": f"/testimonies/t{testimony_id}/",
            "summary": summary,
        },
        "highlight": {"summary": [highlight]},
        "sort": [score],
    }


def collapsed(top: dict, best: list[dict], total: int, about: list[dict]) -> dict:
    """A collapsed top hit with two named inner_hits, as the collapse reference shows them."""

    def inner(hits: list[dict], value: int) -> dict:
        return {"hits": {"total": {"value": value, "relation": "eq"}, "hits": hits}}

    return {
        **top,
        "fields": {"testimony_id": [top["_source"]["testimony_id"]]},
        "inner_hits": {"best": inner(best, total), "about": inner(about, total)},
    }


def grouped_response(tops: list[dict], hits: int, moments: int, testimonies: int) -> dict:
    facet = {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0}
    return {
        "took": 5,
        "timed_out": False,
        "hits": {"total": {"value": hits, "relation": "eq"}, "hits": tops},
        "aggregations": {
            "testimonies": {"value": testimonies},
            "moments": {
                "doc_count": moments,
                "theme": {**facet, "buckets": [{"key": "detention", "doc_count": moments}]},
                "language": {**facet, "buckets": [{"key": "en", "doc_count": moments}]},
                "place": {**facet, "buckets": []},
                "decade": {**facet, "buckets": []},
                "media_type": {**facet, "buckets": []},
            },
        },
    }


def test_testimonies_found_by_their_own_document_become_groups_without_moments() -> None:
    # Testimony 9: only its document matched (a title word). Testimony 7: its
    # document and three segments. Testimony 1: one segment; its "about" is that segment.
    nine = testimony_hit(9, 4.0, "A <b>father</b> & his bail", "A <b>father</b> & his \x02bail\x03")
    seven_doc = testimony_hit(7, 3.0, "Bail hearings", "\x02Bail\x03 hearings")
    seven = [segment_hit(sid, 7, score, f"bail {sid}") for sid, score in ((702, 2.5), (701, 2.0))]
    one = segment_hit(101, 1, 1.9, "could not post bail")
    response = grouped_response(
        [
            collapsed(nine, [nine], 1, [nine]),
            collapsed(seven_doc, [seven_doc, *seven], 4, [seven_doc]),
            collapsed(one, [one], 1, [one]),
        ],
        hits=7,
        moments=5,
        testimonies=3,
    )
    results = parse_grouped(response, per_group=2)

    assert results.total == 5  # segments only: the two testimony documents are not moments
    assert results.total_groups == 3
    assert results.facets["theme"] == (FacetCount("detention", 5),)
    by_id = {group.testimony_id: group for group in results.groups}
    assert list(by_id) == [9, 7, 1]

    found_by_title = by_id[9]
    assert found_by_title.hits == ()
    assert found_by_title.total == 0
    assert (found_by_title.title, found_by_title.url) == ("Bail stories 9", "/testimonies/t9/")
    assert found_by_title.player_url == "/testimonies/t9/"
    assert found_by_title.score == 4.0
    assert found_by_title.summary_html == "A &lt;b&gt;father&lt;/b&gt; &amp; his <mark>bail</mark>"

    both = by_id[7]
    assert [hit.segment_id for hit in both.hits] == [702, 701]
    assert both.total == 3  # four inner hits, one of them the testimony's document
    assert both.summary_html == "<mark>Bail</mark> hearings"
    assert both.player_url == both.hits[0].player_url

    assert by_id[1].summary_html == ""  # its document did not match
    assert by_id[1].total == 1
    assert results.hits == both.hits + by_id[1].hits


def test_a_group_shows_at_most_per_group_moments() -> None:
    # best asks for per_group + 1; when the document did not match, all are segments.
    hits = [segment_hit(sid, 7, 3.0 - sid / 1000, "bail") for sid in (700, 701, 702)]
    response = grouped_response([collapsed(hits[0], hits, 3, hits[:1])], 3, 3, 1)
    group = parse_grouped(response, per_group=2).groups[0]
    assert [hit.segment_id for hit in group.hits] == [700, 701]
    assert group.total == 3


def test_a_summary_without_highlight_shows_its_escaped_start() -> None:
    doc = testimony_hit(4, 1.0, "<i>Storyteller</i> speaks", "")
    del doc["highlight"]
    group = parse_grouped(grouped_response([collapsed(doc, [doc], 1, [doc])], 1, 0, 1)).groups[0]
    assert group.summary_html == "&lt;i&gt;Storyteller&lt;/i&gt; speaks"


def test_segment_results_count_from_the_moments_aggregation() -> None:
    response = grouped_response([segment_hit(101, 1, 1.9, "post bail")], 1, 1, 1)
    results = parse_results(response)
    assert (results.total, results.total_groups) == (1, 1)
    assert results.hits[0].snippet_html == "post <mark>bail</mark>"
    assert results.facets["language"] == (FacetCount("en", 1),)


def test_empty_response_is_empty_results() -> None:
    empty = {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}, "aggregations": {}}
    assert parse_results(empty).total == 0
    assert parse_grouped(empty).groups == ()


def test_a_cluster_that_is_down_is_search_unavailable() -> None:
    backend = SearchBackend({"URL": "http://127.0.0.1:1", "TIMEOUT": 2, "MAX_RETRIES": 0})
    with pytest.raises(SearchUnavailable, match="Elasticsearch could not search") as excinfo:
        backend.search(parse_query("hold"), access_levels=PUBLIC)
    assert excinfo.value.__cause__ is not None
    with pytest.raises(SearchUnavailable):
        backend.index_segments(ARCHIVE[:1])
    with pytest.raises(SearchUnavailable):
        backend.rebuild(ARCHIVE[:1])
    backend.close()


def test_forgetting_a_purged_testimony_deletes_it_then_expunges_deleted_documents() -> None:
    # One delete by testimony_id: its own document and its segments both carry it.
    from unittest.mock import MagicMock

    client = MagicMock()
    client.indices.exists_alias.return_value = True
    backend = SearchBackend({"CLIENT": client, "INDEX": "segments"})

    backend.forget_testimony(42)

    client.delete_by_query.assert_called_once()
    assert client.delete_by_query.call_args.kwargs["query"] == {"term": {"testimony_id": 42}}
    client.indices.forcemerge.assert_called_once_with(index="segments", only_expunge_deletes=True)


class FakeBulk:
    """Stands in for elasticsearch.helpers.bulk: records what would be sent."""

    def __init__(self) -> None:
        self.actions: list[dict] = []
        self.kwargs: dict = {}

    def __call__(self, client, actions, **kwargs):
        self.kwargs = kwargs
        self.actions += list(actions)  # consumed as the real helper does
        return len(self.actions), []


@pytest.fixture
def fake() -> tuple:
    from unittest.mock import MagicMock

    client = MagicMock()
    client.indices.exists_alias.return_value = True
    client.indices.get_alias.return_value = {"segments-old": {}}
    return client, SearchBackend({"CLIENT": client, "INDEX": "segments"})


def test_testimony_documents_are_stored_beside_segments_and_findable_at_once(
    fake, monkeypatch
) -> None:
    from elasticsearch import helpers

    client, backend = fake
    bulk = FakeBulk()
    monkeypatch.setattr(helpers, "bulk", bulk)

    assert backend.index_testimonies([testimony(2), testimony(3)]) == 2

    assert [action["_id"] for action in bulk.actions] == ["testimony-2", "testimony-3"]
    assert {action["_index"] for action in bulk.actions} == {"segments"}
    assert {action["_source"]["kind"] for action in bulk.actions} == {"testimony"}
    assert bulk.kwargs["refresh"] == "wait_for"
    # An index made before testimony documents existed gets their fields first.
    properties = client.indices.put_mapping.call_args.kwargs["properties"]
    assert properties["kind"] == {"type": "keyword"}
    assert properties["summary"] == index_body()["mappings"]["properties"]["summary"]


def test_rebuild_stores_both_kinds_and_counts_segments(fake, monkeypatch) -> None:
    from elasticsearch import helpers

    client, backend = fake
    bulk = FakeBulk()
    monkeypatch.setattr(helpers, "bulk", bulk)

    assert backend.rebuild([*ARCHIVE[:3], testimony(1), testimony(2)]) == 3

    assert [action["_id"] for action in bulk.actions] == [
        "101",
        "102",
        "201",
        "testimony-1",
        "testimony-2",
    ]
    client.indices.update_aliases.assert_called_once()


@pytest.mark.parametrize("level", ["sealed", "secret"])
def test_rebuild_refuses_a_testimony_document_that_may_not_be_indexed(
    fake, monkeypatch, level: str
) -> None:
    from elasticsearch import helpers

    client, backend = fake
    monkeypatch.setattr(helpers, "bulk", FakeBulk())

    with pytest.raises(ValueError, match="Testimony 3"):
        backend.rebuild([ARCHIVE[0], testimony(3, access_level=level)])
    client.indices.update_aliases.assert_not_called()  # the old index keeps answering
    with pytest.raises(ValueError, match="Testimony 3"):
        backend.index_testimonies([testimony(3, access_level=level)])


def test_count_counts_segments_not_testimony_documents(fake) -> None:
    client, backend = fake
    client.count.return_value = {"count": 7}
    assert backend.count() == 7
    assert client.count.call_args.kwargs["query"] == NOT_TESTIMONY


def test_grouped_search_sends_one_request_and_trims_to_per_group(fake) -> None:
    client, backend = fake
    hits = [segment_hit(sid, 7, 3.0 - sid / 1000, "bail") for sid in (700, 701, 702)]
    client.search.return_value = grouped_response([collapsed(hits[0], hits, 3, hits[:1])], 3, 3, 1)

    results = backend.search_grouped(parse_query("bail"), access_levels=PUBLIC, per_group=2)

    client.search.assert_called_once()
    sent = client.search.call_args.kwargs
    assert sent["query"]["bool"]["filter"][0] == {"terms": {"access_level": ["public"]}}
    assert [hit.segment_id for hit in results.groups[0].hits] == [700, 701]


# -- spelling suggestions -------------------------------------------------------

# A phrase-suggest response as the Elasticsearch reference shows it (size 0, so no hits).
SUGGEST_RESPONSE = {
    "took": 5,
    "timed_out": False,
    "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
    "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
    "suggest": {
        "spelling": [
            {
                "text": "detainr",
                "offset": 0,
                "length": 7,
                "options": [
                    {"text": "detainer", "score": 0.0321},
                    {"text": "DETAINR", "score": 0.02},
                    {"text": "detained", "score": 0.0113},
                    {"text": "detainee", "score": 0.01, "collate_match": False},
                ],
            }
        ]
    },
}


def test_suggestions_are_pruned_by_what_the_asker_may_see() -> None:
    from search.backends.elasticsearch import suggest_body

    body = suggest_body("detainr", frozenset({"public"}))
    assert body["size"] == 0
    spelling = body["suggest"]["spelling"]
    assert spelling["text"] == "detainr"
    collate = spelling["phrase"]["collate"]
    assert collate["prune"] is False  # options no visible segment contains are dropped
    (access, segments_only, words) = collate["query"]["source"]["bool"]["filter"]
    assert access == {"terms": {"access_level": ["public"]}}
    assert segments_only == {"bool": {"must_not": {"term": {"kind": "testimony"}}}}
    assert words["match"]["text"]["query"] == "{{suggestion}}"
    staff = suggest_body("detainr", frozenset({"public", "researchers", "staff"}))
    staff_access = staff["suggest"]["spelling"]["phrase"]["collate"]["query"]["source"]
    assert staff_access["bool"]["filter"][0]["terms"]["access_level"] == [
        "public",
        "researchers",
        "staff",
    ]


def test_suggestions_parse_best_first_without_the_typed_word_or_hidden_ones() -> None:
    from search.backends.elasticsearch import parse_suggestions

    assert parse_suggestions(SUGGEST_RESPONSE, "detainr") == ("detainer", "detained")
    assert parse_suggestions({"suggest": {"spelling": [{"options": []}]}}, "x") == ()
    assert parse_suggestions({}, "detainr") == ()


def test_backend_suggests_through_one_request_and_asks_nothing_for_no_access(fake) -> None:
    client, backend = fake
    client.search.return_value = SUGGEST_RESPONSE

    assert backend.suggest("detainr", access_levels={"public"}) == ("detainer", "detained")
    sent = client.search.call_args.kwargs
    assert sent["index"] == "segments"
    assert sent["suggest"]["spelling"]["phrase"]["collate"]["query"]["source"]["bool"]["filter"][
        0
    ] == {"terms": {"access_level": ["public"]}}

    client.search.reset_mock()
    assert backend.suggest("detainr", access_levels=set()) == ()
    assert backend.suggest("detainr", access_levels={"sealed"}) == ()
    client.search.assert_not_called()


def test_a_thesaurus_edit_is_rebuild_index_for_inline_synonyms(fake) -> None:
    _client, backend = fake
    backend.thesaurus_changed()
    assert "rebuild_index" in backend.thesaurus_notice()


def test_a_thesaurus_edit_rewrites_the_synonyms_set_where_the_cluster_has_one() -> None:
    from unittest.mock import MagicMock

    client = MagicMock()
    client.indices.exists_alias.return_value = False
    thesaurus = Thesaurus.from_entries([("bail", ["bail", "post bail"], ["fianza"])])
    backend = SearchBackend(
        {"CLIENT": client, "INDEX": "segments", "SYNONYMS_SET": "thesaurus", "THESAURUS": thesaurus}
    )
    backend.count()  # creates the index: the set first, then filters that read it
    sent = client.synonyms.put_synonym.call_args.kwargs
    assert sent == {
        "id": "thesaurus",
        "synonyms_set": [{"id": "bail", "synonyms": "bail, post bail, fianza"}],
    }
    settings = client.indices.create.call_args.kwargs["settings"]["analysis"]["filter"]
    assert settings["thesaurus_en"] == {
        "type": "synonym_graph", "synonyms_set": "thesaurus", "updateable": True, "lenient": True
    }  # fmt: skip
    client.synonyms.put_synonym.reset_mock()
    backend.thesaurus_changed()
    client.synonyms.put_synonym.assert_called_once()
    assert backend.thesaurus_notice() == ""


def test_a_hit_found_through_its_translation_shows_both_marked() -> None:
    response = {
        "took": 1, "timed_out": False,
        "hits": {
            "total": {"value": 1, "relation": "eq"}, "max_score": 1.0,
            "hits": [{
                "_index": "segments", "_id": "9", "_score": 1.0,
                "_source": {
                    "kind": "segment", "testimony_id": 2, "segment_id": 9, "title": "T",
                    "url": "/t/", "start": 1.0, "end": 2.0,
                    "text": "La separación familiar", "translation": "The family separation",
                },
                "highlight": {"translation": ["The \x02family\x03 \x02separation\x03"]},
            }],
        },
    }  # fmt: skip
    (hit,) = parse_results(response).hits
    assert hit.snippet_html == "La separación familiar"
    assert hit.translation_html == "The <mark>family</mark> <mark>separation</mark>"


def test_cognates_of_the_typed_words_are_asked_for_below_them() -> None:
    body = search_body(parse_query("certificación de la fiscalía"), frozenset({"public"}), 10, 0)
    typed = body["query"]["bool"]["must"][0]["bool"]["should"]
    cognate = [c["match"] for c in typed if "match" in c and "certification" in str(c)]
    assert {field for match in cognate for field in match} == {"text", "translation"}
    assert all(m[f]["boost"] < 1.0 for m in cognate for f in m)
    strict = search_body(parse_query("+certificación"), frozenset({"public"}), 10, 0)
    assert "certification" not in json.dumps(strict)
