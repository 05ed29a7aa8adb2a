"""THE access policy: the only place that decides who may see what.

Every surface (pages, media, transcripts, search, commands) asks this module;
none decides for itself. The default answer is no: a testimony is visible
only when it is live, its consent exists, is not withdrawn, and its access
level is one the asker holds. Sealed testimony is never shown on the site.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser

from archive.models.consent import AccessLevel

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.db.models import QuerySet

    from archive.models.testimony import TestimonyPage

    User = AbstractBaseUser | AnonymousUser

RESEARCHERS_GROUP = "Researchers"


class Part(StrEnum):
    """The parts of a testimony that consent can allow separately."""

    PAGE = "page"
    AUDIO = "audio"
    VIDEO = "video"
    TRANSCRIPT = "transcript"
    NAME = "name"


# Levels each role holds. Sealed is in nobody's set on purpose.
_PUBLIC = frozenset({AccessLevel.PUBLIC.value})
_RESEARCHER = _PUBLIC | {AccessLevel.RESEARCHERS.value}
_STAFF = _RESEARCHER | {AccessLevel.STAFF.value}

ANONYMOUS = AnonymousUser()


def access_levels(user: User | None) -> frozenset[str]:
    """The access levels whose testimony `user` may see on the site."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _PUBLIC
    if user.is_staff or user.is_superuser:
        return _STAFF
    if user.groups.filter(name=RESEARCHERS_GROUP).exists():
        return _RESEARCHER
    return _PUBLIC


def is_publishable(testimony: TestimonyPage) -> bool:
    """May this testimony appear anywhere outside the admin (pages, search)?"""
    consent = testimony.consent
    return (
        testimony.live
        and consent is not None
        and not consent.withdrawn
        and consent.access_level != AccessLevel.SEALED
    )


def can_view(user: User | None, testimony: TestimonyPage, part: Part) -> bool:
    """May `user` see `part` of `testimony`? Deny unless every condition holds."""
    if not is_publishable(testimony):
        return False
    Part(part)  # an unknown part is a programming error, never a silent yes
    # Per-part consent (audio only, pseudonym only, ...) arrives with the full
    # consent model; until then every part follows the testimony's level.
    return testimony.consent.access_level in access_levels(user)


def can_preview(user: User | None, testimony: TestimonyPage) -> bool:
    """Wagtail previews are for editors; withdrawn or sealed testimony stays dark."""
    if user is None or not user.is_authenticated or not user.is_staff:
        return False
    consent = testimony.consent
    return not consent.withdrawn and consent.access_level != AccessLevel.SEALED


def display_name(user: User | None, testimony: TestimonyPage) -> str:
    """The storyteller's name as this user may see it."""
    if can_view(user, testimony, Part.NAME):
        return testimony.storyteller.public_name
    return "Name withheld"


def visible_testimonies(user: User | None) -> QuerySet[TestimonyPage]:
    """Testimony pages `user` may open, as a queryset (the same rule as can_view)."""
    from archive.models.testimony import TestimonyPage

    return (
        TestimonyPage.objects.live()
        .filter(consent__withdrawn=False, consent__access_level__in=access_levels(user))
        .exclude(consent__access_level=AccessLevel.SEALED)
    )
