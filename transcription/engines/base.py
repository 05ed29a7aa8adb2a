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
    """One decoded stretch. The decoder's own scores ride along where the engine gives them.

    ``language`` is the language this stretch was decoded in (it can differ
    from the recording's when the speaker switches); ``avg_logprob``,
    ``compression_ratio`` and ``temperature`` are what the coverage check
    reads to tell a loop or a guess from a confident decode.
    """

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    language: str = ""
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    temperature: float | None = None


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


@runtime_checkable
class Redecoder(Protocol):
    """An engine that can decode chosen stretches again, more carefully.

    The coverage check (transcription.coverage) calls this for stretches
    the first pass missed or looped on. An engine without it still gets
    its gaps and loops found and flagged, only not repaired.
    """

    def redecode(
        self,
        audio: Path,
        *,
        clips: tuple[tuple[float, float], ...],
        language: str | None = None,
        task: str = "transcribe",
        progress: ProgressCallback | None = None,
    ) -> tuple[Segment, ...]:
        """Decode each (start, end) second clip of ``audio`` on its own; times are absolute.

        Careful settings: temperature fallback, no previous text as prompt,
        no voice-activity filter (the clips are speech already), and with
        ``language=None`` the language detected per clip.
        Raises TranscriptionError on failure.
        """
        ...
