"""Where the archive's secret key comes from, and why a weak one stops it.

The key signs sessions, password-reset links and the short-lived media URLs
that stand between restricted testimony and the public; a guessable key is an
open door. With debug off the archive refuses to start on a missing or weak key
instead of falling back to a default, and says how to make a good one.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# The only key ever accepted without being asked for: debug and test runs,
# which never serve anyone but their own machine.
DEVELOPMENT_KEY = "development-only-key-never-used-with-debug-off"
MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5
HOW_TO_MAKE_ONE = (
    "Make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))' "
    "and set DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE, a file holding it), "
    "or run `python -m config.secrets` to keep one in the var folder."
)


def weakness(key: str) -> str | None:
    """Why `key` is too weak to sign anything, or None.

    The same thresholds as Django's own deployment check (security.W009), so
    `check --deploy` and start-up never disagree.
    """
    if not key:
        return "it is empty"
    if key.startswith("django-insecure-") or key == DEVELOPMENT_KEY:
        return "it is a development key"
    if len(key) < MIN_LENGTH:
        return f"it has {len(key)} characters; at least {MIN_LENGTH} are needed"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return f"it has fewer than {MIN_UNIQUE_CHARACTERS} different characters"
    return None


def load_secret_key(*, debug: bool, key_file: Path) -> str:
    """The key from the environment, a named file or the var folder's file.

    Raises ImproperlyConfigured, naming the source and how to make a good key,
    when debug is off and the key is missing or weak.
    """
    source, key = _find(key_file)
    if key is None:
        if debug:
            return DEVELOPMENT_KEY
        raise ImproperlyConfigured(f"DJANGO_SECRET_KEY is not set. {HOW_TO_MAKE_ONE}")
    problem = weakness(key)
    if problem and not debug:
        raise ImproperlyConfigured(
            f"The secret key from {source} is too weak: {problem}. {HOW_TO_MAKE_ONE}"
        )
    return key


def _find(key_file: Path) -> tuple[str, str | None]:
    if "DJANGO_SECRET_KEY" in os.environ:
        return "DJANGO_SECRET_KEY", os.environ["DJANGO_SECRET_KEY"].strip()
    named = os.environ.get("DJANGO_SECRET_KEY_FILE")
    if named:
        path = Path(named).expanduser()
        try:
            return str(path), path.read_text().strip()
        except OSError as e:
            raise ImproperlyConfigured(f"DJANGO_SECRET_KEY_FILE={named}: {e.strerror}") from e
    if key_file.is_file():
        return str(key_file), key_file.read_text().strip()
    return "", None


def keep_key(key_file: Path) -> bool:
    """Write a new random key to `key_file` (owner-only) unless one is there.

    Returns True when a key was written. Used by `make run` so the embedded
    demo runs with debug off and a real key that survives restarts.
    """
    if key_file.is_file() and not weakness(key_file.read_text().strip()):
        return False
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_urlsafe(MIN_LENGTH) + "\n")
    return True


if __name__ == "__main__":
    var = Path(
        os.environ.get("TESTIMONIO_VAR_DIR")
        or Path(__file__).resolve().parent.parent / "var" / "run"
    )
    target = var / "secret-key"
    print(
        ("Kept a new secret key in " if keep_key(target) else "Secret key already kept in ")
        + str(target)
    )
    sys.exit(0)
