"""Finish a purge on disk: `manage.py purge_compact [--full]`.

Every purge already checkpoints SQLite's write-ahead log. Run this when a
purge said it could not (another connection was reading), and on PostgreSQL
with --full in a quiet hour: it rewrites the purged tables (VACUUM FULL locks
each table while it runs) so their dead rows leave the data files.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from archive.consent.compaction import compact_after_purge


class Command(BaseCommand):
    help = "Remove the bytes of purged testimony from the database's files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Also rewrite the purged tables (SQLite VACUUM; PostgreSQL VACUUM FULL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = compact_after_purge(full=options["full"])
        if result.vendor == "sqlite" and not result.checkpointed:
            raise CommandError(
                "The write-ahead log is still in use by another connection: "
                "stop the server and worker, then run this again."
            )
        done = [
            "write-ahead log checkpointed and truncated" if result.checkpointed else "",
            "tables rewritten" if result.vacuumed else "",
            result.detail,
        ]
        self.stdout.write(f"{result.vendor}: " + "; ".join(part for part in done if part) + ".")
