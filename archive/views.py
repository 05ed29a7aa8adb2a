"""Media is served only here, after the access policy says yes."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from archive import access
from archive.models import MediaAsset
from archive.ranged import ranged_file_response


@require_safe
def media_web(request: HttpRequest, key: UUID) -> HttpResponse:
    """The web derivative of a recording, for the player. Never the original."""
    media = MediaAsset.objects.select_related("testimony__consent").filter(key=key).first()
    if media is None or not media.web:
        raise Http404
    part = access.Part.VIDEO if media.has_video else access.Part.AUDIO
    if not access.can_view(request.user, media.testimony, part):
        raise Http404
    response = ranged_file_response(request, Path(media.web.path), media.web_content_type)
    # Restricted or not, a recording must not sit in shared caches.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
