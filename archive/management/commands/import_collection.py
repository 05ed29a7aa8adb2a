"""python manage.py import_collection MANIFEST [--media-dir DIR] [--dry-run] [--by USERNAME]

One row per testimony (columns: docs/import.md). --dry-run checks every row
and prints every problem with its row and column, writing nothing. A real
run imports each valid row in a transaction of its own and skips rows whose
recording is already archived, so it can be run again after a crash or a fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.errors import ArchiveError
from archive.imports.batches import batch_create, batch_run
from archive.imports.manifest import manifest_read
from archive.imports.runner import FAILED, IMPORTED, SKIPPED, RowResult
from archive.imports.validation import Report, manifest_validate
from archive.management.stopping import stopped_by_signals


class Command(BaseCommand):
    help = "Import a collection of testimonies from a CSV or .xlsx manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("manifest", type=Path)
        parser.add_argument(
            "--media-dir",
            type=Path,
            help="Folder the manifest's paths are relative to (default: the manifest's folder).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and write nothing."
        )
        parser.add_argument(
            "--by", help="Username recorded as who gave the consent terms (optional)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["manifest"]
        media_dir: Path = (options["media_dir"] or path.parent).resolve()
        if not media_dir.is_dir():
            raise CommandError(f"--media-dir {media_dir}: no such folder.")
        by = self._user(options["by"])
        try:
            manifest = manifest_read(path)
            if options["dry_run"]:
                report = manifest_validate(manifest, media_dir=media_dir)
                self._dry_run(report)
                return
            report = manifest_validate(manifest, media_dir=media_dir)
            self._problems(report)
            batch = batch_create(report=report, media_dir=media_dir, by=by)
            self.stderr.write(f"Import {batch.pk}: {report.total} row(s); follow it in Jobs.")
            with stopped_by_signals():
                results = batch_run(batch=batch, report=report, progress=self._progress)
        except ArchiveError as e:
            raise CommandError(str(e)) from e
        except KeyboardInterrupt as e:
            # The row in hand was rolled back and its files removed; the rows
            # before it stay imported, and a re-run skips them.
            raise CommandError(
                f"Import stopped ({e or 'interrupted'}): run the same command again to "
                "import the rest (imported rows are skipped)."
            ) from e
        self._summary(results)

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--by {username}: no such active user.")
        return user

    def _problems(self, report: Report) -> None:
        for problem in report.problems:
            self.stdout.write(str(problem))

    def _dry_run(self, report: Report) -> None:
        self._problems(report)
        failed = len(report.failed_rows)
        self.stdout.write(
            f"Dry run of {report.manifest.name}: {report.total} row(s); "
            f"{len(report.to_import)} would be imported, "
            f"{len(report.already_archived)} already in the archive (skipped), "
            f"{failed} with errors. Nothing was written."
        )
        if failed:
            raise CommandError(f"{failed} row(s) have errors: fix them and run again.")

    def _progress(self, done: int, total: int, result: RowResult) -> None:
        where = f" testimony {result.testimony}" if result.testimony else ""
        self.stderr.write(f"row {done}/{total} (manifest row {result.row}): {result.outcome}"
                          f"{where}: {result.message}")  # fmt: skip

    def _summary(self, results: list[RowResult]) -> None:
        counts = dict.fromkeys((IMPORTED, SKIPPED, FAILED), 0)
        for result in results:
            counts[result.outcome] += 1
        self.stdout.write(
            f"{counts[IMPORTED]} imported, {counts[SKIPPED]} skipped (already in the archive), "
            f"{counts[FAILED]} failed."
        )
        if counts[FAILED]:
            raise CommandError(
                f"{counts[FAILED]} row(s) failed and left nothing behind: fix them and run "
                "the same manifest again (imported rows are skipped)."
            )
