"""A job whose process died shows as stalled and can be retried; a live one is left alone."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from archive.consent.services import OPEN_TERMS
from archive.models import Transcript, TranscriptStatus
from archive.tasks import process_transcript
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
from archive.transcripts.jobs import jobs_requeue_orphans

pytestmark = pytest.mark.django_db

HOST = socket.gethostname()


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process on this machine that has ended."""
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    alive = subprocess.Popen(["sleep", "120"])
    yield alive.pid
    alive.kill()
    alive.wait()


@pytest.fixture
def queued(record) -> Transcript:
    recording = record(["Every morning I call my son on video."])
    return testimony_ingest(
        source=recording.path,
        filename=Path(recording.path).name,
        details=TestimonyDetails(title="Across the border", storyteller_name="Ana P."),
        consent=OPEN_TERMS,
        model="tiny.en",
    )


def _running(transcript: Transcript, holder: str, **state: object) -> Transcript:
    fields = {
        "status": TranscriptStatus.RUNNING,
        "claimed_by": holder,
        "heartbeat_at": timezone.now(),
        "attempts": 1,
        "progress_seconds": 1.0,
        **state,
    }
    Transcript.objects.filter(pk=transcript.pk).update(**fields)
    transcript.refresh_from_db()
    return transcript


def _jobs(*args: str) -> str:
    out = StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_a_job_whose_process_died_is_listed_as_stalled_and_retries_at_once(
    queued: Transcript, dead_pid: int, django_capture_on_commit_callbacks
) -> None:
    # Its heartbeat is a second old: only the dead process says it is lost.
    _running(queued, f"{HOST}:{dead_pid}")

    [listed] = [j for j in json.loads(_jobs("--json")) if j["id"] == queued.pk]
    assert listed["state"] == "running" and listed["stalled"] is True
    assert "stalled" in _jobs() and f"jobs retry {queued.pk}" in _jobs()

    with django_capture_on_commit_callbacks(execute=True):
        _jobs("retry", str(queued.pk))

    queued.refresh_from_db()
    assert queued.status == TranscriptStatus.DONE and queued.attempts == 2
    assert queued.segments.exists()


def test_a_job_running_in_a_live_process_does_not_retry(queued: Transcript, live_pid: int) -> None:
    _running(queued, f"{HOST}:{live_pid}")

    with pytest.raises(CommandError, match=f"running on {HOST}:{live_pid}: only failed"):
        _jobs("retry", str(queued.pk))
    assert Transcript.objects.get(pk=queued.pk).status == TranscriptStatus.RUNNING


def test_the_sweep_takes_back_dead_and_silent_jobs_and_leaves_live_and_waiting_ones(
    queued: Transcript, make_testimony, dead_pid: int, live_pid: int
) -> None:
    dead = _running(queued, f"{HOST}:{dead_pid}")
    alive = _running(make_testimony("CanaryAlive").current_transcript, f"{HOST}:{live_pid}")
    silent = _running(
        make_testimony("CanarySilent").current_transcript,
        "another-host:77",
        heartbeat_at=timezone.now() - timedelta(minutes=10),
    )
    away = _running(make_testimony("CanaryAway").current_transcript, "another-host:78")
    waiting = make_testimony("CanaryWaiting").current_transcript
    Transcript.objects.filter(pk=waiting.pk).update(
        status=TranscriptStatus.QUEUED, updated_at=timezone.now() - timedelta(hours=1)
    )

    requeued = jobs_requeue_orphans(queued=False)

    assert sorted(requeued) == sorted([dead.pk, silent.pk])
    assert Transcript.objects.get(pk=alive.pk).status == TranscriptStatus.RUNNING
    assert Transcript.objects.get(pk=away.pk).status == TranscriptStatus.RUNNING
    assert Transcript.objects.get(pk=waiting.pk).status == TranscriptStatus.QUEUED
    assert jobs_requeue_orphans(queued=False) == [], "a job goes back once"


def test_a_second_message_for_a_job_running_elsewhere_leaves_it_running(
    queued: Transcript, live_pid: int
) -> None:
    _running(queued, f"{HOST}:{live_pid}")

    assert process_transcript(queued.pk) == "running elsewhere"

    queued.refresh_from_db()
    assert queued.status == TranscriptStatus.RUNNING and queued.claimed_by.endswith(f":{live_pid}")
    assert queued.attempts == 1 and not queued.segments.exists()
