"""An RSS feed of newly published testimony, as an anonymous visitor may see it."""

from __future__ import annotations

from django.contrib.syndication.views import Feed

from archive import access
from archive.models import TestimonyPage


class LatestTestimonyFeed(Feed):
    title = "Testimonio: new testimony"
    link = "/"
    description = "Testimony newly published in the archive, as its storytellers consented."

    def items(self) -> list[TestimonyPage]:
        return list(
            access.visible_testimonies(None, TestimonyPage.objects.all()).order_by(
                "-first_published_at"
            )[:20]
        )

    def item_title(self, item: TestimonyPage) -> str:
        return item.title

    def item_description(self, item: TestimonyPage) -> str:
        return item.summary

    def item_link(self, item: TestimonyPage) -> str:
        return item.site_path
