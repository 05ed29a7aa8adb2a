"""A path typed in a manifest -> a file under the media folder, or a refusal.

A manifest comes from outside the archive: an absolute path, a ``..`` or a
link must never let it read a file elsewhere on the server (the settings,
the database, another archive's recordings).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from archive.errors import ArchiveError


class PathRefused(ArchiveError):
    """The path leaves the media folder; the message says how."""


def path_inside(base: Path, raw: str) -> Path:
    """``raw`` (``/`` or ``\\`` separated) resolved under ``base``, which must be resolved."""
    posix = raw.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        raise PathRefused(f"{raw!r} is an absolute path: name files relative to the media folder.")
    relative = PurePosixPath(posix)
    if ".." in relative.parts:
        raise PathRefused(f"{raw!r} climbs out of the media folder (..): refused.")
    full = (base / relative).resolve()
    if not full.is_relative_to(base):
        raise PathRefused(f"{raw!r} leads outside the media folder (through a link): refused.")
    return full
