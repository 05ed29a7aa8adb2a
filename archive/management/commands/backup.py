"""`manage.py backup DIR`: the database, private media and purge list, as a BagIt bag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from archive.operations.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database, private media and purge list into a new folder under DIR."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("dir", type=Path, help="Folder to write the backup into.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.write("Backing up the database and media…")
        try:
            path = backup_create(options["dir"])
        except BackupError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(str(path))
