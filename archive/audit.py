"""Writes the audit log of views of researcher- and staff-level testimony."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archive import access
from archive.models import AuditAction, AuditLogEntry

if TYPE_CHECKING:
    from archive.models import TestimonyPage


def audit_view(
    *, user: access.User | None, testimony: TestimonyPage, action: AuditAction, detail: str = ""
) -> AuditLogEntry | None:
    """Record that `user` saw restricted material; public material is not logged."""
    if not access.needs_audit(testimony):
        return None
    consent = access.effective_consent(testimony)
    authenticated = user is not None and user.is_authenticated
    return AuditLogEntry.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "anonymous",
        action=action,
        testimony_id=testimony.pk,
        access_level=consent.access_level if consent else "",
        detail=detail[:1000],
    )


def audit_event(
    *, user: access.User | None, testimony: TestimonyPage, action: AuditAction, detail: str = ""
) -> AuditLogEntry:
    """Record a decision about a testimony (a consent change, a refusal), whatever its level."""
    return _entry(user, testimony, action, detail)


def audit_admin_view(
    *, user: access.User | None, testimony: TestimonyPage, action: AuditAction, detail: str = ""
) -> AuditLogEntry | None:
    """Record that staff opened restricted content in the admin (researcher level and above)."""
    if not access.needs_admin_audit(testimony):
        return None
    return _entry(user, testimony, action, detail)


def _entry(
    user: access.User | None, testimony: TestimonyPage, action: AuditAction, detail: str
) -> AuditLogEntry:
    consent = access.effective_consent(testimony)
    authenticated = user is not None and user.is_authenticated
    state = ""
    if consent is not None:
        state = "withdrawn" if consent.withdrawn else consent.access_level
    return AuditLogEntry.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "anonymous",
        action=action,
        testimony_id=testimony.pk,
        access_level=state,
        detail=detail[:1000],
    )
