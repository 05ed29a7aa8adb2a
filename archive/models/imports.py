"""A bulk import: one manifest (CSV or .xlsx), its validation report and its progress."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def _manifest_path(instance: ImportBatch, filename: str) -> str:
    # Private storage, never under the uploader's name: a manifest holds real names.
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"imports/{instance.key}/manifest{suffix}"


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", "Checking the manifest"
    VALIDATED = "validated", "Validated, waiting for confirmation"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportBatch(models.Model):
    """One manifest brought in by the admin or `import_collection`, row by row.

    Rows are imported one transaction each, so a batch that stopped (a crash,
    a lost worker) is run again as a whole: rows already imported are found
    by their media's SHA-256 and skipped.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    manifest_name = models.CharField(max_length=255)
    manifest = models.FileField(upload_to=_manifest_path, max_length=300, blank=True)
    media_dir = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.VALIDATED
    )
    total_rows = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    #: The validation's problems: [{"row", "column", "message", "warning"}].
    problems = models.JSONField(default=list, blank=True)
    #: The validation's counts: {"to_import", "already_archived", "with_errors"}.
    summary = models.JSONField(default=dict, blank=True)
    #: One entry per row run: [{"row", "outcome", "testimony", "message"}].
    results = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.manifest_name} ({self.status})"

    @property
    def percent(self) -> float:
        if self.status == ImportStatus.DONE:
            return 100.0
        if not self.total_rows:
            return 0.0
        return round(100.0 * self.rows_done / self.total_rows, 1)
