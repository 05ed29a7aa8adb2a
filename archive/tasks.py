"""Task-queue entry points; each is a thin shell around a service."""

import logging

from celery import shared_task

from archive.jobs import CANCELLED_PREFIX
from archive.models import Transcript, TranscriptStatus
from archive.pipeline import JobStopped, transcript_process

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def process_transcript(transcript_id: int) -> str:
    """Transcribe one recording in the worker. Safe to run again after a crash.

    The message is acknowledged only when this returns, so a worker killed
    mid-transcription (SIGKILL, OOM, lost machine) leaves it with the broker,
    which hands it to the next worker; that run finds the transcript still
    "running" and starts it over: machine segments are replaced as a whole,
    in one transaction, so nothing is stored twice or half.
    """
    transcript = Transcript.objects.select_related("media__testimony").get(pk=transcript_id)
    if transcript.status == TranscriptStatus.DONE:
        return "already done"
    if transcript.status == TranscriptStatus.FAILED and transcript.error.startswith(
        CANCELLED_PREFIX
    ):
        return "cancelled"
    if transcript.status == TranscriptStatus.RUNNING:
        logger.warning(
            "Transcript %s was left running (worker lost?): transcribing it again", transcript.pk
        )
    try:
        transcript_process(transcript=transcript)
    except JobStopped:
        return "stopped"
    return "done"


@shared_task
def lift_embargoes() -> int:
    """Hourly (Celery beat): make testimony whose embargo ended findable again."""
    from archive.embargo import embargoes_lift

    return len(embargoes_lift())
