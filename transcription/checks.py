"""System checks: `manage.py check` says what is missing and how to fix it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from transcription.errors import MediaError, ModelNotFound
from transcription.media import FFMPEG_HINT, ffmpeg_binary, ffprobe_binary
from transcription.models import resolve_model


def check_ffmpeg(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for tool, find, check_id in (
        ("ffmpeg", ffmpeg_binary, "transcription.E001"),
        ("ffprobe", ffprobe_binary, "transcription.E002"),
    ):
        try:
            find()
        except MediaError as e:
            errors.append(
                Error(
                    f"{tool} was not found: recordings cannot be probed, converted or transcribed.",
                    hint=f"{FFMPEG_HINT} (or set {tool.upper()}_BINARY). {e}",
                    id=check_id,
                )
            )
    return errors


def check_model(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    spec = getattr(settings, "TRANSCRIPTION_MODEL", "base")
    try:
        # assemble=False: a check must not write 150 MB; the first transcription does.
        resolve_model(spec, assemble=False)
    except ModelNotFound as e:
        return [
            Error(
                f"Whisper model {spec!r} (settings.TRANSCRIPTION_MODEL) cannot be found.",
                hint=str(e),
                id="transcription.E003",
            )
        ]
    return []
