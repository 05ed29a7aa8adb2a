"""An editor's corrections to a transcript: text, times, speaker, split and merge.

Each service is keyword-only and atomic, validates before it changes
anything (a ValidationError says what is wrong, and nothing is changed),
records a SegmentEdit with what the segment was before and after, marks the
segment edited by a human (so a re-transcription keeps it, at its times) and,
once committed, sends ``transcript_ready`` so search re-indexes the testimony.

Redacted spans are character offsets into a segment's text; the services
carry them along, and refuse an edit that would cut or drop a redaction that
was applied, since its audio is bleeped and its text masked because of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from archive.models import (
    EditAction,
    Redaction,
    RedactionStatus,
    Segment,
    SegmentEdit,
    Transcript,
)
from archive.signals import transcript_ready
from archive.transcripts.pipeline import segments_renumber

User = AbstractBaseUser | None

#: Seconds of slack allowed past the media's end: probes and decoders round.
_END_TOLERANCE = 0.05
SPEAKER_MAX_LENGTH = Segment._meta.get_field("speaker").max_length


def _snapshot(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "index": segment.index,
        "start": segment.start,
        "end": segment.end,
        "text": segment.text,
        "speaker": segment.speaker,
    }


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}"


def _locked(segment: Segment) -> tuple[Transcript, Segment]:
    """The transcript and a fresh copy of the segment, locked against a concurrent re-run."""
    transcript = Transcript.objects.select_for_update().get(pk=segment.transcript_id)
    try:
        fresh = (
            Segment.objects.select_for_update()
            .select_related("transcript__media__testimony")
            .get(pk=segment.pk, transcript=transcript)
        )
    except Segment.DoesNotExist:
        raise ValidationError(
            "This segment no longer exists (the transcript was re-made or the segment merged): "
            "reload the editor."
        ) from None
    return transcript, fresh


def _mark(segment: Segment, by: User) -> None:
    segment.edited_by_human = True
    segment.edited_at = timezone.now()
    segment.edited_by = by if by is not None and by.is_authenticated else None


def _record(
    *,
    transcript: Transcript,
    segment: Segment,
    action: EditAction,
    before: dict[str, Any],
    after: dict[str, Any],
    by: User,
) -> SegmentEdit:
    testimony = transcript.media.testimony
    transaction.on_commit(lambda: transcript_ready.send(sender=Segment, testimony=testimony))
    return SegmentEdit.objects.create(
        transcript=transcript,
        segment=segment,
        author=by if by is not None and by.is_authenticated else None,
        action=action,
        before=before,
        after=after,
    )


def _save_and_record(
    *,
    transcript: Transcript,
    segment: Segment,
    action: EditAction,
    before: dict[str, Any],
    by: User,
    after_save: Callable[[], None] | None = None,
) -> None:
    """The tail of every one-segment edit: mark it a person's, save it, log before and after.

    ``after_save`` runs between the save and the log (the text edit saves the
    redactions it moved there), so the logged "after" is what was stored.
    """
    _mark(segment, by)
    segment.save()
    if after_save is not None:
        after_save()
    _record(
        transcript=transcript,
        segment=segment,
        action=action,
        before=before,
        after=_snapshot(segment),
        by=by,
    )


def _neighbours(segment: Segment) -> tuple[Segment | None, Segment | None]:
    siblings = Segment.objects.filter(transcript_id=segment.transcript_id)
    previous = siblings.filter(index__lt=segment.index).order_by("-index").first()
    following = siblings.filter(index__gt=segment.index).order_by("index").first()
    return previous, following


def _clean_text(text: str) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise ValidationError("The text cannot be empty: merge the segment instead.")
    return cleaned


def _move_redactions(segment: Segment, old: str, new: str) -> Callable[[], None]:
    """Plan where each redaction's characters are in the new text; raise if an applied one goes.

    Returns the function that saves the moved offsets (and deletes suggestions
    whose words the editor removed), to call once everything is validated.
    """
    moves: list[tuple[Redaction, int]] = []
    dropped: list[Redaction] = []
    for redaction in segment.redactions.all():
        span = old[redaction.char_start : redaction.char_end]
        found = _nearest(new, span, redaction.char_start)
        if found is None:
            if redaction.status == RedactionStatus.APPLIED:
                raise ValidationError(
                    f"The new text drops the redacted “{span}”: a redacted span must stay, "
                    "because the public audio is bleeped there. Keep those words."
                )
            dropped.append(redaction)
        else:
            moves.append((redaction, found))

    def apply() -> None:
        for redaction, at in moves:
            length = redaction.char_end - redaction.char_start
            redaction.char_start, redaction.char_end = at, at + length
            redaction.save(update_fields=["char_start", "char_end"])
        for redaction in dropped:
            redaction.delete()

    return apply


def _nearest(text: str, span: str, near: int) -> int | None:
    if not span:
        return None
    places = []
    at = text.find(span)
    while at != -1:
        places.append(at)
        at = text.find(span, at + 1)
    return min(places, key=lambda p: abs(p - near)) if places else None


@transaction.atomic
def segment_edit_text(*, segment: Segment, text: str, by: User) -> Segment:
    """Correct what was said. Raises ValidationError for empty text."""
    transcript, segment = _locked(segment)
    new = _clean_text(text)
    if new == segment.text:
        return segment
    save_redactions = _move_redactions(segment, segment.text, new)
    before = _snapshot(segment)
    segment.text = new
    # Word timings belong to the machine's words; stale ones would mislead
    # the player's highlighting and the redaction timing.
    segment.words = []
    _save_and_record(
        transcript=transcript,
        segment=segment,
        action=EditAction.TEXT,
        before=before,
        by=by,
        after_save=save_redactions,
    )
    return segment


def _check_times(segment: Segment, start: float, end: float) -> None:
    if start < 0:
        raise ValidationError("The start cannot be before the recording begins (0:00).")
    if not start < end:
        raise ValidationError(
            f"The start ({_clock(start)}) must come before the end ({_clock(end)})."
        )
    duration = segment.transcript.media.duration
    if duration and end > duration + _END_TOLERANCE:
        raise ValidationError(
            f"The end ({_clock(end)}) is past the end of the recording ({_clock(duration)})."
        )
    previous, following = _neighbours(segment)
    if previous is not None and start < previous.end:
        raise ValidationError(
            f"The start ({_clock(start)}) overlaps the segment before, which ends at "
            f"{_clock(previous.end)}: move that one first or start later."
        )
    if following is not None and end > following.start:
        raise ValidationError(
            f"The end ({_clock(end)}) overlaps the segment after, which starts at "
            f"{_clock(following.start)}: move that one first or end earlier."
        )


@transaction.atomic
def segment_edit_times(*, segment: Segment, start: float, end: float, by: User) -> Segment:
    """Move the segment's start and end (seconds).

    Raises ValidationError when start is not before end, either is outside the
    recording, or the segment would overlap its neighbours.
    """
    transcript, segment = _locked(segment)
    start, end = round(float(start), 3), round(float(end), 3)
    _check_times(segment, start, end)
    if (start, end) == (segment.start, segment.end):
        return segment
    applied = segment.redactions.filter(status=RedactionStatus.APPLIED)
    outside = [r for r in applied if r.start < start or r.end > end]
    if outside:
        raise ValidationError(
            f"A redacted span is spoken at {_clock(outside[0].start)}, outside the new times: "
            "a segment must keep its redacted words."
        )
    before = _snapshot(segment)
    segment.start, segment.end = start, end
    segment.words = [w for w in segment.words if start <= w["start"] and w["end"] <= end]
    _save_and_record(
        transcript=transcript, segment=segment, action=EditAction.TIMES, before=before, by=by
    )
    return segment


@transaction.atomic
def segment_edit_speaker(*, segment: Segment, speaker: str, by: User) -> Segment:
    """Label who speaks ("Interviewer", a pseudonym); empty clears the label."""
    transcript, segment = _locked(segment)
    speaker = " ".join((speaker or "").split())
    if len(speaker) > SPEAKER_MAX_LENGTH:
        raise ValidationError(f"A speaker label has at most {SPEAKER_MAX_LENGTH} characters.")
    if speaker == segment.speaker:
        return segment
    before = _snapshot(segment)
    segment.speaker = speaker
    _save_and_record(
        transcript=transcript, segment=segment, action=EditAction.SPEAKER, before=before, by=by
    )
    return segment


@transaction.atomic
def segment_split(*, segment: Segment, at_char: int, at_time: float, by: User) -> list[Segment]:
    """Cut the segment in two: text before ``at_char`` ends at ``at_time``, the rest starts there.

    Returns both parts. Raises ValidationError when the cut leaves an empty
    part, the time is not strictly inside the segment, or the cut goes
    through a redacted span.
    """
    transcript, segment = _locked(segment)
    text = segment.text
    at_char, at_time = int(at_char), round(float(at_time), 3)
    left, right = text[:at_char].rstrip(), text[at_char:].lstrip()
    if not 0 < at_char < len(text) or not left or not right:
        raise ValidationError(
            f"Split inside the text: after one of its characters 1 to {len(text) - 1}, "
            "leaving words on both sides."
        )
    if not segment.start < at_time < segment.end:
        raise ValidationError(
            f"The split time ({_clock(at_time)}) must lie inside the segment, between "
            f"{_clock(segment.start)} and {_clock(segment.end)}."
        )
    right_offset = len(text) - len(right)
    redactions = list(segment.redactions.all())
    for redaction in redactions:
        if redaction.char_start < at_char < redaction.char_end:
            span = text[redaction.char_start : redaction.char_end]
            raise ValidationError(
                f"The split cuts through the redacted “{span}”: split before or after it."
            )
    before = _snapshot(segment)
    words = segment.words or []
    last = Segment.objects.filter(transcript=transcript).order_by("-index").first()
    second = Segment(
        transcript=transcript,
        index=(last.index if last else segment.index) + 1,
        start=at_time,
        end=segment.end,
        text=right,
        speaker=segment.speaker,
        words=[w for w in words if w["start"] >= at_time],
    )
    _mark(second, by)
    second.save()
    second.themes.set(segment.themes.all())
    segment.text, segment.end = left, at_time
    segment.words = [w for w in words if w["start"] < at_time]
    _mark(segment, by)
    segment.save()
    for redaction in redactions:
        if redaction.char_start >= at_char:
            redaction.segment = second
            redaction.char_start -= right_offset
            redaction.char_end -= right_offset
            redaction.save(update_fields=["segment", "char_start", "char_end"])
    segments_renumber(transcript=transcript)
    segment.refresh_from_db()
    second.refresh_from_db()
    _record(
        transcript=transcript,
        segment=segment,
        action=EditAction.SPLIT,
        before=before,
        after={"first": _snapshot(segment), "second": _snapshot(second)},
        by=by,
    )
    return [segment, second]


@transaction.atomic
def segments_merge(*, first: Segment, second: Segment, by: User) -> Segment:
    """Join ``second`` onto ``first``, which must come just before it in the same transcript.

    Returns the merged segment (``first``'s row). Raises ValidationError for
    segments of different transcripts, or that are not next to each other.
    """
    if first.transcript_id != second.transcript_id:
        raise ValidationError("Only segments of the same transcript can be merged.")
    transcript, first = _locked(first)
    _, second = _locked(second)
    if second.index != first.index + 1:
        raise ValidationError(
            f"Only neighbouring segments can be merged: segment {first.index + 1} and "
            f"segment {second.index + 1} have others between them, or are in the wrong order."
        )
    before = {"first": _snapshot(first), "second": _snapshot(second)}
    left, right = first.text.rstrip(), second.text.lstrip()
    offset = len(left) + 1 - (len(second.text) - len(right))
    if first.speaker and second.speaker and first.speaker != second.speaker:
        raise ValidationError(
            f"The segments have different speakers ({first.speaker}, {second.speaker}): "
            "give them the same speaker before merging."
        )
    first.text = f"{left} {right}"
    first.end = max(first.end, second.end)
    first.speaker = first.speaker or second.speaker
    first.words = [*(first.words or []), *(second.words or [])]
    _mark(first, by)
    first.save()
    first.themes.add(*second.themes.all())
    for redaction in second.redactions.all():
        redaction.segment = first
        redaction.char_start += offset
        redaction.char_end += offset
        redaction.save(update_fields=["segment", "char_start", "char_end"])
    SegmentEdit.objects.filter(segment=second).update(segment=first)
    second.delete()
    segments_renumber(transcript=transcript)
    first.refresh_from_db()
    _record(
        transcript=transcript,
        segment=first,
        action=EditAction.MERGE,
        before=before,
        after=_snapshot(first),
        by=by,
    )
    return first


@transaction.atomic
def segment_add(
    *, transcript: Transcript, start: float, end: float, text: str, speaker: str = "", by: User
) -> Segment:
    """A segment typed by an editor: how an empty transcript is written from scratch.

    Also fills a stretch the machine missed. Raises ValidationError (nothing
    added) for empty text, times outside the recording or in the wrong order,
    and times overlapping an existing segment.
    """
    transcript = (
        Transcript.objects.select_for_update().select_related("media").get(pk=transcript.pk)
    )
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise ValidationError("Type what is said in the new segment: its text cannot be empty.")
    speaker = " ".join((speaker or "").split())
    if len(speaker) > SPEAKER_MAX_LENGTH:
        raise ValidationError(f"A speaker label has at most {SPEAKER_MAX_LENGTH} characters.")
    if start < 0:
        raise ValidationError("The start cannot be before the recording begins (0:00).")
    if not start < end:
        raise ValidationError(
            f"The start ({_clock(start)}) must come before the end ({_clock(end)})."
        )
    duration = transcript.media.duration
    if duration and end > duration + _END_TOLERANCE:
        raise ValidationError(
            f"The end ({_clock(end)}) is past the end of the recording ({_clock(duration)})."
        )
    overlap = transcript.segments.filter(start__lt=end, end__gt=start).order_by("start").first()
    if overlap is not None:
        raise ValidationError(
            f"{_clock(start)}–{_clock(end)} overlaps segment {overlap.index + 1} "
            f"({_clock(overlap.start)}–{_clock(overlap.end)}): choose times between segments."
        )
    last = transcript.segments.order_by("-index").values_list("index", flat=True).first()
    segment = Segment(
        transcript=transcript,
        index=(last if last is not None else -1) + 1,
        start=start,
        end=end,
        text=cleaned,
        speaker=speaker,
    )
    _mark(segment, by)
    segment.save()
    segments_renumber(transcript=transcript)
    segment.refresh_from_db()
    _record(
        transcript=transcript,
        segment=segment,
        action=EditAction.TEXT,
        before={},
        after=_snapshot(segment),
        by=by,
    )
    return segment
