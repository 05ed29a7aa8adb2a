"""faster-whisper (CTranslate2) engine: the embedded default, CPU or GPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transcription.engines.base import (
    ProgressCallback,
    Segment,
    TranscriptionResult,
    Word,
    check_task,
)
from transcription.errors import TranscriptionError
from transcription.models import resolve_model

# Library failures seen in practice: bad model files (RuntimeError), unknown
# language codes (ValueError), unreadable audio (av's errors subclass OSError/ValueError).
_LIBRARY_ERRORS = (RuntimeError, ValueError, OSError)

#: Recordings at least this long (seconds) go through faster-whisper's batched
#: pipeline, which decodes several VAD chunks at once: several times faster on
#: a GPU for hour-long interviews. Shorter ones keep the sequential decoder,
#: whose timestamps follow the speech more closely.
BATCHED_FROM_SECONDS = 600.0
BATCH_SIZE = 8


def _default_compute_type(device: str) -> str:
    # int8 keeps a CPU worker's memory and time down; float16 is what GPUs are built for.
    return "float16" if device.startswith("cuda") else "int8"


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(
        self,
        model: str = "base",
        *,
        device: str = "cpu",
        compute_type: str | None = None,
        cpu_threads: int = 0,
        batched_from_seconds: float | None = BATCHED_FROM_SECONDS,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        """``compute_type`` None or "auto": int8 on CPU, float16 on CUDA.

        ``batched_from_seconds=None`` never uses the batched pipeline.
        """
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.model_name = model
        self.device = device
        if compute_type in (None, "", "auto"):
            compute_type = _default_compute_type(device)
        self.compute_type = compute_type
        self.batched_from_seconds = batched_from_seconds
        self.batch_size = batch_size
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
        self._batched = BatchedInferencePipeline(self._model)

    def transcribe(
        self,
        audio: Path,
        *,
        language: str | None = None,
        task: str = "transcribe",
        progress: ProgressCallback | None = None,
    ) -> TranscriptionResult:
        from faster_whisper.audio import decode_audio

        check_task(task)
        parameters: dict[str, Any] = {
            "beam_size": 5,
            "vad_filter": True,
            "word_timestamps": True,
            "condition_on_previous_text": False,
        }
        try:
            # Decoded once here so the length can choose the decoder.
            samples = decode_audio(
                str(audio), sampling_rate=self._model.feature_extractor.sampling_rate
            )
            seconds = len(samples) / self._model.feature_extractor.sampling_rate
            batched = self.batched_from_seconds is not None and seconds >= self.batched_from_seconds
            if batched:
                parameters["batch_size"] = self.batch_size
                raw_segments, info = self._batched.transcribe(
                    samples, language=language, task=task, **parameters
                )
            else:
                raw_segments, info = self._model.transcribe(
                    samples, language=language, task=task, **parameters
                )
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
                "task": task,
                "batched": batched,
                "device": self.device,
                "compute_type": self.compute_type,
                "versions": versions(),
            },
        )


def versions() -> dict[str, str]:
    import ctranslate2
    import faster_whisper

    return {"faster_whisper": faster_whisper.__version__, "ctranslate2": ctranslate2.__version__}


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
