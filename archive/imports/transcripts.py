"""A manifest's transcript file -> timed segments, by its suffix.

WebVTT and SRT through webvtt-py, text with ``[HH:MM:SS]`` marks, OHMS XML
through archive.interchange.ohms (defusedxml: no DTDs, no entities). Every
failure is a TranscriptFileError whose message can stand in a report.
"""

from __future__ import annotations

from pathlib import Path

from archive.errors import ArchiveError
from archive.interchange.ohms import ExportError, ohms_read
from transcription.engines.base import Segment
from transcription.readers import (
    TranscriptReadError,
    decode_text,
    read_srt,
    read_timecoded_text,
    read_vtt,
)

#: Suffix -> the format's name, as the transcript records it.
FORMATS = {".vtt": "vtt", ".srt": "srt", ".txt": "txt", ".xml": "ohms"}
#: Transcripts are text: anything larger is not one (TESTIMONIO_MAX_UPLOAD_BYTES is for media).
MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024


class TranscriptFileError(ArchiveError):
    """The transcript file named by a row cannot be read."""


def transcript_format(path: Path) -> str:
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise TranscriptFileError(
            f"{path.name}: unknown transcript format; use .vtt, .srt, .xml (OHMS) or .txt "
            "(lines opening with [HH:MM:SS])."
        )
    return file_format


def transcript_file_read(path: Path, *, duration: float | None) -> tuple[tuple[Segment, ...], str]:
    """The segments of ``path`` and its format name. Raises TranscriptFileError."""
    file_format = transcript_format(path)
    if not path.is_file():
        raise TranscriptFileError(f"{path.name}: no such file.")
    size = path.stat().st_size
    if size == 0:
        raise TranscriptFileError(f"{path.name} is empty.")
    if size > MAX_TRANSCRIPT_BYTES:
        raise TranscriptFileError(f"{path.name} is {size / 1024**2:.0f} MB: not a transcript.")
    data = path.read_bytes()
    what = path.name
    try:
        if file_format == "vtt":
            segments = read_vtt(data, what=what)
        elif file_format == "srt":
            segments = read_srt(data, what=what)
        elif file_format == "txt":
            segments = read_timecoded_text(data, duration=duration, what=what)
        else:
            segments = _read_ohms(data, what=what)
    except TranscriptReadError as e:
        raise TranscriptFileError(str(e)) from None
    return segments, file_format


def _read_ohms(data: bytes, *, what: str) -> tuple[Segment, ...]:
    text = decode_text(data, what=what)
    try:
        record, _ = ohms_read(text)
    except ExportError as e:
        raise TranscriptFileError(f"{what}: {e}") from None
    except ValueError as e:  # a malformed date or duration inside a well-formed record
        raise TranscriptFileError(f"{what}: not a usable OHMS record ({e}).") from None
    segments = tuple(
        Segment(start=s.start, end=max(s.end, s.start), text=" ".join(s.text.split()))
        for s in record.segments
        if s.text.strip()
    )
    if not segments:
        raise TranscriptFileError(
            f"{what}: the OHMS record's transcript has no lines opening with [HH:MM:SS] "
            "and no <sync> points."
        )
    return segments
