"""Admin: an editor marks a coverage flag as checked, from the transcript editor.

The flags are listed on the transcript editor page (transcript_edit.html
reads ``transcript.flags``); this is the one action on them. Registered from
archive/wagtail_hooks.py with the register_admin_urls hook.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST
from wagtail.admin.auth import require_admin_access

from archive import access
from archive.errors import ArchiveError
from archive.transcripts.coverage import coverage_flag_check


@require_admin_access
@require_POST
def flag_check(request: HttpRequest, transcript_id: int, flag_id: int) -> HttpResponse:
    if not access.is_editor_or_administrator(request.user):
        raise PermissionDenied
    try:
        flag = coverage_flag_check(flag_id=flag_id, transcript_id=transcript_id, by=request.user)
    except ArchiveError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Checked: {flag.message}.")
    return redirect(reverse("archive_transcript_edit", args=[transcript_id]) + "#coverage")


def register_coverage_urls() -> list[URLPattern]:
    return [
        path(
            "transcripts/<int:transcript_id>/flags/<int:flag_id>/check/",
            flag_check,
            name="archive_coverage_flag_check",
        )
    ]
