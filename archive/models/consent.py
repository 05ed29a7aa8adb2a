from django.db import models


class AccessLevel(models.TextChoices):
    """Who may see a testimony, from widest to narrowest. Sealed is never shown."""

    PUBLIC = "public", "Public"
    RESEARCHERS = "researchers", "Approved researchers"
    STAFF = "staff", "Archive staff"
    SEALED = "sealed", "Sealed"


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", "Signed form"
    VERBAL_RECORDED = "verbal_recorded", "Recorded verbal consent"
    IN_APP = "in_app", "Given in the app"


class ConsentRecord(models.Model):
    """What the storyteller agreed to. It exists before any media is stored.

    Withdrawal is a state of the record, never a delete: the archive must be
    able to show when and how consent was given and taken back.
    """

    storyteller = models.ForeignKey(
        "archive.Storyteller", on_delete=models.PROTECT, related_name="consents"
    )
    # Sealed by default: a record created without an explicit choice shows nothing.
    access_level = models.CharField(
        max_length=20, choices=AccessLevel.choices, default=AccessLevel.SEALED
    )
    form_version = models.CharField(max_length=40, blank=True)
    form_language = models.CharField(max_length=8, blank=True)
    method = models.CharField(
        max_length=20, choices=ConsentMethod.choices, default=ConsentMethod.SIGNED_FORM
    )
    witness = models.CharField(max_length=200, blank=True)
    given_at = models.DateTimeField(auto_now_add=True)
    withdrawn = models.BooleanField(default=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn else self.get_access_level_display()
        return f"Consent of {self.storyteller} ({state})"
