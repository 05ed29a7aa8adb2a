"""python manage.py rebuild_index: rebuild the search index from the archive, with progress."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import TestimonyPage
from search.backends import get_backend
from search.backends.base import Document, SearchUnavailable
from search.documents import testimony_documents


class Command(BaseCommand):
    help = "Empty the search index and index every publishable testimony again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backend", default="default", help="SEARCH_BACKENDS alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        testimonies = list(TestimonyPage.objects.select_related("consent", "storyteller"))

        def documents() -> Iterator[Document]:
            for number, testimony in enumerate(testimonies, start=1):
                found, about = testimony_documents(testimony)
                self.stderr.write(
                    f"[{number}/{len(testimonies)}] {testimony.title}: {len(found)} segments"
                )
                yield from found
                if about is not None:
                    yield about

        try:
            # rebuild(): backends that can build aside and swap (Elasticsearch)
            # keep answering from the old index until the new one is complete.
            total = get_backend(options["backend"]).rebuild(documents())
        except SearchUnavailable as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Indexed {total} segments from {len(testimonies)} testimonies.")
