"""Fixtures every test shares: private storage, a search index of its own, real speech."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from search.backends import reset_backends


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory: pytest.TempPathFactory):
    """Assemble the bundled Whisper model in a temporary cache, never in the user's home."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TESTIMONIO_MODEL_CACHE", str(tmp_path_factory.mktemp("models")))
        yield


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path: Path) -> Path:
    """Each test stores media and its search index under its own temporary folder."""
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    settings.SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.sqlite.SearchBackend",
            "PATH": str(tmp_path / "search.sqlite3"),
        }
    }
    reset_backends()
    yield root
    reset_backends()


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip())


@dataclass(frozen=True)
class Recording:
    path: Path
    phrase_start: float  # where the last sentence (the one tests look for) begins


@pytest.fixture
def record(tmp_path: Path) -> Callable[..., Recording]:
    """Voice sentences into one Ogg/Opus file and say where the last one starts."""

    def make(
        sentences: list[str], *, voice: str = "en-us", name: str = "testimony.ogg"
    ) -> Recording:
        parts = []
        for number, sentence in enumerate(sentences):
            wav = tmp_path / f"part{number}.wav"
            run("espeak-ng", "-v", voice, "-s", "140", "-g", "6", "-w", str(wav), sentence)
            parts.append(wav)
        joined = tmp_path / "joined.wav"
        run("sox", *map(str, parts), str(joined))
        dest = tmp_path / name
        run(
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(joined),
            "-c:a",
            "libopus",
            "-b:a",
            "24k",
            str(dest),
        )
        phrase_start = sum(duration(part) for part in parts[:-1])
        for part in [*parts, joined]:
            part.unlink()
        return Recording(dest, phrase_start)

    return make


@pytest.fixture
def ingest() -> Callable[..., dict]:
    """Run `manage.py ingest --json` and return what it printed."""

    def do(path: Path, *, title: str = "A testimony", access: str = "public", **flags: str) -> dict:
        out = StringIO()
        args = [str(path), "--title", title, "--storyteller", "Ana P.", "--access", access]
        for flag, value in flags.items():
            args += [f"--{flag}", value]
        call_command("ingest", *args, "--publish", "--json", stdout=out, stderr=StringIO())
        return json.loads(out.getvalue())

    return do


@pytest.fixture
def search() -> Callable[..., dict]:
    """Run `manage.py search --json` as an anonymous visitor."""

    def do(query: str, *extra: str) -> dict:
        out = StringIO()
        call_command("search", query, *extra, "--json", stdout=out)
        return json.loads(out.getvalue())

    return do
