"""The web server killed with SIGKILL in the middle of a storyteller's upload.

Nothing half-made remains: after a restart the server reports the last whole
chunk it confirmed, the client continues from there, and the recording
arrives once, whole, as one testimony.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.deploy.conftest import ROOT, free_port, operator_env, prepare, wait_for

CHUNK = 8 * 1024

SETUP = """
from datetime import timedelta
from archive.consent.services import ConsentTerms, consent_record_create
from archive.submissions.invitations import invitation_create
from archive.models import AccessLevel, Storyteller
invitation, token = invitation_create(storyteller_name="Rosa", language="en",
                                      expires_in=timedelta(days=1), by=None)
storyteller = Storyteller.objects.create(public_name="Rosa M.")
consent_record_create(storyteller=storyteller, terms=ConsentTerms(
    access_level=AccessLevel.RESEARCHERS, show_audio=True, show_transcript=True,
    form_version="web-2026-1", form_language="en", method="in_app"))
invitation.storyteller = storyteller
invitation.save()
print(token)
"""

OUTCOME = """
import json
from archive.models import MediaAsset, TestimonyPage, Upload
print(json.dumps({
    "uploads": list(Upload.objects.values_list("status", flat=True)),
    "testimonies": TestimonyPage.objects.filter(storyteller__public_name="Rosa M.").count(),
    "sha256": list(MediaAsset.objects.values_list("sha256", flat=True)),
}))
"""


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.base = f"http://{env['TESTIMONIO_BIND']}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(ROOT / "bin" / "serve")], cwd=ROOT, env=self.env, start_new_session=True,
            stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self.base + "/", self.process, self.log)

    def kill(self) -> None:
        """SIGKILL to gunicorn's master and every worker at once: no clean-up runs."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path):
    env = operator_env(
        tmp_path / "var", TESTIMONIO_BIND=f"127.0.0.1:{free_port()}", TESTIMONIO_WORKER="0"
    )
    prepare(env)
    running = Server(env, tmp_path / "serve.log")
    yield running
    running.kill()


def shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def test_killed_mid_chunk_the_upload_resumes_and_arrives_once(server, record, tmp_path) -> None:
    recording = record(["My brother waited at the border for three days."] * 4).path
    data = recording.read_bytes()
    assert len(data) > 4 * CHUNK
    token = shell(server.env, SETUP)
    server.start()

    client = requests.Session()
    client.get(f"{server.base}/submit/{token}/record/", timeout=30).raise_for_status()
    csrf = {"X-CSRFToken": client.cookies["csrftoken"]}
    created = client.post(
        f"{server.base}/submit/{token}/uploads/",
        json={"filename": "voz.ogg", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
        headers=csrf,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    url = server.base + created.json()["url"]

    def patch(offset: int, body: bytes) -> requests.Response:
        headers = {**csrf, "Upload-Offset": str(offset),
                   "Content-Type": "application/offset+octet-stream"}  # fmt: skip
        return client.patch(url, data=body, headers=headers, timeout=60)

    assert patch(0, data[:CHUNK]).status_code == 204

    # The second chunk: headers and half its bytes, then the server dies.
    host, port = server.env["TESTIMONIO_BIND"].split(":")
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    path = created.json()["url"]
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(
            (
                f"PATCH {path} HTTP/1.1\r\nHost: {server.env['TESTIMONIO_BIND']}\r\n"
                f"Cookie: {cookies}\r\nX-CSRFToken: {csrf['X-CSRFToken']}\r\n"
                f"Upload-Offset: {CHUNK}\r\nContent-Type: application/offset+octet-stream\r\n"
                f"Content-Length: {CHUNK}\r\n\r\n"
            ).encode()
            + data[CHUNK : CHUNK + CHUNK // 2]
        )
        time.sleep(1.0)
        server.kill()

    server.start()
    state = client.head(url, timeout=30)
    assert state.headers["Upload-Status"] == "receiving"
    offset = int(state.headers["Upload-Offset"])
    assert offset == CHUNK, "only the confirmed chunk counts"

    while offset < len(data):
        answer = patch(offset, data[offset : offset + CHUNK])
        if answer.status_code == 204:
            offset = int(answer.headers["Upload-Offset"])
            continue
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "ingested", answer.text
        break
    outcome = json.loads(shell(server.env, OUTCOME))
    assert outcome["uploads"] == ["ingested"]
    assert outcome["testimonies"] == 1
    assert outcome["sha256"] == [hashlib.sha256(data).hexdigest()]
    leftovers = list((tmp_path / "var" / "media" / "uploads").glob("*.part"))
    assert leftovers == [], "a partial file outlived the finished upload"
