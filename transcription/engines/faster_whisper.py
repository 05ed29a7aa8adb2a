"""faster-whisper (CTranslate2) engine: the embedded default, CPU or GPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transcription.engines.base import ProgressCallback, Segment, TranscriptionResult, Word
from transcription.errors import TranscriptionError
from transcription.models import resolve_model

# Library failures seen in practice: bad model files (RuntimeError), unknown
# language codes (ValueError), unreadable audio (av's errors subclass OSError/ValueError).
_LIBRARY_ERRORS = (RuntimeError, ValueError, OSError)


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(
        self,
        model: str = "base",
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
    ) -> None:
        from faster_whisper import WhisperModel

        self.model_name = model
        self.device = device
        self.compute_type = compute_type
        self.model_path = resolve_model(model)
        local = Path(self.model_path).is_dir()
        try:
            self._model = WhisperModel(
                self.model_path,
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                local_files_only=local,
            )
        except _LIBRARY_ERRORS as e:
            where = self.model_path if local else f"{self.model_path} (needs a network)"
            raise TranscriptionError(
                f"could not load Whisper model {model!r} from {where} on {device}: {e}"
            ) from e

    def transcribe(
        self,
        audio: Path,
        *,
        language: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> TranscriptionResult:
        parameters: dict[str, Any] = {
            "beam_size": 5,
            "vad_filter": True,
            "word_timestamps": True,
            "condition_on_previous_text": False,
        }
        try:
            raw_segments, info = self._model.transcribe(str(audio), language=language, **parameters)
            total = float(info.duration)
            segments = []
            # The generator decodes lazily: errors surface while iterating.
            for raw in raw_segments:
                segments.append(_segment(raw))
                if progress is not None:
                    progress(min(float(raw.end), total), total)
        except _LIBRARY_ERRORS as e:
            raise TranscriptionError(f"could not transcribe {Path(audio).name}: {e}") from e
        if progress is not None:
            progress(total, total)
        return TranscriptionResult(
            language=info.language,
            language_probability=float(info.language_probability),
            duration=total,
            segments=tuple(segments),
            engine=self.name,
            model=self.model_name,
            parameters={
                **parameters,
                "language": language,
                "device": self.device,
                "compute_type": self.compute_type,
            },
        )


def _segment(raw: Any) -> Segment:
    words = tuple(
        Word(
            start=float(w.start),
            end=float(w.end),
            text=w.word.strip(),
            probability=float(w.probability),
        )
        for w in (raw.words or ())
    )
    return Segment(start=float(raw.start), end=float(raw.end), text=raw.text.strip(), words=words)
