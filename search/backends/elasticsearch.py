"""Elasticsearch 8/9 search backend (elasticsearch-py), for archives at scale.

The request bodies are built by pure functions (:func:`index_body`,
:func:`search_body`, :func:`grouped_body`) and responses read by pure
functions (:func:`parse_results`, :func:`parse_grouped`), so both are tested
without a server; the backend class only moves them over the wire and turns
every transport or API error into SearchUnavailable.

The index holds two kinds of document (field ``kind``): one per segment,
and one per testimony with what is said *about* it (title, editor's summary,
storyteller's public name). A segment's words are analysed in its own
language (``said_en`` or ``said_es``: Snowball stemmers, as archive.language
uses) and its machine translation in English (``translation_en``); ``text``
and ``translation`` keep the folded words for exact phrases, highlights and
near spellings. A question asks, from the shared plan (search/plan.py), for
the typed words that carry meaning with the plan's minimum to match, by
word form (the typed words score fully, a match in the translation 0.8), by
the thesaurus (the search analyzers' synonym graph, every theme's English
and Spanish terms as one rule, scored at half), by near spelling
(``fuzziness: AUTO`` on the folded words, scored at 0.3) and by closeness (a
sloppy phrase adds to the score). ``+word`` must match by form. Segment
searches read segments only; grouped searches read both kinds in one
request, so a word in a title finds the testimony once instead of every one
of its segments. Totals and facets always count segments.

Synonyms are inline in the index settings (a thesaurus edit then needs
``rebuild_index``) unless ``SYNONYMS_SET`` names a synonyms set
(Elasticsearch 8.10 and later): the backend then writes the thesaurus into
it, the filters are ``updateable``, and an edit takes effect at once.

The index is written under a dated name behind an alias; :meth:`rebuild`
fills a new index and swaps the alias in one atomic call, so search never
goes dark. Params: ``{"URL": "http://localhost:9200", "INDEX": "testimonio-segments",
"SYNONYMS_SET": ""}`` and ``THESAURUS`` (see base).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

from search import meaning
from search.backends.base import (
    FACET_FIELDS,
    Document,
    FacetCount,
    Hit,
    SearchResults,
    SearchUnavailable,
    SegmentDocument,
    TestimonyDocument,
    TestimonyGroup,
    _check_level,
)
from search.backends.base import SearchBackend as BaseSearchBackend
from search.cognates import PER_WORD as COGNATES_PER_WORD
from search.cognates import proposals
from search.expansion import Thesaurus
from search.plan import MatchPlan, plan_query
from search.query import Query, fold

__all__ = [
    "SearchBackend",
    "document_id",
    "document_source",
    "grouped_body",
    "index_body",
    "parse_grouped",
    "parse_results",
    "parse_suggestions",
    "search_body",
    "suggest_body",
    "synonym_rules",
    "testimony_source",
]

_MARK_OPEN = "\x02"
_MARK_CLOSE = "\x03"
FRAGMENT_SIZE = 160
SUMMARY_SIZE = 240
FACET_SIZE = 50
BULK_CHUNK = 1_000
_T = TypeVar("_T")

# ``kind`` tells the two kinds of document apart: one per segment, one per
# testimony (its title, summary and storyteller's public name).
SEGMENT = "segment"
TESTIMONY = "testimony"
# Written as must_not so that an index made before ``kind`` existed (every
# document a segment, none with the field) still matches every segment.
NOT_TESTIMONY: dict[str, Any] = {"bool": {"must_not": {"term": {"kind": TESTIMONY}}}}
# Where typed words are matched: a segment's text only (the title would make
# every segment of a testimony match), a testimony's title, summary and name.
SEGMENT_FIELDS = ["text"]
# Exact phrases: what was said, or its translation, word for word.
SAID_FIELDS = ["text", "translation"]
TESTIMONY_FIELDS = ["title^2", "summary", "storyteller^2"]
_SEGMENT_SOURCE = [
    "kind", "testimony_id", "segment_id", "title", "url", "start", "end", "text", "translation",
]  # fmt: skip
# How much each way of matching a typed word counts (search/ranking.py's weights).
TRANSLATION_BOOST = 0.8
SYNONYM_BOOST = 0.5
FUZZY_BOOST = 0.3
PROXIMITY_BOOST = 0.3
PROXIMITY_SLOP = 3
_TESTIMONY_SOURCE = ["kind", "testimony_id", "title", "url", "summary"]

# Facet name -> document field holding its keyword values.
_FACET_FIELD = {
    "theme": "themes",
    "language": "language",
    "place": "place",
    "decade": "decade",
    "media_type": "media_type",
}


def synonym_rules(thesaurus: Thesaurus) -> list[str]:
    """One equivalence rule per theme: its English and Spanish terms together.

    Each search analyzer reads the rules through its own stemmer, so an
    English question meets the theme's Spanish terms as the Spanish field
    has them, and "posting bail" meets "post bail".
    """
    return [rule["synonyms"] for rule in synonyms_set_body(thesaurus)]


def _synonym_filter(thesaurus: Thesaurus, synonyms_set: str, language: str) -> dict[str, Any]:
    if synonyms_set:
        # An updateable filter reloads when the set changes (search analyzers only).
        return {
            "type": "synonym_graph",
            "synonyms_set": f"{synonyms_set}",
            "updateable": True,
            "lenient": True,
        }
    return {"type": "synonym_graph", "synonyms": synonym_rules(thesaurus), "lenient": True}


def _said(analyzer: str) -> dict[str, Any]:
    return {"type": "text", "analyzer": analyzer, "search_analyzer": analyzer}


def added_fields() -> dict[str, Any]:
    """Fields added since the first mapping, put on an older index before writing to it.

    ``dynamic: strict`` would otherwise refuse every document that carries
    them; documents indexed before stay unanalysed until ``rebuild_index``.
    """
    return {
        "kind": {"type": "keyword"},
        "summary": {"type": "text", "analyzer": "folded"},
        "translation": {"type": "text", "analyzer": "folded"},
        "said_en": _said("english"),
        "said_es": _said("spanish"),
        "translation_en": _said("english"),
        "meaning": MEANING_MAPPING,
    }


#: A moment's vector for search by meaning (search/meaning.py); absent when MEANING is off.
MEANING_MAPPING: dict[str, Any] = {
    "type": "dense_vector",
    "dims": meaning.DIMENSIONS,
    "index": True,
    "similarity": "cosine",
}


def meaning_knn(
    query: Query, access_levels: frozenset[str], vector: Iterable[float]
) -> dict[str, Any]:
    """The ``knn`` section: the nearest moments by meaning, under the same filters.

    The filter (access first) is applied while the neighbours are chosen,
    so nothing restricted is a candidate; ``similarity`` is the cosine
    below which a neighbour is noise, ``boost`` weighs meaning below words.
    Elasticsearch adds this score to the words' unnormalised score (the
    documented combination of a query and knn), where SQLite and PostgreSQL
    normalise the word score first (search.meaning.fuse).
    """
    return {
        "field": "meaning",
        "query_vector": [float(value) for value in vector],
        "k": meaning.CANDIDATES,
        "num_candidates": meaning.CANDIDATES * 4,
        "similarity": meaning.MIN_SIMILARITY,
        "boost": meaning.MEANING_WEIGHT,
        "filter": {"bool": {"filter": [*_filters(query, access_levels), NOT_TESTIMONY]}},
    }


def index_body(thesaurus: Thesaurus | None = None, synonyms_set: str = "") -> dict[str, Any]:
    """Settings and explicit mapping of an index of segment and testimony documents."""
    from search.expansion import seed_thesaurus

    thesaurus = thesaurus if thesaurus is not None else seed_thesaurus()
    folded = ["lowercase", "asciifolding"]
    return {
        "settings": {
            "analysis": {
                "filter": {
                    # Snowball, the stemmers archive.language uses for SQLite and PostgreSQL.
                    "english_stemmer": {"type": "stemmer", "language": "porter2"},
                    "spanish_stemmer": {"type": "stemmer", "language": "spanish"},
                    "english_possessive": {"type": "stemmer", "language": "possessive_english"},
                    "thesaurus_en": _synonym_filter(thesaurus, synonyms_set, "en"),
                    "thesaurus_es": _synonym_filter(thesaurus, synonyms_set, "es"),
                },
                "analyzer": {
                    "folded": {"tokenizer": "standard", "filter": folded},
                    "english": {
                        "tokenizer": "standard",
                        "filter": ["english_possessive", *folded, "english_stemmer"],
                    },
                    # Synonyms after the stemmer: the rules are stemmed as the question is.
                    "english_search": {
                        "tokenizer": "standard",
                        "filter": [
                            "english_possessive",
                            *folded,
                            "english_stemmer",
                            "thesaurus_en",
                        ],
                    },
                    "spanish": {"tokenizer": "standard", "filter": [*folded, "spanish_stemmer"]},
                    "spanish_search": {
                        "tokenizer": "standard",
                        "filter": [*folded, "spanish_stemmer", "thesaurus_es"],
                    },
                },
                "normalizer": {"folded": {"type": "custom", "filter": folded}},
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "kind": {"type": "keyword"},
                "segment_id": {"type": "long"},
                "testimony_id": {"type": "long"},
                "title": {"type": "text", "analyzer": "folded"},
                "url": {"type": "keyword", "index": False},
                "start": {"type": "float"},
                "end": {"type": "float"},
                "text": {"type": "text", "analyzer": "folded"},
                "translation": {"type": "text", "analyzer": "folded"},
                "said_en": _said("english"),
                "said_es": _said("spanish"),
                "translation_en": _said("english"),
                "summary": {"type": "text", "analyzer": "folded"},
                "language": {"type": "keyword"},
                "themes": {"type": "keyword"},
                "access_level": {"type": "keyword"},
                "storyteller": {"type": "text", "analyzer": "folded"},
                "place": {"type": "keyword"},
                "place_key": {"type": "keyword"},
                "year": {"type": "integer"},
                "decade": {"type": "keyword"},
                "media_type": {"type": "keyword"},
                "meaning": MEANING_MAPPING,
            },
        },
    }


def synonyms_set_body(thesaurus: Thesaurus) -> list[dict[str, str]]:
    """The synonyms set (Elasticsearch 8.10+): one rule per theme, named by its slug."""
    themes = list(dict.fromkeys(term.theme for term in thesaurus.terms))
    rules = dict(zip(themes, [None] * len(themes), strict=True))
    for theme in themes:
        texts = list(dict.fromkeys(" ".join(t.words) for t in thesaurus.theme_terms(theme)))
        if len(texts) > 1:
            rules[theme] = ", ".join(texts)
    return [{"id": theme, "synonyms": rule} for theme, rule in rules.items() if rule]


def _clean(text: str) -> str:
    return text.replace(_MARK_OPEN, " ").replace(_MARK_CLOSE, " ")


def _facts(doc: Document) -> dict[str, Any]:
    """The fields every filter reads, the same way for both kinds of document."""
    return {
        "testimony_id": doc.testimony_id,
        "title": _clean(doc.title),
        "url": doc.url,
        "language": doc.language,
        "themes": sorted(set(doc.themes)),
        "access_level": doc.access_level,
        "storyteller": _clean(doc.storyteller),
        "place": doc.place or None,
        "place_key": fold(doc.place) or None,
        "year": doc.year,
        "decade": doc.decade or None,
        "media_type": doc.media_type or None,
    }


def testimony_source(doc: TestimonyDocument) -> dict[str, Any]:
    """The _source of a testimony's own document (title, summary, storyteller)."""
    return {"kind": TESTIMONY, **_facts(doc), "summary": _clean(doc.summary)}


def document_source(doc: Document) -> dict[str, Any]:
    """The _source of a segment, or of a testimony document (:func:`testimony_source`)."""
    if isinstance(doc, TestimonyDocument):
        return testimony_source(doc)
    text = _clean(doc.text)
    source: dict[str, Any] = {
        "kind": SEGMENT,
        **_facts(doc),
        "segment_id": doc.segment_id,
        "start": float(doc.start),
        "end": float(doc.end),
        "text": text,
    }
    # Analysed in its own language only; other languages keep the folded words.
    if doc.language in ("en", "es"):
        source[f"said_{doc.language}"] = text
    if doc.translation:
        source["translation"] = _clean(doc.translation)
        source["translation_en"] = source["translation"]
    return source


def document_id(doc: Document) -> str:
    """The _id: a segment's id, or ``testimony-N``, so the two never collide."""
    if isinstance(doc, TestimonyDocument):
        return f"testimony-{doc.testimony_id}"
    return str(doc.segment_id)


def _regexp_literal(text: str) -> str:
    """`text` matched literally by Elasticsearch's regexp syntax."""
    return "".join(f"\\{char}" if char in '.?+*|{}[]()"\\#@&<>~' else char for char in text)


def _filters(query: Query, access_levels: frozenset[str]) -> list[dict[str, Any]]:
    """The filters both kinds of document share; the access filter is always first."""
    filters: list[dict[str, Any]] = [{"terms": {"access_level": sorted(access_levels)}}]
    if query.languages:
        filters.append({"terms": {"language": list(query.languages)}})
    filters.extend({"term": {"themes": theme}} for theme in query.themes)
    if query.media_types:
        filters.append({"terms": {"media_type": list(query.media_types)}})
    if query.places:
        # Whole words inside the stored place: "New York" finds "Queens, New York".
        filters.append(
            {
                "bool": {
                    "should": [
                        {"regexp": {"place_key": f"(.*[ ,])?{_regexp_literal(key)}([ ,].*)?"}}
                        for key in query.place_keys
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if query.has_years:
        years: dict[str, int] = {}
        if query.year_from is not None:
            years["gte"] = query.year_from
        if query.year_to is not None:
            years["lte"] = query.year_to
        filters.append({"range": {"year": years}})
    return filters


def _words(query: Query, fields: list[str]) -> list[dict[str, Any]]:
    """Every term (somewhere in ``fields``) and every phrase, word for word."""
    clauses = [
        {"multi_match": {"query": term, "type": "best_fields", "fields": fields, "operator": "and"}}
        for term in query.terms
    ]
    clauses += [
        {"multi_match": {"query": " ".join(phrase), "type": "phrase", "fields": fields}}
        for phrase in query.phrases
    ]
    return clauses


def _exclusions(query: Query, fields: list[str]) -> list[dict[str, Any]]:
    return [
        {"multi_match": {"query": word, "type": "phrase", "fields": fields}}
        for word in query.exclusions
    ]


STEM_FIELDS = ["said_en", "said_es", f"translation_en^{TRANSLATION_BOOST}"]


def _plan(query: Query) -> MatchPlan:
    """The shared plan without expansions: Elasticsearch expands by its own synonym graph."""
    return plan_query(query, Thesaurus())


def _match(field: str, text: str, minimum: int, boost: float, **extra: Any) -> dict[str, Any]:
    return {
        "match": {field: {"query": text, "minimum_should_match": minimum, "boost": boost, **extra}}
    }


def _typed_words(plan: MatchPlan) -> list[dict[str, Any]]:
    """Ways a moment answers the typed words; at least one must hold (with the minimum)."""
    if not plan.clauses:
        return []
    words = " ".join(clause.word for clause in plan.clauses)
    minimum = plan.minimum
    clauses: list[dict[str, Any]] = []
    for field, analyzer, synonyms, weight in (
        ("said_en", "english", "english_search", 1.0),
        ("said_es", "spanish", "spanish_search", 1.0),
        ("translation_en", "english", "english_search", TRANSLATION_BOOST),
    ):
        clauses.append(_match(field, words, minimum, weight, analyzer=analyzer))
        if not plan.literal:
            clauses.append(_match(field, words, minimum, weight * SYNONYM_BOOST, analyzer=synonyms))
    if not plan.literal:
        for field in ("text", "translation"):
            clauses.append(
                _match(
                    field,
                    words,
                    minimum,
                    FUZZY_BOOST,
                    fuzziness="AUTO",
                    prefix_length=0,
                    max_expansions=10,
                )
            )
        # Cognates (search.cognates): a proposal the index does not hold matches nothing.
        cognate_words = _cognate_words(plan)
        if cognate_words:
            for field in ("text", "translation"):
                clauses.append(_match(field, cognate_words, minimum, FUZZY_BOOST))
    return clauses


def _cognate_words(plan: MatchPlan) -> str:
    """Each typed word, or in its place the spellings it may have in the other language."""
    found = []
    for clause in plan.clauses:
        if clause.required:
            continue
        found.extend(proposals(clause.word)[: COGNATES_PER_WORD * 2])
    return " ".join(dict.fromkeys(found))


def _required(plan: MatchPlan) -> list[dict[str, Any]]:
    """``+word``: the word in one of its forms, in what was said or its translation."""
    return [
        {"multi_match": {"query": clause.word, "type": "best_fields", "fields": STEM_FIELDS}}
        for clause in plan.clauses
        if clause.required
    ]


def _segment_clause(query: Query) -> dict[str, Any]:
    """Segments answering the question; the typed words decide what is found and its score."""
    plan = _plan(query)
    body: dict[str, Any] = {"filter": [NOT_TESTIMONY]}
    must = [
        {"multi_match": {"query": " ".join(phrase), "type": "phrase", "fields": SAID_FIELDS}}
        for phrase in query.phrases
    ]
    must += _required(plan)
    typed = _typed_words(plan)
    if typed:
        must.append({"bool": {"should": typed, "minimum_should_match": 1}})
        if len(plan.clauses) > 1 and not plan.literal:
            words = " ".join(clause.word for clause in plan.clauses)
            body["should"] = [
                {
                    "match_phrase": {
                        field: {"query": words, "slop": PROXIMITY_SLOP, "boost": PROXIMITY_BOOST}
                    }
                }
                for field in ("said_en", "said_es", "translation_en")
            ]
    if must:
        body["must"] = must
    if query.exclusions:
        body["must_not"] = [
            {"multi_match": {"query": word, "type": "best_fields", "fields": STEM_FIELDS}}
            for word in query.exclusions
        ]
    return {"bool": body}


def _testimony_clause(query: Query) -> dict[str, Any]:
    """Testimony documents whose title, summary or storyteller's name say the words."""
    body: dict[str, Any] = {
        "filter": [{"term": {"kind": TESTIMONY}}],
        "must": _words(query, TESTIMONY_FIELDS),
    }
    if query.exclusions:
        body["must_not"] = _exclusions(query, ["title", "summary", "storyteller"])
    return {"bool": body}


def _bool_query(query: Query, access_levels: frozenset[str]) -> dict[str, Any]:
    """Segments only: the shared filters (access first) and the segment clause."""
    clause = _segment_clause(query)["bool"]
    return {"bool": {**clause, "filter": [*_filters(query, access_levels), *clause["filter"]]}}


def _grouped_query(query: Query, access_levels: frozenset[str]) -> dict[str, Any]:
    """Segments or testimony documents that match, under the same filters.

    The filters sit outside the two clauses, so access applies to both kinds
    alike. A browse (no words) finds segments only: a testimony document
    says nothing a filter could not say through its segments.
    """
    if not query.has_text:
        return _bool_query(query, access_levels)
    return {
        "bool": {
            "filter": _filters(query, access_levels),
            "should": [_segment_clause(query), _testimony_clause(query)],
            "minimum_should_match": 1,
        }
    }


def _highlight(field: str = "text", fragment_size: int = FRAGMENT_SIZE) -> dict[str, Any]:
    # Control-character tags cannot occur in stored text (_clean), so after
    # html.escape they can only be ours. A segment's text and translation are
    # highlighted on every field a question matched them through.
    fields = [field, "translation"] if field == "text" else [field]
    return {
        "pre_tags": [_MARK_OPEN],
        "post_tags": [_MARK_CLOSE],
        "fields": {
            name: {
                "number_of_fragments": 1,
                "fragment_size": fragment_size,
                "no_match_size": fragment_size,
            }
            for name in fields
        },
    }


def _sort(query: Query) -> list[Any]:
    if query.has_text:
        return ["_score", {"segment_id": "asc"}]
    return [{"segment_id": "asc"}]


def _aggregations() -> dict[str, Any]:
    """Facets over segments only (the ``moments`` filter); testimonies over both kinds."""
    facets: dict[str, Any] = {
        name: {"terms": {"field": field, "size": FACET_SIZE}}
        for name, field in _FACET_FIELD.items()
    }
    return {
        "moments": {"filter": NOT_TESTIMONY, "aggs": facets},
        "testimonies": {"cardinality": {"field": "testimony_id", "precision_threshold": 40_000}},
    }


def search_body(
    query: Query,
    access_levels: frozenset[str],
    limit: int,
    offset: int,
    vector: Iterable[float] | None = None,
) -> dict[str, Any]:
    """The _search body for a page of segment hits with facets (``vector``: also by meaning)."""
    body = {
        "query": _bool_query(query, access_levels),
        "from": offset,
        "size": limit,
        "sort": _sort(query),
        "track_total_hits": True,
        "highlight": _highlight(),
        "aggs": _aggregations(),
        "_source": _SEGMENT_SOURCE,
    }
    if vector is not None:
        body["knn"] = meaning_knn(query, access_levels, vector)
    return body


def grouped_body(
    query: Query,
    access_levels: frozenset[str],
    limit: int,
    offset: int,
    per_group: int,
    vector: Iterable[float] | None = None,
) -> dict[str, Any]:
    """The _search body for a page of testimonies (collapse) with their best moments.

    One request over both kinds of document. ``best`` holds the group's best
    hits (one more than ``per_group``, since the testimony's own document
    may be among them); ``about`` sorts the testimony document first
    ("testimony" > "segment") so its summary comes highlighted whenever it
    matched.
    """
    inner_hits: list[dict[str, Any]] = [
        {
            "name": "best",
            "size": per_group + 1,
            "sort": _sort(query),
            "highlight": _highlight(),
            "_source": _SEGMENT_SOURCE,
        }
    ]
    sort = _sort(query)
    if query.has_text:
        # Testimony documents have no segment_id; equal scores still page stably.
        sort = [*sort, {"testimony_id": "asc"}]
        inner_hits.append(
            {
                "name": "about",
                "size": 1,
                # unmapped_type: an index made before ``kind`` existed still answers.
                "sort": [{"kind": {"order": "desc", "unmapped_type": "keyword"}}],
                "highlight": _highlight("summary", SUMMARY_SIZE),
                "_source": _TESTIMONY_SOURCE,
            }
        )
    body = {
        "query": _grouped_query(query, access_levels),
        "from": offset,
        "size": limit,
        "sort": sort,
        "track_total_hits": True,
        "aggs": _aggregations(),
        "_source": _SEGMENT_SOURCE,
        "collapse": {"field": "testimony_id", "inner_hits": inner_hits},
    }
    if vector is not None:
        body["knn"] = meaning_knn(query, access_levels, vector)
    return body


def _marked_html(raw: str) -> str:
    return (
        html.escape(raw, quote=False).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")
    )


def _snippet_html(hit: dict[str, Any], field: str = "text", size: int = FRAGMENT_SIZE) -> str:
    fragments = hit.get("highlight", {}).get(field)
    raw = fragments[0] if fragments else (hit["_source"].get(field) or "")[:size]
    return _marked_html(raw)


def _is_testimony(hit: dict[str, Any]) -> bool:
    return hit.get("_source", {}).get("kind") == TESTIMONY


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
        translation_html=_snippet_html(hit, "translation") if source.get("translation") else "",
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


def _value(total: Any) -> int:
    return int(total["value"] if isinstance(total, dict) else total)


def _total(response: dict[str, Any]) -> int:
    return _value(response["hits"]["total"])


def _counts(response: dict[str, Any]) -> SearchResults:
    """Segment total, facets and testimony count, without hits.

    Facets and the total come from the ``moments`` filter aggregation
    (segments only) when present; a response without it counts every hit.
    """
    aggregations = response.get("aggregations", {})
    moments = aggregations.get("moments")
    if isinstance(moments, dict):
        total, facet_aggregations = int(moments.get("doc_count", 0)), moments
    else:
        total, facet_aggregations = _total(response), aggregations
    # Terms aggregations are exact on one shard and may undercount on many.
    approximate = any(
        facet_aggregations.get(name, {}).get("doc_count_error_upper_bound", 0)
        for name in _FACET_FIELD
    )
    return SearchResults(
        total=total,
        facets=_facets(facet_aggregations),
        total_groups=int(aggregations.get("testimonies", {}).get("value", 0)),
        facets_approximate=bool(approximate),
    )


def parse_results(response: dict[str, Any]) -> SearchResults:
    """SearchResults from a _search response (hits, total, aggregations)."""
    if not _total(response):
        return SearchResults()
    counts = _counts(response)
    return SearchResults(
        hits=tuple(_hit(h) for h in response["hits"]["hits"] if not _is_testimony(h)),
        total=counts.total,
        facets=counts.facets,
        total_groups=counts.total_groups,
        facets_approximate=counts.facets_approximate,
    )


def _group(top: dict[str, Any], per_group: int | None) -> TestimonyGroup:
    inner = top.get("inner_hits", {})
    best = inner.get("best", {}).get("hits", {})
    best_hits = best.get("hits", [])
    about_hits = inner.get("about", {}).get("hits", {}).get("hits", [])
    if not best_hits and not about_hits:
        best_hits = [top]
    # ``about`` carries the summary highlight; ``best`` may hold the document too.
    document = next((h for h in [*about_hits, *best_hits, top] if _is_testimony(h)), None)
    hits = tuple(_hit(h) for h in best_hits if not _is_testimony(h))[:per_group]
    if "total" in best:
        total = max(_value(best["total"]) - (document is not None), len(hits))
    else:
        total = len(hits)
    head = hits[0] if hits else None
    source = document["_source"] if document is not None else {}
    testimony_id = top.get("_source", {}).get("testimony_id")
    if testimony_id is None:
        testimony_id = top["fields"]["testimony_id"][0]
    return TestimonyGroup(
        testimony_id=int(testimony_id),
        title=head.title if head else source.get("title", ""),
        url=head.url if head else source.get("url", ""),
        hits=hits,
        total=total,
        score=float(top.get("_score") or (head.score if head else 0.0)),
        summary_html=_snippet_html(document, "summary", SUMMARY_SIZE) if document else "",
    )


def parse_grouped(response: dict[str, Any], per_group: int | None = None) -> SearchResults:
    """SearchResults with groups from a collapsed _search response with inner_hits.

    A group found only through its testimony document has no hits and a
    total of 0; ``total`` counts matching segments only (a testimony may be
    found when no segment matched), ``total_groups`` testimonies of both kinds.
    """
    if not _total(response):
        return SearchResults()
    counts = _counts(response)
    groups = tuple(_group(top, per_group) for top in response["hits"]["hits"])
    return SearchResults(
        hits=tuple(h for g in groups for h in g.hits),
        total=counts.total,
        facets=counts.facets,
        groups=groups,
        total_groups=counts.total_groups,
        facets_approximate=counts.facets_approximate,
    )


SUGGESTIONS = 3


def suggest_body(word: str, access_levels: frozenset[str]) -> dict[str, Any]:
    """The _search body asking the phrase suggester for spellings of ``word``.

    The suggester draws candidates from every indexed term, restricted ones
    included; the collate query (the asker's access filter and the
    suggestion as a segment's words) drops every candidate no segment the
    asker may see contains, so a suggestion cannot reveal restricted words.
    """
    visible = {
        "bool": {
            "filter": [
                {"terms": {"access_level": sorted(access_levels)}},
                NOT_TESTIMONY,
                {"match": {"text": {"query": "{{suggestion}}", "operator": "and"}}},
            ]
        }
    }
    return {
        "size": 0,
        "suggest": {
            "spelling": {
                "text": word,
                "phrase": {
                    "field": "text",
                    "size": SUGGESTIONS + 2,
                    "max_errors": 1,
                    "direct_generator": [
                        {"field": "text", "suggest_mode": "always", "min_word_length": 3}
                    ],
                    "collate": {"query": {"source": visible}, "prune": False},
                },
            }
        },
    }


def parse_suggestions(response: dict[str, Any], word: str) -> tuple[str, ...]:
    """Spellings from a phrase-suggest response, best first, never the word itself."""
    found: list[str] = []
    for entry in response.get("suggest", {}).get("spelling", []):
        for option in entry.get("options", []):
            text = str(option.get("text", "")).strip()
            # collate_match is present only with prune: true; false means not visible.
            if not text or option.get("collate_match") is False:
                continue
            if fold(text) != fold(word) and text not in found:
                found.append(text)
    return tuple(found[:SUGGESTIONS])


class SearchBackend(BaseSearchBackend):
    """Elasticsearch backend: an alias (``INDEX``) over a dated index."""

    def __init__(self, params: dict) -> None:
        super().__init__(params)
        from elasticsearch import Elasticsearch

        self.alias = str(params.get("INDEX", "testimonio-segments"))
        # Search by meaning (search/meaning.py): off unless asked, as it loads a model.
        self.meaning = bool(params.get("MEANING", False))
        self.synonyms_set = str(params.get("SYNONYMS_SET") or "")
        url = params.get("URL") or params.get("HOSTS") or "http://localhost:9200"
        self.client = params.get("CLIENT") or Elasticsearch(
            url,
            request_timeout=float(params.get("TIMEOUT", 10)),
            max_retries=int(params.get("MAX_RETRIES", 1)),
            retry_on_timeout=True,
        )
        self._ready = False
        self._mapped = False

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

    def _write(self, action: str, fn: Callable[[], _T]) -> _T:
        """Like _call, first giving an index made by an older release the added fields."""

        def write() -> _T:
            if not self._mapped:
                self.client.indices.put_mapping(index=self.alias, properties=added_fields())
                self._mapped = True
            return fn()

        return self._call(action, write)

    def _new_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1_000_000}"
        thesaurus = self.thesaurus()
        if self.synonyms_set:
            self._put_synonyms(thesaurus)
        self.client.indices.create(index=name, **index_body(thesaurus, self.synonyms_set))
        return name

    def _put_synonyms(self, thesaurus: Thesaurus) -> None:
        # Writing the set reloads every updateable filter that reads it.
        self.client.synonyms.put_synonym(
            id=self.synonyms_set, synonyms_set=synonyms_set_body(thesaurus)
        )

    def thesaurus_changed(self) -> None:
        if self.synonyms_set:
            self._call(
                "update the thesaurus synonyms", lambda: self._put_synonyms(self.thesaurus())
            )

    def thesaurus_notice(self) -> str:
        if self.synonyms_set:
            return ""
        return (
            "Elasticsearch keeps the thesaurus in its index: run `manage.py rebuild_index` for "
            "the changed terms to reach search (or set SYNONYMS_SET so edits apply at once)."
        )

    def _ensure_index(self) -> None:
        if not self.client.indices.exists_alias(name=self.alias):
            name = self._new_index()
            self.client.indices.put_alias(index=name, name=self.alias)
            self._mapped = True
        self._ready = True

    def close(self) -> None:
        self.client.close()

    # -- writes -------------------------------------------------------------

    def _bulk(self, index: str, documents: Iterable[Document], refresh: bool) -> int:
        """Write segment and testimony documents; return how many segments were written."""
        from elasticsearch import helpers

        segments = 0

        def actions() -> Iterator[dict[str, Any]]:
            nonlocal segments
            stream = iter(documents)
            while chunk := list(islice(stream, BULK_CHUNK)):
                vectors = self._meaning_vectors(chunk)
                for doc in chunk:
                    segments += isinstance(doc, SegmentDocument)
                    source = document_source(doc)
                    if isinstance(doc, SegmentDocument) and doc.segment_id in vectors:
                        source["meaning"] = vectors[doc.segment_id]
                    yield {"_index": index, "_id": document_id(doc), "_source": source}

        # Any document that fails raises BulkIndexError, so all were written.
        helpers.bulk(
            self.client, actions(), chunk_size=BULK_CHUNK, refresh="wait_for" if refresh else False
        )
        return segments

    def _meaning_vectors(self, documents: list[Document]) -> dict[int, list[float]]:
        """The segments' vectors by id, when search by meaning is on."""
        if not self.meaning:
            return {}
        segments = [doc for doc in documents if isinstance(doc, SegmentDocument)]
        vectors = meaning.encode_documents(segments)
        return {
            doc.segment_id: [float(value) for value in vector]
            for doc, vector in zip(segments, vectors, strict=True)
        }

    def _question(self, query: Query) -> list[float] | None:
        if not self.meaning:
            return None
        text = meaning.question(query, self.plan(query))
        if text is None:
            return None
        return [float(value) for value in meaning.question_vector(text)]

    def _index_segments(self, documents: list[SegmentDocument]) -> None:
        # wait_for: a published testimony is findable when the save returns.
        self._write("store segments", lambda: self._bulk(self.alias, documents, True))

    def _index_testimonies(self, documents: list[TestimonyDocument]) -> None:
        self._write("store testimonies", lambda: self._bulk(self.alias, documents, True))

    def _remove_testimony(self, testimony_id: int) -> None:
        # Both kinds of document carry testimony_id: this removes the
        # testimony's own document and every one of its segments.
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

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Index ``documents`` (segments and testimonies) into a new index, then swap the alias.

        Returns how many segments were written.

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
            self._ready = self._mapped = True
            return count

    @staticmethod
    def _checked(documents: Iterable[Document]) -> Iterator[Document]:
        """The documents, raising ValueError at one that may not be indexed (sealed, unknown)."""
        for document in documents:
            _check_level(document)
            yield document

    def _clear(self) -> None:
        self.rebuild(())

    def _count(self) -> int:
        return self._call(
            "count segments",
            lambda: int(self.client.count(index=self.alias, query=NOT_TESTIMONY)["count"]),
        )

    # -- reads --------------------------------------------------------------

    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults:
        body = search_body(query, access_levels, limit, offset, self._question(query))
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
        body = grouped_body(query, access_levels, limit, offset, per_group, self._question(query))
        response = self._call("search", lambda: self.client.search(index=self.alias, **body))
        return parse_grouped(dict(response), per_group)

    def _suggest(self, word: str, access_levels: frozenset[str]) -> tuple[str, ...]:
        body = suggest_body(word, access_levels)
        response = self._call("suggest", lambda: self.client.search(index=self.alias, **body))
        return parse_suggestions(dict(response), word)
