"""Import batches: a manifest's run as a row the Jobs page shows, with its progress.

The command and the admin both run a manifest through `batch_run`: validate
again (files may have changed since the report was read), import row by
row, and write progress (row n of N, counts, each row's outcome) to the
batch as it goes. The admin queues the run on the task queue; the command
runs it in its own process. Running a batch again is safe: rows already
imported are skipped by their media's checksum.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from archive.errors import ArchiveError
from archive.imports.manifest import Manifest, ManifestError, manifest_read
from archive.imports.runner import FAILED, IMPORTED, SKIPPED, RowResult, report_import
from archive.imports.validation import Report, manifest_validate
from archive.models import ImportBatch, ImportStatus
from archive.transcripts.jobs import holder_alive, stale_after_default, worker_name

#: The Celery names of the tasks that check and run an admin's import (archive.tasks).
RUN_IMPORT_TASK = "archive.tasks.run_import"
VALIDATE_IMPORT_TASK = "archive.tasks.validate_import"
#: Row outcomes are written to the batch this often (rows), counters every row.
_RESULTS_EVERY = 25
#: A running batch not heard from this long (seconds) has lost its process. The
#: heartbeat is written once a row, and one row's web copy of a long video can
#: take many minutes to encode: far longer than a transcription job's limit.
BATCH_STALE_AFTER = 3600.0


class BatchError(ArchiveError):
    """A batch cannot be run in its present state."""


def _summary(report: Report) -> dict[str, int]:
    return {
        "to_import": len(report.to_import),
        "already_archived": len(report.already_archived),
        "with_errors": len(report.failed_rows),
    }


def batch_create(
    *, report: Report, media_dir: Path, by: Any = None, manifest_file: Any = None
) -> ImportBatch:
    """A batch for ``report``'s manifest, with its problems, waiting to run."""
    batch = ImportBatch(
        manifest_name=report.manifest.name[:255],
        media_dir=str(media_dir),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        total_rows=report.total,
        problems=[problem.as_dict() for problem in report.problems],
        summary=_summary(report),
    )
    if manifest_file is not None:
        batch.manifest.save(report.manifest.name, manifest_file, save=False)
    batch.save()
    return batch


def batch_upload(
    *, manifest: Manifest, manifest_file: Any, media_dir: Path, by: Any
) -> ImportBatch:
    """A batch for an uploaded manifest (already read: its header is known good),
    whose rows are checked on the task queue: ffprobe and checksums of thousands of
    recordings take longer than a request may.
    """
    batch = ImportBatch(
        manifest_name=manifest.name[:255],
        media_dir=str(media_dir),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        total_rows=len(manifest.rows),
        status=ImportStatus.VALIDATING,
    )
    batch.manifest.save(manifest.name, manifest_file, save=False)
    batch.save()
    from config.celery import app

    transaction.on_commit(
        lambda: app.signature(VALIDATE_IMPORT_TASK, args=(batch.pk,)).apply_async()
    )
    return batch


def batch_validate(*, batch: ImportBatch) -> Report | None:
    """Check every row of the batch's stored manifest now; the report goes on the batch.

    Row n of N is written as it goes, for the Jobs page. A batch with no row
    to import forgets its manifest at once. Returns None if the manifest can
    no longer be read (the batch fails with the reason).
    """

    def step(done: int, total: int) -> None:
        if done % _RESULTS_EVERY == 0 or done == total:
            ImportBatch.objects.filter(pk=batch.pk).update(
                rows_done=done, heartbeat_at=timezone.now(), updated_at=timezone.now()
            )

    ImportBatch.objects.filter(pk=batch.pk).update(
        claimed_by=worker_name(), heartbeat_at=timezone.now(), rows_done=0
    )
    try:
        report = manifest_validate(
            batch_manifest(batch), media_dir=Path(batch.media_dir), progress=step
        )
    except (ManifestError, BatchError) as e:
        _finish(batch, [], status=ImportStatus.FAILED, error=str(e))
        return None
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.VALIDATED,
        total_rows=report.total,
        problems=[p.as_dict() for p in report.problems],
        summary=_summary(report),
        updated_at=timezone.now(),
    )
    if not report.to_import:
        _forget_manifest(batch)
    return report


def batch_stalled(batch: ImportBatch) -> bool:
    """Running (or checking its rows) on paper, but its process is dead or silent too long."""
    if batch.status not in (ImportStatus.RUNNING, ImportStatus.VALIDATING):
        return False
    alive = holder_alive(batch.claimed_by)
    if alive is not None:
        return not alive
    seen = batch.heartbeat_at or batch.updated_at
    limit = max(stale_after_default(), BATCH_STALE_AFTER)
    return (timezone.now() - seen).total_seconds() > limit


def batch_may_run_again(batch: ImportBatch) -> bool:
    """Can the admin queue this batch (again)? Only one whose manifest it stored."""
    validated = batch.status == ImportStatus.VALIDATED and batch.summary.get("to_import")
    startable = validated or batch.status == ImportStatus.FAILED
    # A check that stalled has no report to confirm: the manifest is uploaded again.
    stalled = batch.status == ImportStatus.RUNNING and batch_stalled(batch)
    return bool(batch.manifest) and bool(startable or stalled)


def batch_queue(*, batch: ImportBatch) -> None:
    """Send the batch to the task queue once the current transaction commits.

    A failed or stalled batch runs again from its first row: what it imported
    before is skipped by checksum. Raises BatchError for a batch that is
    queued, running in a live process, done, or has no stored manifest.
    """
    from config.celery import app

    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not batch_may_run_again(locked):
            state = locked.get_status_display().lower()
            hint = "" if locked.manifest else " (a command's import: run import_collection again)"
            raise BatchError(f"Import {batch.pk} is {state}: it cannot be started now{hint}.")
        locked.status = ImportStatus.QUEUED
        locked.save(update_fields=["status", "updated_at"])
        transaction.on_commit(
            lambda: app.signature(RUN_IMPORT_TASK, args=(batch.pk,)).apply_async()
        )


def batch_manifest(batch: ImportBatch) -> Manifest:
    """The batch's stored manifest, read again (the admin's upload)."""
    if not batch.manifest:
        raise BatchError(f"Import {batch.pk} has no stored manifest.")
    return manifest_read(Path(batch.manifest.path), name=batch.manifest_name)


def batch_run(
    *,
    batch: ImportBatch,
    manifest: Manifest | None = None,
    report: Report | None = None,
    progress: Callable[[int, int, RowResult], None] | None = None,
) -> list[RowResult]:
    """Validate and import the batch's manifest now, in this process; returns each row's outcome.

    ``report`` is a validation just made (the command's); otherwise the
    manifest is validated again here. A manifest that cannot be read any
    more fails the batch with that reason.
    """
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING,
        claimed_by=worker_name(),
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        error="",
        rows_done=0,
        imported=0,
        skipped=0,
        failed=0,
        results=[],
        updated_at=now,
    )
    try:
        if report is None:
            manifest = manifest or batch_manifest(batch)
            report = manifest_validate(manifest, media_dir=Path(batch.media_dir))
    except (ManifestError, BatchError) as e:
        _finish(batch, [], status=ImportStatus.FAILED, error=str(e))
        raise
    ImportBatch.objects.filter(pk=batch.pk).update(
        total_rows=report.total,
        problems=[p.as_dict() for p in report.problems],
        summary=_summary(report),
    )
    results: list[RowResult] = []
    by = batch.created_by

    def step(done: int, total: int, result: RowResult) -> None:
        results.append(result)
        counter = {IMPORTED: "imported", SKIPPED: "skipped", FAILED: "failed"}[result.outcome]
        changes: dict[str, Any] = {
            "rows_done": done,
            counter: F(counter) + 1,
            "heartbeat_at": timezone.now(),
            "updated_at": timezone.now(),
        }
        if done % _RESULTS_EVERY == 0:
            changes["results"] = [r.as_dict() for r in results]
        ImportBatch.objects.filter(pk=batch.pk).update(**changes)
        if progress:
            progress(done, total, result)

    try:
        report_import(report, by=by, progress=step)
    except BaseException as e:
        # Ctrl-C, a signal, a lost database: what was imported stays (each row
        # committed on its own); running the batch again skips it.
        _finish(
            batch, results, status=ImportStatus.FAILED, error=f"stopped: {e or type(e).__name__}"
        )
        raise
    _finish(batch, results, status=ImportStatus.DONE)
    return results


def _finish(batch: ImportBatch, results: list[RowResult], *, status: str, error: str = "") -> None:
    if status == ImportStatus.DONE:
        _forget_manifest(ImportBatch.objects.get(pk=batch.pk))
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status,
        error=error,
        results=[r.as_dict() for r in results],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _forget_manifest(batch: ImportBatch) -> None:
    """Delete the stored manifest: it holds names and titles a later purge must not find.

    A finished batch needs it no more (a new run is a new upload); a failed
    one keeps it to run again.
    """
    if batch.manifest:
        batch.manifest.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(manifest="")


def purge_import_traces(sender: Any, testimony: Any, **kwargs: Any) -> None:
    """On `testimony_purged`: what the batches say of it goes, once the purge commits.

    Its rows' messages are blanked (they may quote a filename) and the
    stored manifests of the batches that imported it are deleted (they hold
    its title and the storyteller's names). The recordings in the import
    folder are the operator's to delete (docs/import.md).
    """
    testimony_id = testimony.pk

    def scrub() -> None:
        # Batches are few (one a manifest): read each rather than query inside JSON.
        for batch in ImportBatch.objects.exclude(results=[]):
            if not any(entry.get("testimony") == testimony_id for entry in batch.results):
                continue
            results = [
                {**entry, "message": "purged"} if entry.get("testimony") == testimony_id else entry
                for entry in batch.results
            ]
            ImportBatch.objects.filter(pk=batch.pk).update(results=results)
            _forget_manifest(batch)

    transaction.on_commit(scrub)


def batches_recent(limit: int = 20) -> list[ImportBatch]:
    """The latest batches, for the Jobs page, each told whether it stalled and may run again."""
    batches = list(ImportBatch.objects.select_related("created_by").order_by("-created_at")[:limit])
    for batch in batches:
        batch.stalled = batch_stalled(batch)
        batch.may_run_again = batch_may_run_again(batch)
    return batches
