"""The archive's allauth adapter: a sign-up makes a registered user, nothing more."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Sign-ups never carry a staff role: those are given in the admin only."""

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        # allauth's form has no such fields; this holds even if a form someday does,
        # since what a new account may see is decided by its role (archive/access.py).
        user.is_staff = False
        user.is_superuser = False
        return super().save_user(request, user, form, commit=commit)
