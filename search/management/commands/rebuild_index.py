"""python manage.py rebuild_index: rebuild the search index from the archive, with progress."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import TestimonyPage
from search.backends import get_backend
from search.backends.base import SearchUnavailable
from search.indexing import index_testimony


class Command(BaseCommand):
    help = "Empty the search index and index every publishable testimony again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backend", default="default", help="SEARCH_BACKENDS alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backend = get_backend(options["backend"])
            backend.clear()
            testimonies = list(TestimonyPage.objects.select_related("consent", "storyteller"))
            total = 0
            for number, testimony in enumerate(testimonies, start=1):
                total += index_testimony(testimony, alias=options["backend"])
                self.stderr.write(f"[{number}/{len(testimonies)}] {testimony.title}")
        except SearchUnavailable as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Indexed {total} segments from {len(testimonies)} testimonies.")
