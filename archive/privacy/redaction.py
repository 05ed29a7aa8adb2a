"""Personal information in transcripts: redacting it, masking and bleeping it.

The original text stays in the Segment row (sealed, for the archive); every
public surface and every index gets `public_text`, in which applied
redactions are replaced by a neutral mark. Applied spans are also bleeped
(a 1 kHz tone) in the public audio derivative; the original is never touched.
Spans are suggested by archive.privacy.detection; an editor applies or dismisses each.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from archive.models import (
    MediaAsset,
    PiiKind,
    Redaction,
    RedactionStatus,
    Segment,
    TestimonyPage,
    Transcript,
)
from archive.privacy.detection import detect_pii
from archive.signals import transcript_ready
from transcription import media as media_tools
from transcription.errors import MediaError

logger = logging.getLogger(__name__)

REDACTION_MARK = "[redacted]"
# Word timings from Whisper can be a tenth of a second early or late: the
# bleep covers a little more than the words so no syllable of a name escapes.
BLEEP_PADDING_SECONDS = 0.15
# Applying a span while another editor applies another: rebuild until the
# derivative matches the applied spans (see bleeped_derivative).
_REBUILD_ATTEMPTS = 3


# --- masking -----------------------------------------------------------------------------------


def public_text(segment: Segment, redactions: list[Redaction] | None = None) -> str:
    """The segment's text with applied redactions masked."""
    if redactions is None:
        redactions = [r for r in segment.redactions.all() if r.status == RedactionStatus.APPLIED]
    else:
        redactions = [r for r in redactions if r.status == RedactionStatus.APPLIED]
    text = segment.text
    # Right to left, so earlier offsets stay valid; overlapping spans merge.
    for redaction in sorted(redactions, key=lambda r: r.char_start, reverse=True):
        start = max(0, min(redaction.char_start, len(text)))
        end = max(start, min(redaction.char_end, len(text)))
        text = text[:start] + REDACTION_MARK + text[end:]
    return text.replace(f"{REDACTION_MARK}{REDACTION_MARK}", REDACTION_MARK)


# --- suggestions -------------------------------------------------------------------------------


def known_names(testimony: TestimonyPage) -> list[str]:
    """Names the transcript may speak that are certainly personal: the storyteller's own."""
    storyteller = testimony.storyteller
    if storyteller is None:
        return []
    names = [storyteller.real_name]
    if not storyteller.is_pseudonym:
        names.append(storyteller.public_name)
    return [name for name in names if name and name.strip()]


def span_times(segment: Segment, char_start: int, char_end: int) -> tuple[float, float]:
    """Seconds where the characters [char_start, char_end) of `segment` are spoken.

    From the words whose text overlaps the span; the segment's own start and
    end when the words are missing or no longer match the (edited) text.
    """
    overlapping = [
        (w_start, w_end)
        for c_start, c_end, w_start, w_end in _word_offsets(segment.text, segment.words or [])
        if c_start < char_end and char_start < c_end
    ]
    if not overlapping:
        return segment.start, segment.end
    start = min(s for s, _ in overlapping)
    end = max(e for _, e in overlapping)
    return (start, end) if end > start else (segment.start, segment.end)


def _word_offsets(text: str, words: Sequence[Any]) -> list[tuple[int, int, float, float]]:
    """Find each timed word in `text`, left to right: (char start, char end, start s, end s)."""
    offsets = []
    cursor = 0
    lowered = text.lower()
    same_length = len(lowered) == len(text)
    for word in words:
        if not isinstance(word, dict):
            continue
        token = str(word.get("word", "")).strip()
        try:
            w_start, w_end = float(word["start"]), float(word["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if not token:
            continue
        at = text.find(token, cursor)
        if at == -1 and same_length:
            at = lowered.find(token.lower(), cursor)
        if at == -1:
            continue  # an editor changed this word; its neighbours still place the span
        offsets.append((at, at + len(token), w_start, w_end))
        cursor = at + len(token)
    return offsets


def suggest_redactions(*, transcript: Transcript) -> int:
    """Flag the personal information in `transcript` for an editor; return how many new spans.

    Idempotent: a span overlapping any existing redaction of its segment
    (suggested, applied or dismissed) is not suggested again, so an editor's
    decisions stand and nothing is listed twice.
    """
    testimony = transcript.media.testimony
    language = transcript.language or next(iter(testimony.language_codes), "en")
    names = known_names(testimony)
    segments = list(transcript.segments.all())
    found = {segment.pk: detect_pii(segment.text, language, names=names) for segment in segments}

    with transaction.atomic():
        # One scan at a time per transcript, so two editors clicking "Scan" add nothing twice.
        Transcript.objects.select_for_update().filter(pk=transcript.pk).first()
        existing: dict[int, list[tuple[int, int]]] = {}
        for segment_id, start, end in Redaction.objects.filter(
            segment__transcript=transcript
        ).values_list("segment_id", "char_start", "char_end"):
            existing.setdefault(segment_id, []).append((start, end))
        new = []
        for segment in segments:
            taken = existing.setdefault(segment.pk, [])
            for span in found[segment.pk]:
                if any(s < span.char_end and span.char_start < e for s, e in taken):
                    continue
                start, end = span_times(segment, span.char_start, span.char_end)
                redaction = Redaction(
                    segment=segment,
                    char_start=span.char_start,
                    char_end=span.char_end,
                    start=start,
                    end=end,
                    kind=span.kind,
                    status=RedactionStatus.SUGGESTED,
                    detector=span.detector,
                    score=span.score,
                )
                redaction.full_clean(exclude=["segment"])
                new.append(redaction)
                taken.append((span.char_start, span.char_end))
        Redaction.objects.bulk_create(new)
    return len(new)


def redaction_flag(*, segment: Segment, phrase: str, kind: str, by: Any = None) -> Redaction:
    """Flag by hand words of `segment` the detector missed; the editor then redacts or keeps them.

    `phrase` is the words as they appear in the segment (case is ignored);
    the first occurrence not already covered by a redaction is flagged.
    Raises ValidationError (nothing flagged) for an empty phrase, an unknown
    kind, words the segment does not contain, or words already flagged.
    """
    phrase = " ".join((phrase or "").split())
    if not phrase:
        raise ValidationError("Type the words to flag, as they appear in the segment.")
    if kind not in PiiKind.values:
        raise ValidationError("Choose what kind of personal information the words are.")
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
        folded = segment.text.casefold()
        taken = list(segment.redactions.values_list("char_start", "char_end"))
        at, found_any = folded.find(phrase.casefold()), False
        while at >= 0:
            found_any = True
            end = at + len(phrase)
            if not any(s < end and at < e for s, e in taken):
                break
            at = folded.find(phrase.casefold(), at + 1)
        if at < 0:
            raise ValidationError(
                f"“{phrase}” is already flagged in segment {segment.index + 1}."
                if found_any
                else f"Segment {segment.index + 1} does not contain “{phrase}”: copy the words "
                "exactly as the transcript has them."
            )
        start, end_time = span_times(segment, at, at + len(phrase))
        redaction = Redaction(
            segment=segment,
            char_start=at,
            char_end=at + len(phrase),
            start=start,
            end=end_time,
            kind=kind,
            status=RedactionStatus.SUGGESTED,
            detector="editor",
        )
        redaction.full_clean(exclude=["segment"])
        redaction.save()
    return redaction


def unreviewed_pii_count(testimony: TestimonyPage) -> int:
    """Suggested spans no editor has decided on yet, in any transcript of the testimony."""
    return Redaction.objects.filter(
        segment__transcript__media__testimony=testimony, status=RedactionStatus.SUGGESTED
    ).count()


# --- decisions ---------------------------------------------------------------------------------


def redaction_apply(*, redaction: Redaction, by: Any = None) -> Redaction:
    """Redact the span: masked in public text and every index at once, bleeped in public audio.

    Raises MediaError when the public audio could not be rebuilt; the
    redaction stays applied and the public derivative is withdrawn, so the
    unbleeped audio is never served.
    """
    return _redaction_decide(redaction, RedactionStatus.APPLIED, by)


def redaction_dismiss(*, redaction: Redaction, by: Any = None) -> Redaction:
    """Mark the span "not PII": it stays visible (and audible, if it had been bleeped)."""
    return _redaction_decide(redaction, RedactionStatus.DISMISSED, by)


def _redaction_decide(redaction: Redaction, status: RedactionStatus, by: Any) -> Redaction:
    decider = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        locked = (
            Redaction.objects.select_for_update()
            .select_related("segment__transcript__media__testimony")
            .get(pk=redaction.pk)
        )
        was_applied = locked.status == RedactionStatus.APPLIED
        locked.status = status
        locked.decided_by = decider
        locked.full_clean()
        locked.save(update_fields=["status", "decided_by"])
    redaction.status, redaction.decided_by = locked.status, locked.decided_by

    media = locked.segment.transcript.media
    # Text first: masking in every index is quick and must not wait for ffmpeg.
    transcript_ready.send(sender=Redaction, testimony=media.testimony)
    if was_applied != (status == RedactionStatus.APPLIED):
        bleeped_derivative(media)
    return locked


def applied_spans(media: MediaAsset) -> list[tuple[float, float]]:
    """The (start, end) seconds of every applied redaction of the recording, sorted."""
    rows = Redaction.objects.filter(
        segment__transcript__media=media, status=RedactionStatus.APPLIED
    ).values_list("start", "end")
    return sorted((float(start), float(end)) for start, end in rows)


def bleeped_derivative(media: MediaAsset) -> str:
    """Rebuild the public derivative from the private original with applied spans bleeped.

    Returns the derivative's stored name. The original is only read. On
    failure the old derivative is deleted too (the recording then has no
    public audio until this succeeds) and MediaError is raised: an unbleeped
    copy must never outlive a redaction.
    """
    source = Path(media.original.path)
    for _ in range(_REBUILD_ATTEMPTS):
        spans = applied_spans(media)
        padded = [
            (max(0.0, start - BLEEP_PADDING_SECONDS), end + BLEEP_PADDING_SECONDS)
            for start, end in spans
        ]
        with TemporaryDirectory(prefix="testimonio-bleep-") as tmp:
            try:
                built = media_tools.bleep(source, Path(tmp) / "web", padded, video=media.has_video)
            except MediaError:
                _withdraw_derivative(media)
                raise
            with transaction.atomic():
                fresh = MediaAsset.objects.select_for_update().get(pk=media.pk)
                if applied_spans(fresh) != spans:
                    continue  # another decision landed meanwhile: build again with it
                _replace_derivative(fresh, built)
            media.refresh_from_db(fields=["web"])
            return media.web.name
    _withdraw_derivative(media)
    raise MediaError(
        "the public audio kept changing while it was being rebuilt; it is withheld until "
        "a redaction is applied again"
    )


def _replace_derivative(media: MediaAsset, built: Path) -> None:
    if media.web.name:
        # Deleted first so the new file takes the canonical name, not web_<random>.
        media.web.storage.delete(media.web.name)
    with built.open("rb") as handle:
        media.web.save(built.name, File(handle), save=True)


def _withdraw_derivative(media: MediaAsset) -> None:
    if media.web.name:
        media.web.storage.delete(media.web.name)
        logger.error(
            "Public audio of media %s withdrawn: it could not be rebuilt with its redactions",
            media.pk,
        )
    MediaAsset.objects.filter(pk=media.pk).update(web="")
    media.web = ""
