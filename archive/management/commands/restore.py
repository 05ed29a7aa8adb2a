"""`manage.py restore BACKUP --yes`: replace the archive with a backup, purges replayed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from archive.operations.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Replace the database and private media with a backup made by `backup`, purge again "
        "every testimony purged since, and rebuild the search index. Stop the server first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", type=Path, help="A folder written by `manage.py backup`.")
        parser.add_argument(
            "--yes", action="store_true", help="Really replace this archive's data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                "restore replaces this archive's database and media with the backup's: "
                "stop the server and workers, then run it again with --yes."
            )
        self.stderr.write("Checking the backup, then restoring…")
        try:
            restored = backup_restore(options["backup"])
        except BackupError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(
            f"Restored {restored.testimonies} testimonies from {restored.path}; "
            f"{restored.purges_replayed} purged again."
        )
