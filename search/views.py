"""The search page: testimonies grouped with their best moments, facets to narrow them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_safe

from search.backends.base import SearchUnavailable
from search.query import QueryError
from search.rate_limit import refusal_message, seconds_until_allowed
from search.selectors import (
    ALL_MOMENTS,
    BEST_MOMENTS,
    GROUP_PAGE_SIZE,
    Filters,
    facet_options,
    search_testimonies,
    unknown_themes,
)

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
        expanded = _expanded(request.GET)
        try:
            results = search_testimonies(
                text=text,
                user=request.user,
                filters=filters,
                page=page,
                per_group=ALL_MOMENTS if expanded else BEST_MOMENTS,
            )
            context["unknown_themes"] = unknown_themes(filters.query(text))
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
                active_filters=_active_filters(request.GET),
                expanded=expanded,
                best_moments=BEST_MOMENTS,
            )
    return render(request, "search/search.html", context, status=status)


def _without_page(params: QueryDict) -> str:
    copy = params.copy()
    copy.pop("page", None)
    copy.pop("moments", None)
    return copy.urlencode()


def _expanded(params: QueryDict) -> int | None:
    """The testimony whose every moment is shown ("Show all N moments"), if any."""
    raw = params.get("moments", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


_FILTER_LABELS = {"theme": "Theme", "language": "Language", "place": "Place", "media": "Media",
                  "year": "Year"}  # fmt: skip


def _active_filters(params: QueryDict) -> list[dict[str, str]]:
    """Each filter set from a facet, with the link that removes just that one."""
    from archive.models import Theme

    names = dict(Theme.objects.filter(slug__in=params.getlist("theme")).values_list("slug", "name"))
    active = []
    for field, label in _FILTER_LABELS.items():
        for value in params.getlist(field):
            rest = params.copy()
            rest.setlist(field, [v for v in params.getlist(field) if v != value])
            rest.pop("page", None)
            rest.pop("moments", None)
            shown = names.get(value, value) if field == "theme" else value
            active.append({"label": label, "value": shown, "remove": rest.urlencode()})
    return active
