from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


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
    """The consent of one storyteller for one testimony: a stable identity with versions.

    Pages point at the record, never at a version: a Wagtail revision restored
    from before a withdrawal must not bring the old permissions back. The
    effective policy is always the record's latest version.
    """

    storyteller = models.ForeignKey(
        "archive.Storyteller", on_delete=models.PROTECT, related_name="consents"
    )
    given_at = models.DateTimeField(auto_now_add=True)
    # The embargo date whose lifting was last announced to search and other
    # surfaces; the hourly task compares it with the current version's date.
    embargo_lift_announced = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        current = self.current
        state = current.state_label if current else "no version"
        return f"Consent of {self.storyteller} ({state})"

    @property
    def current(self) -> ConsentVersion | None:
        """The latest version: the one that decides.

        Read fresh each time, never cached: a stale "not withdrawn" would be a leak.
        """
        return self.versions.order_by("-version").first()

    @property
    def withdrawn(self) -> bool:
        current = self.current
        return current is None or current.withdrawn


class ConsentVersion(models.Model):
    """One state of a consent. Never edited: a change is a new version.

    Every permission defaults to no, so a version made without an explicit
    choice shows nothing.
    """

    record = models.ForeignKey(ConsentRecord, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()

    access_level = models.CharField(
        max_length=20, choices=AccessLevel.choices, default=AccessLevel.SEALED
    )
    show_audio = models.BooleanField("audio may be played", default=False)
    show_video = models.BooleanField("video may be played", default=False)
    show_face = models.BooleanField("face may be shown", default=False)
    show_transcript = models.BooleanField("transcript may be shown", default=False)
    show_real_name = models.BooleanField(
        "real name may be shown", default=False, help_text="Otherwise only the pseudonym."
    )
    allow_teaching = models.BooleanField("teaching collections", default=False)
    allow_press = models.BooleanField("press quotation", default=False)
    embargo_until = models.DateField(null=True, blank=True)

    form_version = models.CharField(max_length=40, blank=True)
    form_language = models.CharField(max_length=8, blank=True)
    method = models.CharField(
        max_length=20, choices=ConsentMethod.choices, default=ConsentMethod.SIGNED_FORM
    )
    signed_form = models.FileField(upload_to="consent/forms/", blank=True, max_length=300)
    verbal_consent_media = models.FileField(upload_to="consent/verbal/", blank=True, max_length=300)
    witness = models.CharField(max_length=200, blank=True)

    withdrawn = models.BooleanField(default=False)
    withdrawal_reason = models.TextField(blank=True)
    # Set when this version (or an unverified one before it) widened access: it
    # shows nothing until an archivist verifies it in the publishing workflow.
    needs_verification = models.BooleanField(default=False, editable=False)

    change_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["record", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="consent_version_unique")
        ]

    def __str__(self) -> str:
        return f"Consent {self.record_id} v{self.version} ({self.state_label})"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValidationError("Consent versions are never overwritten: add a new version.")
        super().save(*args, **kwargs)

    @property
    def verified(self) -> bool:
        """Has an archivist verified the storyteller's consent for this version?"""
        return ConsentVerification.objects.filter(version_id=self.pk).exists()

    @property
    def awaiting_verification(self) -> bool:
        """A widening that no archivist has verified yet: it is not in force."""
        return self.needs_verification and not self.verified

    @property
    def state_label(self) -> str:
        if self.withdrawn:
            return "withdrawn"
        if self.awaiting_verification:
            return f"{self.get_access_level_display()}, awaiting an archivist's verification"
        label = self.get_access_level_display()
        return f"{label}, embargoed until {self.embargo_until}" if self.is_embargoed() else label

    def is_embargoed(self, today: object = None) -> bool:
        today = today or timezone.localdate()
        return self.embargo_until is not None and self.embargo_until > today

    def clean(self) -> None:
        errors = {}
        if self.method == ConsentMethod.SIGNED_FORM and not (self.form_version or self.signed_form):
            errors["form_version"] = "A signed form needs its form version or the signed file."
        if self.method == ConsentMethod.VERBAL_RECORDED and not self.witness:
            errors["witness"] = "Recorded verbal consent needs the name of who witnessed it."
        if self.embargo_until and self.embargo_until.year > timezone.localdate().year + 100:
            errors["embargo_until"] = "An embargo more than a hundred years ahead is not a date."
        if self.show_face and not self.show_video:
            errors["show_face"] = "The face can only be shown in a video the storyteller allows."
        if errors:
            raise ValidationError(errors)


class ConsentVerification(models.Model):
    """An archivist's check that a consent version matches the storyteller's documented consent.

    Kept apart from the version so that versions stay write-once; made only by
    the publishing workflow's "Consent verified" step.
    """

    version = models.OneToOneField(
        ConsentVersion, on_delete=models.CASCADE, related_name="verification"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Verification of {self.version}"
