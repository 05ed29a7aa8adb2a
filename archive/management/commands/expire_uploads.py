"""`manage.py expire_uploads`: what the hourly beat task does, for a site without beat."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from archive.submissions.uploads import uploads_expire


class Command(BaseCommand):
    help = "Delete partial files of storyteller uploads left unfinished too long."

    def handle(self, *args: object, **options: object) -> None:
        removed = uploads_expire()
        self.stdout.write(
            f"{removed} unfinished upload(s) expired and their partial files removed."
        )
