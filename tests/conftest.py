"""Fixtures every test shares: private storage and a search index of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

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
