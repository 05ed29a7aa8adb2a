"""Transcription jobs: the Transcript rows seen as work on the task queue.

Selectors read, services write; the `jobs` command and the admin call these.
Until the Transcript model has a "cancelled" state, a cancelled job is a
failed one whose error starts with CANCELLED_PREFIX.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from archive.errors import ArchiveError
from archive.models import Transcript, TranscriptStatus

CANCELLED_PREFIX = "cancelled by "


class JobError(ArchiveError):
    """A job cannot be cancelled or retried in its present state."""


@dataclass(frozen=True)
class Job:
    id: int
    testimony_id: int
    title: str
    state: str
    progress_seconds: float
    duration: float
    error: str
    engine: str
    model: str
    language: str
    updated_at: datetime

    @property
    def percent(self) -> float:
        if self.state == TranscriptStatus.DONE:
            return 100.0
        if self.duration <= 0:
            return 0.0
        return round(min(100.0, 100.0 * self.progress_seconds / self.duration), 1)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "testimony": self.testimony_id,
            "title": self.title,
            "state": self.state,
            "progress_seconds": round(self.progress_seconds, 1),
            "duration": round(self.duration, 1),
            "percent": self.percent,
            "error": self.error,
            "engine": self.engine,
            "model": self.model,
            "language": self.language,
            "updated_at": self.updated_at.isoformat(),
        }


def job_state(transcript: Transcript) -> str:
    if transcript.status == TranscriptStatus.FAILED and transcript.error.startswith(
        CANCELLED_PREFIX
    ):
        return "cancelled"
    return transcript.status


def _jobs_queryset() -> QuerySet[Transcript]:
    return Transcript.objects.select_related("media__testimony").order_by("-created_at")


def jobs_list(*, state: str | None = None) -> list[Job]:
    jobs = [_job(t) for t in _jobs_queryset()]
    return [job for job in jobs if state is None or job.state == state]


def job_get(*, job_id: int) -> Job:
    return _job(_transcript(job_id))


def _job(transcript: Transcript) -> Job:
    media = transcript.media
    return Job(
        id=transcript.pk,
        testimony_id=media.testimony_id,
        title=media.testimony.title,
        state=job_state(transcript),
        progress_seconds=transcript.progress_seconds,
        duration=media.duration,
        error=transcript.error,
        engine=transcript.engine,
        model=transcript.model,
        language=transcript.language,
        updated_at=transcript.updated_at,
    )


def _transcript(job_id: int) -> Transcript:
    try:
        return _jobs_queryset().get(pk=job_id)
    except Transcript.DoesNotExist:
        raise JobError(f"No job {job_id}.") from None


@transaction.atomic
def job_cancel(*, job_id: int, by: str) -> Job:
    """Stop a queued or running job. A running one stops at its next progress write.

    Raises JobError for a job that is already done, failed or cancelled.
    """
    transcript = _transcript(job_id)
    if transcript.status not in (TranscriptStatus.QUEUED, TranscriptStatus.RUNNING):
        raise JobError(
            f"Job {job_id} is {job_state(transcript)}: only queued or running jobs stop."
        )
    transcript.status = TranscriptStatus.FAILED
    transcript.error = f"{CANCELLED_PREFIX}{by}"
    transcript.save(update_fields=["status", "error", "updated_at"])
    return _job(transcript)


@transaction.atomic
def job_retry(*, job_id: int) -> Job:
    """Queue a failed or cancelled job again; its edited segments stay.

    Raises JobError for a job that is queued, running or done.
    """
    from archive.tasks import process_transcript

    transcript = _transcript(job_id)
    if transcript.status != TranscriptStatus.FAILED:
        raise JobError(
            f"Job {job_id} is {job_state(transcript)}: only failed or cancelled jobs retry."
        )
    transcript.status = TranscriptStatus.QUEUED
    transcript.error = ""
    transcript.progress_seconds = 0
    transcript.save(update_fields=["status", "error", "progress_seconds", "updated_at"])
    transaction.on_commit(lambda: process_transcript.delay(transcript.pk))
    return _job(transcript)
