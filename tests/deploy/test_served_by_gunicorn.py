"""bin/serve: the archive behind gunicorn with debug off, refusing what it should."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

import pytest
import requests

from tests.deploy.conftest import ROOT, free_port, operator_env, prepare, stop_group, wait_for


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    var = tmp_path_factory.mktemp("served") / "var"
    var.mkdir()
    port = free_port()
    env = operator_env(
        var, TESTIMONIO_BIND=f"127.0.0.1:{port}", TESTIMONIO_WORKER="0", WEB_CONCURRENCY="2"
    )
    prepare(env)
    log = (var / "serve.log").open("w")
    process = subprocess.Popen(
        [str(ROOT / "bin" / "serve")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/", process, var / "serve.log")
    yield base, port, process, var
    stop_group(process)
    log.close()


def test_pages_come_from_gunicorn_with_debug_off_and_hashed_static_files(served) -> None:
    base, *_ = served
    home = requests.get(f"{base}/", timeout=10)
    assert home.status_code == 200
    assert home.headers["Server"].startswith("gunicorn")
    assert "script-src 'self'" in home.headers["Content-Security-Policy"]
    [stylesheet] = re.findall(r'href="(/static/archive/site\.[0-9a-f]{12}\.css)"', home.text)
    css = requests.get(base + stylesheet, timeout=10)
    assert css.status_code == 200
    assert "max-age=315360000" in css.headers["Cache-Control"]
    missing = requests.get(f"{base}/t/99999", timeout=10)
    assert missing.status_code == 404
    assert "Traceback" not in missing.text and "DEBUG = True" not in missing.text


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        return conn.recv(4096)


def test_bad_requests_are_refused_cleanly(served) -> None:
    base, port, _, var = served
    assert requests.get(f"{base}/", headers={"Host": "evil.example"}, timeout=10).status_code == 400
    huge = _raw(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
    assert huge.startswith(b"HTTP/1.1 4"), huge[:80]
    long_line = _raw(port, b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert long_line.startswith(b"HTTP/1.1 4"), long_line[:80]
    for path in ("/search/%00", "/static/../config/settings.py", "/media/..%2f..%2fsecret-key/"):
        answer = requests.get(base + path, timeout=10)
        assert answer.status_code in (400, 404), path
        assert "SECRET" not in answer.text
    no_token = requests.post(f"{base}/accounts/login/", data={"login": "a@b.c"}, timeout=10)
    assert no_token.status_code == 403
    log = (var / "serve.log").read_text()
    assert "a@b.c" not in log  # nothing personal in the server's log


def test_a_slow_client_does_not_hold_the_server(served) -> None:
    """Three slowloris-style clients trickling headers do not stop others being served.

    Each holds one of gunicorn's threads (2 workers x 4) until its timeout; many
    such clients are nginx's to absorb (it buffers requests: deploy/nginx.conf).
    """
    base, port, _, _ = served
    slow = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
    try:
        for conn in slow:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        # Generous: the point is being served at all while they hold their threads.
        assert requests.get(f"{base}/", timeout=90).status_code == 200
    finally:
        for conn in slow:
            conn.close()


def test_stopping_bin_serve_stops_its_server(served) -> None:
    base, _, process, _ = served
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) is not None
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/", timeout=5)


def test_the_web_entry_point_runs_numpys_blas_on_one_thread_per_request(tmp_path) -> None:
    # Visitors are served a thread each; BLAS threads of their own spun on the
    # same two cores (bench/load.py). Checked in a fresh interpreter, as a server starts.
    probe = (
        "import config.wsgi, numpy, threadpoolctl; "
        "print(sorted({p['num_threads'] for p in threadpoolctl.threadpool_info() "
        "if p['user_api'] == 'blas'}))"
    )
    env = {k: v for k, v in operator_env(tmp_path).items() if k != "OPENBLAS_NUM_THREADS"}
    subprocess.run([sys.executable, "-m", "config.secrets"], cwd=ROOT, env=env, check=True)
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "[1]"
