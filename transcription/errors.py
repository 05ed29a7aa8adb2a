"""Domain errors of the transcription package: each message says what to do next."""

from __future__ import annotations

from pathlib import Path


class TranscriptionError(Exception):
    """Anything that stops sound becoming timed text."""


class MediaError(TranscriptionError):
    """A file ffmpeg cannot use, or ffmpeg itself is missing.

    ``stderr`` keeps ffmpeg's own words for logs; the message is for people.
    """

    def __init__(self, message: str, *, path: Path | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.stderr = stderr


class ModelNotFound(TranscriptionError):
    """The configured Whisper model cannot be found on this machine."""
