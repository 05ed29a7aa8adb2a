"""Probing and normalising what storytellers upload."""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from transcription.errors import MediaError
from transcription.media import normalise_audio, probe


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def test_probe_reads_duration_and_codec_of_a_recording(english_wav: Path) -> None:
    info = probe(english_wav)

    assert info.duration == pytest.approx(_wav_seconds(english_wav), abs=0.2)
    assert info.audio_codec == "pcm_s16le"
    assert info.format_name == "wav"
    assert info.size_bytes == english_wav.stat().st_size
    assert not info.has_video


def test_probe_of_a_video_testimony_reports_video(video_mp4: Path) -> None:
    info = probe(video_mp4)

    assert info.has_video
    assert info.video_codec == "h264"
    assert info.audio_codec == "aac"
    assert info.duration == pytest.approx(2.0, abs=0.2)


def test_probe_reads_ogg_vorbis(spanish_ogg: Path) -> None:
    info = probe(spanish_ogg)

    assert info.format_name == "ogg"
    assert info.audio_codec == "vorbis"


def test_empty_upload_is_refused_as_empty(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()

    with pytest.raises(MediaError, match="is empty"):
        probe(empty)


def test_text_file_named_mp3_is_refused_as_not_playable(tmp_path: Path) -> None:
    fake = tmp_path / "testimony.mp3"
    fake.write_text("This is my story, typed instead of recorded.\n" * 20)

    with pytest.raises(MediaError, match="not a playable audio or video file") as caught:
        probe(fake)
    assert caught.value.stderr
    assert str(tmp_path) not in str(caught.value), "storage paths stay out of the message"


def test_truncated_mp4_upload_is_refused(truncated_mp4: Path) -> None:
    with pytest.raises(MediaError, match="truncated.mp4") as caught:
        probe(truncated_mp4)
    assert "moov atom not found" in caught.value.stderr
    assert isinstance(caught.value.__cause__, Exception)


def test_truncated_faststart_mp4_is_caught_by_the_decode_check(
    tmp_path: Path, make_video: Callable[..., Path]
) -> None:
    whole = make_video(tmp_path / "whole.mp4", seconds=4, extra=("-movflags", "+faststart"))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.3)])

    with pytest.raises(MediaError, match="damaged or truncated"):
        probe(cut)


def test_file_without_audio_is_refused(tmp_path: Path) -> None:
    silent = tmp_path / "silent.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=1", str(silent)],
        check=True,
    )

    with pytest.raises(MediaError, match="has no audio stream"):
        probe(silent)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="does not exist"):
        probe(tmp_path / "nowhere.wav")


def test_normalise_gives_16khz_mono_pcm(spanish_ogg: Path, tmp_path: Path) -> None:
    out = normalise_audio(spanish_ogg, tmp_path / "engine.wav")

    with wave.open(str(out)) as w:
        assert w.getframerate() == 16000
        assert w.getnchannels() == 1
        assert w.getsampwidth() == 2
    assert probe(out).duration == pytest.approx(probe(spanish_ogg).duration, abs=0.1)


def test_normalise_takes_the_sound_of_a_video(video_mp4: Path, tmp_path: Path) -> None:
    out = normalise_audio(video_mp4, tmp_path / "engine.wav")

    info = probe(out)
    assert not info.has_video
    assert info.audio_codec == "pcm_s16le"


@pytest.mark.parametrize("bad", ["text", "truncated"])
def test_failed_normalise_leaves_no_output(bad: str, tmp_path: Path, truncated_mp4: Path) -> None:
    src = truncated_mp4
    if bad == "text":
        src = tmp_path / "story.mp3"
        src.write_text("not audio\n" * 50)
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    with pytest.raises(MediaError):
        normalise_audio(src, out_dir / "engine.wav")
    assert list(out_dir.iterdir()) == []
