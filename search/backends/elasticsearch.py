"""Elasticsearch 8/9 search backend (elasticsearch-py), for archives at scale.

The request bodies are built by pure functions (:func:`index_body`,
:func:`search_body`, :func:`grouped_body`) and responses read by pure
functions (:func:`parse_results`, :func:`parse_grouped`), so both are tested
without a server; the backend class only moves them over the wire and turns
every transport or API error into SearchUnavailable.

Matching keeps parity with the embedded index: every typed word must occur
(accent- and case-folded, unstemmed) in the text or the title. The English
and Spanish sub-fields (stemmed, with the thesaurus terms as search-time
synonyms) only add to the score, so a moment that says the same thing in
the thesaurus's other words ranks higher without changing what is found.

The index is written under a dated name behind an alias; :meth:`rebuild`
fills a new index and swaps the alias in one atomic call, so search never
goes dark. Params: ``{"URL": "http://localhost:9200", "INDEX": "testimonio-segments"}``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from search.backends.base import (
    ACCESS_LEVELS,
    FACET_FIELDS,
    FacetCount,
    Hit,
    SearchResults,
    SearchUnavailable,
    SegmentDocument,
    TestimonyGroup,
)
from search.backends.base import SearchBackend as BaseSearchBackend
from search.query import Query, fold

__all__ = [
    "SearchBackend",
    "grouped_body",
    "index_body",
    "parse_grouped",
    "parse_results",
    "search_body",
    "synonym_rules",
]

_MARK_OPEN = "\x02"
_MARK_CLOSE = "\x03"
FRAGMENT_SIZE = 160
FACET_SIZE = 50
BULK_CHUNK = 1_000
_T = TypeVar("_T")

# Facet name -> document field holding its keyword values.
_FACET_FIELD = {
    "theme": "themes",
    "language": "language",
    "place": "place",
    "decade": "decade",
    "media_type": "media_type",
}


def synonym_rules(language: str) -> list[str]:
    """One equivalence rule per theme from archive.thesaurus (pure data)."""
    from archive.thesaurus import THESAURUS

    rules = []
    for seed in THESAURUS:
        terms = seed.terms_en if language == "en" else seed.terms_es
        # Commas and arrows are the rule syntax; no term needs them.
        cleaned = [" ".join(t.replace(",", " ").replace("=>", " ").split()) for t in terms]
        cleaned = [t for t in dict.fromkeys(cleaned) if t]
        if len(cleaned) > 1:
            rules.append(", ".join(cleaned))
    return rules


def index_body() -> dict[str, Any]:
    """Settings and explicit mapping of a segment index."""
    folded = ["lowercase", "asciifolding"]
    return {
        "settings": {
            "analysis": {
                "filter": {
                    "english_stemmer": {"type": "stemmer", "language": "light_english"},
                    "spanish_stemmer": {"type": "stemmer", "language": "light_spanish"},
                    "english_possessive": {"type": "stemmer", "language": "possessive_english"},
                    "thesaurus_en": {
                        "type": "synonym_graph",
                        "synonyms": synonym_rules("en"),
                        "lenient": True,
                    },
                    "thesaurus_es": {
                        "type": "synonym_graph",
                        "synonyms": synonym_rules("es"),
                        "lenient": True,
                    },
                },
                "analyzer": {
                    "folded": {"tokenizer": "standard", "filter": folded},
                    "english": {
                        "tokenizer": "standard",
                        "filter": ["english_possessive", *folded, "english_stemmer"],
                    },
                    "english_search": {
                        "tokenizer": "standard",
                        "filter": [
                            "english_possessive",
                            *folded,
                            "thesaurus_en",
                            "english_stemmer",
                        ],
                    },
                    "spanish": {"tokenizer": "standard", "filter": [*folded, "spanish_stemmer"]},
                    "spanish_search": {
                        "tokenizer": "standard",
                        "filter": [*folded, "thesaurus_es", "spanish_stemmer"],
                    },
                },
                "normalizer": {"folded": {"type": "custom", "filter": folded}},
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "segment_id": {"type": "long"},
                "testimony_id": {"type": "long"},
                "title": {"type": "text", "analyzer": "folded"},
                "url": {"type": "keyword", "index": False},
                "start": {"type": "float"},
                "end": {"type": "float"},
                "text": {
                    "type": "text",
                    "analyzer": "folded",
                    "fields": {
                        "en": {
                            "type": "text",
                            "analyzer": "english",
                            "search_analyzer": "english_search",
                        },
                        "es": {
                            "type": "text",
                            "analyzer": "spanish",
                            "search_analyzer": "spanish_search",
                        },
                    },
                },
                "language": {"type": "keyword"},
                "themes": {"type": "keyword"},
                "access_level": {"type": "keyword"},
                "storyteller": {"type": "text", "analyzer": "folded"},
                "place": {"type": "keyword"},
                "place_key": {"type": "keyword"},
                "year": {"type": "integer"},
                "decade": {"type": "keyword"},
                "media_type": {"type": "keyword"},
            },
        },
    }


def _clean(text: str) -> str:
    return text.replace(_MARK_OPEN, " ").replace(_MARK_CLOSE, " ")


def document_source(doc: SegmentDocument) -> dict[str, Any]:
    return {
        "segment_id": doc.segment_id,
        "testimony_id": doc.testimony_id,
        "title": _clean(doc.title),
        "url": doc.url,
        "start": float(doc.start),
        "end": float(doc.end),
        "text": _clean(doc.text),
        "language": doc.language,
        "themes": sorted(set(doc.themes)),
        "access_level": doc.access_level,
        "storyteller": doc.storyteller,
        "place": doc.place or None,
        "place_key": fold(doc.place) or None,
        "year": doc.year,
        "decade": doc.decade or None,
        "media_type": doc.media_type or None,
    }


def _words_clause(text: str, kind: str) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": text,
            "type": kind,
            "fields": ["text^4", "title"],
            "operator": "and",
        }
    }


def _bool_query(query: Query, access_levels: frozenset[str]) -> dict[str, Any]:
    """The query: access filter always first; the text as must, synonyms as should."""
    filters: list[dict[str, Any]] = [{"terms": {"access_level": sorted(access_levels)}}]
    if query.languages:
        filters.append({"terms": {"language": list(query.languages)}})
    filters.extend({"term": {"themes": theme}} for theme in query.themes)
    if query.media_types:
        filters.append({"terms": {"media_type": list(query.media_types)}})
    if query.places:
        filters.append({"terms": {"place_key": list(query.place_keys)}})
    if query.has_years:
        years: dict[str, int] = {}
        if query.year_from is not None:
            years["gte"] = query.year_from
        if query.year_to is not None:
            years["lte"] = query.year_to
        filters.append({"range": {"year": years}})
    must = [_words_clause(term, "best_fields") for term in query.terms]
    must += [_words_clause(" ".join(phrase), "phrase") for phrase in query.phrases]
    words = " ".join([*query.terms, *(" ".join(p) for p in query.phrases)])
    should = (
        [
            {"match": {"text.en": {"query": words, "boost": 0.5}}},
            {"match": {"text.es": {"query": words, "boost": 0.5}}},
        ]
        if words
        else []
    )
    body: dict[str, Any] = {"filter": filters}
    if must:
        body["must"] = must
        body["should"] = should
    if query.exclusions:
        body["must_not"] = [
            {"multi_match": {"query": word, "type": "phrase", "fields": ["text", "title"]}}
            for word in query.exclusions
        ]
    return {"bool": body}


def _highlight() -> dict[str, Any]:
    # Control-character tags cannot occur in stored text (_clean), so after
    # html.escape they can only be ours.
    return {
        "pre_tags": [_MARK_OPEN],
        "post_tags": [_MARK_CLOSE],
        "fields": {
            "text": {
                "number_of_fragments": 1,
                "fragment_size": FRAGMENT_SIZE,
                "no_match_size": FRAGMENT_SIZE,
            }
        },
    }


def _sort(query: Query) -> list[Any]:
    if query.has_text:
        return ["_score", {"segment_id": "asc"}]
    return [{"segment_id": "asc"}]


def _aggregations() -> dict[str, Any]:
    aggs: dict[str, Any] = {
        name: {"terms": {"field": field, "size": FACET_SIZE}}
        for name, field in _FACET_FIELD.items()
    }
    aggs["testimonies"] = {"cardinality": {"field": "testimony_id", "precision_threshold": 40_000}}
    return aggs


def search_body(
    query: Query, access_levels: frozenset[str], limit: int, offset: int
) -> dict[str, Any]:
    """The _search body for a page of segment hits with facets."""
    return {
        "query": _bool_query(query, access_levels),
        "from": offset,
        "size": limit,
        "sort": _sort(query),
        "track_total_hits": True,
        "highlight": _highlight(),
        "aggs": _aggregations(),
        "_source": ["testimony_id", "segment_id", "title", "url", "start", "end", "text"],
    }


def grouped_body(
    query: Query, access_levels: frozenset[str], limit: int, offset: int, per_group: int
) -> dict[str, Any]:
    """The _search body for a page of testimonies (collapse) with their best moments."""
    body = search_body(query, access_levels, limit, offset)
    body.pop("highlight")
    body["collapse"] = {
        "field": "testimony_id",
        "inner_hits": {
            "name": "best",
            "size": per_group,
            "sort": _sort(query),
            "highlight": _highlight(),
            "_source": ["testimony_id", "segment_id", "title", "url", "start", "end", "text"],
        },
    }
    return body


def _snippet_html(hit: dict[str, Any]) -> str:
    fragments = hit.get("highlight", {}).get("text")
    raw = fragments[0] if fragments else hit["_source"].get("text", "")[:FRAGMENT_SIZE]
    return (
        html.escape(raw, quote=False).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")
    )


def _hit(hit: dict[str, Any]) -> Hit:
    source = hit["_source"]
    return Hit(
        testimony_id=int(source["testimony_id"]),
        segment_id=int(source["segment_id"]),
        title=source["title"],
        url=source["url"],
        start=float(source["start"]),
        end=float(source["end"]),
        snippet_html=_snippet_html(hit),
        score=float(hit.get("_score") or 0.0),
    )


def _facets(aggregations: dict[str, Any]) -> dict[str, tuple[FacetCount, ...]]:
    facets = {}
    for name in FACET_FIELDS:
        buckets = aggregations.get(name, {}).get("buckets", [])
        facets[name] = tuple(
            sorted(
                (FacetCount(str(b["key"]), int(b["doc_count"])) for b in buckets if b["key"]),
                key=lambda f: (-f.count, f.value),
            )
        )
    return facets


def _total(response: dict[str, Any]) -> int:
    total = response["hits"]["total"]
    return int(total["value"] if isinstance(total, dict) else total)


def parse_results(response: dict[str, Any]) -> SearchResults:
    """SearchResults from a _search response (hits, total, aggregations)."""
    total = _total(response)
    if not total:
        return SearchResults()
    aggregations = response.get("aggregations", {})
    # Terms aggregations are exact on one shard and may undercount on many.
    approximate = any(
        aggregations.get(name, {}).get("doc_count_error_upper_bound", 0) for name in _FACET_FIELD
    )
    return SearchResults(
        hits=tuple(_hit(h) for h in response["hits"]["hits"]),
        total=total,
        facets=_facets(aggregations),
        total_groups=int(aggregations.get("testimonies", {}).get("value", 0)),
        facets_approximate=bool(approximate),
    )


def parse_grouped(response: dict[str, Any]) -> SearchResults:
    """SearchResults with groups from a collapsed _search response with inner_hits."""
    base = parse_results(response)
    if not base.total:
        return base
    groups = []
    for top in response["hits"]["hits"]:
        inner = top.get("inner_hits", {}).get("best", {}).get("hits", {})
        hits = tuple(_hit(h) for h in inner.get("hits", [])) or (_hit(top),)
        inner_total = inner.get("total", {"value": len(hits)})
        groups.append(
            TestimonyGroup(
                testimony_id=hits[0].testimony_id,
                title=hits[0].title,
                url=hits[0].url,
                hits=hits,
                total=int(inner_total["value"] if isinstance(inner_total, dict) else inner_total),
                score=hits[0].score,
            )
        )
    return SearchResults(
        hits=tuple(h for g in groups for h in g.hits),
        total=base.total,
        facets=base.facets,
        groups=tuple(groups),
        total_groups=base.total_groups,
        facets_approximate=base.facets_approximate,
    )


class SearchBackend(BaseSearchBackend):
    """Elasticsearch backend: an alias (``INDEX``) over a dated index."""

    def __init__(self, params: dict) -> None:
        super().__init__(params)
        from elasticsearch import Elasticsearch

        self.alias = str(params.get("INDEX", "testimonio-segments"))
        url = params.get("URL") or params.get("HOSTS") or "http://localhost:9200"
        self.client = params.get("CLIENT") or Elasticsearch(
            url,
            request_timeout=float(params.get("TIMEOUT", 10)),
            max_retries=int(params.get("MAX_RETRIES", 1)),
            retry_on_timeout=True,
        )
        self._ready = False

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        from elasticsearch import ApiError, TransportError
        from elasticsearch.helpers import BulkIndexError

        try:
            yield
        except (ApiError, TransportError, BulkIndexError) as e:
            raise SearchUnavailable(
                f"Elasticsearch could not {action} ({self.alias}): {e}. Check that the "
                "cluster is reachable (ELASTICSEARCH_URL) and healthy."
            ) from e

    def _call(self, action: str, fn: Callable[[], _T]) -> _T:
        with self._errors(action):
            if not self._ready:
                self._ensure_index()
            return fn()

    def _new_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1_000_000}"
        self.client.indices.create(index=name, **index_body())
        return name

    def _ensure_index(self) -> None:
        if not self.client.indices.exists_alias(name=self.alias):
            name = self._new_index()
            self.client.indices.put_alias(index=name, name=self.alias)
        self._ready = True

    def close(self) -> None:
        self.client.close()

    # -- writes -------------------------------------------------------------

    def _bulk(self, index: str, documents: Iterable[SegmentDocument], refresh: bool) -> int:
        from elasticsearch import helpers

        actions = (
            {"_index": index, "_id": str(doc.segment_id), "_source": document_source(doc)}
            for doc in documents
        )
        written, _ = helpers.bulk(
            self.client, actions, chunk_size=BULK_CHUNK, refresh="wait_for" if refresh else False
        )
        return int(written)

    def _index_segments(self, documents: list[SegmentDocument]) -> None:
        # wait_for: a published testimony is findable when the save returns.
        self._call("store segments", lambda: self._bulk(self.alias, documents, True))

    def _remove_testimony(self, testimony_id: int) -> None:
        self._call(
            "remove a testimony",
            lambda: self.client.delete_by_query(
                index=self.alias,
                query={"term": {"testimony_id": testimony_id}},
                refresh=True,
                conflicts="proceed",
            ),
        )

    def _compact(self) -> None:
        # Deleted documents stay in Lucene segments until a merge expunges them.
        self._call(
            "expunge deleted documents",
            lambda: self.client.indices.forcemerge(index=self.alias, only_expunge_deletes=True),
        )

    def rebuild(self, documents: Iterable[SegmentDocument]) -> int:
        """Index ``documents`` into a new index, then point the alias at it atomically.

        Search keeps answering from the old index until the swap; the old
        index is deleted afterwards. Raises SearchUnavailable on failure
        (the alias then still points at the old index).
        """
        with self._errors("rebuild the index"):
            name = self._new_index()
            count = self._bulk(name, self._checked(documents), False)
            self.client.indices.refresh(index=name)
            old = (
                list(self.client.indices.get_alias(name=self.alias))
                if self.client.indices.exists_alias(name=self.alias)
                else []
            )
            actions: list[dict[str, Any]] = [{"add": {"index": name, "alias": self.alias}}]
            actions += [{"remove": {"index": index, "alias": self.alias}} for index in old]
            self.client.indices.update_aliases(actions=actions)
            for index in old:
                self.client.indices.delete(index=index)
            self._ready = True
            return count

    @staticmethod
    def _checked(documents: Iterable[SegmentDocument]) -> Iterator[SegmentDocument]:
        for document in documents:
            if document.access_level not in ACCESS_LEVELS:
                raise ValueError(
                    f"Segment {document.segment_id} has access level "
                    f"{document.access_level!r} and may not be indexed."
                )
            yield document

    def _clear(self) -> None:
        self.rebuild(())

    def _count(self) -> int:
        return self._call(
            "count segments", lambda: int(self.client.count(index=self.alias)["count"])
        )

    # -- reads --------------------------------------------------------------

    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults:
        body = search_body(query, access_levels, limit, offset)
        response = self._call("search", lambda: self.client.search(index=self.alias, **body))
        return parse_results(dict(response))

    def _search_grouped(
        self,
        query: Query,
        access_levels: frozenset[str],
        limit: int,
        offset: int,
        per_group: int,
    ) -> SearchResults:
        body = grouped_body(query, access_levels, limit, offset, per_group)
        response = self._call("search", lambda: self.client.search(index=self.alias, **body))
        return parse_grouped(dict(response))
