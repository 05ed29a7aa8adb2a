"""faster-whisper (CTranslate2) engine: the embedded default, CPU or GPU."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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

#: Decoding of the first pass, chosen by measurement (bench/transcription.py
#: --compare; the table is in the README). Everything not named here is
#: faster-whisper's own default: beam search of 5, temperature fallback
#: 0.0-1.0 on a compression ratio over 2.4 or a mean log-probability under -1.
#: On six generated recordings (15 min, English and Spanish) faster-whisper's
#: defaults gave WER 0.130; these 0.118. The previous text as prompt made the
#: Spanish worse (it completes a phrase heard before) and is what lets a loop
#: run on; the voice-activity filter keeps silence from being decoded (a long
#: pause is where Whisper invents text); ``multilingual`` detects the language
#: of every 30-second window from the encoder output already computed, so a
#: speaker who switches language is transcribed in it, at no measurable cost.
#: Greedy search (beam 1) was faster but far worse (0.167).
DECODING: dict[str, Any] = {
    "beam_size": 5,
    "vad_filter": True,
    "word_timestamps": True,
    "condition_on_previous_text": False,
    "multilingual": True,
}

#: Decoding of the stretches the coverage check sends back: each clip on its
#: own (no previous text as prompt), the full temperature fallback, and no
#: "no speech" skip, because the voice-activity detector already heard speech
#: there; what comes back is checked again before it replaces anything.
REDECODING: dict[str, Any] = {
    "beam_size": 5,
    "word_timestamps": True,
    "condition_on_previous_text": False,
    "temperature": (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
    "no_speech_threshold": None,
}

#: Recordings at least this long (seconds) go through faster-whisper's batched
#: pipeline on a GPU, which decodes several VAD chunks at once. On a CPU it is
#: not used: measured there it was no faster and transcribed worse (see DECODING).
#: The temperature fallback samples: seeded before every decode, the same
#: recording gives the same transcript on the same machine, so an editor's
#: re-run (or a re-import) never silently changes what was checked.
SAMPLING_SEED = 20_240_101

BATCHED_FROM_SECONDS = 600.0
BATCH_SIZE = 8


def _default_compute_type(device: str) -> str:
    # int8 keeps a CPU worker's memory and time down; float16 is what GPUs are built for.
    return "float16" if device.startswith("cuda") else "int8"


def _whisper_model_class() -> type:
    from faster_whisper import WhisperModel

    class LanguageTrackingModel(WhisperModel):
        """WhisperModel that notes the language each segment was decoded in.

        With ``multilingual=True`` faster-whisper detects the language of every
        30-second window and switches its tokenizer to it, but its segments do
        not say which language that was; the tokenizer does, at the moment
        the segment is yielded.
        """

        segment_languages: dict[int, str]

        def generate_segments(  # type: ignore[override]
            self, features: Any, tokenizer: Any, options: Any, *args: Any, **kwargs: Any
        ) -> Iterator[Any]:
            self.segment_languages = {}
            for segment in super().generate_segments(features, tokenizer, options, *args, **kwargs):
                self.segment_languages[segment.id] = tokenizer.language_code
                yield segment

    return LanguageTrackingModel


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(
        self,
        model: str = "base",
        *,
        device: str = "cpu",
        compute_type: str | None = None,
        cpu_threads: int = 0,
        batched_from_seconds: float | None = None,
        batch_size: int = BATCH_SIZE,
        decoding: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    ) -> None:
        """``compute_type`` None or "auto": int8 on CPU, float16 on CUDA.

        ``batched_from_seconds`` None: BATCHED_FROM_SECONDS on CUDA, never on
        CPU; a number forces it on either. ``decoding`` replaces DECODING as a
        whole (the benchmark compares settings this way).
        """
        from faster_whisper import BatchedInferencePipeline

        self.model_name = model
        self.device = device
        if compute_type in (None, "", "auto"):
            compute_type = _default_compute_type(device)
        self.compute_type = compute_type
        if batched_from_seconds is None and device.startswith("cuda"):
            batched_from_seconds = BATCHED_FROM_SECONDS
        self.batched_from_seconds = batched_from_seconds
        self.batch_size = batch_size
        self.decoding = dict(DECODING if decoding is None else decoding)
        self.model_path = resolve_model(model)
        local = Path(self.model_path).is_dir()
        try:
            self._model = _whisper_model_class()(
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

    @property
    def multilingual(self) -> bool:
        return bool(self._model.model.is_multilingual)

    def _samples(self, audio: Path) -> Any:
        from faster_whisper.audio import decode_audio

        return decode_audio(str(audio), sampling_rate=self._model.feature_extractor.sampling_rate)

    def transcribe(
        self,
        audio: Path,
        *,
        language: str | None = None,
        task: str = "transcribe",
        progress: ProgressCallback | None = None,
    ) -> TranscriptionResult:
        check_task(task)
        _seed_sampling()
        parameters: dict[str, Any] = dict(self.decoding)
        if language is not None or not self.multilingual:
            # Told the language (or an English-only model): no per-window detection.
            parameters.pop("multilingual", None)
        try:
            samples = self._samples(audio)
            seconds = len(samples) / self._model.feature_extractor.sampling_rate
            batched = self.batched_from_seconds is not None and seconds >= self.batched_from_seconds
            if batched:
                batch_options = {
                    k: v for k, v in parameters.items() if k != "condition_on_previous_text"
                }
                raw_segments, info = self._batched.transcribe(
                    samples,
                    language=language,
                    task=task,
                    batch_size=self.batch_size,
                    **batch_options,
                )
            else:
                raw_segments, info = self._model.transcribe(
                    samples, language=language, task=task, **parameters
                )
            total = float(info.duration)
            segments = []
            # The generator decodes lazily: errors surface while iterating.
            for raw in raw_segments:
                segments.append(self._segment(raw, info.language, tracked=not batched))
                if progress is not None:
                    progress(min(float(raw.end), total), total)
        except _LIBRARY_ERRORS as e:
            raise TranscriptionError(f"could not transcribe {Path(audio).name}: {e}") from e
        if progress is not None:
            progress(total, total)
        if batched:
            parameters["batch_size"] = self.batch_size
        return TranscriptionResult(
            language=info.language,
            language_probability=float(info.language_probability),
            duration=total,
            segments=tuple(segments),
            engine=self.name,
            model=self.model_name,
            parameters={
                **{k: list(v) if isinstance(v, tuple) else v for k, v in parameters.items()},
                "language": language,
                "task": task,
                "batched": batched,
                "device": self.device,
                "compute_type": self.compute_type,
                "versions": versions(),
            },
        )

    def redecode(
        self,
        audio: Path,
        *,
        clips: tuple[tuple[float, float], ...],
        language: str | None = None,
        task: str = "transcribe",
        progress: ProgressCallback | None = None,
    ) -> tuple[Segment, ...]:
        check_task(task)
        if not clips:
            return ()
        _seed_sampling()
        options = dict(REDECODING)
        if language is None and self.multilingual:
            options["multilingual"] = True
        timestamps = [round(t, 3) for clip in sorted(clips) for t in clip]
        try:
            raw_segments, info = self._model.transcribe(
                self._samples(audio),
                language=language,
                task=task,
                clip_timestamps=timestamps,
                **options,
            )
            segments = []
            for raw in raw_segments:
                segments.append(self._segment(raw, info.language, tracked=True))
                if progress is not None:
                    progress(float(raw.end), float(info.duration))
        except _LIBRARY_ERRORS as e:
            raise TranscriptionError(f"could not decode {Path(audio).name} again: {e}") from e
        return tuple(segments)

    def _segment(self, raw: Any, language: str, *, tracked: bool) -> Segment:
        if tracked:
            language = getattr(self._model, "segment_languages", {}).get(raw.id, language)
        words = tuple(
            Word(
                start=float(w.start),
                end=float(w.end),
                text=w.word.strip(),
                probability=float(w.probability),
            )
            for w in (raw.words or ())
        )
        return Segment(
            start=float(raw.start),
            end=float(raw.end),
            text=raw.text.strip(),
            words=words,
            language=language or "",
            avg_logprob=_number(raw.avg_logprob),
            compression_ratio=_number(raw.compression_ratio),
            temperature=_number(raw.temperature),
        )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def versions() -> dict[str, str]:
    import ctranslate2
    import faster_whisper

    return {"faster_whisper": faster_whisper.__version__, "ctranslate2": ctranslate2.__version__}


def _seed_sampling() -> None:
    import ctranslate2

    ctranslate2.set_random_seed(SAMPLING_SEED)
