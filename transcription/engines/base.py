"""The engine contract: audio file in, typed timed text out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from transcription.errors import TranscriptionError

ProgressCallback = Callable[[float, float], None]

#: Whisper's two tasks: text in the spoken language, or an English translation.
TASKS = ("transcribe", "translate")


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


def check_task(task: str) -> str:
    if task not in TASKS:
        raise TranscriptionError(f"Unknown task {task!r}: use 'transcribe' or 'translate'")
    return task


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
        task: str = "transcribe",
        progress: ProgressCallback | None = None,
    ) -> TranscriptionResult:
        """Transcribe ``audio``; ``language=None`` detects it.

        ``task="translate"`` gives English text whatever the spoken language;
        ``result.language`` is still the spoken one.
        ``progress(seconds_done, total_seconds)`` is called as decoding advances.
        ``result.parameters`` records what reproduces the run: engine options,
        decoding options and library versions.
        Raises TranscriptionError on failure.
        """
        ...
