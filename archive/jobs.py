"""Transcription jobs: the Transcript rows seen as work on the task queue.

Selectors read, services write; the `jobs` command, the admin and the
worker's start-up call these.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from archive.errors import ArchiveError
from archive.models import Transcript, TranscriptStatus

logger = logging.getLogger(__name__)

#: A running job whose heartbeat is older than this (seconds) has lost its
#: worker. Heartbeats come every few seconds while the engine decodes; the
#: margin covers loading a large model before the first one.
DEFAULT_STALE_AFTER = 300.0


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
    kind: str = "transcript"
    attempts: int = 0
    claimed_by: str = ""
    heartbeat_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str = ""

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
            "kind": self.kind,
            "attempts": self.attempts,
            "claimed_by": self.claimed_by,
            "heartbeat_at": _iso(self.heartbeat_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "cancelled_at": _iso(self.cancelled_at),
            "cancelled_by": self.cancelled_by,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def job_state(transcript: Transcript) -> str:
    return transcript.status


def _jobs_queryset() -> QuerySet[Transcript]:
    return Transcript.objects.select_related("media__testimony", "cancelled_by").order_by(
        "-created_at"
    )


def jobs_list(*, state: str | None = None) -> list[Job]:
    transcripts = _jobs_queryset()
    if state is not None:
        transcripts = transcripts.filter(status=state)
    return [_job(t) for t in transcripts]


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
        kind=transcript.kind,
        attempts=transcript.attempts,
        claimed_by=transcript.claimed_by,
        heartbeat_at=transcript.heartbeat_at,
        started_at=transcript.started_at,
        finished_at=transcript.finished_at,
        cancelled_at=transcript.cancelled_at,
        cancelled_by=transcript.cancelled_by.get_username() if transcript.cancelled_by else "",
    )


def _transcript(job_id: int) -> Transcript:
    try:
        return _jobs_queryset().get(pk=job_id)
    except Transcript.DoesNotExist:
        raise JobError(f"No job {job_id}.") from None


def job_enqueue(*, transcript: Transcript) -> None:
    """Send the job to the task queue once the current transaction commits.

    The task id is recorded so that a cancel can revoke a message no worker
    has taken yet.
    """
    from archive.tasks import process_transcript

    def send() -> None:
        result = process_transcript.delay(transcript.pk)
        # An eager run (tests, embedded commands) has already finished and
        # recorded its own id; only a queued one is still waiting for it.
        Transcript.objects.filter(pk=transcript.pk, status=TranscriptStatus.QUEUED).update(
            task_id=result.id
        )

    transaction.on_commit(send)


def _revoke(task_id: str) -> None:
    """Tell the workers to drop the task's message; best effort (the task checks the row too)."""
    if not task_id:
        return
    from kombu.exceptions import KombuError

    from config.celery import app

    try:
        app.control.revoke(task_id)
    except (KombuError, OSError, NotImplementedError) as e:
        # Some transports cannot broadcast (or the broker is down): the
        # worker still finds the job cancelled when it reads the row.
        logger.warning("Could not revoke task %s: %s", task_id, e)


@transaction.atomic
def job_cancel(*, job_id: int, by: AbstractBaseUser | None) -> Job:
    """Stop a queued or running job. A running one stops at its next progress write.

    Records who cancelled it and when, and revokes its queued message.
    Raises JobError for a job that is already done, failed or cancelled.
    """
    transcript = _transcript(job_id)
    transcript = Transcript.objects.select_for_update().get(pk=transcript.pk)
    if transcript.status not in (TranscriptStatus.QUEUED, TranscriptStatus.RUNNING):
        raise JobError(
            f"Job {job_id} is {job_state(transcript)}: only queued or running jobs stop."
        )
    transcript.status = TranscriptStatus.CANCELLED
    transcript.cancelled_at = timezone.now()
    transcript.cancelled_by = by
    transcript.finished_at = transcript.cancelled_at
    transcript.save(
        update_fields=["status", "cancelled_at", "cancelled_by", "finished_at", "updated_at"]
    )
    task_id = transcript.task_id
    transaction.on_commit(lambda: _revoke(task_id))
    return _job(_transcript(job_id))


@transaction.atomic
def job_retry(*, job_id: int) -> Job:
    """Queue a failed or cancelled job again; its edited segments stay.

    Raises JobError for a job that is queued, running or done.
    """
    transcript = _transcript(job_id)
    if transcript.status not in (TranscriptStatus.FAILED, TranscriptStatus.CANCELLED):
        raise JobError(
            f"Job {job_id} is {job_state(transcript)}: only failed or cancelled jobs retry."
        )
    _requeue(transcript)
    return _job(_transcript(job_id))


def _requeue(transcript: Transcript) -> None:
    transcript.status = TranscriptStatus.QUEUED
    transcript.error = ""
    transcript.progress_seconds = 0
    transcript.claimed_by = ""
    transcript.cancelled_at = None
    transcript.cancelled_by = None
    transcript.finished_at = None
    transcript.save(
        update_fields=[
            "status",
            "error",
            "progress_seconds",
            "claimed_by",
            "cancelled_at",
            "cancelled_by",
            "finished_at",
            "updated_at",
        ]
    )
    job_enqueue(transcript=transcript)


def stale_after_default() -> float:
    return float(getattr(settings, "TESTIMONIO_JOB_STALE_AFTER", DEFAULT_STALE_AFTER))


@transaction.atomic
def jobs_requeue_orphans(*, stale_after: float | None = None) -> list[int]:
    """Queue again the jobs no worker holds any more; return their ids.

    A running job whose heartbeat is older than ``stale_after`` seconds lost
    its worker (SIGKILL, OOM, a lost machine); a queued job older than that
    lost its message (the filesystem broker forgets a message its consumer
    took before dying). Called when a worker starts. A job queued twice is
    harmless: a run finds it done, or takes it over from the other run.
    """
    seconds = stale_after_default() if stale_after is None else stale_after
    cutoff = timezone.now() - timedelta(seconds=seconds)
    orphans = list(
        Transcript.objects.select_for_update()
        .filter(
            Q(status=TranscriptStatus.RUNNING, heartbeat_at__lt=cutoff)
            | Q(status=TranscriptStatus.RUNNING, heartbeat_at__isnull=True, updated_at__lt=cutoff)
            | Q(status=TranscriptStatus.QUEUED, updated_at__lt=cutoff)
        )
        .order_by("created_at")
    )
    for transcript in orphans:
        logger.warning(
            "Job %s was %s with no worker since %s: queued again",
            transcript.pk,
            transcript.status,
            transcript.heartbeat_at or transcript.updated_at,
        )
        _requeue(transcript)
    return [t.pk for t in orphans]
