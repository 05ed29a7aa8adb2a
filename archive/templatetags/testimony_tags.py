"""The testimony page's template asks here what of the testimony its visitor may see."""

from __future__ import annotations

from typing import Any

from django import template

from archive.models import TestimonyPage
from archive.testimonies.serving import TestimonyView, testimony_view

register = template.Library()


@register.simple_tag(takes_context=True)
def testimony_parts(context: dict[str, Any], page: TestimonyPage) -> TestimonyView:
    """The parts of ``page`` the request's visitor may see, worked out once per request.

    Template blocks do not share variables, and both the page's language and
    its body need the transcript: the answer is kept on the request.
    """
    request = context["request"]
    seen = request.__dict__.setdefault("_testimony_views", {})
    if page.pk not in seen:
        seen[page.pk] = testimony_view(request, page)
    return seen[page.pk]
