"""Real media for the transcription tests, generated with espeak-ng and ffmpeg."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ENGLISH = "The river was cold that morning. My mother carried the papers in a plastic bag."
SPANISH = "Mi familia vive en la ciudad. Cada mañana hablamos con mis hijos por teléfono."


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory: pytest.TempPathFactory):
    """Assemble the bundled model in a temporary cache, never in the developer's home."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TESTIMONIO_MODEL_CACHE", str(tmp_path_factory.mktemp("models")))
        yield


@pytest.fixture
def english_text() -> str:
    return ENGLISH


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def speak(dest: Path, text: str, *, voice: str = "en-us") -> Path:
    _run("espeak-ng", "-v", voice, "-s", "150", "-w", str(dest), text)
    return dest


@pytest.fixture
def make_speech(tmp_path: Path) -> Callable[..., Path]:
    def make(text: str = ENGLISH, *, voice: str = "en-us", name: str = "speech.wav") -> Path:
        return speak(tmp_path / name, text, voice=voice)

    return make


@pytest.fixture
def english_wav(make_speech: Callable[..., Path]) -> Path:
    return make_speech(ENGLISH)


@pytest.fixture
def spanish_ogg(make_speech: Callable[..., Path], tmp_path: Path) -> Path:
    wav = make_speech(SPANISH, voice="es", name="es.wav")
    dest = tmp_path / "spanish.ogg"
    _run("sox", str(wav), str(dest))
    return dest


PRIVATE_TAGS = {
    "title": "Secret",
    "artist": "Real Name",
    "location": "+40.7-074.0/",
}


def _metadata_args() -> list[str]:
    args = []
    for key, value in PRIVATE_TAGS.items():
        args += ["-metadata", f"{key}={value}"]
    return args


@pytest.fixture
def tagged_audio(english_wav: Path, tmp_path: Path) -> Path:
    """An M4A carrying a title, a real name and GPS coordinates."""
    dest = tmp_path / "tagged.m4a"
    _run("ffmpeg", "-v", "error", "-i", str(english_wav), *_metadata_args(), str(dest))
    return dest


def _make_video(dest: Path, *, seconds: float = 2, extra: tuple[str, ...] = ()) -> Path:
    _run(
        "ffmpeg", "-v", "error",
        "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size=320x240:rate=25",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-shortest", *extra, str(dest),
    )  # fmt: skip
    return dest


@pytest.fixture
def make_video() -> Callable[..., Path]:
    """make_video(dest, seconds=2, extra=(ffmpeg output options...)) -> dest"""
    return _make_video


@pytest.fixture
def private_tags() -> dict[str, str]:
    return dict(PRIVATE_TAGS)


@pytest.fixture
def video_mp4(tmp_path: Path) -> Path:
    return _make_video(tmp_path / "video.mp4")


@pytest.fixture
def tagged_video(tmp_path: Path) -> Path:
    return _make_video(tmp_path / "tagged.mp4", extra=tuple(_metadata_args()))


@pytest.fixture
def truncated_mp4(tmp_path: Path) -> Path:
    """A real MP4 cut to 30% of its bytes, as an interrupted upload leaves it."""
    whole = _make_video(tmp_path / "whole.mp4", seconds=4)
    data = whole.read_bytes()
    dest = tmp_path / "truncated.mp4"
    dest.write_bytes(data[: int(len(data) * 0.3)])
    whole.unlink()
    return dest
