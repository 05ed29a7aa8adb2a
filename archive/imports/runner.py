"""Importing the rows a validation passed: one transaction each, nothing half-made.

A row either becomes a whole testimony (storyteller, consent with its signed
form, page with its themes, original and web copy, transcript imported or
queued) or leaves nothing: the database rolls back and the files it stored
are deleted. A failed row is reported and the next one goes on. Rows whose
recording is already in the archive (same SHA-256) are skipped, so a run
that stopped half-way is simply run again.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from archive.errors import ArchiveError, ConsentError, ReviewPending
from archive.imports.transcripts import transcript_file_read
from archive.imports.validation import ImportRow, Report
from archive.models import MediaAsset, TestimonyPage, TestimonyTheme, Theme, ThemeStatus, Transcript
from archive.models.transcript import IMPORTED_ENGINE
from archive.testimonies.ingest import testimony_ingest
from archive.testimonies.publishing import testimony_publish
from archive.transcripts.jobs import job_enqueue
from archive.transcripts.pipeline import transcript_import

logger = logging.getLogger(__name__)

IMPORTED = "imported"
SKIPPED = "skipped"
FAILED = "failed"


@dataclass(frozen=True)
class RowResult:
    row: int
    outcome: str  # imported, skipped or failed
    testimony: int | None = None
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


Progress = Callable[[int, int, RowResult], None]


def report_import(
    report: Report, *, by: object = None, progress: Progress | None = None
) -> list[RowResult]:
    """Import every row of ``report`` that passed, in manifest order; report each row's outcome."""
    valid = {row.number: row for row in report.rows}
    errors: dict[int, list[str]] = {}
    for problem in report.errors:
        if problem.row is not None:
            errors.setdefault(problem.row, []).append(
                f"{problem.column}: {problem.message}" if problem.column else problem.message
            )
    results = []
    total = report.total
    for done, manifest_row in enumerate(report.manifest.rows, start=1):
        number = manifest_row.number
        row = valid.get(number)
        if row is None:
            result = RowResult(number, FAILED, message="; ".join(errors.get(number, ["invalid"])))
        elif row.existing_testimony is not None:
            result = RowResult(
                number,
                SKIPPED,
                row.existing_testimony,
                f"already in the archive as testimony {row.existing_testimony}",
            )
        else:
            result = row_import(row, by=by)
        results.append(result)
        if progress:
            progress(done, total, result)
    return results


def row_import(row: ImportRow, *, by: object = None) -> RowResult:
    """Import one checked row; never raises for the row's own failure (it is the result)."""
    stored: list[str] = []
    media_keys: list[str] = []
    try:
        with transaction.atomic():
            existing = MediaAsset.objects.filter(sha256=row.sha256).order_by("pk").first()
            if existing is not None:
                # Imported since the validation (another run, the admin): the same skip.
                return RowResult(
                    row.number,
                    SKIPPED,
                    existing.testimony_id,
                    f"already in the archive as testimony {existing.testimony_id}",
                )
            testimony = _store(row, by, stored, media_keys)
    except BaseException as e:
        # Any failure is this row's: reported, and the next row goes on. A stop
        # (Ctrl-C, SIGTERM) tidies the same way, then stops the run.
        _remove(stored, media_keys)
        if not isinstance(e, Exception):
            raise
        if not isinstance(e, ArchiveError | OSError):
            logger.exception("Import of row %s failed", row.number)
        return RowResult(row.number, FAILED, message=str(e) or e.__class__.__name__)
    message = "imported as a draft"
    if row.publish and row.transcript is not None:
        try:
            testimony = testimony_publish(testimony=testimony)
            message = "imported and published"
        except (ConsentError, ReviewPending) as e:
            # The reason without the title: a batch's report outlives a purge's reach otherwise.
            reason = str(e).replace(f"“{testimony.title}”", "it")
            message = f"imported as a draft, not published: {reason}"
        except Exception as e:  # noqa: BLE001 - the testimony is whole; only publishing failed
            logger.exception("Publishing imported testimony %s failed", testimony.pk)
            message = f"imported as a draft, not published: {e.__class__.__name__}"
    elif row.transcript is None:
        message = "imported as a draft; Whisper transcribes it on the worker (Jobs)"
    return RowResult(row.number, IMPORTED, testimony.pk, message)


def _store(row: ImportRow, by: object, stored: list[str], media_keys: list[str]) -> TestimonyPage:
    files = None
    if row.consent_form is not None:
        # Stored first under a name of its own (never the form's own filename, which may
        # carry the storyteller's name), so a failure anywhere after knows what to delete.
        with row.consent_form.open("rb") as handle:
            name = default_storage.save(
                f"consent/forms/{uuid.uuid4().hex}{row.consent_form.suffix.lower()}", File(handle)
            )
        stored.append(name)
        files = {"signed_form": name}
    queued = testimony_ingest(
        source=row.media,
        filename=row.filename,
        details=row.details,
        consent=row.terms,
        consent_files=files,
        by=by,
    )
    media = queued.media
    media_keys.append(str(media.key))
    testimony = media.testimony
    _themes(testimony, row.themes)
    machine: Transcript | None = queued
    if row.transcript is not None:
        segments, file_format = transcript_file_read(row.transcript, duration=media.duration)
        if row.also_transcribe:
            # The machine's transcript is made too, beside the human one, which stays
            # the one shown (TestimonyPage.current_transcript prefers it).
            imported = Transcript.objects.create(media=media, engine=IMPORTED_ENGINE)
        else:
            imported, machine = queued, None
        transcript_import(
            transcript=imported,
            segments=segments,
            imported_from=row.transcript.name,
            file_format=file_format,
            language=row.details.language or "",
        )
    if machine is not None:
        job_enqueue(transcript=machine)
    return TestimonyPage.objects.get(pk=testimony.pk)


def _themes(testimony: TestimonyPage, slugs: tuple[str, ...]) -> None:
    """The manifest's themes, accepted: an archivist chose them, as an editor's decision would."""
    if not slugs:
        return
    themes = {theme.slug: theme for theme in Theme.objects.filter(slug__in=slugs)}
    for order, slug in enumerate(slugs):
        TestimonyTheme.objects.create(
            testimony=testimony, theme=themes[slug], status=ThemeStatus.ACCEPTED, sort_order=order
        )
    # The draft revision is what the page editor and publishing read.
    TestimonyPage.objects.get(pk=testimony.pk).save_revision()


def _remove(stored: list[str], media_keys: list[str]) -> None:
    """Delete what a failed row wrote to storage (the database has rolled back)."""
    for name in stored:
        try:
            default_storage.delete(name)
        except OSError as e:
            logger.warning("Could not delete %s after a failed import row: %s", name, e)
    for key in media_keys:
        for folder in ("originals", "derivatives"):
            shutil.rmtree(Path(default_storage.path(f"{folder}/{key}")), ignore_errors=True)
