from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    VIEW_PAGE = "view_page", "Viewed testimony page"
    PLAY_MEDIA = "play_media", "Played media"
    DOWNLOAD_TRANSCRIPT = "download_transcript", "Downloaded transcript"
    ADMIN_VIEW = "admin_view", "Opened in the admin"
    ADMIN_REFUSED = "admin_refused", "Refused in the admin"
    SEALED_OPENED = "sealed_opened", "Opened sealed or withdrawn material, with a reason"
    CONSENT_CHANGED = "consent_changed", "Changed consent"
    CONSENT_REFUSED = "consent_refused", "Consent change refused"
    CONSENT_VERIFIED = "consent_verified", "Verified consent"
    BAG_EXPORTED = "bag_exported", "Exported a preservation bag"
    BAG_REFUSED = "bag_refused", "Preservation bag refused"


class AuditLogEntry(models.Model):
    """One view of restricted material, or one decision about consent. Written, never edited."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=30, choices=AuditAction.choices)
    testimony_id = models.BigIntegerField(db_index=True)
    access_level = models.CharField(max_length=20)
    detail = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "audit log entries"

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{when} {self.username} {self.action} #{self.testimony_id}"
