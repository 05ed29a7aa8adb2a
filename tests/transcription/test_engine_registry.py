"""Engines are chosen by name; a wrong name says which ones exist."""

from __future__ import annotations

import pytest

from transcription.engines import engine_names, get_engine
from transcription.errors import TranscriptionError


def test_both_engines_are_registered() -> None:
    assert {"faster-whisper", "openai-whisper"} <= set(engine_names())


def test_unknown_engine_name_lists_the_known_ones() -> None:
    with pytest.raises(TranscriptionError, match="faster-whisper"):
        get_engine("base", engine="whisper.cpp")


def test_settings_can_add_an_engine(settings) -> None:
    settings.TRANSCRIPTION_ENGINES = {
        "fw-again": "transcription.engines.faster_whisper.FasterWhisperEngine"
    }

    assert "fw-again" in engine_names()
