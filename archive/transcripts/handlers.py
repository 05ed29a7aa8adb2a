"""The archive's answers to the task queue's signals: a worker that starts picks up lost jobs.

Connected in ArchiveConfig.ready(), so that config.celery (the queue's app)
imports no archive module: the app knows the queue, the archive knows its
jobs.
"""

from __future__ import annotations

import logging

from celery.signals import worker_ready, worker_shutdown
from django.db import DatabaseError

from archive.transcripts.jobs import JobSweeper, jobs_requeue_orphans

logger = logging.getLogger(__name__)

_sweeper: JobSweeper | None = None


def requeue_orphaned_jobs(sender: object = None, **kwargs: object) -> None:
    """A worker killed mid-job leaves its transcript "running"; with the
    filesystem broker its message is gone too. The next worker to start
    queues such jobs again, so nothing waits forever."""
    try:
        requeued = jobs_requeue_orphans()
    except DatabaseError:
        logger.exception("Could not look for orphaned transcription jobs")
        return
    if requeued:
        logger.warning("Queued again %d orphaned job(s): %s", len(requeued), requeued)


def start_job_sweeper(sender: object = None, **kwargs: object) -> None:
    """Every live worker, with or without beat, looks for jobs whose process
    died every TESTIMONIO_JOB_SWEEP_EVERY seconds (JobSweeper)."""
    global _sweeper
    app = getattr(sender, "app", None)
    if app is None or app.conf.task_always_eager:
        # Eager tasks run in their caller: there is no worker here to sweep for.
        return
    if _sweeper is None:
        _sweeper = JobSweeper().start()


def stop_job_sweeper(sender: object = None, **kwargs: object) -> None:
    global _sweeper
    if _sweeper is not None:
        _sweeper.stop()
        _sweeper = None


def connect() -> None:
    """Connect the handlers once (ArchiveConfig.ready may run again in tests)."""
    worker_ready.connect(requeue_orphaned_jobs, weak=False, dispatch_uid="archive-requeue-orphans")
    worker_ready.connect(start_job_sweeper, weak=False, dispatch_uid="archive-start-job-sweeper")
    worker_shutdown.connect(stop_job_sweeper, weak=False, dispatch_uid="archive-stop-job-sweeper")
