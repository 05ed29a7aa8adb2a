"""Admin: the personal information found in one testimony, redacted or dismissed with one click.

Registered from archive/wagtail_hooks.py::

    hooks.register("register_admin_urls", register_privacy_urls)
    hooks.register("register_page_header_buttons", personal_information_button)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST
from wagtail.admin.auth import require_admin_access
from wagtail.admin.ui.menus.pages import PageMenuItem

from archive import access
from archive.models import (
    PiiKind,
    Redaction,
    RedactionStatus,
    Segment,
    TestimonyPage,
    Transcript,
    TranscriptStatus,
)
from archive.privacy.detection import PrivacyError
from archive.privacy.redaction import (
    redaction_apply,
    redaction_dismiss,
    redaction_flag,
    suggest_redactions,
    unreviewed_pii_count,
)
from archive.testimonies.admin_access import content_guard
from transcription.errors import MediaError

# Characters of the segment shown either side of a span: enough to judge it.
_CONTEXT_CHARS = 120


@dataclass(frozen=True)
class SpanRow:
    redaction: Redaction
    before: str
    span: str
    after: str

    @property
    def time(self) -> str:
        return f"{_clock(self.redaction.start)}–{_clock(self.redaction.end)}"


def _clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _require_editor(request: HttpRequest) -> None:
    if not access.is_staff_member(request.user):
        raise PermissionDenied


def _rows(testimony: TestimonyPage) -> list[SpanRow]:
    redactions = (
        Redaction.objects.filter(segment__transcript__media__testimony=testimony)
        .select_related("segment", "decided_by")
        .order_by("segment__transcript_id", "segment__index", "char_start")
    )
    rows = []
    for redaction in redactions:
        text = redaction.segment.text
        start, end = redaction.char_start, redaction.char_end
        before = text[max(0, start - _CONTEXT_CHARS) : start]
        after = text[end : end + _CONTEXT_CHARS]
        rows.append(
            SpanRow(
                redaction=redaction,
                before=("…" if start > _CONTEXT_CHARS else "") + before,
                span=text[start:end],
                after=after + ("…" if end + _CONTEXT_CHARS < len(text) else ""),
            )
        )
    return rows


@require_admin_access
def privacy_review(request: HttpRequest, page_id: int) -> HttpResponse:
    """The spans found in the testimony: suggested ones first, each in its sentence."""
    _require_editor(request)
    testimony = get_object_or_404(TestimonyPage, pk=page_id)
    if refused := content_guard(request, testimony, what="Personal information review"):
        return refused
    rows = _rows(testimony)
    order = {RedactionStatus.SUGGESTED: 0, RedactionStatus.APPLIED: 1, RedactionStatus.DISMISSED: 2}
    rows.sort(key=lambda row: order.get(row.redaction.status, 3))
    return TemplateResponse(
        request,
        "archive/admin/privacy.html",
        {
            "testimony": testimony,
            "rows": rows,
            "unreviewed": sum(r.redaction.status == RedactionStatus.SUGGESTED for r in rows),
            "has_transcript": testimony.current_transcript is not None,
            "segments": Segment.objects.filter(transcript__media__testimony=testimony)
            .select_related("transcript")
            .order_by("transcript_id", "index"),
            "kinds": PiiKind.choices,
        },
    )


@require_admin_access
@require_POST
def privacy_flag(request: HttpRequest, page_id: int) -> HttpResponse:
    """Flag by hand words the scan missed; they join the list to redact or keep."""
    _require_editor(request)
    testimony = get_object_or_404(TestimonyPage, pk=page_id)
    if refused := content_guard(request, testimony, what="Personal information flag"):
        return refused
    segment = (
        Segment.objects.filter(
            pk=request.POST.get("segment") or 0, transcript__media__testimony=testimony
        ).first()
        if (request.POST.get("segment") or "").isdigit()
        else None
    )
    if segment is None:
        messages.error(request, "Choose the segment where the words are said.")
        return redirect("archive_privacy_review", page_id=testimony.pk)
    try:
        redaction = redaction_flag(
            segment=segment,
            phrase=request.POST.get("phrase", ""),
            kind=request.POST.get("kind", ""),
            by=request.user,
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request,
            f"Flagged “{segment.text[redaction.char_start : redaction.char_end]}”: "
            "redact it or keep it below.",
        )
    return redirect("archive_privacy_review", page_id=testimony.pk)


@require_admin_access
@require_POST
def privacy_scan(request: HttpRequest, page_id: int) -> HttpResponse:
    _require_editor(request)
    testimony = get_object_or_404(TestimonyPage, pk=page_id)
    if refused := content_guard(request, testimony, what="Personal information scan"):
        return refused
    # Every finished transcript of the recording (a translation speaks the same names).
    transcripts = list(
        Transcript.objects.filter(media__testimony=testimony, status=TranscriptStatus.DONE)
    )
    if not transcripts:
        messages.error(request, "This testimony has no finished transcript to scan yet.")
    else:
        try:
            found = sum(suggest_redactions(transcript=t) for t in transcripts)
        except PrivacyError as e:
            messages.error(request, str(e))
        else:
            messages.success(
                request,
                f"Scan finished: {found} new span{'s' if found != 1 else ''} to review."
                if found
                else "Scan finished: nothing new found.",
            )
    return redirect("archive_privacy_review", page_id=testimony.pk)


@require_admin_access
@require_POST
def privacy_decide(request: HttpRequest, page_id: int, redaction_id: int) -> HttpResponse:
    """Apply ("Redact") or dismiss ("Not PII") one span."""
    _require_editor(request)
    redaction = get_object_or_404(
        Redaction, pk=redaction_id, segment__transcript__media__testimony_id=page_id
    )
    testimony = get_object_or_404(TestimonyPage, pk=page_id)
    if refused := content_guard(request, testimony, what="Personal information decision"):
        return refused
    action = request.POST.get("action")
    if action not in ("apply", "dismiss"):
        messages.error(request, "Choose Redact or Not PII.")
        return redirect("archive_privacy_review", page_id=page_id)
    service = redaction_apply if action == "apply" else redaction_dismiss
    try:
        service(redaction=redaction, by=request.user)
    except MediaError as e:
        messages.error(
            request,
            "The text is updated, but the public audio could not be rebuilt and is withheld "
            f"until it can be: {e}",
        )
    else:
        kind = redaction.get_kind_display().lower()
        if action == "apply":
            messages.success(request, f"Redacted the {kind}: masked in text and search, bleeped.")
        else:
            messages.success(request, f"Kept the {kind} visible (not personal information).")
    return redirect("archive_privacy_review", page_id=page_id)


def register_privacy_urls() -> list[URLPattern]:
    """URLs for the register_admin_urls hook."""
    return [
        path(
            "testimony/<int:page_id>/privacy/",
            privacy_review,
            name="archive_privacy_review",
        ),
        path(
            "testimony/<int:page_id>/privacy/scan/",
            privacy_scan,
            name="archive_privacy_scan",
        ),
        path(
            "testimony/<int:page_id>/privacy/flag/",
            privacy_flag,
            name="archive_privacy_flag",
        ),
        path(
            "testimony/<int:page_id>/privacy/<int:redaction_id>/",
            privacy_decide,
            name="archive_privacy_decide",
        ),
    ]


def personal_information_button(
    page: Any, user: Any, view_name: str, next_url: str | None = None
) -> Iterator[PageMenuItem]:
    """The "Personal information" item of a testimony's header menu (page header buttons hook)."""
    if isinstance(page.specific_deferred, TestimonyPage) and access.is_staff_member(user):
        waiting = unreviewed_pii_count(page)
        label = f"Personal information ({waiting} to review)" if waiting else "Personal information"
        yield PageMenuItem(
            label,
            reverse("archive_privacy_review", args=[page.pk]),
            icon_name="view",
            priority=70,
            page=page,
        )
