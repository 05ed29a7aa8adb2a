"""A real Whisper model, offline, on generated speech."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import jiwer
import pytest

from transcription.engines import get_engine
from transcription.engines.base import Engine, TranscriptionResult
from transcription.errors import TranscriptionError
from transcription.media import normalise_audio, probe

pytestmark = pytest.mark.slow


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def _transcribe(
    src: Path, tmp_path: Path, model: str, **kwargs: object
) -> tuple[TranscriptionResult, list[tuple[float, float]]]:
    probe(src)
    audio = normalise_audio(src, tmp_path / "engine.wav")
    calls: list[tuple[float, float]] = []
    result = get_engine(model).transcribe(
        audio, progress=lambda done, total: calls.append((done, total)), **kwargs
    )
    return result, calls


def test_english_testimony_is_transcribed_by_the_bundled_tiny_model(
    english_wav: Path, english_text: str, tmp_path: Path
) -> None:
    result, progress = _transcribe(english_wav, tmp_path, "tiny.en")

    assert jiwer.wer(_words(english_text), _words(result.text)) < 0.5
    assert {"river", "mother", "papers"} <= set(_words(result.text).split())
    assert result.language == "en"
    assert (result.engine, result.model) == ("faster-whisper", "tiny.en")
    first = result.segments[0]
    assert 0 <= first.start < first.end <= result.duration + 0.5
    assert first.words and all(w.start <= w.end for w in first.words)
    assert progress[-1][0] == pytest.approx(progress[-1][1])


def test_spanish_testimony_is_detected_and_transcribed_by_bundled_base(
    spanish_ogg: Path, tmp_path: Path
) -> None:
    result, _ = _transcribe(spanish_ogg, tmp_path, "base")

    assert result.language == "es"
    words = set(_words(result.text).split())
    assert words & {"familia", "ciudad", "hijos", "teléfono", "mañana"}


def test_engine_is_loaded_once_per_process() -> None:
    engine = get_engine("tiny.en")

    assert get_engine("tiny.en") is engine
    assert isinstance(engine, Engine)


def test_unknown_language_code_is_a_transcription_error(
    make_speech: Callable[..., Path], tmp_path: Path
) -> None:
    audio = normalise_audio(make_speech("Hello."), tmp_path / "engine.wav")

    with pytest.raises(TranscriptionError, match="xx"):
        get_engine("base").transcribe(audio, language="xx")


def test_spanish_testimony_translates_to_english_with_the_spoken_language_kept(
    spanish_ogg: Path, tmp_path: Path
) -> None:
    result, _ = _transcribe(spanish_ogg, tmp_path, "base", task="translate")

    assert result.language == "es"
    assert result.parameters["task"] == "translate"
    words = set(_words(result.text).split())
    assert words & {"family", "city", "children", "phone", "morning", "telephone"}


def test_long_recordings_use_the_batched_decoder(english_wav: Path, english_text: str, tmp_path):
    audio = normalise_audio(english_wav, tmp_path / "engine.wav")

    result = get_engine("tiny.en", batched_from_seconds=0.0).transcribe(audio)

    assert result.parameters["batched"] is True
    assert result.parameters["batch_size"] > 1
    assert jiwer.wer(_words(english_text), _words(result.text)) < 0.5


def test_engine_model_parameters_and_versions_are_recorded(english_wav: Path, tmp_path) -> None:
    import ctranslate2
    import faster_whisper

    result, _ = _transcribe(english_wav, tmp_path, "tiny.en")

    assert result.parameters["batched"] is False
    assert result.parameters["compute_type"] == "int8"
    assert result.parameters["versions"] == {
        "faster_whisper": faster_whisper.__version__,
        "ctranslate2": ctranslate2.__version__,
    }
