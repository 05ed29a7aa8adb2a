"""Invitations: the single-use link that lets one storyteller give consent and submit.

Only the SHA-256 of a token is ever stored (invitations and withdrawal links
alike): a copy of the database does not hand out working links.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from archive.errors import ArchiveError
from archive.models import ConsentRecord, Invitation

# 32 random bytes: unguessable, and short enough to read out over a phone.
_TOKEN_BYTES = 32


class InvitationError(ArchiveError):
    """The link cannot be used; `status` is the HTTP answer a view gives."""

    status = 404


class InvitationUnknown(InvitationError):
    status = 404


class InvitationExpired(InvitationError):
    status = 410


class InvitationUsed(InvitationError):
    status = 410


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and its hash; only the hash is for the database."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return token, token_hash(token)


def invitation_create(
    *,
    storyteller_name: str,
    language: str,
    expires_in: timedelta,
    by: Any = None,
    note: str = "",
) -> tuple[Invitation, str]:
    """A new invitation and its token. The token is returned once and never stored.

    Raises InvitationError when the name is empty, the language is not one the
    site speaks, or the lifetime is not positive.
    """
    name = storyteller_name.strip()
    if not name:
        raise InvitationError("An invitation needs the name or pseudonym of the storyteller.")
    languages = [code for code, _ in settings.LANGUAGES]
    if language not in languages:
        raise InvitationError(
            f"Language {language!r} is not offered: use one of {', '.join(languages)}."
        )
    if expires_in <= timedelta(0):
        raise InvitationError("An invitation must expire in the future.")
    token, digest = new_token()
    invitation = Invitation(
        token_hash=digest,
        storyteller_name=name[:200],
        language=language,
        expires_at=timezone.now() + expires_in,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        note=note[:200],
    )
    # created_by is null=True without blank=True: a command-line invitation has no author.
    invitation.full_clean(exclude=["created_by"])
    invitation.save()
    return invitation, token


def invitation_open(
    token: str, *, allow_used: bool = False, grace: timedelta = timedelta(0)
) -> Invitation:
    """The invitation behind `token`.

    Raises InvitationUnknown (no such link), InvitationExpired (more than
    `grace` ago: an upload started in time may finish on a slow line) or
    InvitationUsed (already submitted; allowed with `allow_used`, so a phone
    that lost its connection on the last chunk can still learn the outcome).
    """
    if not token or len(token) > 200:
        raise InvitationUnknown("This link is not a valid invitation.")
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise InvitationUnknown("This link is not a valid invitation.")
    if invitation.used_at is not None and not allow_used:
        raise InvitationUsed("This invitation was already used to send a testimony.")
    if invitation.expires_at + grace <= timezone.now() and invitation.used_at is None:
        raise InvitationExpired("This invitation has expired.")
    return invitation


def invitation_use(*, invitation: Invitation) -> Invitation:
    """Mark the invitation used: the link opens nothing new from now on."""
    with transaction.atomic():
        updated = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
    if not updated:
        raise InvitationUsed("This invitation was already used to send a testimony.")
    invitation.refresh_from_db(fields=["used_at"])
    return invitation


def invitation_consent(invitation: Invitation) -> ConsentRecord | None:
    """The consent given through this invitation, if it was given."""
    if invitation.storyteller_id is None:
        return None
    return (
        ConsentRecord.objects.filter(storyteller_id=invitation.storyteller_id)
        .order_by("-given_at", "-pk")
        .first()
    )
