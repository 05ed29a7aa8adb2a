"""THE access policy: the only place that decides who may see what.

Every surface (pages, media, transcript downloads, search, sitemap, feeds,
previews, commands) asks this module; none decides for itself. The default
answer is no. A part of a testimony is visible only when the testimony is
live and not purged, its consent's latest version exists, is not withdrawn,
not embargoed and not sealed, the asker's role holds the access level, and
the consent allows that part.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from archive.models.consent import AccessLevel, ConsentVersion

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from archive.models.testimony import TestimonyPage

    User = AbstractBaseUser | AnonymousUser

EDITORS_GROUP = "Editors"


class Part(StrEnum):
    """The parts of a testimony that consent can allow separately."""

    PAGE = "page"
    AUDIO = "audio"
    VIDEO = "video"
    TRANSCRIPT = "transcript"
    NAME = "name"  # the real name; the pseudonym shows with the page


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    REGISTERED = "registered"
    RESEARCHER = "researcher"
    EDITOR = "editor"
    ADMINISTRATOR = "administrator"


_PUBLIC = frozenset({AccessLevel.PUBLIC.value})
_RESEARCH = _PUBLIC | {AccessLevel.RESEARCHERS.value}
_STAFF = _RESEARCH | {AccessLevel.STAFF.value}

# Sealed is in nobody's set on purpose: sealed testimony never reaches the site.
LEVELS_BY_ROLE: dict[Role, frozenset[str]] = {
    Role.ANONYMOUS: _PUBLIC,
    Role.REGISTERED: _PUBLIC,
    Role.RESEARCHER: _RESEARCH,
    Role.EDITOR: _STAFF,
    Role.ADMINISTRATOR: _STAFF,
}

# Levels whose every view is written to the audit log.
AUDITED_LEVELS = frozenset({AccessLevel.RESEARCHERS.value, AccessLevel.STAFF.value})


def role_of(user: User | None) -> Role:
    """The role `user` acts in now. An expired or revoked researcher is a registered user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Role.ANONYMOUS
    if user.is_superuser:
        return Role.ADMINISTRATOR
    if user.is_staff or user.groups.filter(name=EDITORS_GROUP).exists():
        return Role.EDITOR
    today = timezone.localdate()
    approvals = user.researcher_approvals.filter(
        approved_at__isnull=False, revoked_at__isnull=True, valid_until__gte=today
    )
    if approvals.exists():
        return Role.RESEARCHER
    return Role.REGISTERED


def access_levels(user: User | None) -> frozenset[str]:
    """The access levels whose testimony `user` may see on the site (for search filters)."""
    return LEVELS_BY_ROLE[role_of(user)]


def effective_consent(testimony: TestimonyPage) -> ConsentVersion | None:
    """The latest version of the testimony's consent: the one that decides."""
    if testimony.consent_id is None:
        return None
    return testimony.consent.current


def decide(
    role: Role,
    consent: ConsentVersion | None,
    part: Part,
    *,
    live: bool,
    today: date | None = None,
) -> bool:
    """The access matrix as one pure function: role x consent state x part -> yes or no."""
    part = Part(part)  # an unknown part is a programming error, never a silent yes
    if not live or consent is None or consent.withdrawn:
        return False
    if consent.is_embargoed(today) or consent.access_level not in LEVELS_BY_ROLE[role]:
        return False
    return {
        Part.PAGE: True,
        Part.AUDIO: consent.show_audio,
        # A video shows the face: both must be allowed.
        Part.VIDEO: consent.show_video and consent.show_face,
        Part.TRANSCRIPT: consent.show_transcript,
        Part.NAME: consent.show_real_name,
    }[part]


def _is_live(testimony: TestimonyPage) -> bool:
    return bool(testimony.live) and testimony.purged_at is None


def can_view(user: User | None, testimony: TestimonyPage, part: Part) -> bool:
    """May `user` see `part` of `testimony` on the site?"""
    return decide(role_of(user), effective_consent(testimony), part, live=_is_live(testimony))


def is_publishable(testimony: TestimonyPage) -> bool:
    """May this testimony appear anywhere outside the admin, to anyone?"""
    consent = effective_consent(testimony)
    return decide(Role.ADMINISTRATOR, consent, Part.PAGE, live=_is_live(testimony))


def is_searchable(testimony: TestimonyPage) -> bool:
    """May its transcript be indexed? Snippets are transcript, so the transcript must be shown."""
    consent = effective_consent(testimony)
    return decide(Role.ADMINISTRATOR, consent, Part.TRANSCRIPT, live=_is_live(testimony))


def publish_blocker(testimony: TestimonyPage) -> str | None:
    """Why `testimony` may not be published now, or None. Publishing checks this."""
    consent = effective_consent(testimony)
    if consent is None:
        return "it has no consent on record"
    if consent.withdrawn:
        return "its consent was withdrawn"
    if consent.is_embargoed():
        return f"its consent is embargoed until {consent.embargo_until:%Y-%m-%d}"
    if testimony.purged_at is not None:
        return "it was purged at the storyteller's request"
    return None


def needs_audit(testimony: TestimonyPage) -> bool:
    consent = effective_consent(testimony)
    return consent is not None and consent.access_level in AUDITED_LEVELS


def can_preview(user: User | None, testimony: TestimonyPage) -> bool:
    """Wagtail previews are for editors; withdrawn, sealed or purged testimony stays dark."""
    if role_of(user) not in (Role.EDITOR, Role.ADMINISTRATOR):
        return False
    consent = effective_consent(testimony)
    return (
        consent is not None
        and not consent.withdrawn
        and consent.access_level != AccessLevel.SEALED
        and testimony.purged_at is None
    )


def display_name(user: User | None, testimony: TestimonyPage) -> str:
    """The storyteller's name as this user may see it: the real name only where consent allows."""
    storyteller = testimony.storyteller
    if storyteller.real_name and can_view(user, testimony, Part.NAME):
        return storyteller.real_name
    return storyteller.public_name


def visible_testimonies(user: User | None) -> QuerySet[TestimonyPage]:
    """Testimony pages `user` may open: the same rule as can_view(..., Part.PAGE), in SQL."""
    from archive.models.testimony import TestimonyPage

    latest = ConsentVersion.objects.filter(record=OuterRef("consent")).order_by("-version")
    today = timezone.localdate()
    return (
        TestimonyPage.objects.live()
        .filter(purged_at__isnull=True)
        .annotate(
            consent_level=Subquery(latest.values("access_level")[:1]),
            consent_withdrawn=Subquery(latest.values("withdrawn")[:1]),
            consent_embargo=Subquery(latest.values("embargo_until")[:1]),
        )
        .filter(consent_withdrawn=False, consent_level__in=access_levels(user))
        .filter(Q(consent_embargo__isnull=True) | Q(consent_embargo__lte=today))
    )
