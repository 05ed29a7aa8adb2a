"""openai-whisper (PyTorch) engine: an optional extra, ``pip install '.[openai-whisper]'``.

Offline only, like the default engine: a model is a checkpoint file on this
machine, either a path to a ``.pt`` or an official size name ("small",
"large-v3") whose checkpoint already lies in the download folder
(``~/.cache/whisper``). Nothing is ever downloaded here.
"""

from __future__ import annotations

import importlib
import os
import pickle
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from transcription.engines.base import (
    ProgressCallback,
    Segment,
    TranscriptionResult,
    Word,
    check_task,
)
from transcription.errors import ModelNotFound, TranscriptionError

_INSTALL = "pip install '.[openai-whisper]' (installs torch==2.13.0 and openai-whisper)"
# Bad checkpoints (UnpicklingError, RuntimeError, KeyError from a missing
# "dims"), unreadable audio (RuntimeError from whisper's ffmpeg call), unknown
# languages (ValueError).
_LIBRARY_ERRORS = (RuntimeError, ValueError, OSError, KeyError, pickle.UnpicklingError)

# whisper reports progress only through a module-level tqdm bar; swapping that
# bar for ours is process-global, so transcriptions take turns.
_PROGRESS_LOCK = threading.Lock()


def _whisper() -> Any:
    try:
        import whisper
    except ImportError as e:
        raise TranscriptionError(f"the openai-whisper engine is not installed: {_INSTALL}") from e
    return whisper


def resolve_checkpoint(spec: str, download_root: str | None = None) -> str:
    """A checkpoint path or an official name whose file is already here.

    Raises ModelNotFound saying where to put the file.
    """
    whisper = _whisper()
    path = Path(spec).expanduser()
    if path.is_file():
        return str(path.resolve())
    if spec in whisper.available_models():
        root = Path(download_root or _default_download_root())
        url = whisper._MODELS[spec]
        if (root / os.path.basename(url)).is_file():
            return spec
        raise ModelNotFound(
            f"openai-whisper model {spec!r} is not on this machine: copy "
            f"{os.path.basename(url)} into {root} (downloading it needs a network), "
            "or set the model to the path of a .pt checkpoint"
        )
    raise ModelNotFound(
        f"openai-whisper model {spec!r} is neither a checkpoint file nor one of "
        f"{', '.join(whisper.available_models())}"
    )


def _default_download_root() -> str:
    default = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(os.getenv("XDG_CACHE_HOME", default), "whisper")


class OpenAIWhisperEngine:
    name = "openai-whisper"

    def __init__(
        self,
        model: str = "base",
        *,
        device: str = "cpu",
        compute_type: str | None = None,
        cpu_threads: int = 0,
        download_root: str | None = None,
        beam_size: int | None = 5,
        temperature: float | tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
    ) -> None:
        """``compute_type``: float16 on CUDA unless "float32" is asked; always float32 on CPU.

        ``beam_size=None`` decodes greedily; ``temperature`` is whisper's
        fallback schedule (a single 0.0 never falls back).
        """
        whisper = _whisper()
        import torch

        self.model_name = model
        self.device = device
        self.fp16 = device.startswith("cuda") and compute_type not in ("float32", "int8")
        self.compute_type = "float16" if self.fp16 else "float32"
        self.decoding: dict[str, Any] = {
            "beam_size": beam_size,
            "best_of": 5 if beam_size else None,
            "temperature": temperature,
        }
        if cpu_threads > 0:
            torch.set_num_threads(cpu_threads)
        checkpoint = resolve_checkpoint(model, download_root)
        try:
            self._model = whisper.load_model(checkpoint, device=device, download_root=download_root)
        except _LIBRARY_ERRORS as e:
            raise TranscriptionError(
                f"could not load openai-whisper model {model!r} from {checkpoint} on {device}: {e}"
            ) from e

    def transcribe(
        self,
        audio: Path,
        *,
        language: str | None = None,
        task: str = "transcribe",
        progress: ProgressCallback | None = None,
    ) -> TranscriptionResult:
        whisper = _whisper()
        check_task(task)
        parameters: dict[str, Any] = {
            **self.decoding,
            "word_timestamps": True,
            "condition_on_previous_text": False,
        }
        try:
            samples = whisper.load_audio(str(audio))
            total = len(samples) / whisper.audio.SAMPLE_RATE
            if language is None:
                language, probability = self._detect_language(samples)
            else:
                probability = 1.0
            with _PROGRESS_LOCK, _reporting(total, progress):
                raw = whisper.transcribe(
                    self._model,
                    samples,
                    language=language,
                    task=task,
                    fp16=self.fp16,
                    verbose=None,
                    **parameters,
                )
        except _LIBRARY_ERRORS as e:
            raise TranscriptionError(f"could not transcribe {Path(audio).name}: {e}") from e
        if progress is not None:
            progress(total, total)
        return TranscriptionResult(
            language=language,
            language_probability=probability,
            duration=total,
            segments=tuple(segments_from_whisper(raw["segments"])),
            engine=self.name,
            model=self.model_name,
            parameters={
                **parameters,
                "language": language,
                "task": task,
                "device": self.device,
                "compute_type": self.compute_type,
                "versions": versions(),
            },
        )

    def _detect_language(self, samples: Any) -> tuple[str, float]:
        """The spoken language of the first 30 s, with its probability.

        whisper.transcribe detects too but throws the probability away, and
        the archive records it next to the language.
        """
        whisper = _whisper()
        if not self._model.is_multilingual:
            return "en", 1.0
        clip = whisper.pad_or_trim(samples)
        mel = whisper.log_mel_spectrogram(clip, self._model.dims.n_mels).to(self._model.device)
        if self.fp16:
            mel = mel.half()
        _, probs = self._model.detect_language(mel)
        language = max(probs, key=probs.get)
        return language, float(probs[language])


def versions() -> dict[str, str]:
    import torch
    import whisper

    return {"openai_whisper": whisper.__version__, "torch": torch.__version__}


def segments_from_whisper(raw_segments: list[dict[str, Any]]) -> list[Segment]:
    """whisper's segment dicts -> our dataclasses (times in seconds, text stripped)."""
    segments = []
    for raw in raw_segments:
        words = tuple(
            Word(
                start=float(w["start"]),
                end=float(w["end"]),
                text=str(w["word"]).strip(),
                probability=float(w.get("probability", 0.0)),
            )
            for w in raw.get("words") or ()
        )
        segments.append(
            Segment(
                start=float(raw["start"]),
                end=float(raw["end"]),
                text=str(raw["text"]).strip(),
                words=words,
            )
        )
    return segments


class _ProgressBar:
    """Stands in for tqdm.tqdm inside whisper.transcribe: frames done -> seconds done."""

    def __init__(self, total_seconds: float, progress: ProgressCallback | None) -> None:
        self.total_seconds = total_seconds
        self.progress = progress
        self.frames = 0

    def __call__(self, *args: Any, **kwargs: Any) -> _ProgressBar:
        return self

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, frames: int) -> None:
        self.frames += frames
        if self.progress is not None:
            from whisper.audio import FRAMES_PER_SECOND

            done = min(self.frames / FRAMES_PER_SECOND, self.total_seconds)
            self.progress(done, self.total_seconds)


@contextmanager
def _reporting(total: float, progress: ProgressCallback | None) -> Iterator[None]:
    # whisper/__init__ rebinds the name "transcribe" to the function: fetch the module.
    module = importlib.import_module("whisper.transcribe")
    saved = module.tqdm
    module.tqdm = SimpleNamespace(tqdm=_ProgressBar(total, progress))
    try:
        yield
    finally:
        module.tqdm = saved
