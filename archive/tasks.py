"""Task-queue entry points; each is a thin shell around a service."""

import logging

from celery import Task, shared_task

from archive.models import Transcript, TranscriptStatus
from archive.transcripts.jobs import PROCESS_TRANSCRIPT_TASK, job_enqueue, job_superseded
from archive.transcripts.pipeline import JobStopped, transcript_process

logger = logging.getLogger(__name__)


@shared_task(name=PROCESS_TRANSCRIPT_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def process_transcript(self: Task, transcript_id: int) -> str:
    """Transcribe one recording in the worker. Safe to run again after a crash.

    The message is acknowledged only when this returns, so a worker killed
    mid-transcription (SIGKILL, OOM, lost machine) leaves it with the broker,
    which hands it to the next worker; that run finds the transcript still
    "running", claims it and starts it over: machine segments are replaced as
    a whole, in one transaction, so nothing is stored twice or half. Where the
    broker loses the message (the filesystem broker), a live worker's sweep
    queues the job again (archive.transcripts.jobs.JobSweeper). A message for a job that
    a live process is running is left alone.
    """
    transcript = Transcript.objects.select_related("media__testimony").filter(pk=transcript_id)
    transcript = transcript.first()
    if transcript is None:
        # Purged with its testimony while the message waited.
        return "gone"
    if transcript.status == TranscriptStatus.DONE:
        return "already done"
    if transcript.status == TranscriptStatus.CANCELLED:
        return "cancelled"
    if job_superseded(transcript):
        # A duplicate or redelivered message while a live process runs it.
        logger.info("Transcript %s is running in %s: left to it", transcript.pk,
                    transcript.claimed_by)  # fmt: skip
        return "running elsewhere"
    if transcript.status == TranscriptStatus.RUNNING:
        logger.warning(
            "Transcript %s was left running by %s (worker lost?): transcribing it again",
            transcript.pk,
            transcript.claimed_by or "a worker",
        )
    try:
        transcript_process(transcript=transcript, task_id=self.request.id or "")
    except JobStopped:
        return "stopped"
    queue_translations(transcript)
    return "done"


def queue_translations(transcript: Transcript) -> None:
    """The English translations wait for the transcript: one recording at a time per worker."""
    for translation in transcript.translations.filter(status=TranscriptStatus.QUEUED):
        job_enqueue(transcript=translation)


@shared_task
def lift_embargoes() -> int:
    """Hourly (Celery beat): make testimony whose embargo ended findable again."""
    from archive.consent.embargo import embargoes_lift

    return len(embargoes_lift())


@shared_task
def expire_uploads() -> int:
    """Hourly (beat): remove partial uploads left unfinished too long."""
    from archive.submissions.uploads import uploads_expire

    return uploads_expire()


@shared_task(name="archive.tasks.run_import", acks_late=True)
def run_import(batch_id: int) -> str:
    """Run an admin's confirmed import (archive.imports.batches). Safe to run again."""
    from archive.errors import ArchiveError
    from archive.imports.batches import batch_run
    from archive.models import ImportBatch, ImportStatus

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status != ImportStatus.QUEUED:
        return "not queued"
    try:
        batch_run(batch=batch)
    except ArchiveError:
        return "failed"  # the batch says why
    return "done"


@shared_task(name="archive.tasks.validate_import", acks_late=True)
def validate_import(batch_id: int) -> str:
    """Check an uploaded manifest's rows (archive.imports.batches), for the admin's report."""
    from archive.imports.batches import batch_validate
    from archive.models import ImportBatch, ImportStatus

    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.VALIDATING).first()
    if batch is None:
        return "not waiting"
    return "validated" if batch_validate(batch=batch) is not None else "failed"
