"""The task queue app; the worker that `make run` starts imports this."""

import logging
import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("testimonio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    # kombu's filesystem transport expects its folders to exist; the embedded
    # default must start on a fresh clone without a manual mkdir.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _sweep_for_lost_messages(sender: Celery, **kwargs: object) -> None:
    # With Redis, the task of a worker that died (SIGKILL, OOM, lost machine)
    # comes back only when a live worker sweeps the unacked set and finds it
    # older than visibility_timeout. kombu sweeps every 100 s by default; tie
    # the sweep to the timeout so a short timeout really means a quick return.
    options = sender.conf.broker_transport_options
    timeout = (options or {}).get("visibility_timeout")
    if not timeout or not str(sender.conf.broker_url).startswith(("redis", "rediss")):
        return
    options.setdefault("unacked_restore_interval", max(1, min(10, int(timeout) // 5)))
    options.setdefault("unacked_restore_throttle", 1)


@worker_ready.connect
def _requeue_orphaned_jobs(sender: object = None, **kwargs: object) -> None:
    # A worker killed mid-job leaves its transcript "running"; with the
    # filesystem broker its message is gone too. The next worker to start
    # queues such jobs again, so nothing waits forever.
    from django.db import DatabaseError

    from archive.transcripts.jobs import jobs_requeue_orphans

    try:
        requeued = jobs_requeue_orphans()
    except DatabaseError:
        logger.exception("Could not look for orphaned transcription jobs")
        return
    if requeued:
        logger.warning("Queued again %d orphaned job(s): %s", len(requeued), requeued)


_sweeper = None


@worker_ready.connect
def _start_job_sweeper(sender: object = None, **kwargs: object) -> None:
    # Every live worker, with or without beat, looks for jobs whose process
    # died every TESTIMONIO_JOB_SWEEP_EVERY seconds (archive.transcripts.jobs.JobSweeper).
    global _sweeper
    from archive.transcripts.jobs import JobSweeper

    if sender is None or app.conf.task_always_eager:
        # Eager tasks run in their caller: there is no worker here to sweep for.
        return
    if _sweeper is None:
        _sweeper = JobSweeper().start()


@worker_shutdown.connect
def _stop_job_sweeper(sender: object = None, **kwargs: object) -> None:
    global _sweeper
    if _sweeper is not None:
        _sweeper.stop()
        _sweeper = None
