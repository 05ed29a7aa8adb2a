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
from search.expansion import forget_archive_thesaurus


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory: pytest.TempPathFactory):
    """Assemble the bundled Whisper model in a temporary cache, never in the user's home."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TESTIMONIO_MODEL_CACHE", str(tmp_path_factory.mktemp("models")))
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: Wagtail keeps the sites' root paths there,
    and a path cached by an earlier test names rows a transactional test no longer has."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Each test starts in English: LocaleMiddleware leaves the last request's language
    active in the thread, so a service called after a Spanish page would speak Spanish."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


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
            "THESAURUS": "search.expansion.archive_thesaurus",
        }
    }
    reset_backends()
    forget_archive_thesaurus()
    yield root
    reset_backends()
    forget_archive_thesaurus()


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

    def do(
        path: Path,
        *,
        title: str = "A testimony",
        access: str = "public",
        publish: bool = True,
        **flags: str,
    ) -> dict:
        out = StringIO()
        args = [str(path), "--title", title, "--storyteller", "Ana P.", "--access", access]
        for flag, value in flags.items():
            args += [f"--{flag}", value]
        if publish:
            args.append("--publish")
        call_command("ingest", *args, "--json", stdout=out, stderr=StringIO())
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


@pytest.fixture(scope="session")
def tone_m4a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-second AAC file: real media for tests that need no speech."""
    dest = tmp_path_factory.mktemp("media") / "tone.m4a"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
         "-c:a", "aac", str(dest)],
        check=True,
    )  # fmt: skip
    return dest


@pytest.fixture
def make_testimony(tone_m4a: Path):
    """Build a published testimony with a transcript, without running Whisper.

    `words` go into the title, summary, transcript and the storyteller's real
    name, so tests can look for them in every response.
    """
    from dataclasses import replace

    from django.core.files import File

    from archive.consent.services import OPEN_TERMS, consent_record_create
    from archive.models import (
        ArchiveIndexPage,
        MediaAsset,
        Segment,
        Storyteller,
        TestimonyPage,
        Transcript,
        TranscriptStatus,
    )
    from archive.testimonies.publishing import testimony_publish

    def make(canary: str, *, publish: bool = True, **terms: object) -> TestimonyPage:
        storyteller = Storyteller.objects.create(
            public_name=f"Pseudonym {canary[-6:]}", real_name=f"Realname{canary}"
        )
        record = consent_record_create(storyteller=storyteller, terms=replace(OPEN_TERMS, **terms))
        page = TestimonyPage(
            title=f"Testimony {canary}",
            slug=canary.lower(),
            summary=f"Summary {canary}",
            storyteller=storyteller,
            consent=record,
            live=False,
        )
        ArchiveIndexPage.objects.get().add_child(instance=page)
        page.save_revision()
        media = MediaAsset(
            testimony=page, sha256="0" * 64, size_bytes=tone_m4a.stat().st_size, duration=2.0
        )
        with tone_m4a.open("rb") as handle:
            media.original.save("tone.m4a", File(handle), save=False)
            handle.seek(0)
            media.web.save("web.m4a", File(handle), save=False)
        media.save()
        transcript = Transcript.objects.create(
            media=media, status=TranscriptStatus.DONE, language="en", engine="test", model="none"
        )
        Segment.objects.create(
            transcript=transcript, index=0, start=0.0, end=1.0, text="An opening sentence."
        )
        Segment.objects.create(
            transcript=transcript, index=1, start=1.0, end=2.0, text=f"The word {canary} is said."
        )
        if publish:
            page = testimony_publish(testimony=page)
        return TestimonyPage.objects.get(pk=page.pk)

    return make


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run browser tests last.

    They are transactional: each empties the database when it ends, and the
    data migrations' rows (archive home, thesaurus, workflow) come back only
    for the next transactional test, not for ordinary ones after it.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture
def make_account():
    """A registered user with an email address, verified (as allauth records it) unless told."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    def make(username: str, *, password: str = "", verified: bool = True, **fields: object):
        user = get_user_model().objects.create_user(
            username, f"{username}@example.org", password or f"pw-{username}", **fields
        )
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
        return user

    return make
