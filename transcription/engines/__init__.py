"""Transcription engines, chosen by name. ``get_engine`` loads each model once per process.

Engines are named by dotted path in ``ENGINES`` (Django's backend pattern);
``settings.TRANSCRIPTION_ENGINES``, where defined, adds or replaces entries, so
whisper.cpp or a remote GPU service is one module, not an ``if`` in a caller.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from transcription.engines.base import Engine, Segment, TranscriptionResult, Word
from transcription.errors import TranscriptionError

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "Engine",
    "Segment",
    "TranscriptionResult",
    "Word",
    "engine_names",
    "get_engine",
]

DEFAULT_ENGINE = "faster-whisper"

ENGINES: dict[str, str] = {
    "faster-whisper": "transcription.engines.faster_whisper.FasterWhisperEngine",
    "openai-whisper": "transcription.engines.openai_whisper.OpenAIWhisperEngine",
}


def _configured_engines() -> dict[str, str]:
    # The bench and other scripts run without Django: settings are optional here.
    try:
        from django.conf import settings

        extra = getattr(settings, "TRANSCRIPTION_ENGINES", {}) if settings.configured else {}
    except ImportError:
        extra = {}
    return {**ENGINES, **extra}


def engine_names() -> list[str]:
    return sorted(_configured_engines())


@lru_cache(maxsize=4)
def get_engine(model: str, engine: str = DEFAULT_ENGINE, **options: Any) -> Engine:
    """Return engine ``engine`` with ``model`` loaded, loading it on first use only.

    ``options`` go to the engine's constructor (device, compute_type,
    cpu_threads, ...) and must be hashable. Raises ModelNotFound, or
    TranscriptionError for an unknown engine name or an engine whose optional
    dependency is not installed.
    """
    from django.utils.module_loading import import_string

    engines = _configured_engines()
    try:
        path = engines[engine]
    except KeyError:
        raise TranscriptionError(
            f"Unknown transcription engine {engine!r}: use one of {', '.join(sorted(engines))}"
        ) from None
    cls = import_string(path)
    return cls(model, **options)
