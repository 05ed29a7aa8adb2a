"""Embargoes lift on their date without anyone acting.

The access policy already hides embargoed testimony by date at every request;
this job tells the surfaces that keep their own copy (the search index) once
an embargo date has passed, so lifted testimony becomes findable.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from archive.models import ConsentRecord, ConsentVersion
from archive.signals import consent_changed


def embargoes_lift(*, today: date | None = None) -> list[int]:
    """Announce every embargo that has ended since last time; returns the record ids."""
    today = today or timezone.localdate()
    lifted = []
    candidates = ConsentVersion.objects.filter(
        embargo_until__isnull=False, embargo_until__lte=today
    ).values_list("record_id", flat=True)
    for record in ConsentRecord.objects.filter(pk__in=candidates).distinct():
        current = record.current
        if current is None or current.embargo_until is None or current.embargo_until > today:
            continue  # a later version moved or removed the embargo
        if record.embargo_lift_announced == current.embargo_until:
            continue
        with transaction.atomic():
            ConsentRecord.objects.filter(pk=record.pk).update(
                embargo_lift_announced=current.embargo_until
            )
        for testimony in record.testimonies.all():
            consent_changed.send(sender=ConsentRecord, testimony=testimony)
        lifted.append(record.pk)
    return lifted
