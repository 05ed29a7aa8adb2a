from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ResearcherApproval(models.Model):
    """A request to see researcher-level testimony, and an archivist's approval of it.

    A request (no `approved_at`) grants nothing. Access lapses on
    `valid_until` without anyone acting, and a revoked approval stays on record.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="researcher_approvals"
    )
    purpose = models.TextField(help_text="The stated purpose of the research.")
    terms_accepted_at = models.DateTimeField(help_text="When the researcher accepted the terms.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        if self.approved_at is None:
            return f"{self.user}: request of {self.requested_at:%Y-%m-%d}"
        return f"{self.user} until {self.valid_until}"

    def is_active(self, today: object = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.approved_at is not None
            and self.revoked_at is None
            and self.valid_until is not None
            and self.valid_until >= today
        )
