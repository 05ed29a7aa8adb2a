"""The OpenAPI 3 description of the search API, written by hand.

Hand-written rather than generated so that it states the contract the
tests hold the API to (access policy, 400/429/503 shapes) in plain words.
"""

from __future__ import annotations

from typing import Any

_HIT = {
    "type": "object",
    "required": ["testimony_id", "segment_id", "title", "start", "end", "snippet", "url"],
    "properties": {
        "testimony_id": {"type": "integer"},
        "segment_id": {"type": "integer"},
        "title": {"type": "string"},
        "start": {"type": "number", "description": "Seconds from the start of the recording."},
        "end": {"type": "number"},
        "snippet": {
            "type": "string",
            "description": "HTML-escaped text; matches are wrapped in <mark>.",
        },
        "translation": {
            "type": "string",
            "description": "The moment's English machine translation (HTML-escaped, matches in "
            '<mark>), shown beside what was said; "" when there is none.',
        },
        "url": {"type": "string", "description": "The player opened at this moment."},
        "score": {"type": "number"},
    },
}

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "description": "What to change or wait for."}},
}


def _error_response(description: str, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if retry_after:
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        }
    return response


def _param(name: str, description: str, *, many: bool = False, **schema: Any) -> dict[str, Any]:
    item = {"type": "string", **schema}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "array", "items": item} if many else item,
        **({"style": "form", "explode": True} if many else {}),
    }


SCHEMA: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Testimonio search API",
        "version": "1",
        "description": (
            "Find the moments in oral-history testimony. Answers only with what the asker may "
            "see: anonymous clients see public testimony; hits, snippets, facet counts, "
            "totals and suggestions all respect the same access policy. Rate limited per "
            "client address."
        ),
    },
    "paths": {
        "/api/search/": {
            "get": {
                "summary": "Search testimony, grouped by testimony with its best moments",
                "parameters": [
                    _param(
                        "q",
                        "A question in your own words, English or Spanish (ranked: word forms, "
                        'thesaurus synonyms, translations, near spellings); "exact phrases", '
                        "+required words, -exclusions, and theme:slug, lang:xx, "
                        'year:2010..2015, place:"New York", media:video filters.',
                        maxLength=500,
                    ),
                    _param("all", "1: every word is required (in one of its forms)."),
                    _param("theme", "Theme slugs; every one must apply.", many=True),
                    _param("language", "ISO 639-1 codes; any may match.", many=True),
                    _param("place", "Places, without case or accents; any.", many=True),
                    _param("year", "A year (2012) or range (2010..2015) recorded."),
                    _param("media", "audio or video; any.", many=True, enum=["audio", "video"]),
                    {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "default": 1},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "A page of testimonies with their best moments.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SearchResults"}
                            }
                        },
                    },
                    "400": _error_response("The query cannot be used; the message says why."),
                    "429": _error_response("Too many requests from this address.", True),
                    "503": _error_response("The search index is unavailable.", True),
                },
            }
        },
        "/api/schema.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3 schema"}},
            }
        },
    },
    "components": {
        "schemas": {
            "Hit": _HIT,
            "Group": {
                "type": "object",
                "required": ["testimony_id", "title", "url", "total", "summary", "hits"],
                "properties": {
                    "testimony_id": {"type": "integer"},
                    "title": {"type": "string"},
                    "url": {"type": "string"},
                    "total": {
                        "type": "integer",
                        "description": "Matching moments in this testimony.",
                    },
                    "summary": {
                        "type": "string",
                        "description": (
                            "HTML: the testimony's summary with the searched words in <mark>, "
                            "when its title, summary or storyteller's public name matched; "
                            "otherwise empty. A testimony found only this way has no hits."
                        ),
                    },
                    "hits": {
                        "type": "array",
                        "maxItems": 3,
                        "items": {"$ref": "#/components/schemas/Hit"},
                    },
                },
            },
            "FacetCount": {
                "type": "object",
                "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
            },
            "SearchResults": {
                "type": "object",
                "required": ["total", "total_testimonies", "page", "pages", "groups", "facets"],
                "properties": {
                    "total": {"type": "integer", "description": "Matching moments (segments)."},
                    "total_exact": {
                        "type": "boolean",
                        "description": (
                            "False when total is a lower bound: a word said in more than "
                            "10,000 moments is not counted to the last one."
                        ),
                    },
                    "total_testimonies": {"type": "integer"},
                    "page": {"type": "integer"},
                    "pages": {"type": "integer"},
                    "page_size": {"type": "integer"},
                    "groups": {"type": "array", "items": {"$ref": "#/components/schemas/Group"}},
                    "hits": {
                        "type": "array",
                        "description": "The groups' hits, in order.",
                        "items": {"$ref": "#/components/schemas/Hit"},
                    },
                    "facets": {
                        "type": "object",
                        "description": "theme, language, place, decade, media_type.",
                        "additionalProperties": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/FacetCount"},
                        },
                    },
                    "facets_approximate": {"type": "boolean"},
                    "suggestions": {"type": "array", "items": {"type": "string"}},
                },
            },
            "Error": _ERROR,
        }
    },
}
