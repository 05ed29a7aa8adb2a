"""What the deploy tests share: an operator's environment, a free port, a server's start
and its stop with everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
# The test run's own settings, which an operator's shell would not have.
TEST_RUN_VARIABLES = (
    "DJANGO_",
    "TESTIMONIO_",
    "DATABASE_URL",
    "SEARCH_",
    "CELERY_",
    "CACHE_URL",
    "EMAIL_",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def operator_env(var: Path, **extra: str) -> dict[str, str]:
    """The environment of an operator starting the archive over ``var``: none of the
    test run's own variables, the production settings module, then ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(TEST_RUN_VARIABLES)}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", TESTIMONIO_VAR_DIR=str(var))
    env.update(extra)
    return env


def prepare(env: dict[str, str]) -> None:
    """What `make run` does before serving: a kept secret key, the schema."""
    subprocess.run([sys.executable, "-m", "config.secrets"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def wait_for(url: str, process: subprocess.Popen, log: Path, verify: str | bool = True) -> None:
    """Until ``url`` answers; a server that dies or never answers fails the test with its log.

    Five minutes: bin/serve compresses every static file first, slow on a busy machine.
    """
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(url, timeout=30, verify=verify, allow_redirects=False)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.5)
    stop_group(process)
    pytest.fail(log.read_text()[-3000:])


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
