"""What the deploy tests share: stopping a server with everything it started."""

from __future__ import annotations

import os
import signal
import subprocess


def stop_group(process: subprocess.Popen, *, timeout: float = 40) -> None:
    """SIGTERM to the process group bin/serve leads (started with start_new_session),
    then SIGKILL: a failed test must not leave gunicorn workers behind."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)
