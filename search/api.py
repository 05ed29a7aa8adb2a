"""The JSON search API for journalists and partner sites.

Same selectors, hence the same access policy, as the search page: an
anonymous client sees what an anonymous visitor sees, a logged-in session
what its user may. Rate limited per client address together with the search
page (search/rate_limit.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from search.api_schema import SCHEMA
from search.backends.base import SearchResults, SearchUnavailable
from search.query import QueryError
from search.rate_limit import refusal_message, seconds_until_allowed
from search.selectors import GROUP_PAGE_SIZE, search_testimonies
from search.views import UNAVAILABLE, filters_from, page_number


def _error(message: str, status: int, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _payload(results: SearchResults, page: int) -> dict[str, Any]:
    def hit(h: Any) -> dict[str, Any]:
        return {
            "testimony_id": h.testimony_id,
            "segment_id": h.segment_id,
            "title": h.title,
            "start": round(h.start, 2),
            "end": round(h.end, 2),
            "snippet": h.snippet_html,
            # What was said comes first; this is its machine translation ("" if none).
            "translation": h.translation_html,
            "url": h.player_url,
            "score": h.score,
        }

    pages = max(1, -(-results.total_groups // GROUP_PAGE_SIZE))
    return {
        "total": results.total,
        "total_exact": results.total_exact,
        "total_testimonies": results.total_groups,
        "page": page,
        "pages": pages,
        "page_size": GROUP_PAGE_SIZE,
        "groups": [
            {
                "testimony_id": g.testimony_id,
                "title": g.title,
                "url": g.url,
                "total": g.total,
                "summary": g.summary_html,
                "hits": [hit(h) for h in g.hits],
            }
            for g in results.groups
        ],
        "hits": [hit(h) for h in results.hits],
        "facets": {
            name: [{"value": f.value, "count": f.count} for f in counts]
            for name, counts in results.facets.items()
        },
        "facets_approximate": results.facets_approximate,
        "suggestions": list(results.suggestions),
    }


@require_safe
def search(request: HttpRequest) -> JsonResponse:
    wait = seconds_until_allowed(request)
    if wait:
        return _error(refusal_message(wait), 429, **{"Retry-After": str(wait)})
    text = request.GET.get("q", "")
    filters = filters_from(request.GET)
    page = page_number(request.GET)
    try:
        results = search_testimonies(text=text, user=request.user, filters=filters, page=page)
    except QueryError as e:
        return _error(str(e), 400)
    except SearchUnavailable:
        return _error(UNAVAILABLE, 503, **{"Retry-After": "60"})
    return JsonResponse(_payload(results, page), json_dumps_params={"ensure_ascii": False})


@require_safe
def schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(SCHEMA)
