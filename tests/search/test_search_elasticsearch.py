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

from search.backends.base import FacetCount, SearchUnavailable
from search.backends.elasticsearch import (
    SearchBackend,
    document_source,
    grouped_body,
    index_body,
    parse_grouped,
    parse_results,
    search_body,
    synonym_rules,
)
from search.query import parse_query

FIXTURES = Path(__file__).parent / "fixtures"
PUBLIC = frozenset({"public"})


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_mapping_is_explicit_with_folded_english_and_spanish_analysis() -> None:
    body = index_body()
    mapping = body["mappings"]
    assert mapping["dynamic"] == "strict"
    text = mapping["properties"]["text"]
    assert text["analyzer"] == "folded"
    assert text["fields"]["en"]["search_analyzer"] == "english_search"
    assert text["fields"]["es"]["search_analyzer"] == "spanish_search"
    for name in ("access_level", "language", "themes", "place", "decade", "media_type"):
        assert mapping["properties"][name]["type"] == "keyword"
    analyzers = body["settings"]["analysis"]["analyzer"]
    for analyzer in analyzers.values():
        assert "asciifolding" in analyzer["filter"]
    filters = body["settings"]["analysis"]["filter"]
    assert filters["thesaurus_es"]["type"] == "synonym_graph"
    assert "thesaurus_es" in analyzers["spanish_search"]["filter"]
    assert "thesaurus_es" not in analyzers["spanish"]["filter"]  # search-time only


def test_thesaurus_terms_become_synonym_rules_in_both_languages() -> None:
    spanish = synonym_rules("es")
    assert any("la migra" in rule for rule in spanish)
    assert all("=>" not in rule for rule in spanish + synonym_rules("en"))
    assert all(rule.count(",") >= 1 for rule in spanish)


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
    assert {"terms": {"place_key": ["new york"]}} in bool_query["filter"]
    assert {"terms": {"media_type": ["audio"]}} in bool_query["filter"]
    assert {"range": {"year": {"gte": 2010, "lte": 2015}}} in bool_query["filter"]
    kinds = [clause["multi_match"]["type"] for clause in bool_query["must"]]
    assert kinds == ["best_fields", "phrase"]
    assert bool_query["must_not"][0]["multi_match"]["query"] == "zanzibar"
    assert (body["from"], body["size"]) == (40, 20)
    assert body["track_total_hits"] is True
    assert body["highlight"]["pre_tags"] == ["\x02"]
    assert set(body["aggs"]) == {
        "theme",
        "language",
        "place",
        "decade",
        "media_type",
        "testimonies",
    }
    assert body["aggs"]["theme"]["terms"]["field"] == "themes"


def test_browse_sorts_by_segment_and_has_no_must_clause() -> None:
    body = search_body(parse_query("", languages=["es"]), PUBLIC, 20, 0)
    assert "must" not in body["query"]["bool"]
    assert body["sort"] == [{"segment_id": "asc"}]


def test_grouped_search_collapses_on_testimony_with_best_moments() -> None:
    body = grouped_body(parse_query("bail"), PUBLIC, 10, 20, 3)
    assert body["collapse"]["field"] == "testimony_id"
    inner = body["collapse"]["inner_hits"]
    assert inner["size"] == 3
    assert inner["highlight"]["post_tags"] == ["\x03"]
    assert (body["from"], body["size"]) == (20, 10)


def test_documents_carry_the_fields_filters_and_facets_need() -> None:
    source = document_source(ARCHIVE[2])
    assert source["place_key"] == "bogota"
    assert source["decade"] == "1990"
    assert source["media_type"] == "video"
    assert source["themes"] == ["family-separation"]


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
    from unittest.mock import MagicMock

    client = MagicMock()
    client.indices.exists_alias.return_value = True
    backend = SearchBackend({"CLIENT": client, "INDEX": "segments"})

    backend.forget_testimony(42)

    client.delete_by_query.assert_called_once()
    assert client.delete_by_query.call_args.kwargs["query"] == {"term": {"testimony_id": 42}}
    client.indices.forcemerge.assert_called_once_with(index="segments", only_expunge_deletes=True)
