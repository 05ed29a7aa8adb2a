"""Media and transcript downloads: served only after the access policy says yes."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_safe

from archive import access
from archive.audit import audit_event, audit_view
from archive.models import AuditAction, MediaAsset, TestimonyPage
from archive.testimonies.ranged import ranged_file_response
from archive.testimonies.signing import MediaLinkError, check_media_link
from archive.transcripts.public import TRANSCRIPT_FORMATS, public_transcript_export


@require_safe
def media_web(request: HttpRequest, key: UUID) -> HttpResponse:
    """The web derivative of a recording, for the player. Never the original."""
    media = MediaAsset.objects.select_related("testimony__consent").filter(key=key).first()
    if media is None or not media.web:
        raise Http404
    part = access.Part.VIDEO if media.has_video else access.Part.AUDIO
    # The policy first: a restricted recording is "not found", whatever the link.
    # Staff reviewing in the admin hear unpublished testimony the policy opens to them.
    on_site = access.can_view(request.user, media.testimony, part)
    if not on_site and not access.can_review_media(request.user, media.testimony, part):
        raise Http404
    try:
        check_media_link(media, request.user, request.GET.get("s", ""))
    except MediaLinkError as e:
        return HttpResponseForbidden(
            f"{e} Reload the testimony page to get a new one.", content_type="text/plain"
        )
    range_header = request.headers.get("Range", "")
    if not range_header or range_header.startswith("bytes=0-"):
        # Players fetch many ranges; one log line per playback start is enough.
        if on_site:
            audit_view(user=request.user, testimony=media.testimony, action=AuditAction.PLAY_MEDIA)
        else:
            # Review playback of what the public cannot hear is always written down.
            audit_event(
                user=request.user,
                testimony=media.testimony,
                action=AuditAction.PLAY_MEDIA,
                detail="Played for review in the admin",
            )
    response = _file_response(request, media)
    # Restricted or not, a recording must not sit in shared caches.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_response(request: HttpRequest, media: MediaAsset) -> HttpResponse:
    mode = settings.TESTIMONIO_PROTECTED_MEDIA
    if mode in ("x-accel-redirect", "x-sendfile"):
        response = HttpResponse(content_type=media.web_content_type)
        if mode == "x-accel-redirect":
            prefix = settings.TESTIMONIO_PROTECTED_MEDIA_PREFIX.rstrip("/")
            response["X-Accel-Redirect"] = f"{prefix}/{media.web.name}"
        else:
            response["X-Sendfile"] = media.web.path
        return response
    return ranged_file_response(request, Path(media.web.path), media.web_content_type)


@require_safe
def transcript_download(request: HttpRequest, testimony_id: int, fmt: str) -> HttpResponse:
    """The public transcript (redactions masked) as VTT, SRT, TXT or JSON."""
    if fmt not in TRANSCRIPT_FORMATS:
        raise Http404
    testimony = TestimonyPage.objects.filter(pk=testimony_id).first()
    if testimony is None or not access.can_view(request.user, testimony, access.Part.TRANSCRIPT):
        raise Http404
    export = public_transcript_export(testimony, fmt)
    if export is None:
        raise Http404
    audit_view(
        user=request.user,
        testimony=testimony,
        action=AuditAction.DOWNLOAD_TRANSCRIPT,
        detail=fmt,
    )
    content_type, body = export
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="testimony-{testimony.pk}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask every page for: the archive's icon, not a 404."""
    path = finders.find("archive/favicon.ico")
    if not path:
        raise Http404
    response = HttpResponse(Path(path).read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    """The site's own "not found" page, even while DEBUG would show Django's.

    Views a visitor reaches by a link (moment permalinks, citations) answer
    with this instead of raising Http404, so a mistyped or withdrawn link
    never shows the URL configuration of a development server.
    """
    return render(request, "404.html", status=404)
