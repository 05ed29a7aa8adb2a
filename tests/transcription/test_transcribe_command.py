"""`manage.py transcribe` prints a transcript, and a clear error for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import webvtt

ROOT = Path(__file__).resolve().parents[2]

# Minimal settings: the command needs no database and nothing else of the project.
SETTINGS = 'SECRET_KEY = "test"\nINSTALLED_APPS = ["transcription"]\n'


@pytest.fixture
def manage(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    (tmp_path / "transcribe_settings.py").write_text(SETTINGS)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "transcribe_settings",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "django", "transcribe", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )

    return run


@pytest.mark.slow
def test_transcribe_prints_webvtt_and_progress(english_wav: Path, manage) -> None:
    done = manage(str(english_wav), "--model", "tiny.en", "--format", "vtt")

    assert done.returncode == 0, done.stderr
    captions = webvtt.from_string(done.stdout)
    assert "river" in " ".join(c.text for c in captions).lower()
    assert "100%" in done.stderr


@pytest.mark.slow
def test_transcribe_prints_json_by_default(english_wav: Path, manage) -> None:
    done = manage(str(english_wav), "--model", "tiny.en", "--language", "en")

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["language"] == "en" and data["model"] == "tiny.en"
    assert data["segments"][0]["words"]


def _bad_upload(kind: str, where: Path) -> Path:
    path = where / {"missing": "missing.wav", "empty": "empty.wav", "text": "story.mp3"}[kind]
    if kind == "empty":
        path.touch()
    elif kind == "text":
        path.write_text("typed, not recorded\n" * 30)
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "does not exist"),
        ("empty", "is empty"),
        ("text", "not a playable audio or video file"),
    ],
)
def test_bad_upload_is_a_clear_command_error(
    tmp_path: Path, manage, kind: str, message: str
) -> None:
    done = manage(str(_bad_upload(kind, tmp_path)))

    assert done.returncode == 1
    assert done.stderr.startswith("CommandError:")
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_truncated_mp4_is_a_clear_command_error(truncated_mp4: Path, manage) -> None:
    done = manage(str(truncated_mp4))

    assert done.returncode == 1
    assert "CommandError: truncated.mp4 is not a playable" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_model_is_a_clear_command_error(english_wav: Path, manage) -> None:
    done = manage(str(english_wav), "--model", "no-such-model")

    assert done.returncode == 1
    assert "CommandError: Unknown Whisper model 'no-such-model'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_transcribe_translates_spanish_speech_into_english_text(spanish_ogg: Path, manage) -> None:
    done = manage(str(spanish_ogg), "--model", "base", "--task", "translate")

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["language"] == "es"
    assert data["parameters"]["task"] == "translate"
    assert data["segments"]


def test_an_unknown_task_is_refused(english_wav: Path, manage) -> None:
    done = manage(str(english_wav), "--task", "summarise")

    assert done.returncode != 0
    assert "invalid choice: 'summarise'" in done.stderr
