"""Deleting an account, and what becomes of the collections it leaves behind.

An owner deletes their own account (`account_delete`). Their private and
link-shared collections are deleted with it. Their public collections are,
as they choose, deleted too or offered to the archive: an offered collection
stays public, owned by nobody, and archivists find it in the admin
("Offered collections") to adopt (become its owner) or delete. Their audit
entries stay, with a neutral identifier ("deleted-user-<random>") in place of
the username, the same for all of that account's entries so the log still
reads as one person's actions.

The same release runs whenever a user is deleted by any path (the admin too),
from a pre_delete signal, so no private collection outlives its owner.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from archive import access
from archive.errors import ArchiveError
from archive.models import AuditLogEntry, CollectionPage, CollectionVisibility

OFFER = "offer"
DELETE = "delete"
# Who decides about offered collections: the archive's curators, never editors.
CURATOR_ROLES = frozenset({access.Role.ARCHIVIST, access.Role.ADMINISTRATOR})


class AccountError(ArchiveError):
    """An account change that cannot be made, with the reason."""


def neutral_identifier() -> str:
    """A name for a deleted account's audit entries that points at no one."""
    return f"deleted-user-{secrets.token_hex(6)}"


def account_release(*, user: Any, public_collections: str = OFFER) -> str:
    """Delete `user`'s non-public collections, offer or delete the public ones, and
    neutralise their audit entries. Returns the neutral identifier used.

    Runs before the user row goes (the signal calls it with OFFER); calling it
    twice is harmless, since the second call finds nothing left to release.
    """
    if public_collections not in (OFFER, DELETE):
        raise AccountError(
            _("Choose what becomes of your public collections: offer them or delete them.")
        )
    label = neutral_identifier()
    with transaction.atomic():
        for collection in CollectionPage.objects.filter(owner=user).order_by("pk"):
            if collection.visibility == CollectionVisibility.PUBLIC and public_collections == OFFER:
                # Owned by nobody: listed for archivists; still public meanwhile,
                # so the classes that use it are not broken overnight.
                CollectionPage.objects.filter(pk=collection.pk).update(owner=None)
            else:
                collection.delete()
        AuditLogEntry.objects.filter(user=user).update(user=None, username=label)
    return label


def account_delete(*, user: Any, public_collections: str = OFFER) -> str:
    """Delete the account of `user` at its owner's request. Returns the audit label.

    Raises AccountError for a staff account: editors', archivists' and
    administrators' accounts are removed by an administrator in the admin, so
    the archive decides what becomes of their work.
    """
    if user is None or not user.is_authenticated:
        raise AccountError(_("Sign in to delete your account."))
    if access.is_staff_member(user):
        raise AccountError(
            _(
                "Staff accounts are not deleted here: ask an administrator to remove "
                "yours in the admin."
            )
        )
    with transaction.atomic():
        label = account_release(user=user, public_collections=public_collections)
        user.delete()
    return label


# ---------------------------------------------------------------- offered collections


def may_curate(user: Any) -> bool:
    return access.has_role(user, CURATOR_ROLES)


def offered_collections() -> list[CollectionPage]:
    """Public collections whose owner deleted their account, oldest first."""
    return list(
        CollectionPage.objects.filter(
            owner__isnull=True, visibility=CollectionVisibility.PUBLIC
        ).order_by("pk")
    )


def _offered(user: Any, collection: CollectionPage) -> CollectionPage:
    if not may_curate(user):
        raise AccountError(_("Only archivists decide about offered collections."))
    current = CollectionPage.objects.filter(pk=collection.pk, owner__isnull=True).first()
    if current is None:
        raise AccountError(_("That collection is no longer offered."))
    return current


def offered_collection_adopt(*, collection: CollectionPage, user: Any) -> CollectionPage:
    """`user` (an archivist) becomes the owner: they may then edit, unpublish or delete it."""
    current = _offered(user, collection)
    CollectionPage.objects.filter(pk=current.pk).update(owner=user)
    return CollectionPage.objects.get(pk=current.pk)


def offered_collection_delete(*, collection: CollectionPage, user: Any) -> None:
    """`user` (an archivist) deletes an offered collection and its clips."""
    current = _offered(user, collection)
    with transaction.atomic():
        current.delete()
