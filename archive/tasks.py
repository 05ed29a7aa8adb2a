"""Task-queue entry points; each is a thin shell around a service."""

from celery import shared_task

from archive.models import Transcript, TranscriptStatus
from archive.pipeline import transcript_process


@shared_task(acks_late=True, reject_on_worker_lost=True)
def process_transcript(transcript_id: int) -> str:
    """Transcribe one recording in the worker. Safe to run again after a crash."""
    transcript = Transcript.objects.select_related("media__testimony").get(pk=transcript_id)
    if transcript.status == TranscriptStatus.DONE:
        return "already done"
    transcript_process(transcript=transcript)
    return "done"
