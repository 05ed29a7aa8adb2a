import uuid

from django.db import models


def _original_path(instance: "MediaAsset", filename: str) -> str:
    # The stored name never derives from the uploader's filename: no path
    # tricks, no odd characters, and nothing about the storyteller on disk.
    return f"originals/{instance.key}/original{_suffix(filename)}"


def _web_path(instance: "MediaAsset", filename: str) -> str:
    return f"derivatives/{instance.key}/web{_suffix(filename)}"


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    suffix = filename[dot:].lower() if dot != -1 else ""
    return suffix if suffix[1:].isalnum() and len(suffix) <= 6 else ""


class MediaAsset(models.Model):
    """One recording: the private original and its public-safe web derivative.

    Files live in private storage only; a view that asks archive.access
    serves them.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    testimony = models.ForeignKey(
        "archive.TestimonyPage", on_delete=models.CASCADE, related_name="media_assets"
    )
    original = models.FileField(upload_to=_original_path, max_length=300)
    original_filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField()
    duration = models.FloatField(help_text="Seconds.")
    format_name = models.CharField(max_length=100, blank=True)
    audio_codec = models.CharField(max_length=40, blank=True)
    video_codec = models.CharField(max_length=40, blank=True)
    web = models.FileField(upload_to=_web_path, max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.original_filename or self.key} ({self.duration:.0f} s)"

    @property
    def has_video(self) -> bool:
        return bool(self.video_codec)

    @property
    def web_content_type(self) -> str:
        return "video/mp4" if self.has_video else "audio/mp4"
