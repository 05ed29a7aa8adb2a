"""System check: a live site must send its verification mails, not print them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "testserver"}
_PRINTING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}


def email_backend_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    # Debug and a site only this machine can reach (the embedded demo) print
    # mails on purpose: nobody but the person at the console signs up there.
    if settings.DEBUG or not set(settings.ALLOWED_HOSTS) - _LOOPBACK_HOSTS:
        return []
    if settings.EMAIL_BACKEND not in _PRINTING_BACKENDS:
        return []
    return [
        checks.Warning(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND} on a site others can reach: sign-up "
            "verification and password-reset mails never reach anyone.",
            hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and "
            "EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.",
            id="archive.W102",
        )
    ]
