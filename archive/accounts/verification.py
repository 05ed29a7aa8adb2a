"""Whether an account's email address is verified: some actions need one.

Making a collection and asking for researcher access are tied to a person the
archive can write to. allauth blocks sign-in until the address is verified,
but an account made in the admin, or one whose session began elsewhere, may
not have verified any; so the services ask here too.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.utils.translation import gettext_lazy as _

from archive.errors import ArchiveError

VERIFY_FIRST = _(
    "Verify your email address first: open the link we sent you, or send a new one "
    "from your account settings."
)


class EmailNotVerified(ArchiveError):
    """The account has no verified email address, and the action needs one."""


def has_verified_email(user: Any) -> bool:
    """True when `user` is signed in and holds at least one verified email address."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return EmailAddress.objects.filter(user=user, verified=True).exists()
