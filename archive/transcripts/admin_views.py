"""Admin: the transcript editor (listen, correct, split, merge, history) and the jobs list.

Registered from archive/wagtail_hooks.py::

    hooks.register("register_admin_urls", register_transcript_admin_urls)
    hooks.register("register_page_header_buttons", edit_transcript_button)
    hooks.register("register_admin_menu_item", jobs_menu_item)

Editors and administrators only; views call the services in
archive.transcripts.editing and archive.transcripts.jobs, never the models directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem

from archive import access
from archive.imports.batches import batches_recent
from archive.models import Segment, TestimonyPage, Transcript, TranscriptKind
from archive.testimonies.admin_access import content_guard, may_show
from archive.testimonies.signing import media_url
from archive.transcripts.editing import (
    segment_add,
    segment_edit_speaker,
    segment_edit_text,
    segment_edit_times,
    segment_split,
    segments_merge,
)
from archive.transcripts.jobs import JobError, job_cancel, job_retry, jobs_list

# Edits shown under the editor; the rest stay in the database.
_HISTORY_ROWS = 200


def _is_editor(user: Any) -> bool:
    return access.is_staff_member(user)


def _require_editor(request: HttpRequest) -> None:
    if not _is_editor(request.user):
        raise PermissionDenied


def _transcript(transcript_id: int) -> Transcript:
    return get_object_or_404(
        Transcript.objects.select_related("media__testimony", "source"), pk=transcript_id
    )


@require_admin_access
def transcript_edit(request: HttpRequest, transcript_id: int) -> HttpResponse:
    """The player above the segments, each with its form, and the history below."""
    _require_editor(request)
    transcript = _transcript(transcript_id)
    media = transcript.media
    testimony = media.testimony
    if refused := content_guard(request, testimony, what=f"Transcript editor ({transcript.pk})"):
        return refused
    part = access.Part.VIDEO if media.has_video else access.Part.AUDIO
    playable = bool(media.web) and (
        access.can_view(request.user, testimony, part)
        or access.can_review_media(request.user, testimony, part)
    )
    edits = transcript.edits.select_related("author", "segment").order_by("-created_at", "-pk")
    return TemplateResponse(
        request,
        "archive/admin/transcript_edit.html",
        {
            "testimony": testimony,
            "transcript": transcript,
            "segments": list(transcript.segments.order_by("index")),
            "edits": [
                (edit, describe_snapshot(edit.before), describe_snapshot(edit.after))
                for edit in edits[:_HISTORY_ROWS]
            ],
            "media_url": media_url(media, request.user) if playable else "",
            "has_video": media.has_video,
            "others": Transcript.objects.filter(media__testimony=testimony)
            .exclude(pk=transcript.pk)
            .order_by("created_at"),
        },
    )


def _clock(seconds: Any) -> str:
    try:
        minutes, rest = divmod(float(seconds), 60)
    except (TypeError, ValueError):
        return "?"
    return f"{int(minutes)}:{rest:05.2f}"


def describe_snapshot(data: dict[str, Any]) -> str:
    """A SegmentEdit's before or after as an editor reads it, not as Python stores it.

    "Segment 3, 0:12.40–0:15.00, Interviewer: “text”"; a split's or merge's
    two segments one after the other; nothing before an added segment.
    """
    if not data:
        return "(nothing: added)"
    if "first" in data or "second" in data:
        return " + ".join(
            describe_snapshot(data[key]) for key in ("first", "second") if key in data
        )
    parts = []
    if isinstance(data.get("index"), int):
        parts.append(f"Segment {data['index'] + 1}")
    if "start" in data or "end" in data:
        parts.append(f"{_clock(data.get('start'))}–{_clock(data.get('end'))}")
    head = ", ".join(parts)
    speaker = data.get("speaker") or ""
    text = data.get("text") or ""
    said = f"{speaker}: “{text}”" if speaker else f"“{text}”"
    return f"{head}, {said}" if head else said


def _seconds(raw: str | None, label: str) -> float:
    try:
        return _parse_clock(raw or "")
    except ValueError:
        raise ValidationError(
            f"The {label} “{raw}” is not a time: write seconds (83.5) or minutes:seconds (1:23.5)."
        ) from None


def _parse_clock(raw: str) -> float:
    raw = raw.strip()
    if not raw:
        raise ValueError(raw)
    seconds = 0.0
    for part in raw.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def _save(request: HttpRequest, segment: Segment) -> str:
    post = request.POST
    start, end = _seconds(post.get("start"), "start"), _seconds(post.get("end"), "end")
    # One form, one change: if any field is refused, none is kept.
    with transaction.atomic():
        if "text" in post:
            segment = segment_edit_text(segment=segment, text=post["text"], by=request.user)
        if "speaker" in post:
            segment = segment_edit_speaker(
                segment=segment, speaker=post["speaker"], by=request.user
            )
        segment_edit_times(segment=segment, start=start, end=end, by=request.user)
    return "Segment saved."


def _split(request: HttpRequest, segment: Segment) -> str:
    try:
        at_char = int(request.POST.get("at_char", ""))
    except ValueError:
        raise ValidationError(
            "Put the cursor in the text where it should be split, then press Split."
        ) from None
    at_time = _seconds(request.POST.get("at_time"), "split time")
    segment_split(segment=segment, at_char=at_char, at_time=at_time, by=request.user)
    return "Segment split in two."


def _merge(request: HttpRequest, segment: Segment) -> str:
    following = (
        Segment.objects.filter(transcript_id=segment.transcript_id, index__gt=segment.index)
        .order_by("index")
        .first()
    )
    if following is None:
        raise ValidationError("This is the last segment: there is no next one to merge with.")
    segments_merge(first=segment, second=following, by=request.user)
    return "Segment merged with the next one."


_ACTIONS: dict[str, Callable[[HttpRequest, Segment], str]] = {
    "save": _save,
    "split": _split,
    "merge": _merge,
}


@require_admin_access
@require_POST
def segment_change(request: HttpRequest, transcript_id: int, segment_id: int) -> HttpResponse:
    """Save, split or merge one segment (the button pressed is ``action``)."""
    _require_editor(request)
    segment = get_object_or_404(
        Segment.objects.select_related("transcript__media__testimony"),
        pk=segment_id,
        transcript_id=transcript_id,
    )
    testimony = segment.transcript.media.testimony
    if refused := content_guard(request, testimony, what=f"Transcript edit ({transcript_id})"):
        return refused
    action = _ACTIONS.get(request.POST.get("action", ""))
    url = reverse("archive_transcript_edit", args=[transcript_id])
    if action is None:
        messages.error(request, "Choose Save, Split or Merge.")
        return redirect(url)
    try:
        done = action(request, segment)
    except ValidationError as e:
        messages.error(request, f"Segment {segment.index + 1}: {' '.join(e.messages)}")
    else:
        messages.success(request, done)
    return redirect(f"{url}#segment-{segment.pk}")


@require_admin_access
@require_POST
def segment_create(request: HttpRequest, transcript_id: int) -> HttpResponse:
    """Add a segment typed by the editor (an empty transcript is written this way)."""
    _require_editor(request)
    transcript = _transcript(transcript_id)
    testimony = transcript.media.testimony
    if refused := content_guard(request, testimony, what=f"Transcript edit ({transcript_id})"):
        return refused
    url = reverse("archive_transcript_edit", args=[transcript_id])
    try:
        start = _seconds(request.POST.get("start"), "start")
        end = _seconds(request.POST.get("end"), "end")
        segment = segment_add(
            transcript=transcript,
            start=start,
            end=end,
            text=request.POST.get("text", ""),
            speaker=request.POST.get("speaker", ""),
            by=request.user,
        )
    except ValidationError as e:
        messages.error(request, f"New segment: {' '.join(e.messages)}")
        return redirect(f"{url}#add-segment")
    messages.success(request, f"Segment {segment.index + 1} added.")
    return redirect(f"{url}#segment-{segment.pk}")


@require_admin_access
def jobs_index(request: HttpRequest) -> HttpResponse:
    """Every transcription job with its state and progress; cancel or retry."""
    _require_editor(request)
    state = request.GET.get("state") or None
    jobs = jobs_list(state=state)
    shown = _shown_testimonies(request, {job.testimony_id for job in jobs})
    return TemplateResponse(
        request,
        "archive/admin/jobs.html",
        {
            "jobs": [_masked(job, shown) for job in jobs],
            "state": state,
            # Bulk imports run as jobs of their own: row n of N (archive.imports.batches).
            "imports": batches_recent(),
            "may_import": access.may_import_collection(request.user),
        },
    )


def _shown_testimonies(request: HttpRequest, ids: set[int | None]) -> set[int]:
    """The testimonies whose titles this staff member may read in the jobs list."""
    pages = TestimonyPage.objects.filter(pk__in=[pk for pk in ids if pk is not None])
    return {page.pk for page in pages if may_show(request, page)}


def _masked(job: Any, shown: set[int]) -> Any:
    # A sealed or withdrawn testimony's title is its content too: the list says only its number.
    if job.testimony_id is not None and job.testimony_id not in shown:
        return replace(job, title=f"Restricted testimony {job.testimony_id}")
    return job


@require_admin_access
@require_POST
def job_action(request: HttpRequest, job_id: int, action: str) -> HttpResponse:
    _require_editor(request)
    try:
        if action == "cancel":
            job = job_cancel(job_id=job_id, by=request.user)
        else:
            job = job_retry(job_id=job_id)
    except JobError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Job {job.id} ({job.title}) is {job.state}.")
    return redirect("archive_jobs")


def register_transcript_admin_urls() -> list[URLPattern]:
    """URLs for the register_admin_urls hook."""
    return [
        path(
            "transcripts/<int:transcript_id>/edit/",
            transcript_edit,
            name="archive_transcript_edit",
        ),
        path(
            "transcripts/<int:transcript_id>/segments/<int:segment_id>/",
            segment_change,
            name="archive_segment_change",
        ),
        path(
            "transcripts/<int:transcript_id>/segments/add/",
            segment_create,
            name="archive_segment_add",
        ),
        path("jobs/", jobs_index, name="archive_jobs"),
        path(
            "jobs/<int:job_id>/cancel/",
            job_action,
            {"action": "cancel"},
            name="archive_job_cancel",
        ),
        path(
            "jobs/<int:job_id>/retry/",
            job_action,
            {"action": "retry"},
            name="archive_job_retry",
        ),
    ]


def edit_transcript_button(
    page: Any, user: Any, view_name: str, next_url: str | None = None
) -> Iterator[PageMenuItem]:
    """The "Edit transcript" item of a testimony's header menu (page header buttons hook)."""
    if not isinstance(page.specific_deferred, TestimonyPage) or not _is_editor(user):
        return
    transcript = (
        Transcript.objects.filter(media__testimony_id=page.pk, kind=TranscriptKind.TRANSCRIPT)
        .order_by("-created_at")
        .first()
    )
    if transcript is not None:
        yield PageMenuItem(
            "Edit transcript",
            reverse("archive_transcript_edit", args=[transcript.pk]),
            icon_name="edit",
            priority=60,
            page=page,
        )


class EditorMenuItem(MenuItem):
    """A menu item only editors and administrators see."""

    def is_shown(self, request: HttpRequest) -> bool:
        return _is_editor(request.user)


def jobs_menu_item() -> MenuItem:
    """The "Transcription jobs" item of the admin menu (register_admin_menu_item hook)."""
    return EditorMenuItem(
        "Transcription jobs", reverse("archive_jobs"), icon_name="time", order=900
    )
