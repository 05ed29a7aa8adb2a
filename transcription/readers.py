"""Reading transcripts made elsewhere: WebVTT, SRT (webvtt-py) and text with ``[HH:MM:SS]`` marks.

The writers are in transcription.formats; these are their inverse, for
transcripts an archive already has (a volunteer's captions, a typed
transcript). Every reader returns segments in time order or raises
TranscriptReadError with what is wrong and where, never a partial result.
"""

from __future__ import annotations

import io
import re

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from transcription.engines.base import Segment
from transcription.errors import TranscriptionError

#: "[01:23] text", "[00:01:23] text", "[0:01:23.5] text" at the start of a line.
_MARK = re.compile(r"^\s*\[(?:(\d{1,3}):)?([0-5]?\d):([0-5]\d)(?:[.,](\d{1,3}))?\]\s*(.*)$")


class TranscriptReadError(TranscriptionError):
    """A transcript file that cannot be read as its format; the message says why."""


def decode_text(data: bytes, *, what: str) -> str:
    """UTF-8 (a byte-order mark is fine); anything else is refused, naming the problem.

    Transcripts are text a person typed: guessing an 8-bit code page here
    would silently turn accented words into others.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise TranscriptReadError(
            f"{what} is not UTF-8 text (byte {e.start} cannot be read): save it as UTF-8."
        ) from None


def _from_captions(captions: list, *, what: str) -> tuple[Segment, ...]:
    segments = []
    for caption in captions:
        text = " ".join(caption.text.split())
        if not text:
            continue
        start = caption.start_time.in_milliseconds() / 1000
        end = caption.end_time.in_milliseconds() / 1000
        if end < start:
            raise TranscriptReadError(
                f"{what}: a caption at {caption.start} ends before it starts."
            )
        segments.append(Segment(start=start, end=end, text=text))
    if not segments:
        raise TranscriptReadError(f"{what} has no captions with text.")
    return tuple(sorted(segments, key=lambda s: (s.start, s.end)))


def _read_captions(data: bytes, *, kind: str, name: str, what: str) -> tuple[Segment, ...]:
    """Captions of ``kind`` (webvtt-py's "vtt" or "srt"), ``name`` for the error message."""
    text = decode_text(data, what=what)
    try:
        parsed = webvtt.WebVTT.from_buffer(io.StringIO(text), format=kind)
    except (MalformedFileError, MalformedCaptionError) as e:
        raise TranscriptReadError(f"{what} is not valid {name}: {e}") from None
    return _from_captions(parsed.captions, what=what)


def read_vtt(data: bytes, *, what: str = "The WebVTT file") -> tuple[Segment, ...]:
    return _read_captions(data, kind="vtt", name="WebVTT", what=what)


def read_srt(data: bytes, *, what: str = "The SRT file") -> tuple[Segment, ...]:
    return _read_captions(data, kind="srt", name="SRT", what=what)


def read_timecoded_text(
    data: bytes, *, duration: float | None = None, what: str = "The text transcript"
) -> tuple[Segment, ...]:
    """Plain text whose lines open with ``[HH:MM:SS]``; each segment ends where the next begins.

    Lines without a mark continue the segment above them. The last segment
    ends at ``duration`` when it is known, else a few seconds after it starts.
    """
    text = decode_text(data, what=what)
    starts: list[tuple[float, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARK.match(line)
        if match:
            hours, minutes, seconds, fraction, said = match.groups()
            start = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
            start += float(f"0.{fraction}") if fraction else 0.0
            if starts and start < starts[-1][0]:
                raise TranscriptReadError(
                    f"{what}, line {number}: [{line.split(']')[0].strip('[ ')}] comes before "
                    "the time above it."
                )
            starts.append((float(start), [said]))
        elif line.strip():
            if not starts:
                raise TranscriptReadError(
                    f"{what}, line {number}: text before the first [HH:MM:SS] time mark."
                )
            starts[-1][1].append(line)
    segments = []
    for n, (start, lines) in enumerate(starts):
        said = " ".join(" ".join(lines).split())
        if not said:
            continue
        if n + 1 < len(starts):
            end = starts[n + 1][0]
        else:
            end = max(start, duration) if duration else start + 5.0
        segments.append(Segment(start=start, end=max(end, start), text=said))
    if not segments:
        raise TranscriptReadError(f"{what} has no lines opening with a [HH:MM:SS] time mark.")
    return tuple(segments)
