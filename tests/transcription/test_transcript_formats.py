"""Transcripts leave as captions, subtitles, text and JSON that read back the same."""

from __future__ import annotations

import io
import json
from pathlib import Path

import webvtt

from transcription.engines.base import Segment, TranscriptionResult, Word
from transcription.formats import to_json, to_srt, to_txt, to_vtt

SEGMENTS = (
    Segment(
        0.0,
        2.5,
        "They held me after I called the police.",
        (Word(0.0, 0.4, "They", 0.98), Word(0.4, 0.9, "held", 0.9)),
    ),
    Segment(62.25, 65.0, "Mi hija tenía tres años."),
    Segment(3725.5, 3730.125, "Second line\nof a long answer"),
)


def _result() -> TranscriptionResult:
    return TranscriptionResult(
        language="es",
        language_probability=0.93,
        duration=3731.0,
        segments=SEGMENTS,
        engine="faster-whisper",
        model="base",
        parameters={"beam_size": 5},
    )


def _expected() -> list[tuple[str, str, str]]:
    return [
        ("00:00:00.000", "00:00:02.500", "They held me after I called the police."),
        ("00:01:02.250", "00:01:05.000", "Mi hija tenía tres años."),
        ("01:02:05.500", "01:02:10.125", "Second line\nof a long answer"),
    ]


def test_vtt_reads_back_with_the_same_captions() -> None:
    vtt = to_vtt(SEGMENTS)

    assert vtt.startswith("WEBVTT")
    parsed = webvtt.from_buffer(io.StringIO(vtt))
    assert [(c.start, c.end, c.text) for c in parsed] == _expected()


def test_vtt_file_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "t.vtt"
    path.write_text(to_vtt(SEGMENTS), encoding="utf-8")

    assert len(webvtt.read(str(path))) == 3


def test_srt_reads_back_with_the_same_captions(tmp_path: Path) -> None:
    srt = to_srt(SEGMENTS)
    path = tmp_path / "t.srt"
    path.write_text(srt, encoding="utf-8")

    assert srt.startswith("1\n00:00:00,000 --> 00:00:02,500\n")
    assert [(c.start, c.end, c.text) for c in webvtt.from_srt(str(path))] == _expected()


def test_markup_and_arrows_in_speech_cannot_break_captions() -> None:
    tricky = (Segment(1.0, 2.0, "A <b> & B --> C"), Segment(2.0, 3.0, "   "))

    vtt = to_vtt(tricky)

    assert "A &lt;b&gt; &amp; B → C" in vtt
    assert len(webvtt.from_buffer(io.StringIO(vtt))) == 1
    assert "-->" not in to_srt(tricky).split("\n", 2)[2]


def test_txt_has_a_timecode_on_every_line() -> None:
    lines = to_txt(SEGMENTS).splitlines()

    assert lines[0] == "[00:00:00] They held me after I called the police."
    assert lines[1] == "[00:01:02] Mi hija tenía tres años."
    assert lines[2].startswith("[01:02:05] Second line")


def test_json_keeps_language_model_and_word_timings() -> None:
    data = json.loads(to_json(_result()))

    assert data["language"] == "es"
    assert data["engine"] == "faster-whisper"
    assert data["model"] == "base"
    assert data["duration"] == 3731.0
    assert data["segments"][0]["words"][1] == {
        "start": 0.4,
        "end": 0.9,
        "text": "held",
        "probability": 0.9,
    }
    assert data["segments"][1]["text"] == "Mi hija tenía tres años."


def test_empty_transcript_gives_empty_but_valid_outputs() -> None:
    assert webvtt.from_buffer(io.StringIO(to_vtt(()))).captions == []
    assert to_srt(()) == ""
    assert to_txt(()) == ""


def test_json_reads_back_into_the_same_segments_and_words() -> None:
    data = json.loads(to_json(_result()))

    segments = tuple(
        Segment(
            s["start"],
            s["end"],
            s["text"],
            tuple(Word(w["start"], w["end"], w["text"], w["probability"]) for w in s["words"]),
        )
        for s in data["segments"]
    )

    assert segments == SEGMENTS
    assert data["parameters"] == {"beam_size": 5}


def test_txt_reads_back_to_whole_second_timecodes_and_text() -> None:
    lines = to_txt(SEGMENTS[:2]).splitlines()

    parsed = []
    for line in lines:
        stamp, text = line[1:9], line[11:]
        h, m, s = (int(part) for part in stamp.split(":"))
        parsed.append((h * 3600 + m * 60 + s, text))

    assert parsed == [(int(seg.start), seg.text) for seg in SEGMENTS[:2]]
