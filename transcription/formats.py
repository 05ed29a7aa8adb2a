"""Transcript output formats: WebVTT, SRT, plain text with timecodes, JSON."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from webvtt import Caption, WebVTT
from webvtt.models import Timestamp

from transcription.engines.base import Segment, TranscriptionResult


def _timestamp(seconds: float) -> str:
    return str(Timestamp.from_seconds(max(0.0, float(seconds))))


def _cue_text(text: str) -> str:
    # "-->" or a blank line would end the cue early in both formats.
    lines = [line.strip() for line in text.replace("-->", "→").splitlines()]
    return "\n".join(line for line in lines if line)


def _captions(segments: Iterable[Segment], *, escape: bool) -> list[Caption]:
    captions = []
    for segment in segments:
        text = _cue_text(segment.text)
        if not text:
            continue
        if escape:
            # WebVTT cue text is markup: a bare "<" or "&" would be read as a tag or entity.
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        end = max(segment.end, segment.start)
        captions.append(Caption(_timestamp(segment.start), _timestamp(end), text))
    return captions


def to_vtt(segments: Iterable[Segment]) -> str:
    return WebVTT(captions=_captions(segments, escape=True)).content


def to_srt(segments: Iterable[Segment]) -> str:
    out = io.StringIO()
    WebVTT(captions=_captions(segments, escape=False)).write(out, format="srt")
    text = out.getvalue()
    return text + "\n" if text else text


def timecode(seconds: float) -> str:
    """``HH:MM:SS`` for a number of seconds (rounded down)."""
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def to_txt(segments: Iterable[Segment]) -> str:
    lines = [f"[{timecode(s.start)}] {s.text.strip()}" for s in segments if s.text.strip()]
    return "\n".join(lines) + "\n" if lines else ""


def _round(value: float) -> float:
    return round(float(value), 3)


def result_as_dict(result: TranscriptionResult) -> dict[str, Any]:
    return {
        "language": result.language,
        "language_probability": _round(result.language_probability),
        "duration": _round(result.duration),
        "engine": result.engine,
        "model": result.model,
        "parameters": result.parameters,
        "segments": [
            {
                "start": _round(s.start),
                "end": _round(s.end),
                "text": s.text,
                "words": [
                    {
                        "start": _round(w.start),
                        "end": _round(w.end),
                        "text": w.text,
                        "probability": _round(w.probability),
                    }
                    for w in s.words
                ],
            }
            for s in result.segments
        ],
    }


def to_json(result: TranscriptionResult) -> str:
    return json.dumps(result_as_dict(result), ensure_ascii=False, indent=2) + "\n"


FORMATTERS = {
    "json": to_json,
    "vtt": lambda result: to_vtt(result.segments),
    "srt": lambda result: to_srt(result.segments),
    "txt": lambda result: to_txt(result.segments),
}
