"""Collection and citation controls for pages other apps own (testimony page, search)."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.contrib.messages import get_messages
from django.urls import reverse

from archive import access
from archive.collections.citations import cite_moment, moment_permalink
from archive.collections.services import can_clip, collections_of
from archive.models import TestimonyPage

register = template.Library()


@register.filter
def csl_json(data: Any) -> str:
    return json.dumps([data], ensure_ascii=False, indent=2)


@register.simple_tag(takes_context=True)
def my_collections(context: dict[str, Any]) -> list:
    """The asker's own collections, for "add to collection" pickers."""
    request = context.get("request")
    return collections_of(getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def may_clip(context: dict[str, Any], testimony_id: int) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    testimony = TestimonyPage.objects.filter(pk=testimony_id).first()
    return testimony is not None and can_clip(user, testimony)


@register.inclusion_tag("archive/collections/_moment_tools.html", takes_context=True)
def moment_tools(context: dict[str, Any], testimony: TestimonyPage, start: float = 0) -> dict:
    """ "Add this moment to a collection" and "Cite this" for the testimony page."""
    request = context["request"]
    user = request.user
    start = float(start or 0)
    media = testimony.primary_media
    duration = float(media.duration) if media and media.duration else start + 30
    citation = None
    if access.can_view(user, testimony, access.Part.PAGE):
        citation = cite_moment(
            testimony=testimony,
            user=user,
            start=start,
            url=request.build_absolute_uri(moment_permalink(testimony, start)),
        )
    return {
        "request": request,
        "testimony": testimony,
        "can_clip": user.is_authenticated and can_clip(user, testimony),
        # A refused "Add to collection" comes back here: its reason shows on the form.
        "clip_errors": [m for m in get_messages(request) if m.level_tag == "error"],
        "my_collections": collections_of(user),
        "start": f"{start:g}",
        "end": f"{min(duration, start + 30):g}",
        "citation": citation,
        # "Cite this" follows the player: player.js asks this URL for the moment it is at.
        "cite_url": reverse("moment-cite", args=[testimony.pk]) if citation else "",
        "csrf_token": context.get("csrf_token"),
    }
