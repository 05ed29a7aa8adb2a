"""A production install is safe before anyone reads a hardening guide.

Each test starts `manage.py` as a new process with the environment an operator
would give it, because the settings are decided once, at start-up.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, operator_env

STRONG_KEY = secrets.token_urlsafe(50)
PRODUCTION = {
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "archive.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://archive.example.org",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py as an operator would: none of the test run's own variables."""
    clean = operator_env(tmp_path / "var", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def setting(tmp_path: Path, expression: str, **env: str) -> str:
    done = manage(
        tmp_path, "shell", "-c", f"from django.conf import settings; print({expression})", **env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    assert setting(tmp_path, "settings.DEBUG", **PRODUCTION) == "False"
    assert setting(tmp_path, "settings.DEBUG", DJANGO_DEBUG="1") == "True"


def test_a_missing_secret_key_stops_the_archive_saying_how_to_make_one(tmp_path: Path) -> None:
    done = manage(tmp_path, "check")
    assert done.returncode != 0
    assert "Testimonio cannot start: DJANGO_SECRET_KEY is not set" in done.stderr
    assert "secrets.token_urlsafe" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("short-key", "at least 50 are needed"),
        ("a" * 60, "fewer than 5 different characters"),
        ("django-insecure-" + "x1y2z3" * 10, "development key"),
    ],
)
def test_a_weak_secret_key_stops_the_archive(tmp_path: Path, key: str, why: str) -> None:
    done = manage(tmp_path, "check", DJANGO_SECRET_KEY=key)
    assert done.returncode != 0
    assert "too weak" in done.stderr and why in done.stderr


def test_a_key_kept_in_a_file_is_read(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(STRONG_KEY + "\n")
    value = setting(tmp_path, "settings.SECRET_KEY", DJANGO_SECRET_KEY_FILE=str(key_file))
    assert value == STRONG_KEY
    missing = manage(tmp_path, "check", DJANGO_SECRET_KEY_FILE=str(tmp_path / "nope"))
    assert missing.returncode != 0 and "DJANGO_SECRET_KEY_FILE" in missing.stderr


def test_make_run_keeps_one_generated_key_owner_only(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {**os.environ, "TESTIMONIO_VAR_DIR": str(var)}
    for _ in range(2):
        subprocess.run([sys.executable, "-m", "config.secrets"], cwd=ROOT, env=env, check=True)
    key_file = var / "secret-key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    first = key_file.read_text()
    subprocess.run([sys.executable, "-m", "config.secrets"], cwd=ROOT, env=env, check=True)
    assert key_file.read_text() == first  # kept, so sessions survive a restart
    assert manage(tmp_path, "check").returncode == 0


def test_deploy_check_is_clean_with_the_production_settings(tmp_path: Path) -> None:
    done = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_transport_settings(tmp_path: Path) -> None:
    names = (
        "SECURE_SSL_REDIRECT SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SESSION_COOKIE_HTTPONLY "
        "SECURE_HSTS_SECONDS SECURE_REFERRER_POLICY SECURE_CONTENT_TYPE_NOSNIFF"
    ).split()
    printed = setting(tmp_path, "[" + ", ".join(f"settings.{n}" for n in names) + "]", **PRODUCTION)
    assert printed == "[True, True, True, True, 31536000, 'same-origin', True]"
    # Behind a proxy that ends TLS: the proxy header is trusted, HSTS length is a setting.
    proxied = setting(
        tmp_path,
        "[settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_HSTS_SECONDS]",
        **PRODUCTION,
        TESTIMONIO_BEHIND_TLS_PROXY="1",
        DJANGO_SECURE_HSTS_SECONDS="600",
    )
    assert proxied == "[('HTTP_X_FORWARDED_PROTO', 'https'), 600]"
    # Plain HTTP on loopback (the demo) drops only what would lock its visitor out.
    loopback = setting(
        tmp_path,
        "[settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.DEBUG]",
        DJANGO_SECRET_KEY=STRONG_KEY,
        TESTIMONIO_PLAIN_HTTP="1",
    )
    assert loopback == "[False, False, False]"


def test_a_mistyped_cache_url_stops_the_archive(tmp_path: Path) -> None:
    done = manage(tmp_path, "check", **PRODUCTION, CACHE_URL="memcache://x")
    assert done.returncode != 0 and "CACHE_URL" in done.stderr
