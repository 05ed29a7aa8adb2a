from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from search.backends.base import SearchUnavailable
from search.query import QueryError
from search.selectors import facet_options, search_segments


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    themes = request.GET.getlist("theme")
    languages = request.GET.getlist("language")
    context: dict[str, object] = {
        "query_text": text,
        "selected_themes": themes,
        "selected_languages": languages,
    }
    status = 200
    if text.strip() or themes or languages:
        try:
            page = int(request.GET.get("page", "1"))
        except ValueError:
            page = 1
        try:
            results = search_segments(
                text=text, user=request.user, themes=themes, languages=languages, page=page
            )
        except QueryError as e:
            context["error"] = str(e)
            status = 400
        except SearchUnavailable:
            context["error"] = "Search is unavailable right now. Please try again in a minute."
            status = 503
        else:
            context["results"] = results
            context["facets"] = facet_options(results)
    return render(request, "search/search.html", context, status=status)
