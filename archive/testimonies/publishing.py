"""Publishing as a service, so commands, the admin and tasks share one path."""

from __future__ import annotations

from archive import access
from archive.errors import ConsentError, ReviewPending
from archive.models import TestimonyPage
from archive.privacy.redaction import unreviewed_pii_count
from archive.transcripts.coverage import open_coverage_flags


def pending_pii_check(testimony: TestimonyPage) -> None:
    """Raise ReviewPending while flagged personal information awaits an editor's decision."""
    pending = unreviewed_pii_count(testimony)
    if pending:
        raise ReviewPending(
            f"“{testimony.title}” cannot be published yet: {pending} possible personal "
            "detail(s) in the transcript are waiting for an editor to redact or dismiss "
            "them (Personal information, in the admin)."
        )


def pending_coverage_check(testimony: TestimonyPage) -> None:
    """Raise ReviewPending while part of the recording may be missing from its transcript.

    Parallel to pending_pii_check: what the coverage check flagged (speech
    not transcribed, text that loops, no speech found) waits for an editor
    to listen and correct or confirm it (Edit transcript, in the admin).
    """
    pending = open_coverage_flags(testimony)
    if pending:
        raise ReviewPending(
            f"“{testimony.title}” cannot be published yet: {pending} place(s) in the "
            "recording may be missing from its transcript or wrongly transcribed; an "
            "editor must check them (Edit transcript, in the admin)."
        )


def testimony_publish(*, testimony: TestimonyPage) -> TestimonyPage:
    """Publish the latest state of `testimony`. Withdrawn consent cannot be published."""
    testimony = TestimonyPage.objects.get(pk=testimony.pk)
    blocker = access.publish_blocker(testimony)
    if blocker:
        raise ConsentError(f"“{testimony.title}” cannot be published: {blocker}.")
    pending_pii_check(testimony)
    pending_coverage_check(testimony)
    testimony.save_revision().publish()
    return TestimonyPage.objects.get(pk=testimony.pk)
