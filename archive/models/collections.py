from __future__ import annotations

import uuid

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable, Page


class CollectionIndexPage(Page):
    """Lists the collections a visitor may see."""

    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["archive.ArchiveIndexPage"]
    subpage_types = ["archive.CollectionPage"]
    max_count = 1


class CollectionVisibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    LINK = "link", "Anyone with the link"
    PUBLIC = "public", "Public"


class CollectionPage(Page):
    """An educator's sequence of clips, with notes, for teaching.

    Every clip is checked against its testimony's consent each time it is
    shown or exported: a later withdrawal turns it into a placeholder.
    """

    intro = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=CollectionVisibility.choices, default=CollectionVisibility.PRIVATE
    )
    share_key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("visibility"),
        InlinePanel("clips", heading="Clips"),
    ]
    parent_page_types = ["archive.CollectionIndexPage"]
    subpage_types: list[str] = []


class Clip(Orderable):
    """A moment of a testimony: start to end, with the educator's title and note."""

    collection = ParentalKey(CollectionPage, on_delete=models.CASCADE, related_name="clips")
    testimony = models.ForeignKey(
        "archive.TestimonyPage", on_delete=models.CASCADE, related_name="clips"
    )
    start = models.FloatField(help_text="Seconds.")
    end = models.FloatField(help_text="Seconds.")
    title = models.CharField(max_length=200)
    note = models.TextField(blank=True)

    panels = [
        FieldPanel("testimony"),
        FieldPanel("start"),
        FieldPanel("end"),
        FieldPanel("title"),
        FieldPanel("note"),
    ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start:.0f}–{self.end:.0f} s)"

    def clean(self) -> None:
        # The admin's Clips panel must keep the rules the site's clip_add keeps.
        from django.core.exceptions import ValidationError

        from archive import access

        if self.testimony_id is None:
            return
        consent = access.effective_consent(self.testimony)
        if not access.is_publishable(self.testimony) or not (consent and consent.allow_teaching):
            raise ValidationError(
                {"testimony": "This testimony's consent does not allow teaching use."}
            )
        media = self.testimony.primary_media
        duration = media.duration if media else 0.0
        if not (0 <= self.start < self.end <= duration + 0.5):
            raise ValidationError(
                {"end": f"A clip runs from 0 to {duration:.0f} s, and must end after it starts."}
            )
