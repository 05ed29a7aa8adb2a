"""Publishing and withdrawal as services, so commands, the admin and tasks share one path."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from archive.errors import ConsentError
from archive.models import ConsentRecord, TestimonyPage
from archive.signals import consent_changed


def testimony_publish(*, testimony: TestimonyPage) -> TestimonyPage:
    """Publish the latest state of `testimony`. Withdrawn consent cannot be published."""
    testimony = TestimonyPage.objects.get(pk=testimony.pk)
    if testimony.consent.withdrawn:
        raise ConsentError(f"“{testimony.title}” cannot be published: consent was withdrawn.")
    testimony.save_revision().publish()
    return TestimonyPage.objects.get(pk=testimony.pk)


def consent_withdraw(*, consent: ConsentRecord, reason: str = "") -> ConsentRecord:
    """Mark consent withdrawn; its testimony leaves pages and search in this same call."""
    with transaction.atomic():
        consent = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn:
            raise ConsentError(f"Consent was already withdrawn on {consent.withdrawn_at:%Y-%m-%d}.")
        consent.withdrawn = True
        consent.withdrawn_at = timezone.now()
        consent.withdrawal_reason = reason
        consent.save(update_fields=["withdrawn", "withdrawn_at", "withdrawal_reason"])
    for testimony in consent.testimonies.all():
        consent_changed.send(sender=ConsentRecord, testimony=testimony)
    return consent
