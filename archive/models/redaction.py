from __future__ import annotations

from django.conf import settings
from django.db import models


class PiiKind(models.TextChoices):
    PERSON = "person", "Personal name"
    PHONE = "phone", "Phone number"
    EMAIL = "email", "Email address"
    SSN = "ssn", "US Social Security number"
    A_NUMBER = "a_number", "Alien registration number"
    DATE_OF_BIRTH = "date_of_birth", "Date of birth"
    ADDRESS = "address", "Street address"


class RedactionStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    APPLIED = "applied", "Redacted"
    DISMISSED = "dismissed", "Not PII"


class Redaction(models.Model):
    """A span of a segment that holds personal information.

    The span is stored by position, never by copying the text, so the list of
    redactions is not itself a list of secrets. Applied spans are masked in
    public text and every index, and bleeped in public audio.
    """

    segment = models.ForeignKey(
        "archive.Segment", on_delete=models.CASCADE, related_name="redactions"
    )
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()
    start = models.FloatField(help_text="Seconds into the recording where the span is spoken.")
    end = models.FloatField()
    kind = models.CharField(max_length=20, choices=PiiKind.choices)
    status = models.CharField(
        max_length=10, choices=RedactionStatus.choices, default=RedactionStatus.SUGGESTED
    )
    detector = models.CharField(max_length=60, blank=True)
    score = models.FloatField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["segment", "char_start"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} in segment {self.segment_id} ({self.status})"
