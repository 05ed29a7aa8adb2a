"""The search page: testimonies grouped with their best moments, facets to narrow them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_safe

from search.backends.base import SearchUnavailable
from search.query import QueryError
from search.rate_limit import refusal_message, seconds_until_allowed
from search.selectors import GROUP_PAGE_SIZE, Filters, facet_options, search_testimonies

UNAVAILABLE = "Search is unavailable right now. Please try again in a minute."


def filters_from(params: QueryDict) -> Filters:
    """The filters from query-string parameters: the page and the API accept the same ones."""
    return Filters(
        themes=params.getlist("theme"),
        languages=params.getlist("language"),
        places=params.getlist("place"),
        years=params.get("year", ""),
        media_types=params.getlist("media"),
        match_all=params.get("all", "") in ("1", "on", "true"),
    )


def page_number(params: QueryDict) -> int:
    try:
        return max(1, min(int(params.get("page", "1")), 10_000))
    except ValueError:
        return 1


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    filters = filters_from(request.GET)
    context: dict[str, object] = {
        "query_text": text,
        "selected_themes": filters.themes,
        "selected_languages": filters.languages,
        "selected_places": filters.places,
        "selected_year": filters.years,
        "selected_media": filters.media_types,
        "match_all": filters.match_all,
    }
    status = 200
    wait = seconds_until_allowed(request) if text.strip() or filters else 0
    if wait:
        context["error"] = refusal_message(wait)
        response = render(request, "search/search.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    if text.strip() or filters:
        page = page_number(request.GET)
        try:
            results = search_testimonies(text=text, user=request.user, filters=filters, page=page)
        except QueryError as e:
            context["error"] = str(e)
            status = 400
        except SearchUnavailable:
            context["error"] = UNAVAILABLE
            status = 503
        else:
            pages = max(1, -(-results.total_groups // GROUP_PAGE_SIZE))
            context.update(
                results=results,
                facets=facet_options(results),
                page=page,
                pages=pages,
                previous_page=page - 1 if page > 1 else None,
                next_page=page + 1 if page < pages else None,
                base_query=_without_page(request.GET),
            )
    return render(request, "search/search.html", context, status=status)


def _without_page(params: QueryDict) -> str:
    copy = params.copy()
    copy.pop("page", None)
    return copy.urlencode()
