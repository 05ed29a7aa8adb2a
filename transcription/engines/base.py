"""The engine contract: audio file in, typed timed text out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

ProgressCallback = Callable[[float, float], None]


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class TranscriptionResult:
    language: str
    language_probability: float
    duration: float
    segments: tuple[Segment, ...]
    engine: str
    model: str
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)


@runtime_checkable
class Engine(Protocol):
    name: str
    model_name: str

    def transcribe(
        self,
        audio: Path,
        *,
        language: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> TranscriptionResult:
        """Transcribe ``audio``; ``language=None`` detects it.

        ``progress(seconds_done, total_seconds)`` is called as segments finish.
        Raises TranscriptionError on failure.
        """
        ...
