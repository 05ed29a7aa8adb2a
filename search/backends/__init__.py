"""Search backends, chosen by ``settings.SEARCH_BACKENDS`` as caches are by ``CACHES``.

::

    SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.sqlite", "PATH": BASE_DIR / "var/search.sqlite3"},
    }

``BACKEND`` names a module exporting ``SearchBackend`` or a class by dotted
path; every other key is passed to the backend as its params.
"""

from __future__ import annotations

import threading
from importlib import import_module

from search.backends.base import SearchBackend

__all__ = ["SearchBackend", "get_backend", "reset_backends"]

_backends: dict[str, SearchBackend] = {}
_lock = threading.Lock()


def _backend_class(path: str) -> type[SearchBackend]:
    from django.core.exceptions import ImproperlyConfigured
    from django.utils.module_loading import import_string

    try:
        module = import_module(path)
    except ModuleNotFoundError as e:
        # Not a module: a dotted path to a class, unless the module itself was
        # found and something it imports is missing (report that instead).
        if e.name != path:
            raise ImproperlyConfigured(
                f"Search backend {path!r} could not be imported: {e}. "
                "Install the package it needs or fix SEARCH_BACKENDS."
            ) from e
        try:
            backend_class = import_string(path)
        except ImportError as e2:
            raise ImproperlyConfigured(
                f"Search backend {path!r} could not be imported: {e2}."
            ) from e2
    else:
        backend_class = getattr(module, "SearchBackend", None)
    if not (isinstance(backend_class, type) and issubclass(backend_class, SearchBackend)):
        raise ImproperlyConfigured(
            f"Search backend {path!r} is not a SearchBackend subclass or a module exporting one."
        )
    return backend_class


def get_backend(alias: str = "default") -> SearchBackend:
    """The configured backend for ``alias``, created once per process.

    Raises ImproperlyConfigured when the alias or its BACKEND is missing or
    cannot be imported.
    """
    backend = _backends.get(alias)
    if backend is not None:
        return backend
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    with _lock:
        backend = _backends.get(alias)
        if backend is not None:
            return backend
        configured = getattr(settings, "SEARCH_BACKENDS", {})
        try:
            config = dict(configured[alias])
            path = config.pop("BACKEND")
        except (KeyError, TypeError) as e:
            raise ImproperlyConfigured(
                f"SEARCH_BACKENDS has no {alias!r} entry with a BACKEND; for the embedded "
                "default use {'BACKEND': 'search.backends.sqlite', 'PATH': '<file>'}."
            ) from e
        backend = _backend_class(path)(config)
        _backends[alias] = backend
        return backend


def reset_backends() -> None:
    """Close and forget every created backend (tests, or after settings change)."""
    with _lock:
        backends = list(_backends.values())
        _backends.clear()
    for backend in backends:
        backend.close()
