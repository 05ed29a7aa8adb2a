"""The task queue app; the worker that `make run` starts imports this.

It imports no archive module: what a starting worker does for the archive
(queue lost jobs again, sweep for stalled ones) is the archive's own signal
handlers, connected in ArchiveConfig.ready() (archive/transcripts/handlers.py).
"""

import os
from pathlib import Path

from celery import Celery

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
