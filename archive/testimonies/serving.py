"""A testimony page as a visitor sees it: the serve guard and what the template shows.

The page model only stores; serving reaches for audit, signed media links and
the public transcript text, so it lives here (a `before_serve_page` hook and
the `testimony_view` template tag) and the models never import those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest

from archive import access
from archive.audit import audit_view
from archive.models import AuditAction, MediaAsset, Segment, TestimonyPage, Transcript
from archive.testimonies.signing import media_url
from archive.transcripts.public import (
    TRANSCRIPT_FORMATS,
    public_segments,
    public_translation_segments,
)


def testimony_page_guard(request: HttpRequest, page: Any) -> None:
    """Before a testimony page is served: refuse what the policy refuses, audit what it allows.

    404, not 403: a restricted testimony must not even be known to exist.
    """
    if not isinstance(page, TestimonyPage):
        return
    if not access.can_view(request.user, page, access.Part.PAGE):
        raise Http404
    audit_view(user=request.user, testimony=page, action=AuditAction.VIEW_PAGE)


@dataclass(frozen=True)
class TestimonyView:
    """What of one testimony this request's visitor may see on its page."""

    storyteller_name: str
    start_at: float
    media: MediaAsset | None = None
    media_url: str = ""
    transcript: Transcript | None = None
    segments: list[tuple[Segment, str]] = field(default_factory=list)
    translation_segments: list[tuple[Segment, str]] = field(default_factory=list)
    download_formats: list[str] = field(default_factory=list)


def testimony_view(request: HttpRequest, page: TestimonyPage) -> TestimonyView:
    """Ask the access policy part by part; a part it refuses is simply absent."""
    media = page.primary_media
    part = access.Part.VIDEO if media and media.has_video else access.Part.AUDIO
    shown_media = (
        media if media and media.web and access.can_view(request.user, page, part) else None
    )
    show_transcript = access.can_view(request.user, page, access.Part.TRANSCRIPT)
    transcript = page.current_transcript if show_transcript else None
    return TestimonyView(
        storyteller_name=access.display_name(request.user, page),
        start_at=start_seconds(request),
        media=shown_media,
        media_url=media_url(shown_media, request.user) if shown_media else "",
        transcript=transcript,
        segments=public_segments(page) if show_transcript else [],
        translation_segments=public_translation_segments(transcript) if transcript else [],
        download_formats=list(TRANSCRIPT_FORMATS) if show_transcript else [],
    )


def start_seconds(request: HttpRequest) -> float:
    """The ?t= moment to start playing at; anything odd starts at the beginning."""
    raw = request.GET.get("t", "")
    try:
        value = float(raw)
    except ValueError:
        return 0.0
    return value if 0 <= value < 10**7 else 0.0
