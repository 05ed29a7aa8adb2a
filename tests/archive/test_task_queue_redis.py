"""The task queue for real: Celery workers over Redis, in their own processes.

Nothing here runs eagerly: the test migrates a file-based SQLite database,
ingests with `manage.py ingest --background` and lets real `celery worker`
processes do the work, one of which it kills with SIGKILL mid-transcription.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/15"
# Seconds before Redis hands a dead worker's message to another worker.
VISIBILITY_TIMEOUT = 5

SENTENCES = [
    "The officer told me that if I signed the paper I could see my children sooner.",
    "I called the police because he was hurting me, and they arrested both of us.",
    "At the county jail they took my fingerprints, and two days later immigration came.",
    "Nobody explained what the plea would mean for my status.",
    "Every morning I call my son on video, because the border is between us.",
    "The judge listened to my story, and for the first time I felt believed.",
]


def _redis() -> object:
    redis = pytest.importorskip("redis", reason="the Redis tests need the redis client")
    client = redis.Redis.from_url(BROKER, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as e:
        pytest.skip(f"no Redis at {BROKER}: {e}")
    return client


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for every subprocess: one SQLite file, one var/ folder, Redis DB 15."""
    _redis()
    root = tmp_path_factory.mktemp("queue")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
        "TESTIMONIO_VAR_DIR": str(root / "var"),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "TRANSCRIPTION_MODEL": "tiny.en",
        "PYTHONUNBUFFERED": "1",
    }
    manage("migrate", "--noinput", env=env, timeout=300)
    return env


@pytest.fixture
def broker(stack: dict[str, str]) -> Iterator[None]:
    client = _redis()
    client.flushdb()
    yield
    client.flushdb()


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}"
    return done.stdout


class Worker:
    """A `celery worker --pool=solo` process with its log in a file."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "--loglevel=INFO", "-n", f"{name}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self._out.close()


@pytest.fixture
def workers(stack: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(name: str, **env: str) -> Worker:
        worker = Worker(name, {**stack, **env}, tmp_path / f"{name}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def speech(dest: Path, sentences: list[str]) -> Path:
    wav = dest.with_suffix(".wav")
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), " ".join(sentences)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", "libopus", "-b:a", "24k",
         str(dest)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    wav.unlink()
    return dest


def ingest_in_background(path: Path, env: dict[str, str], title: str) -> int:
    out = manage(
        "ingest", str(path), "--title", title, "--storyteller", "Ana P.", "--access", "public",
        "--background", "--json", env=env,
    )  # fmt: skip
    testimony = json.loads(out.strip().splitlines()[-1])["id"]
    with closing(_db(env)) as db:
        row = db.execute(
            "SELECT t.id FROM archive_transcript t JOIN archive_mediaasset m ON t.media_id = m.id"
            " WHERE m.testimony_id = ?",
            (testimony,),
        ).fetchone()
    return row[0]


def _db(env: dict[str, str]) -> sqlite3.Connection:
    return sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=30)


def job(env: dict[str, str], transcript: int) -> tuple[str, float, str]:
    with closing(_db(env)) as db:
        return db.execute(
            "SELECT status, progress_seconds, error FROM archive_transcript WHERE id = ?",
            (transcript,),
        ).fetchone()


def segments(env: dict[str, str], transcript: int) -> list[tuple[int, float, float, str]]:
    with closing(_db(env)) as db:
        return db.execute(
            'SELECT "index", start, "end", text FROM archive_segment WHERE transcript_id = ?'
            ' ORDER BY "index"',
            (transcript,),
        ).fetchall()


def wait_for(
    what: str, check: Callable[[], bool], worker: Worker, timeout: float, every: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if not worker.alive():
            pytest.fail(f"worker died while waiting for {what}:\n{worker.tail()}")
        time.sleep(every)
    pytest.fail(f"{what} did not happen in {timeout:.0f} s:\n{worker.tail()}")


def assert_contiguous_and_covering(
    rows: list[tuple[int, float, float, str]], seconds: float
) -> None:
    assert rows, "no segments stored"
    assert [r[0] for r in rows] == list(range(len(rows))), "indexes must be 0..n-1, once each"
    for (_, start, end, _text), (_, next_start, _, _) in zip(rows, rows[1:], strict=False):
        assert start <= end <= next_start + 0.5, "segments overlap or run backwards"
    assert rows[0][1] < 5.0, "speech at the start is missing"
    assert rows[-1][2] > seconds - 8.0, "speech at the end is missing"
    spans = [(r[1], r[2]) for r in rows]
    assert len(spans) == len(set(spans)), "a stretch of speech was stored twice"


def test_background_ingest_is_transcribed_by_a_real_worker_over_redis(
    stack: dict[str, str], broker: None, workers: Callable[[str], Worker], tmp_path: Path
) -> None:
    clip = speech(tmp_path / "short.ogg", SENTENCES[:2])
    worker = workers("first")

    transcript = ingest_in_background(clip, stack, "Queued over Redis")

    assert job(stack, transcript)[0] in ("queued", "running")
    wait_for("the transcript to be done", lambda: job(stack, transcript)[0] == "done", worker, 120)
    rows = segments(stack, transcript)
    assert rows
    text = " ".join(r[3] for r in rows).lower()
    assert "police" in text or "officer" in text


def test_worker_killed_mid_transcription_leaves_a_job_the_next_worker_finishes(
    stack: dict[str, str], broker: None, workers: Callable[[str], Worker], tmp_path: Path
) -> None:
    clip = speech(tmp_path / "long.ogg", SENTENCES * 2)  # about 70 s of speech
    seconds = float(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
             str(clip)],
            check=True, capture_output=True, text=True,
        ).stdout
    )  # fmt: skip
    first = workers("doomed")
    transcript = ingest_in_background(clip, stack, "Killed mid-transcription")

    # Mid-transcription: the engine has reported progress, the job is not done.
    wait_for(
        "progress from the engine",
        lambda: (row := job(stack, transcript))[0] == "running" and row[1] > 0,
        first,
        180,
    )
    first.kill()

    status, progress, error = job(stack, transcript)
    assert status == "running" and 0 < progress < seconds, (
        f"not killed mid-run: {status} {progress}/{seconds} s {error}\n{first.tail()}"
    )
    assert segments(stack, transcript) == [], "a killed run must store nothing"

    second = workers("rescuer")
    wait_for(
        "the redelivered job to finish",
        lambda: job(stack, transcript)[0] in ("done", "failed"),
        second,
        240,
        every=0.2,
    )
    status, progress, error = job(stack, transcript)
    assert status == "done", error
    assert progress == pytest.approx(seconds, abs=1.0)
    assert_contiguous_and_covering(segments(stack, transcript), seconds)
    # Redis hands the message back, or the new worker, seeing the old one's
    # process gone, queues the job again as it starts: whichever comes first.
    assert "was left running" in second.tail() or "orphaned job" in second.tail()


def test_job_whose_message_was_lost_is_finished_by_the_next_worker_to_start(
    stack: dict[str, str], broker: None, workers: Callable[[str], Worker], tmp_path: Path
) -> None:
    clip = speech(tmp_path / "lost.ogg", SENTENCES[:1])
    transcript = ingest_in_background(clip, stack, "Message lost")
    # The broker lost the message (the filesystem broker after a SIGKILL), and
    # the row says a worker that is long gone was running it.
    _redis().flushdb()
    with closing(_db(stack)) as db:
        db.execute(
            "UPDATE archive_transcript SET status = 'running', claimed_by = 'gone:1',"
            " heartbeat_at = datetime('now', '-1 hour'), updated_at = datetime('now', '-1 hour')"
            " WHERE id = ?",
            (transcript,),
        )
        db.commit()

    worker = workers("restarted")
    wait_for("the orphaned job to finish", lambda: job(stack, transcript)[0] == "done", worker, 120)
    assert segments(stack, transcript)
    assert "orphaned job" in worker.tail()


# --- jobs whose process died are found by a live worker's periodic sweep ---------------------

# Redis would hand the dead worker's message back only after an hour: what
# finishes the job in these tests is the sweep, every SWEEP seconds.
SWEEP = 2
NO_REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "3600", "TESTIMONIO_JOB_SWEEP_EVERY": str(SWEEP)}


def claimed_by(env: dict[str, str], transcript: int) -> str:
    with closing(_db(env)) as db:
        return db.execute(
            "SELECT claimed_by FROM archive_transcript WHERE id = ?", (transcript,)
        ).fetchone()[0]


def seconds_of(clip: Path) -> float:
    return float(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
             str(clip)],
            check=True, capture_output=True, text=True,
        ).stdout
    )  # fmt: skip


def wait_until_ready(worker: Worker) -> None:
    wait_for("the worker to be ready", lambda: "ready" in worker.tail(), worker, 120, every=0.2)


def test_a_live_worker_requeues_the_job_of_a_worker_killed_mid_transcription(
    stack: dict[str, str], broker: None, workers: Callable[..., Worker], tmp_path: Path
) -> None:
    clip = speech(tmp_path / "long.ogg", SENTENCES * 2)
    seconds = seconds_of(clip)
    pair = [workers("first", **NO_REDELIVERY), workers("second", **NO_REDELIVERY)]
    for worker in pair:
        wait_until_ready(worker)
    transcript = ingest_in_background(clip, stack, "Worker killed, sweep finds it")
    wait_for(
        "a worker to be transcribing",
        lambda: (row := job(stack, transcript))[0] == "running" and row[1] > 0,
        pair[0],
        180,
    )
    holder = claimed_by(stack, transcript)
    doomed, live = pair if holder.endswith(f":{pair[0].proc.pid}") else pair[::-1]
    assert holder.endswith(f":{doomed.proc.pid}")

    doomed.kill()
    killed_at = time.monotonic()

    wait_for(
        "the live worker to take the job back",
        lambda: claimed_by(stack, transcript).endswith(f":{live.proc.pid}"),
        live,
        SWEEP + 15,
        every=0.1,
    )
    assert time.monotonic() - killed_at <= SWEEP + 15
    wait_for("the job to finish", lambda: job(stack, transcript)[0] == "done", live, 240, 0.2)
    assert_contiguous_and_covering(segments(stack, transcript), seconds)
    assert "Sweep queued again 1 stalled job(s)" in live.tail()


def _ingest_process(path: Path, env: dict[str, str], title: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "ingest", str(path), "--title", title,
         "--storyteller", "Ana P.", "--access", "public", "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _transcript_of_title(env: dict[str, str], title: str) -> int | None:
    with closing(_db(env)) as db:
        row = db.execute(
            "SELECT t.id FROM archive_transcript t JOIN archive_mediaasset m ON t.media_id = m.id"
            " JOIN wagtailcore_page p ON p.id = m.testimony_id WHERE p.title = ?",
            (title,),
        ).fetchone()
    return row[0] if row else None


def _wait_for_ingest_progress(ingest: subprocess.Popen, env: dict[str, str], title: str) -> int:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert ingest.poll() is None, f"ingest ended early:\n{ingest.stderr.read()[-3000:]}"
        transcript = _transcript_of_title(env, title)
        if transcript is not None:
            status, progress, _ = job(env, transcript)
            if status == "running" and progress > 0:
                return transcript
        time.sleep(0.05)
    pytest.fail("the ingest never started transcribing")


def test_an_ingest_killed_mid_transcription_is_finished_by_a_live_worker(
    stack: dict[str, str], broker: None, workers: Callable[..., Worker], tmp_path: Path
) -> None:
    clip = speech(tmp_path / "cli.ogg", SENTENCES * 2)
    seconds = seconds_of(clip)
    live = workers("live", **NO_REDELIVERY)
    wait_until_ready(live)
    title = "Ingest killed mid-transcription"
    ingest = _ingest_process(clip, stack, title)
    transcript = _wait_for_ingest_progress(ingest, stack, title)
    assert claimed_by(stack, transcript).endswith(f":{ingest.pid}")

    ingest.send_signal(signal.SIGKILL)
    ingest.wait(timeout=30)

    wait_for(
        "the live worker to take the job",
        lambda: claimed_by(stack, transcript).endswith(f":{live.proc.pid}"),
        live,
        SWEEP + 15,
        every=0.1,
    )
    wait_for("the job to finish", lambda: job(stack, transcript)[0] == "done", live, 240, 0.2)
    assert_contiguous_and_covering(segments(stack, transcript), seconds)


def test_an_ingest_stopped_with_sigterm_leaves_a_failed_job_that_retries(
    stack: dict[str, str], broker: None, workers: Callable[..., Worker], tmp_path: Path
) -> None:
    clip = speech(tmp_path / "term.ogg", SENTENCES * 2)
    seconds = seconds_of(clip)
    title = "Ingest stopped with SIGTERM"
    ingest = _ingest_process(clip, stack, title)
    transcript = _wait_for_ingest_progress(ingest, stack, title)

    ingest.send_signal(signal.SIGTERM)
    _, stderr = ingest.communicate(timeout=60)

    assert ingest.returncode == 1
    assert f"Ingest was stopped (SIGTERM); retry with: manage.py jobs retry {transcript}" in stderr
    status, _, error = job(stack, transcript)
    assert status == "failed" and "SIGTERM" in error
    assert segments(stack, transcript) == []

    listed = json.loads(manage("jobs", "--json", env=stack))
    assert next(j for j in listed if j["id"] == transcript)["state"] == "failed"
    manage("jobs", "retry", str(transcript), env=stack)
    worker = workers("after-retry")
    wait_for("the retried job to finish", lambda: job(stack, transcript)[0] == "done", worker, 240)
    assert_contiguous_and_covering(segments(stack, transcript), seconds)
