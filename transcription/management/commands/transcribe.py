"""Transcribe one file and print the result; writes nothing to the database."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from transcription.errors import TranscriptionError
from transcription.formats import FORMATTERS


class Command(BaseCommand):
    help = (
        "Transcribe an audio or video file with Whisper and print it as JSON, WebVTT, SRT "
        "or text. Progress goes to stderr. Nothing is stored."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="audio or video file")
        parser.add_argument(
            "--model",
            default=None,
            help="Whisper model: base, tiny.en, a model directory or a hub name "
            "(default: settings.TRANSCRIPTION_MODEL or 'base')",
        )
        parser.add_argument(
            "--language", default=None, help="language code such as en or es (default: detect)"
        )
        parser.add_argument(
            "--task",
            choices=("transcribe", "translate"),
            default="transcribe",
            help="translate: English text whatever the spoken language (Whisper's translate task)",
        )
        parser.add_argument("--format", choices=sorted(FORMATTERS), default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        from transcription.coverage import transcribe_checked
        from transcription.engines import get_engine
        from transcription.media import normalise_audio, probe

        path: Path = options["file"]
        model = options["model"] or getattr(settings, "TRANSCRIPTION_MODEL", "base")
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        try:
            info = probe(path)
            kind = "video" if info.has_video else "audio"
            self.stderr.write(f"{path.name}: {kind}, {info.duration:.1f} s; model {model}")
            with tempfile.TemporaryDirectory(prefix="testimonio-transcribe-") as tmp:
                audio = normalise_audio(path, Path(tmp) / "audio.wav")
                engine = get_engine(
                    model,
                    device=getattr(settings, "TRANSCRIPTION_DEVICE", "cpu"),
                    compute_type=getattr(settings, "TRANSCRIPTION_COMPUTE_TYPE", "int8"),
                )
                checked = transcribe_checked(
                    engine,
                    audio,
                    language=options["language"],
                    task=options["task"],
                    progress=self._progress,
                )
        except TranscriptionError as e:
            raise CommandError(str(e)) from e
        result, report = checked.result, checked.report
        self.stderr.write(
            f"language {result.language} ({result.language_probability:.0%}), "
            f"{len(result.segments)} segments; {report.coverage:.1%} of the speech transcribed"
        )
        for issue in report.issues:
            self.stderr.write(f"check: {issue.message}")
        self.stdout.write(FORMATTERS[options["format"]](result), ending="")

    def _progress(self, done: float, total: float) -> None:
        percent = 100 * done / total if total else 100
        self.stderr.write(f"transcribed {done:.1f} / {total:.1f} s ({percent:.0f}%)")
