from django.conf import settings
from django.db import models

#: The engine name of a transcript read from a file (import_collection), not made by a machine.
IMPORTED_ENGINE = "imported"


class TranscriptStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class TranscriptKind(models.TextChoices):
    TRANSCRIPT = "transcript", "Transcript"
    TRANSLATION = "translation", "English translation"


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
    kind = models.CharField(
        max_length=12, choices=TranscriptKind.choices, default=TranscriptKind.TRANSCRIPT
    )
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="translations"
    )
    # The job side: which task runs it, who holds it, and when it last moved,
    # so a worker killed mid-file leaves a job another worker can take over.
    attempts = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=255, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: What the coverage check found (transcription.coverage.CoverageReport.as_dict):
    #: speech heard and transcribed, the longest gap, the languages and where.
    coverage = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.media} [{self.language or '?'}, {self.status}]"

    @property
    def is_imported(self) -> bool:
        """Read from a transcript file a person made, rather than heard by Whisper."""
        return self.engine == IMPORTED_ENGINE

    @property
    def provenance(self) -> str:
        """How it was made, in the words every page that shows it uses."""
        if self.is_imported:
            source = self.parameters.get("imported_from") or "a file"
            return f"Transcript imported from {source}"
        if self.kind == TranscriptKind.TRANSLATION:
            return "Machine translation, may contain errors"
        return "Machine transcript, may contain errors"


class FlagKind(models.TextChoices):
    GAP = "gap", "Speech not transcribed"
    LOOP = "loop", "Text repeats itself"
    OVERLONG = "overlong", "Segment longer than its words"
    UNSURE = "unsure", "Decoder unsure"
    UNHEARD = "unheard", "Text where no speech was heard"
    NO_SPEECH = "no_speech", "No speech found"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Waiting for an editor"
    CHECKED = "checked", "Checked by an editor"


class CoverageFlag(models.Model):
    """A place where the machine transcript may not say what was said, for an editor.

    Made by the coverage check after every transcription for what its own
    re-decoding could not repair. Publishing waits while any is open, as it
    does for suggested personal information: a testimony must not be
    published as complete when part of it was never transcribed.
    """

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=12, choices=FlagKind.choices)
    start = models.FloatField(help_text="Seconds into the recording.")
    end = models.FloatField()
    speech_seconds = models.FloatField(default=0)
    message = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["transcript", "start", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.start:.0f} s ({self.status})"


class Segment(models.Model):
    """One timed stretch of speech: the unit search finds and players seek to."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()
    words = models.JSONField(default=list, blank=True)
    speaker = models.CharField(max_length=100, blank=True)
    edited_by_human = models.BooleanField(default=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    themes = models.ManyToManyField("archive.Theme", blank=True, related_name="segments")

    class Meta:
        ordering = ["transcript", "index"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "index"], name="segment_unique_index")
        ]

    def __str__(self) -> str:
        return f"{self.start:.1f}–{self.end:.1f}: {self.text[:60]}"


class EditAction(models.TextChoices):
    TEXT = "text", "Text"
    TIMES = "times", "Times"
    SPEAKER = "speaker", "Speaker"
    SPLIT = "split", "Split"
    MERGE = "merge", "Merge"


class SegmentEdit(models.Model):
    """One editor's change to a transcript, kept forever, with what it was before."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="edits")
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="edits"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=EditAction.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.author} at {self.created_at:%Y-%m-%d %H:%M}"
