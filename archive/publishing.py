"""Publishing as a service, so commands, the admin and tasks share one path."""

from __future__ import annotations

from archive import access
from archive.errors import ConsentError
from archive.models import TestimonyPage


def testimony_publish(*, testimony: TestimonyPage) -> TestimonyPage:
    """Publish the latest state of `testimony`. Withdrawn consent cannot be published."""
    testimony = TestimonyPage.objects.get(pk=testimony.pk)
    blocker = access.publish_blocker(testimony)
    if blocker:
        raise ConsentError(f"“{testimony.title}” cannot be published: {blocker}.")
    testimony.save_revision().publish()
    return TestimonyPage.objects.get(pk=testimony.pk)
