"""Consent as services: create, amend (a new version), verify, withdraw. Never an overwrite.

Each change sends `consent_changed` for the testimony it governs, so search
and every other surface follow within the same request.

Who may change what follows the direction of the change (archive.access
decides it): narrowing access takes effect at once, by any editor;
widening it needs an archivist, the storyteller's documented consent attached
to the new version, and a second archivist's verification in the publishing
workflow, and until then the testimony is off the site.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from archive import access
from archive.audit import audit_event
from archive.errors import ConsentError
from archive.models import (
    AccessLevel,
    AuditAction,
    ConsentRecord,
    ConsentVerification,
    ConsentVersion,
    Storyteller,
)
from archive.signals import consent_changed


@dataclass(frozen=True)
class ConsentTerms:
    """What the storyteller agreed to. Every permission defaults to no."""

    access_level: str = AccessLevel.SEALED
    show_audio: bool = False
    show_video: bool = False
    show_face: bool = False
    show_transcript: bool = False
    show_real_name: bool = False
    allow_teaching: bool = False
    allow_press: bool = False
    embargo_until: date | None = None
    form_version: str = ""
    form_language: str = ""
    method: str = "signed_form"
    witness: str = ""

    @classmethod
    def of(cls, version: ConsentVersion) -> ConsentTerms:
        return cls(**{f.name: getattr(version, f.name) for f in fields(cls)})


# The common case for a public testimony: everything but the face and real name.
OPEN_TERMS = ConsentTerms(
    access_level=AccessLevel.PUBLIC,
    show_audio=True,
    show_video=True,
    show_transcript=True,
    allow_teaching=True,
    allow_press=True,
    form_version="2026-1",
)


def consent_record_create(
    *,
    storyteller: Storyteller,
    terms: ConsentTerms,
    by: Any = None,
    files: dict[str, Any] | None = None,
) -> ConsentRecord:
    """A new consent record with its first version. Raises ConsentError if the terms are invalid.

    ``files`` may hold the ``signed_form`` or ``verbal_consent_media`` the
    terms were given with (a bulk import's scanned forms).
    """
    with transaction.atomic():
        record = ConsentRecord.objects.create(storyteller=storyteller)
        _add_version(record, terms, version=1, by=by, note="Consent given.", files=files)
    return record


def consent_amend(
    *,
    record: ConsentRecord,
    by: Any = None,
    note: str = "",
    files: dict[str, Any] | None = None,
    **changes: Any,
) -> ConsentVersion:
    """Record a change of consent as a new version and apply it everywhere at once.

    `files` may hold a new `signed_form` or `verbal_consent_media`; files of
    the previous version carry over otherwise, since they are its evidence.
    A change that widens access needs `by` to be an archivist and a new file
    among `files` (the storyteller's signed form or recorded verbal consent
    for this change); it takes the testimony off the site and restarts the
    publishing workflow. Raises ConsentError, with nothing changed, otherwise.
    """
    unknown = set(changes) - {f.name for f in fields(ConsentTerms)}
    if unknown:
        raise ConsentError(f"Unknown consent field(s): {', '.join(sorted(unknown))}.")
    refusal = None
    with transaction.atomic():
        current = _lock_current(record)
        if current.withdrawn:
            raise ConsentError("Consent was withdrawn; it cannot be changed, only given anew.")
        terms = replace(ConsentTerms.of(current), **changes)
        change = access.consent_change(current, terms)
        new_evidence = any(
            value is not None and not isinstance(value, str) for value in (files or {}).values()
        )
        if change is access.ConsentChange.WIDENS:
            refusal = _widening_refusal(by, new_evidence)
        if refusal is None:
            evidence = {
                "signed_form": current.signed_form.name,
                "verbal_consent_media": current.verbal_consent_media.name,
                **(files or {}),
            }
            version = _add_version(
                record,
                terms,
                version=current.version + 1,
                by=by,
                note=note,
                files=evidence,
                needs_verification=change is access.ConsentChange.WIDENS
                or current.awaiting_verification,
            )
            _audit(record, by, AuditAction.CONSENT_CHANGED, f"v{version.version} {change}: {note}")
            if change is access.ConsentChange.WIDENS or terms.access_level == AccessLevel.SEALED:
                _take_off_the_site(
                    record, by, restart_workflow=change is access.ConsentChange.WIDENS
                )
    if refusal is not None:
        # Written after the rollback, so the refusal is on record while nothing else changed.
        _audit(record, by, AuditAction.CONSENT_REFUSED, f"{refusal} Asked: {_describe(changes)}")
        raise ConsentError(refusal)
    _announce(record)
    return version


def consent_verify(*, testimony: Any, by: Any, note: str = "") -> ConsentVerification:
    """Record that `by` verified the testimony's latest consent version (the workflow step).

    Raises ConsentError if there is nothing in force to verify.
    """
    with transaction.atomic():
        current = _lock_current(testimony.consent)
        if current.withdrawn:
            raise ConsentError("Consent was withdrawn: there is nothing to verify.")
        verification, _ = ConsentVerification.objects.get_or_create(
            version=current, defaults={"verified_by": by, "note": note}
        )
        _audit(testimony.consent, by, AuditAction.CONSENT_VERIFIED, f"v{current.version} {note}")
    _announce(testimony.consent)
    return verification


def _widening_refusal(by: Any, new_evidence: bool) -> str | None:
    if not access.may_widen_consent(by):
        return (
            "This change widens access, which only an archivist may decide: "
            "ask a member of the Archivists group. Nothing was changed."
        )
    if not new_evidence:
        return (
            "This change widens access: attach the storyteller's documented consent to it "
            "(the signed form or the recorded verbal consent for this change). "
            "Nothing was changed."
        )
    return None


def _describe(changes: dict[str, Any]) -> str:
    return ", ".join(f"{field}={value}" for field, value in sorted(changes.items()))


def _audit(record: ConsentRecord, by: Any, action: AuditAction, detail: str) -> None:
    for testimony in record.testimonies.all():
        audit_event(user=by, testimony=testimony, action=action, detail=detail)


def _take_off_the_site(record: ConsentRecord, by: Any, *, restart_workflow: bool) -> None:
    """Unpublish every page this consent governs; after a widening, ask for verification again."""
    user = by if getattr(by, "is_authenticated", False) else None
    for page in record.testimonies.all():
        if page.live:
            page.unpublish(user=user)
        if not restart_workflow:
            continue
        workflow = page.get_workflow()
        if workflow is None:
            continue
        state = page.current_workflow_state
        if state is not None:
            state.cancel(user=user)
        if page.get_latest_revision() is None:
            page.save_revision(user=user)
        workflow.start(page, user)


def consent_withdraw(*, record: ConsentRecord, reason: str = "", by: Any = None) -> ConsentVersion:
    """Withdraw consent: a new version that hides the testimony from every surface now."""
    with transaction.atomic():
        current = _lock_current(record)
        if current.withdrawn:
            raise ConsentError(
                f"Consent was already withdrawn on {current.created_at:%Y-%m-%d}; nothing changed."
            )
        version = _add_version(
            record,
            ConsentTerms.of(current),
            version=current.version + 1,
            by=by,
            note="Withdrawn at the storyteller's request.",
            withdrawn=True,
            withdrawal_reason=reason,
        )
    _announce(record)
    return version


def _lock_current(record: ConsentRecord) -> ConsentVersion:
    current = (
        ConsentVersion.objects.select_for_update()
        .filter(record_id=record.pk)
        .order_by("-version")
        .first()
    )
    if current is None:
        raise ConsentError("This consent record has no version: it was never given.")
    return current


def _add_version(
    record: ConsentRecord,
    terms: ConsentTerms,
    *,
    version: int,
    by: Any,
    note: str,
    withdrawn: bool = False,
    withdrawal_reason: str = "",
    files: dict[str, Any] | None = None,
    needs_verification: bool = False,
) -> ConsentVersion:
    row = ConsentVersion(
        record=record,
        version=version,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        change_note=note,
        withdrawn=withdrawn,
        withdrawal_reason=withdrawal_reason,
        needs_verification=needs_verification,
        **asdict(terms),
    )
    for field, value in (files or {}).items():
        if isinstance(value, str):
            setattr(row, field, value)  # the same stored file as the previous version
        elif value is not None:
            getattr(row, field).save(value.name, value, save=False)
    try:
        row.full_clean(exclude=["record", "signed_form", "verbal_consent_media"])
    except ValidationError as e:
        for field in ("signed_form", "verbal_consent_media"):
            stored = getattr(row, field)
            if stored.name and not isinstance((files or {}).get(field), str):
                stored.storage.delete(stored.name)
        raise ConsentError(_readable(e)) from e
    row.save()
    return row


def _readable(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _announce(record: ConsentRecord) -> None:
    for testimony in record.testimonies.all():
        consent_changed.send(sender=ConsentRecord, testimony=testimony)
