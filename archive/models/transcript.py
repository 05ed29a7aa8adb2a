from django.db import models


class TranscriptStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Transcript(models.Model):
    """Timed text of one recording, with how it was made so it can be reproduced."""

    media = models.ForeignKey(
        "archive.MediaAsset", on_delete=models.CASCADE, related_name="transcripts"
    )
    engine = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=200, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, blank=True)
    language_probability = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=TranscriptStatus.choices, default=TranscriptStatus.QUEUED
    )
    progress_seconds = models.FloatField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.media} [{self.language or '?'}, {self.status}]"


class Segment(models.Model):
    """One timed stretch of speech: the unit search finds and players seek to."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()
    words = models.JSONField(default=list, blank=True)
    edited_by_human = models.BooleanField(default=False)
    themes = models.ManyToManyField("archive.Theme", blank=True, related_name="segments")

    class Meta:
        ordering = ["transcript", "index"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "index"], name="segment_unique_index")
        ]

    def __str__(self) -> str:
        return f"{self.start:.1f}–{self.end:.1f}: {self.text[:60]}"
