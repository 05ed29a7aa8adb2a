"""Web copies never carry a storyteller's name, place or device."""

from __future__ import annotations

from pathlib import Path

import pytest

from transcription.errors import MediaError
from transcription.media import MediaInfo, make_web_derivative, probe, read_metadata_tags

# ffmpeg rewrites ISO 6709 coordinates ("+40.7000-074.0000/"), so look for the digits.
LEAKS = ("Secret", "Real Name", "40.7")


def _leaks(tags: dict[str, str]) -> list[str]:
    return [f"{k}={v}" for k, v in tags.items() for leak in LEAKS if leak in v]


def test_audio_web_copy_strips_names_and_places(tagged_audio: Path, tmp_path: Path) -> None:
    assert _leaks(read_metadata_tags(tagged_audio)), "the fixture must carry the private tags"
    out_dir = tmp_path / "web"
    out_dir.mkdir()

    web = make_web_derivative(tagged_audio, out_dir, probe(tagged_audio))

    assert web == out_dir / "web.m4a"
    assert _leaks(read_metadata_tags(web)) == []
    assert not any(value in web.read_bytes() for value in (b"Secret", b"Real Name"))
    info = probe(web)
    assert info.audio_codec == "aac"
    assert not info.has_video


def test_video_web_copy_strips_names_and_places(
    tagged_video: Path, tmp_path: Path, private_tags: dict[str, str]
) -> None:
    tags = read_metadata_tags(tagged_video)
    assert tags.get("title") == private_tags["title"]

    web = make_web_derivative(tagged_video, tmp_path, probe(tagged_video), stem="clip")

    assert web == tmp_path / "clip.mp4"
    tags = read_metadata_tags(web)
    assert _leaks(tags) == []
    assert "encoder" not in tags, "no software version in the container"
    assert b"Lavf" not in web.read_bytes() and b"x264 - core" not in web.read_bytes()
    info = probe(web)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")


def test_failed_web_copy_leaves_nothing_behind(tmp_path: Path) -> None:
    src = tmp_path / "story.mp3"
    src.write_text("not audio\n" * 50)
    out_dir = tmp_path / "web"
    out_dir.mkdir()
    info = MediaInfo(
        duration=1.0, format_name="mp3", audio_codec="mp3", video_codec=None, size_bytes=10
    )

    with pytest.raises(MediaError, match="could not encode"):
        make_web_derivative(src, out_dir, info)
    assert list(out_dir.iterdir()) == []
