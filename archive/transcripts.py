"""Transcripts as the public may read them: redactions masked, word timings left out.

Word timings would place a redacted name to the hundredth of a second, so
public exports carry segments only.
"""

from __future__ import annotations

from archive.models import Segment as SegmentRow
from archive.models import TestimonyPage
from archive.privacy import public_text
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
