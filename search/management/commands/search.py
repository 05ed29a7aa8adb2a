"""python manage.py search "QUERY" [--theme SLUG] [--language xx] [--json]

Answers as an anonymous visitor would see it: never more.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.html import strip_tags

from archive.templatetags.archive_tags import timecode
from search.backends.base import SearchUnavailable
from search.query import QueryError
from search.selectors import Filters, search_segments


class Command(BaseCommand):
    help = "Search transcript segments as an anonymous visitor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query")
        parser.add_argument("--theme", action="append", default=[], help="Theme slug filter.")
        parser.add_argument("--language", action="append", default=[], help="Language filter.")
        parser.add_argument("--place", action="append", default=[], help="Place filter.")
        parser.add_argument("--year", default="", help="Year or range, e.g. 2010..2015.")
        parser.add_argument("--media", action="append", default=[], help="audio or video.")
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            filters = Filters(
                themes=options["theme"],
                languages=options["language"],
                places=options["place"],
                years=options["year"],
                media_types=options["media"],
            )
            results = search_segments(
                text=options["query"], user=None, filters=filters, page=options["page"]
            )
        except (QueryError, SearchUnavailable) as e:
            raise CommandError(str(e)) from e

        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        hits = [
            {
                "testimony_id": hit.testimony_id,
                "segment_id": hit.segment_id,
                "title": hit.title,
                "start": round(hit.start, 2),
                "end": round(hit.end, 2),
                "snippet": hit.snippet_html,
                "url": base + hit.player_url,
            }
            for hit in results.hits
        ]
        facets = {
            name: {facet.value: facet.count for facet in counts}
            for name, counts in results.facets.items()
        }
        if options["json"]:
            payload = {
                "total": results.total,
                "total_exact": results.total_exact,
                "hits": hits,
                "facets": facets,
                "facets_approximate": results.facets_approximate,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        at_least = "" if results.total_exact else "at least "
        self.stdout.write(f"{at_least}{results.total} moment(s) found")
        for hit in hits:
            self.stdout.write(
                f"\n[{timecode(hit['start'])}] {hit['title']} (testimony {hit['testimony_id']})"
            )
            self.stdout.write(f"  {strip_tags(hit['snippet'])}")
            self.stdout.write(f"  {hit['url']}")
        for name, counts in facets.items():
            if counts:
                listed = ", ".join(f"{value} ({count})" for value, count in counts.items())
                self.stdout.write(f"\n{name}: {listed}")
