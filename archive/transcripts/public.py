"""Transcripts as the public may read them: redactions masked, word timings left out.

Word timings would place a redacted name to the hundredth of a second, so
public exports carry segments only.
"""

from __future__ import annotations

from archive.models import (
    Redaction,
    RedactionStatus,
    TestimonyPage,
    Transcript,
    TranscriptKind,
    TranscriptStatus,
)
from archive.models import Segment as SegmentRow
from archive.privacy.redaction import REDACTION_MARK, public_text
from transcription.engines.base import Segment, TranscriptionResult
from transcription.formats import FORMATTERS

TRANSCRIPT_FORMATS = {
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
}


def public_segments(testimony: TestimonyPage) -> list[tuple[SegmentRow, str]]:
    """The current transcript's segments with their public (masked) text."""
    transcript = testimony.current_transcript
    if transcript is None:
        return []
    rows = transcript.segments.prefetch_related("redactions")
    return [(row, public_text(row, list(row.redactions.all()))) for row in rows]


def public_transcript_export(testimony: TestimonyPage, fmt: str) -> tuple[str, str] | None:
    transcript = testimony.current_transcript
    if transcript is None:
        return None
    segments = tuple(
        Segment(start=row.start, end=row.end, text=text) for row, text in public_segments(testimony)
    )
    result = TranscriptionResult(
        language=transcript.language,
        language_probability=transcript.language_probability or 0.0,
        duration=transcript.media.duration,
        segments=segments,
        engine=transcript.engine,
        model=transcript.model,
        parameters={},
    )
    return TRANSCRIPT_FORMATS[fmt], FORMATTERS[fmt](result)


def english_translation(transcript: Transcript) -> Transcript | None:
    """The newest finished English translation of a non-English transcript."""
    if transcript.language == "en":
        return None
    return (
        transcript.translations.filter(
            kind=TranscriptKind.TRANSLATION, status=TranscriptStatus.DONE
        )
        .order_by("-created_at")
        .first()
    )


def public_translation_segments(transcript: Transcript) -> list[tuple[SegmentRow, str]]:
    """The translation's segments as the public may read them.

    Redactions are marked on the original's words; a translated segment that
    overlaps a redacted moment in time is masked whole rather than risk a leak.
    """
    translation = english_translation(transcript)
    if translation is None:
        return []
    redacted = list(
        Redaction.objects.filter(
            segment__transcript=transcript, status=RedactionStatus.APPLIED
        ).values_list("start", "end")
    )
    return [
        (
            row,
            REDACTION_MARK
            if any(start < row.end and row.start < end for start, end in redacted)
            else row.text,
        )
        for row in translation.segments.prefetch_related("themes")
    ]
