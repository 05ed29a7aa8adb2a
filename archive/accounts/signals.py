"""Whenever a user is deleted, by its owner or in the admin, release what it owned first."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_delete

from archive.accounts.services import account_release


def release_before_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    # Page.owner is SET_NULL: without this, private collections would stay on
    # as pages owned by nobody, and the audit log would keep the username.
    account_release(user=instance)


def connect() -> None:
    pre_delete.connect(
        release_before_delete, sender=get_user_model(), dispatch_uid="archive-account-release"
    )
