"""Django for the benchmarks that build a throwaway archive: settings, a key, a migration."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def setup(var: Path) -> None:
    """Point the archive at ``var`` (its database and media) and migrate it.

    The benchmarks run with debug off, as production does, so they need a key;
    a throwaway one is enough since nothing is served.
    """
    os.environ["TESTIMONIO_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(60))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
