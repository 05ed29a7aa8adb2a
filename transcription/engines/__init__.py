"""Transcription engines. ``get_engine`` loads each model once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from transcription.engines.base import Engine, Segment, TranscriptionResult, Word

__all__ = ["Engine", "Segment", "TranscriptionResult", "Word", "get_engine"]


@lru_cache(maxsize=4)
def get_engine(model: str, **options: Any) -> Engine:
    """Return the engine for ``model``, loading it on first use only.

    ``options`` go to FasterWhisperEngine (device, compute_type, cpu_threads)
    and must be hashable. Raises ModelNotFound or TranscriptionError.
    """
    from transcription.engines.faster_whisper import FasterWhisperEngine

    return FasterWhisperEngine(model, **options)
