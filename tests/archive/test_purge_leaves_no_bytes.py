"""Purged means gone from disk: no byte of the words in any file under var/, server still running.

The probe: right after "Withdraw" with purge, `grep -a` found the purged
words in testimonio.sqlite3 and its -wal file. This test runs the archive as
a user would (migrate, ingest with the real model, runserver), purges through
the admin's own form, and reads every file under the var folder at once.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
# Words no thesaurus term, template or migration holds, so any hit is the testimony's.
SPOKEN = (
    "The lighthouse keeper painted seventeen tangerine boats. "
    "Every winter he played the accordion and ate marmalade by the harbour."
)
TITLE = "Zanzibarine harbour evenings"
STORYTELLER = "Quillon Marrowby"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def files_holding(var: Path, words: list[str]) -> dict[str, list[str]]:
    """Every file under `var` that holds any of `words` (any case), with the words found."""
    patterns = {word: re.compile(re.escape(word.encode()), re.IGNORECASE) for word in words}
    found: dict[str, list[str]] = {}
    for path in var.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        hits = [word for word, pattern in patterns.items() if pattern.search(data)]
        if hits:
            found[str(path.relative_to(var))] = hits
    return found


@pytest.fixture
def server(tmp_path: Path, record):
    var = tmp_path / "var"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "SEARCH_", "CELERY_", "DJANGO_SETTINGS"))
    }
    env.update(
        TESTIMONIO_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SUPERUSER_PASSWORD="purge-test-password",
        PYTHONUNBUFFERED="1",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.org")
    recording = record([SPOKEN])
    ingested = manage(
        env,
        "ingest",
        str(recording.path),
        "--title",
        TITLE,
        "--storyteller",
        STORYTELLER,
        "--access",
        "public",
        "--model",
        "tiny.en",
        "--publish",
        "--json",
    )
    testimony = json.loads(ingested.strip().splitlines()[-1])
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{base}/", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail((tmp_path / "server.log").read_text())
    yield base, var, testimony, env
    process.kill()
    process.wait(timeout=10)
    log.close()


def test_a_purged_testimony_leaves_no_byte_in_any_file_under_var(server):
    base, var, testimony, env = server
    # In a running archive the worker reads the database while an editor purges.
    # While any connection reads, SQLite can neither checkpoint the deleted pages
    # into the file nor drop its -wal file on close: that is how the probe found
    # the words in both. Read, as a worker would, until just after the purge starts.
    worker = sqlite3.connect(
        next(var.rglob("testimonio.sqlite3")), isolation_level=None, check_same_thread=False
    )
    testimony_id = testimony["id"]
    visitor = requests.Session()
    assert TITLE in visitor.get(f"{base}/").text
    transcript = visitor.get(f"{base}/transcripts/{testimony_id}.txt").text
    # The words Whisper heard, and that the test can find before the purge: the
    # grep below could not pass by looking in the wrong place.
    heard = [w for w in ("lighthouse", "tangerine", "accordion", "marmalade") if w in transcript]
    assert len(heard) >= 2, transcript
    words = [*heard, "Zanzibarine", "Quillon", "Marrowby"]
    visitor.get(f"{base}/search/", params={"q": heard[0]})
    assert visitor.get(f"{base}/t/{testimony_id}", allow_redirects=True).status_code == 200
    before = files_holding(var, words)
    assert any(path.endswith(".sqlite3") for path in before), before
    assert any("search" in path for path in before), before

    admin = requests.Session()
    login = admin.get(f"{base}/admin/login/")
    admin.post(
        f"{base}/admin/login/",
        data={
            "username": "admin",
            "password": "purge-test-password",
            "csrfmiddlewaretoken": admin.cookies["csrftoken"],
        },
        headers={"Referer": login.url},
    )
    form_url = f"{base}/admin/testimony/{testimony_id}/withdraw/"
    admin.get(form_url)
    worker.execute("BEGIN")
    worker.execute("SELECT count(*) FROM archive_segment").fetchone()
    finished_reading = threading.Timer(1.5, worker.execute, args=("COMMIT",))
    finished_reading.start()
    purged = admin.post(
        form_url,
        data={
            "reason": "Asked by phone to remove everything.",
            "purge": "on",
            "confirm": "on",
            "csrfmiddlewaretoken": admin.cookies["csrftoken"],
        },
        headers={"Referer": form_url},
    )
    assert purged.status_code == 200 and "withdrawn and purged" in purged.text
    finished_reading.join()

    assert files_holding(var, words) == {}
    worker.close()
    # The operator's command finishes the same work on demand, server still running.
    compacted = manage(env, "purge_compact", "--full")
    assert "checkpointed and truncated; tables rewritten" in compacted
    assert visitor.get(f"{base}/t/{testimony_id}", allow_redirects=True).status_code == 404
