"""Transcription jobs: the Transcript rows seen as work on the task queue.

Selectors read, services write; the `jobs` command, the admin, the worker's
start-up and its periodic sweep call these.

A job is held by one process, named host:pid in ``claimed_by``. While it
runs, a heartbeat thread in that process writes ``heartbeat_at`` every few
seconds, whatever the job is doing (encoding video, loading a model,
decoding). A running job has lost its process when the process is known
dead (same host, no such pid) or its heartbeat is older than the stale
limit; every live worker looks for such jobs every TESTIMONIO_JOB_SWEEP_EVERY
seconds and queues them again, and `jobs retry` or the admin can at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from archive.errors import ArchiveError
from archive.models import Transcript, TranscriptStatus

logger = logging.getLogger(__name__)

# The Celery name of the task that runs a job (archive.tasks registers it under it).
PROCESS_TRANSCRIPT_TASK = "archive.tasks.process_transcript"

#: A running job whose heartbeat is older than this (seconds) has lost its
#: process. The heartbeat thread writes every HEARTBEAT_EVERY seconds, so the
#: limit leaves room for a busy database, not for slow work.
DEFAULT_STALE_AFTER = 120.0
#: How often (seconds) every live worker looks for jobs that lost their process.
DEFAULT_SWEEP_EVERY = 30.0
HEARTBEAT_EVERY = 10.0


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
    #: Running on paper, but its process died or has not been heard from.
    stalled: bool = False
    open_flags: int = 0

    @property
    def retryable(self) -> bool:
        return self.state in (TranscriptStatus.FAILED, TranscriptStatus.CANCELLED) or self.stalled

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
            "stalled": self.stalled,
            "open_flags": self.open_flags,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def job_state(transcript: Transcript) -> str:
    return transcript.status


def _jobs_queryset() -> QuerySet[Transcript]:
    return (
        Transcript.objects.select_related("media__testimony", "cancelled_by")
        .annotate(open_flag_count=Count("flags", filter=Q(flags__status="open")))
        .order_by("-created_at")
    )


def worker_name() -> str:
    """Who holds a job: host and process, so `jobs` shows which machine runs it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_alive(claimed_by: str) -> bool | None:
    """Is the process that holds a job alive? None when that cannot be known from here.

    Only a process on this host can be asked; a pid that exists is taken as
    alive (after a reboot a new process may have it: the heartbeat then
    decides, as for another host).
    """
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stalled(transcript: Transcript, *, stale_after: float | None = None) -> bool:
    """A running job whose process is known dead, or silent for longer than ``stale_after``."""
    if transcript.status != TranscriptStatus.RUNNING:
        return False
    if holder_alive(transcript.claimed_by) is False:
        return True
    seconds = stale_after_default() if stale_after is None else stale_after
    seen = transcript.heartbeat_at or transcript.updated_at
    return seen is None or seen < timezone.now() - timedelta(seconds=seconds)


def jobs_list(*, state: str | None = None) -> list[Job]:
    transcripts = _jobs_queryset()
    if state is not None:
        transcripts = transcripts.filter(status=state)
    return [_job(t) for t in transcripts]


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
        stalled=is_stalled(transcript),
        open_flags=getattr(transcript, "open_flag_count", 0),
    )


def _transcript(job_id: int) -> Transcript:
    try:
        return _jobs_queryset().get(pk=job_id)
    except Transcript.DoesNotExist:
        raise JobError(f"No job {job_id}.") from None


def job_enqueue(*, transcript: Transcript) -> None:
    """Send the job to the task queue once the current transaction commits.

    The one way any caller queues a transcription. The task id is recorded
    so that a cancel can revoke a message no worker has taken yet. The task
    is named, not imported: archive.tasks runs the jobs and imports this
    module, never the other way round.
    """
    from config.celery import app

    def send() -> None:
        result = app.signature(PROCESS_TRANSCRIPT_TASK, args=(transcript.pk,)).apply_async()
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
    """Queue again a job that failed, was cancelled, or lost its process; edited segments stay.

    A running job is retried only when stalled (its process died, or it has
    not been heard from for the stale limit); a queued one only when it has
    waited that long, since its message may be lost. Raises JobError otherwise.
    """
    transcript = _transcript(job_id)
    stale = stale_after_default()
    waited = transcript.updated_at < timezone.now() - timedelta(seconds=stale)
    retryable = (
        transcript.status in (TranscriptStatus.FAILED, TranscriptStatus.CANCELLED)
        or is_stalled(transcript)
        or (transcript.status == TranscriptStatus.QUEUED and waited)
    )
    if not retryable:
        holder = f" on {transcript.claimed_by}" if transcript.claimed_by else ""
        raise JobError(
            f"Job {job_id} is {job_state(transcript)}{holder}: only failed, cancelled or "
            f"stalled jobs retry (a running job is stalled when its process has died or has "
            f"not been heard from for {stale:.0f} s)."
        )
    if not _requeue(transcript):
        raise JobError(f"Job {job_id} changed while it was being retried: look again.")
    return _job(_transcript(job_id))


def _requeue(transcript: Transcript) -> bool:
    """Queue ``transcript`` again if its row is still as it was read; False if it moved.

    Conditional, so two workers sweeping at once queue a lost job once.
    """
    moved = Transcript.objects.filter(
        pk=transcript.pk,
        status=transcript.status,
        claimed_by=transcript.claimed_by,
        updated_at=transcript.updated_at,
    ).update(
        status=TranscriptStatus.QUEUED,
        error="",
        progress_seconds=0,
        claimed_by="",
        cancelled_at=None,
        cancelled_by=None,
        finished_at=None,
        updated_at=timezone.now(),
    )
    if moved:
        job_enqueue(transcript=transcript)
    return bool(moved)


def job_interrupted(*, transcript: Transcript, reason: str) -> bool:
    """Mark a job that this process was about to run, or was running, as failed on the way out.

    For a command stopped by a signal: the job says why and can be retried
    at once, instead of staying "running" until a sweep finds it. A job held
    by another process is left alone. Returns whether the job was marked.
    """
    mine = Q(status=TranscriptStatus.QUEUED) | Q(
        status=TranscriptStatus.RUNNING, claimed_by=worker_name()
    )
    marked = Transcript.objects.filter(mine, pk=transcript.pk).update(
        status=TranscriptStatus.FAILED,
        error=f"{reason}: retry it with `manage.py jobs retry {transcript.pk}` or from "
        "the admin (Transcription jobs).",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return bool(marked)


def stale_after_default() -> float:
    return float(getattr(settings, "TESTIMONIO_JOB_STALE_AFTER", DEFAULT_STALE_AFTER))


def sweep_every_default() -> float:
    return float(getattr(settings, "TESTIMONIO_JOB_SWEEP_EVERY", DEFAULT_SWEEP_EVERY))


@transaction.atomic
def jobs_requeue_orphans(*, stale_after: float | None = None, queued: bool = True) -> list[int]:
    """Queue again the jobs no process holds any more; return their ids.

    A running job is an orphan when its process is known dead (this host, no
    such pid: at once) or its heartbeat is older than ``stale_after`` seconds
    (another host: SIGKILL, OOM, a lost machine). With ``queued``, a queued
    job older than that is one too: its message was lost (the filesystem
    broker forgets a message its consumer took before dying); only a worker
    starting up asks for those, since a queued job may just be waiting its
    turn. A job queued twice is harmless: the second message finds it done,
    or running in a live process, and leaves it.
    """
    seconds = stale_after_default() if stale_after is None else stale_after
    cutoff = timezone.now() - timedelta(seconds=seconds)
    candidates = Transcript.objects.filter(status=TranscriptStatus.RUNNING)
    if queued:
        candidates = Transcript.objects.filter(
            Q(status=TranscriptStatus.RUNNING)
            | Q(status=TranscriptStatus.QUEUED, updated_at__lt=cutoff)
        )
    orphans = [
        transcript
        for transcript in candidates.order_by("created_at")
        if transcript.status == TranscriptStatus.QUEUED
        or is_stalled(transcript, stale_after=seconds)
    ]
    requeued = []
    for transcript in orphans:
        if _requeue(transcript):
            logger.warning(
                "Job %s was %s with no live process (%s, last seen %s): queued again",
                transcript.pk,
                transcript.status,
                transcript.claimed_by or "never claimed",
                transcript.heartbeat_at or transcript.updated_at,
            )
            requeued.append(transcript.pk)
    return requeued


def job_superseded(transcript: Transcript) -> bool:
    """Is ``transcript`` running in another live process (so a new message should leave it)?

    A redelivered or duplicate message for a job that is running elsewhere
    must not start it over; one whose process died must.
    """
    if transcript.status != TranscriptStatus.RUNNING:
        return False
    if transcript.claimed_by == worker_name():
        # This very process left it running: whatever ran it here is over.
        return False
    return not is_stalled(transcript)


# --- the heartbeat and the sweep, each a thread ------------------------------------------------


@contextmanager
def job_heartbeat(*, transcript: Transcript) -> Iterator[None]:
    """Keep ``heartbeat_at`` fresh while the body runs, whatever it is doing.

    A thread with its own database connection writes every HEARTBEAT_EVERY
    seconds, only while the job is still this run's. Not started inside a
    caller's transaction (tests, an atomic command): no other process could
    see its writes there, and the write would wait on the caller's own lock.
    """
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()
    claimant = transcript.claimed_by
    every = min(HEARTBEAT_EVERY, stale_after_default() / 4)

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    Transcript.objects.filter(
                        pk=transcript.pk, status=TranscriptStatus.RUNNING, claimed_by=claimant
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as e:
                    logger.warning("Heartbeat of job %s not written: %s", transcript.pk, e)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{transcript.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


class JobSweeper:
    """A thread in each worker that queues again the jobs that lost their process.

    Chosen over a Celery beat entry: beat is one optional process per
    cluster, and a deployment whose workers run without it would never
    sweep; and over the worker's own timer, which a solo-pool worker does not
    run while it transcribes, i.e. for hours. Any number of workers may sweep
    at once: re-queueing is a conditional update, so a job goes back once.
    """

    def __init__(self, every: float | None = None) -> None:
        self.every = sweep_every_default() if every is None else every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-sweeper", daemon=True)

    def start(self) -> JobSweeper:
        if self.every > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                close_old_connections()
                try:
                    requeued = jobs_requeue_orphans(queued=False)
                except DatabaseError as e:
                    logger.warning("Could not sweep for stalled transcription jobs: %s", e)
                    continue
                if requeued:
                    logger.warning("Sweep queued again %d stalled job(s): %s", len(requeued),
                                   requeued)  # fmt: skip
        finally:
            connection.close()
