from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Page

if TYPE_CHECKING:
    from archive.models.media import MediaAsset
    from archive.models.transcript import Transcript


class ArchiveIndexPage(Page):
    """The archive's home: lists the testimony the visitor may see."""

    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["archive.TestimonyPage", "archive.CollectionIndexPage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from archive import access

        context = super().get_context(request, *args, **kwargs)
        context["testimonies"] = (
            access.visible_testimonies(request.user, TestimonyPage.objects.all())
            .child_of(self)
            .select_related("storyteller")
            .order_by("-first_published_at")
        )
        return context


class TestimonyPage(Page):
    """One testimony. What of it a visitor sees is decided by archive.access alone."""

    summary = models.TextField(blank=True)
    storyteller = models.ForeignKey(
        "archive.Storyteller", on_delete=models.PROTECT, related_name="testimonies"
    )
    consent = models.ForeignKey(
        "archive.ConsentRecord", on_delete=models.PROTECT, related_name="testimonies"
    )
    recorded_on = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    languages = models.CharField(
        max_length=60, blank=True, help_text="ISO 639-1 codes, comma-separated (en, es)."
    )
    purged_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set when the storyteller's withdrawal purged everything but this tombstone.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("storyteller"),
                FieldPanel("consent", read_only=True),
                FieldPanel("recorded_on"),
                FieldPanel("place"),
                FieldPanel("languages"),
            ],
            heading="Recording",
        ),
        InlinePanel(
            "theme_links",
            heading="Themes",
            help_text="Suggested from the transcript; accept or reject each.",
        ),
    ]
    parent_page_types = ["archive.ArchiveIndexPage"]
    subpage_types: list[str] = []

    @property
    def language_codes(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    @property
    def site_path(self) -> str:
        """The page's path on its site ("/slug/"), live or draft."""
        parts = self.get_url_parts()
        return parts[2] if parts else f"/{self.slug}/"

    @property
    def primary_media(self) -> MediaAsset | None:
        return self.media_assets.order_by("created_at").first()

    @property
    def current_transcript(self) -> Transcript | None:
        """The latest finished transcript; one a person made (imported) before the machine's."""
        from archive.models.transcript import (
            IMPORTED_ENGINE,
            Transcript,
            TranscriptKind,
            TranscriptStatus,
        )

        return (
            Transcript.objects.filter(
                media__testimony=self,
                status=TranscriptStatus.DONE,
                kind=TranscriptKind.TRANSCRIPT,
            )
            .order_by(
                models.Case(
                    models.When(engine=IMPORTED_ENGINE, then=models.Value(0)),
                    default=models.Value(1),
                ),
                "-created_at",
            )
            .first()
        )

    @property
    def accepted_themes(self) -> models.QuerySet:
        from archive.models.themes import Theme

        return Theme.objects.filter(
            testimony_links__testimony=self, testimony_links__status=ThemeStatus.ACCEPTED
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        from archive import access
        from archive.errors import ConsentError

        # Whatever path publishes (admin, workflow, scheduled publishing, a
        # service), going live with missing, withdrawn or embargoed consent fails.
        if self.live and not (
            self.pk and TestimonyPage.objects.filter(pk=self.pk, live=True).exists()
        ):
            blocker = access.publish_blocker(self)
            if blocker:
                raise ConsentError(f"“{self.title}” cannot be published: {blocker}.")
        super().save(*args, **kwargs)

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from archive import access

        # The before_serve_page hook (archive.testimonies.serving) refuses and
        # audits; this guard stays for any path that serves the page directly.
        # 404, not 403: a restricted testimony must not even be known to exist.
        if not access.can_view(request.user, self, access.Part.PAGE):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def permissions_for_user(self, user: Any) -> Any:
        from archive.testimonies.page_permissions import TestimonyPermissionTester

        return TestimonyPermissionTester(user, self)

    def get_sitemap_urls(self, request: HttpRequest | None = None) -> list[dict[str, Any]]:
        from archive import access

        if not access.can_view(None, self, access.Part.PAGE):
            return []
        return super().get_sitemap_urls(request)

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        from archive import access

        if not access.can_preview(request.user, self):
            raise Http404
        return super().serve_preview(request, mode_name)


class ThemeStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class TestimonyTheme(Orderable):
    """A theme on a testimony: suggested by the machine, decided by an editor."""

    testimony = ParentalKey(TestimonyPage, on_delete=models.CASCADE, related_name="theme_links")
    theme = models.ForeignKey(
        "archive.Theme", on_delete=models.CASCADE, related_name="testimony_links"
    )
    status = models.CharField(
        max_length=10, choices=ThemeStatus.choices, default=ThemeStatus.SUGGESTED
    )
    segment_count = models.PositiveIntegerField(
        default=0, help_text="How many segments the suggestion came from."
    )

    panels = [FieldPanel("theme"), FieldPanel("status")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["testimony", "theme"], name="testimony_theme_unique")
        ]

    def __str__(self) -> str:
        return f"{self.theme} ({self.status})"
