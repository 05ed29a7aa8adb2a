"""Who a failed sign-in was for, so django-axes counts admin and site logins alike.

The Wagtail admin posts `username`; the site's sign-in (allauth) authenticates
with `email` and posts `login`. Without this, axes would see no name on the
site's form and count only by address.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def attempted_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    for source in (credentials or {}, getattr(request, "POST", {}) or {}):
        for field in ("username", "email", "login"):
            value = source.get(field)
            if value:
                return str(value).strip().lower()
    return ""
