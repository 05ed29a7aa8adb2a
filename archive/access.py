"""THE access policy: the only place that decides who may see what.

Every surface (pages, media, transcript downloads, search, sitemap, feeds,
previews, commands) asks this module; none decides for itself. The default
answer is no. A part of a testimony is visible only when the testimony is
live and not purged, its consent's latest version exists, is not withdrawn,
not embargoed and not sealed, the asker's role holds the access level, and
the consent allows that part.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from archive.models.consent import AccessLevel, ConsentVerification, ConsentVersion

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from archive.models.testimony import TestimonyPage

    User = AbstractBaseUser | AnonymousUser

EDITORS_GROUP = "Editors"
ARCHIVISTS_GROUP = "Archivists"


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
    # Verifies consent: the only role besides administrators that may widen it.
    ARCHIVIST = "archivist"
    ADMINISTRATOR = "administrator"


# The roles that work in the admin on the archive's content.
STAFF_ROLES = frozenset({Role.EDITOR, Role.ARCHIVIST, Role.ADMINISTRATOR})
# The roles that may widen consent and verify it.
CONSENT_ROLES = frozenset({Role.ARCHIVIST, Role.ADMINISTRATOR})
# The roles that judge a transcript's content.
EDITING_ROLES = frozenset({Role.EDITOR, Role.ADMINISTRATOR})


_PUBLIC = frozenset({AccessLevel.PUBLIC.value})
_RESEARCH = _PUBLIC | {AccessLevel.RESEARCHERS.value}
_STAFF = _RESEARCH | {AccessLevel.STAFF.value}

# Sealed is in nobody's set on purpose: sealed testimony never reaches the site.
LEVELS_BY_ROLE: dict[Role, frozenset[str]] = {
    Role.ANONYMOUS: _PUBLIC,
    Role.REGISTERED: _PUBLIC,
    Role.RESEARCHER: _RESEARCH,
    Role.EDITOR: _STAFF,
    Role.ARCHIVIST: _STAFF,
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
    groups = set(user.groups.values_list("name", flat=True))
    if ARCHIVISTS_GROUP in groups:
        return Role.ARCHIVIST
    if user.is_staff or EDITORS_GROUP in groups:
        return Role.EDITOR
    today = timezone.localdate()
    approvals = user.researcher_approvals.filter(
        approved_at__isnull=False, revoked_at__isnull=True, valid_until__gte=today
    )
    if approvals.exists():
        return Role.RESEARCHER
    return Role.REGISTERED


def is_staff_member(user: User | None) -> bool:
    """May `user` use the archive's admin tools (editors, archivists, administrators)?"""
    return role_of(user) in STAFF_ROLES


def opens_admin(user: User | None) -> bool:
    """Is `user` someone the admin opens to: a staff role, a superuser, Django staff, or
    Wagtail's "access admin" permission?

    The rules that guard staff sessions (an idle limit, a second factor)
    apply to every such account, whichever way it was let in: deny by default.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(
        is_staff_member(user)
        or user.is_superuser
        or user.is_staff
        or user.has_perm("wagtailadmin.access_admin")
    )


def is_administrator(user: User | None) -> bool:
    return role_of(user) is Role.ADMINISTRATOR


def is_editor_or_administrator(user: User | None) -> bool:
    """May `user` judge a transcript's content (coverage flags)? Editors and administrators."""
    return role_of(user) in EDITING_ROLES


def has_role(user: User | None, roles: Collection[Role]) -> bool:
    """Does `user` act now in one of ``roles``? For lists a caller names (read-only admin views)."""
    return role_of(user) in roles


def role_label(user: User | None) -> str:
    """The role `user` acts in, to show them; deciding anything goes through a predicate here."""
    return role_of(user).value


def may_widen_consent(user: User | None) -> bool:
    """Widening access is an archivist's decision (or an administrator's), never an editor's."""
    return role_of(user) in CONSENT_ROLES


def may_import_collection(user: User | None) -> bool:
    """May `user` bulk-import testimony from a manifest in the admin?

    Each row records a storyteller's consent terms (level, permissions,
    embargo), which is an archivist's work: archivists and administrators,
    never editors or anyone outside the staff. What an imported testimony
    shows is then decided, as for any other, by `decide` from those terms.
    """
    return role_of(user) in CONSENT_ROLES


def access_levels(user: User | None) -> frozenset[str]:
    """The access levels whose testimony `user` may see on the site (for search filters)."""
    return LEVELS_BY_ROLE[role_of(user)]


def effective_consent(testimony: TestimonyPage) -> ConsentVersion | None:
    """The latest version of the testimony's consent: the one that decides."""
    if testimony.consent_id is None:
        return None
    return testimony.consent.current


def consent_missing_or_withdrawn(consent: ConsentVersion | None) -> bool:
    """Is no consent in force (none given, or its latest version withdrawn)?

    Then nothing of the storyteller's may be kept, changed or shown.
    """
    return consent is None or consent.withdrawn


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
    # A widening nobody has verified is not in force; nor is the consent before it,
    # since the storyteller's latest word is the one that decides.
    if consent.awaiting_verification:
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
    blocker = consent_publish_blocker(effective_consent(testimony))
    if blocker is None and testimony.purged_at is not None:
        return "it was purged at the storyteller's request"
    return blocker


def consent_publish_blocker(consent: ConsentVersion | None) -> str | None:
    """Why testimony under `consent` may not be published now, or None.

    publish_blocker's answer for the consent alone, so a bulk import's dry
    run can tell, before anything exists, which rows asking to be published
    will stay drafts (the consent of a row not yet imported, unsaved).
    """
    if consent is None:
        return "it has no consent on record"
    if consent.withdrawn:
        return "its consent was withdrawn"
    if consent.access_level == AccessLevel.SEALED:
        return "it is sealed, and sealed testimony is never published"
    if consent.awaiting_verification:
        return (
            f"its consent (version {consent.version}) widened access and awaits an "
            "archivist's verification in the publishing workflow"
        )
    if consent.is_embargoed():
        return f"its consent is embargoed until {consent.embargo_until:%Y-%m-%d}"
    return None


class ConsentChange(StrEnum):
    SAME = "same"
    NARROWS = "narrows"
    WIDENS = "widens"


class _Terms(Protocol):
    access_level: str
    show_audio: bool
    show_video: bool
    show_face: bool
    show_transcript: bool
    show_real_name: bool
    allow_teaching: bool
    allow_press: bool
    embargo_until: date | None


# From widest to narrowest: moving left widens.
_LEVEL_RANK = {
    AccessLevel.PUBLIC.value: 0,
    AccessLevel.RESEARCHERS.value: 1,
    AccessLevel.STAFF.value: 2,
    AccessLevel.SEALED.value: 3,
}
# The storyteller's yes/no permissions on a consent record; each widens
# access when it goes from no to yes (forms and imports list them from here).
CONSENT_PERMISSIONS = (
    "show_audio",
    "show_video",
    "show_face",
    "show_transcript",
    "show_real_name",
    "allow_teaching",
    "allow_press",
)


def consent_change(before: _Terms, after: _Terms, *, today: date | None = None) -> ConsentChange:
    """Does going from `before` to `after` widen access, narrow it, or neither?

    A change that widens anything widens, even if it narrows something else:
    the part that widens needs an archivist and the storyteller's word.
    """
    today = today or timezone.localdate()

    def embargo(terms: _Terms) -> date | None:
        until = terms.embargo_until
        return until if until is not None and until > today else None

    was, now = embargo(before), embargo(after)
    level_before, level_after = _LEVEL_RANK[before.access_level], _LEVEL_RANK[after.access_level]
    widens = (
        level_after < level_before
        or any(getattr(after, p) and not getattr(before, p) for p in CONSENT_PERMISSIONS)
        or (was is not None and (now is None or now < was))
    )
    if widens:
        return ConsentChange.WIDENS
    narrows = (
        level_after > level_before
        or any(getattr(before, p) and not getattr(after, p) for p in CONSENT_PERMISSIONS)
        or (now is not None and (was is None or now > was))
    )
    return ConsentChange.NARROWS if narrows else ConsentChange.SAME


def may_verify_consent(user: User | None, testimony: TestimonyPage) -> bool:
    """May `user` pass the workflow's "Consent verified" step for `testimony`?

    Archivists and administrators only; never the author of the widening
    awaiting verification while someone else could verify it, and the author
    alone only where TESTIMONIO_ALLOW_SELF_VERIFICATION says the archive has
    one archivist.
    """
    if role_of(user) not in CONSENT_ROLES:
        return False
    consent = effective_consent(testimony)
    if consent is None or consent.withdrawn:
        return False
    author_id = consent.created_by_id if consent.needs_verification else None
    if author_id is None or author_id != user.pk:
        return True
    if other_consent_verifiers(user).exists():
        return False
    return bool(getattr(settings, "TESTIMONIO_ALLOW_SELF_VERIFICATION", False))


def other_consent_verifiers(user: User) -> QuerySet:
    """Active archivists and administrators other than `user`."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=ARCHIVISTS_GROUP))
        .exclude(pk=user.pk)
        .distinct()
    )


def needs_audit(testimony: TestimonyPage) -> bool:
    consent = effective_consent(testimony)
    return consent is not None and consent.access_level in AUDITED_LEVELS


def can_preview(user: User | None, testimony: TestimonyPage) -> bool:
    """Wagtail previews are for editors; withdrawn, sealed or purged testimony stays dark."""
    if role_of(user) not in STAFF_ROLES:
        return False
    consent = effective_consent(testimony)
    return (
        consent is not None
        and not consent.withdrawn
        and consent.access_level != AccessLevel.SEALED
        and testimony.purged_at is None
    )


class AdminAccess(StrEnum):
    """What the admin may show one staff member of one testimony's content."""

    ALLOWED = "allowed"
    REASON_REQUIRED = "reason_required"  # administrators, for sealed or withdrawn content
    REFUSED = "refused"


def admin_access(user: User | None, testimony: TestimonyPage) -> AdminAccess:
    """May `user` open this testimony's content (transcript, personal details, themes) in the admin?

    Editors and archivists work on what their work needs: testimony up to
    staff level, embargoed or not (an embargo is about the public, not the
    archive's own work). Sealed and withdrawn content is for administrators
    only, who must state a reason that is logged. Purged testimony has no
    content left to open.
    """
    role = role_of(user)
    if role not in STAFF_ROLES or testimony.purged_at is not None:
        return AdminAccess.REFUSED
    consent = effective_consent(testimony)
    dark = consent is None or consent.withdrawn or consent.access_level == AccessLevel.SEALED
    if not dark:
        return AdminAccess.ALLOWED
    return AdminAccess.REASON_REQUIRED if role is Role.ADMINISTRATOR else AdminAccess.REFUSED


def bag_refusal(user: User | None, testimony: TestimonyPage) -> str | None:
    """Why `user` may not put `testimony` in a preservation package (BagIt), or None if they may.

    A bag is a complete copy (originals, every transcript, the consent
    history) that leaves the archive's reach: a later purge cannot follow it.
    So only staff make one, and only of testimony whose content the admin
    opens to them without a stated reason (editors and archivists up to staff
    level, embargoed included). Withdrawn or purged testimony is never bagged:
    the storyteller took it back. Sealed testimony stays in the archive only.
    """
    if role_of(user) not in STAFF_ROLES:
        return "only archive staff (editors, archivists, administrators) make preservation bags"
    if testimony.purged_at is not None:
        return "it was purged at the storyteller's request"
    consent = effective_consent(testimony)
    if consent is None:
        return "it has no consent on record"
    if consent.withdrawn:
        return "its consent was withdrawn"
    if consent.access_level == AccessLevel.SEALED:
        return "it is sealed, and sealed testimony is never copied out of the archive"
    if admin_access(user, testimony) is not AdminAccess.ALLOWED:
        return "its content is not open to you in the admin"
    return None


def can_review_media(user: User | None, testimony: TestimonyPage, part: Part) -> bool:
    """May staff hear (or see) `part` of `testimony` in the admin, to review it before it is live?

    Editors must hear what they review before it goes live. The rule is the
    site's (decide) with "not published yet" lifted, for staff the admin opens
    the testimony to: consent must allow the part, and withdrawn, sealed,
    embargoed, unverified-widening and purged testimony stays silent.
    """
    part = Part(part)
    if part not in (Part.AUDIO, Part.VIDEO) or testimony.purged_at is not None:
        return False
    if admin_access(user, testimony) is not AdminAccess.ALLOWED:
        return False
    return decide(role_of(user), effective_consent(testimony), part, live=True)


def needs_admin_audit(testimony: TestimonyPage) -> bool:
    """Is every admin view of this testimony's content written to the audit log?"""
    consent = effective_consent(testimony)
    return (
        consent is None
        or consent.withdrawn
        or consent.access_level in AUDITED_LEVELS | {AccessLevel.SEALED.value}
    )


def dark_testimonies(pages: QuerySet[TestimonyPage]) -> QuerySet[TestimonyPage]:
    """Those of ``pages`` whose content only administrators open: sealed, withdrawn or no consent.

    The caller brings the testimony queryset, so this module never imports
    the page model (which asks this module when it is saved or served).
    """
    latest = ConsentVersion.objects.filter(record=OuterRef("consent")).order_by("-version")
    return pages.annotate(
        consent_level=Subquery(latest.values("access_level")[:1]),
        consent_withdrawn=Subquery(latest.values("withdrawn")[:1]),
    ).filter(
        Q(consent_level__isnull=True)
        | Q(consent_withdrawn=True)
        | Q(consent_level=AccessLevel.SEALED)
    )


def display_name(user: User | None, testimony: TestimonyPage) -> str:
    """The storyteller's name as this user may see it: the real name only where consent allows."""
    storyteller = testimony.storyteller
    if storyteller.real_name and can_view(user, testimony, Part.NAME):
        return storyteller.real_name
    return storyteller.public_name


def visible_testimonies(
    user: User | None, pages: QuerySet[TestimonyPage]
) -> QuerySet[TestimonyPage]:
    """Those of ``pages`` `user` may open: the same rule as can_view(..., Part.PAGE), in SQL."""
    latest = ConsentVersion.objects.filter(record=OuterRef("consent")).order_by("-version")
    today = timezone.localdate()
    return (
        pages.live()
        .filter(purged_at__isnull=True)
        .annotate(
            consent_level=Subquery(latest.values("access_level")[:1]),
            consent_withdrawn=Subquery(latest.values("withdrawn")[:1]),
            consent_embargo=Subquery(latest.values("embargo_until")[:1]),
            consent_unverified=Subquery(
                latest.annotate(
                    pending=Q(needs_verification=True)
                    & ~Exists(ConsentVerification.objects.filter(version=OuterRef("pk")))
                ).values("pending")[:1]
            ),
        )
        .filter(consent_withdrawn=False, consent_level__in=access_levels(user))
        .filter(consent_unverified=False)
        .filter(Q(consent_embargo__isnull=True) | Q(consent_embargo__lte=today))
    )


def formerly_public_testimonies(pages: QuerySet[TestimonyPage]) -> QuerySet[TestimonyPage]:
    """Those of ``pages`` once published for the public that an anonymous visitor no longer sees.

    Harvesters (OAI-PMH) must hear that such a record is gone, or they keep
    showing it: withdrawn, purged, unpublished or narrowed testimony. Only
    testimony that was published and had a public consent version counts, so
    nothing that was ever restricted is made known to exist. The caller shows
    these as identifiers only, never with any of their text.
    """
    public_once = ConsentVersion.objects.filter(
        record=OuterRef("consent"), access_level=AccessLevel.PUBLIC
    )
    return (
        pages.filter(first_published_at__isnull=False)
        .filter(Exists(public_once))
        .exclude(pk__in=visible_testimonies(None, pages).values("pk"))
    )
