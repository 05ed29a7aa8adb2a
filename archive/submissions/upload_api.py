"""The resumable upload API the storyteller's browser talks to.

The protocol is archive/submissions/uploads.py's; these views only speak HTTP.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from archive.models import Invitation, Upload
from archive.models.submissions import UploadStatus
from archive.submissions.invitations import (
    InvitationUsed,
)
from archive.submissions.invited import SESSION_WITHDRAW, invalid_invitation, invited
from archive.submissions.uploads import (
    UploadError,
    rate_limit,
    upload_append,
    upload_create,
)

# An upload started before the invitation expired may still finish this long after.
UPLOAD_GRACE = timedelta(days=2)


def _api_error(error: UploadError | str, status: int | None = None) -> JsonResponse:
    message = str(error)
    response = JsonResponse(
        {"error": message, "offset": getattr(error, "offset", None)},
        status=status or getattr(error, "status", 400),
    )
    if getattr(error, "offset", None) is not None:
        response["Upload-Offset"] = str(error.offset)
    if response.status_code == 429:
        response["Retry-After"] = "60"
    return response


@require_http_methods(["POST"])
@invited()
def uploads(request: HttpRequest, invitation: Invitation, token: str) -> JsonResponse:
    try:
        rate_limit(invitation)
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as e:
            raise UploadError(_("The request is not valid JSON.")) from e
        if not isinstance(body, dict):
            raise UploadError(_("The request is not valid JSON."))
        upload = upload_create(
            invitation=invitation,
            filename=body.get("filename"),
            size=body.get("size"),
            sha256=body.get("sha256"),
        )
    except UploadError as e:
        return _api_error(e)
    url = reverse("submit-upload", args=[token, upload.key])
    response = JsonResponse(
        {"key": str(upload.key), "offset": 0, "size": upload.size, "url": url}, status=201
    )
    response["Location"] = url
    response["Upload-Offset"] = "0"
    return response


@require_http_methods(["HEAD", "GET", "PATCH"])
@invited(allow_used=True, grace=UPLOAD_GRACE)
def upload(request: HttpRequest, invitation: Invitation, token: str, key: str) -> HttpResponse:
    found = Upload.objects.filter(invitation=invitation, key=key).first()
    if found is None:
        return _api_error(_("There is no such upload."), status=404)
    if request.method in ("HEAD", "GET"):
        return _upload_state(request, found)
    if invitation.used_at is not None and found.status == UploadStatus.RECEIVING:
        return invalid_invitation(request, InvitationUsed())
    try:
        rate_limit(invitation)
        offset = _int_header(request, "HTTP_UPLOAD_OFFSET", _("The Upload-Offset header"))
        length = _int_header(request, "CONTENT_LENGTH", _("The Content-Length header"))
        finished = upload_append(upload=found, offset=offset, stream=request, length=length)
    except UploadError as e:
        return _api_error(e)
    if finished.upload.offset < finished.upload.size:
        response = HttpResponse(status=204)
        response["Upload-Offset"] = str(finished.upload.offset)
        return response
    if finished.withdrawal_token:
        tokens = request.session.get(SESSION_WITHDRAW, {})
        tokens[str(found.key)] = finished.withdrawal_token
        request.session[SESSION_WITHDRAW] = tokens
    return _upload_state(request, finished.upload)


def _upload_state(request: HttpRequest, found: Upload) -> HttpResponse:
    body: dict[str, Any] = {
        "offset": found.offset,
        "size": found.size,
        "status": str(found.status),
    }
    status = 200
    if found.status in (UploadStatus.FAILED, UploadStatus.EXPIRED):
        body["error"] = found.error
        status = 422 if request.method == "PATCH" else 200
    if found.status == UploadStatus.INGESTED:
        body["next"] = reverse("submit-done", args=[found.key])
    response = HttpResponse(status=200) if request.method == "HEAD" else JsonResponse(body)
    response.status_code = status
    response["Upload-Offset"] = str(found.offset)
    response["Upload-Length"] = str(found.size)
    response["Upload-Status"] = str(found.status)
    response["Cache-Control"] = "no-store"
    return response


def _int_header(request: HttpRequest, name: str, label: str) -> int:
    value = request.META.get(name, "")
    if not value.isdigit():
        raise UploadError(_("%(header)s must be a whole number.") % {"header": label})
    return int(value)
