"""`manage.py check` says when ffmpeg or the model is missing, and how to fix it."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

import transcription.checks as checks


def test_missing_ffmpeg_is_an_error_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FFMPEG_BINARY", raising=False)
    monkeypatch.delenv("FFPROBE_BINARY", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)

    errors = checks.check_ffmpeg()

    assert [e.id for e in errors] == ["transcription.E001", "transcription.E002"]
    assert all("pip install testimonio[ffmpeg-binary]" in e.hint for e in errors)


def test_installed_ffmpeg_passes() -> None:
    assert checks.check_ffmpeg() == []


def test_unknown_model_setting_is_an_error_with_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "settings", SimpleNamespace(TRANSCRIPTION_MODEL="no-such-model"))

    [error] = checks.check_model()

    assert error.id == "transcription.E003"
    assert "'base'" in error.hint


def test_default_bundled_model_passes_without_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "settings", SimpleNamespace())

    assert checks.check_model() == []
