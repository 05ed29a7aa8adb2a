from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Invitation(models.Model):
    """A single-use link an archivist sends to one storyteller.

    Only the SHA-256 of the token is stored: a database leak does not hand
    out working invitations.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    storyteller_name = models.CharField(
        max_length=200, help_text="The name or pseudonym the archivist knows them by."
    )
    language = models.CharField(max_length=8, default="en")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    storyteller = models.ForeignKey(
        "archive.Storyteller", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)
    # The consent screens answered so far, kept with the invitation rather than
    # in one browser's session, so reopening the link elsewhere resumes them.
    # Cleared once the consent is recorded.
    consent_answers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.storyteller_name} ({self.language})"


class UploadStatus(models.TextChoices):
    RECEIVING = "receiving", "Receiving"
    COMPLETE = "complete", "Received"
    INGESTED = "ingested", "Handed to ingest"
    FAILED = "failed", "Failed"
    # Left unfinished past TESTIMONIO_UPLOAD_EXPIRE_AFTER: its partial file is deleted.
    EXPIRED = "expired", "Expired unfinished"


class Upload(models.Model):
    """A resumable upload in chunks, tied to an invitation and its consent."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="uploads")
    consent = models.ForeignKey(
        "archive.ConsentRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, blank=True)
    offset = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=UploadStatus.choices, default=UploadStatus.RECEIVING
    )
    error = models.TextField(blank=True)
    testimony = models.ForeignKey(
        "archive.TestimonyPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_token_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename}: {self.offset}/{self.size} bytes ({self.status})"
