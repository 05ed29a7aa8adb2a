"""Jobs that lost their worker or their message are picked up again; cancelled ones stay stopped."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from celery.signals import worker_ready
from django.utils import timezone

from archive.consent.services import OPEN_TERMS
from archive.models import Transcript, TranscriptStatus
from archive.tasks import process_transcript
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
from archive.transcripts.jobs import job_cancel, jobs_requeue_orphans

pytestmark = pytest.mark.django_db


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


def _age(transcript: Transcript, **state: object) -> None:
    Transcript.objects.filter(pk=transcript.pk).update(**state)
    transcript.refresh_from_db()


def test_orphaned_running_job_is_requeued_on_worker_start(
    queued: Transcript, make_testimony, django_capture_on_commit_callbacks
) -> None:
    an_hour_ago = timezone.now() - timedelta(hours=1)
    _age(
        queued,
        status=TranscriptStatus.RUNNING,
        attempts=1,
        claimed_by="dead-host:4242",
        heartbeat_at=an_hour_ago,
        progress_seconds=1.5,
    )
    alive = make_testimony("CanaryAlive").current_transcript
    _age(
        alive,
        status=TranscriptStatus.RUNNING,
        claimed_by="busy-host:7",
        heartbeat_at=timezone.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        worker_ready.send(sender=None)

    queued.refresh_from_db()
    assert queued.status == TranscriptStatus.DONE
    assert queued.attempts == 2
    assert queued.claimed_by != "dead-host:4242"
    assert queued.heartbeat_at > an_hour_ago
    assert queued.started_at <= queued.finished_at
    assert queued.segments.exists()
    alive.refresh_from_db()
    assert alive.status == TranscriptStatus.RUNNING and alive.claimed_by == "busy-host:7"


def test_queued_job_whose_message_was_lost_is_queued_again(
    queued: Transcript, django_capture_on_commit_callbacks
) -> None:
    assert jobs_requeue_orphans(stale_after=60) == [], "a fresh queued job is left to its message"

    _age(queued, updated_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_requeue_orphans(stale_after=60) == [queued.pk]

    queued.refresh_from_db()
    assert queued.status == TranscriptStatus.DONE
    assert queued.task_id, "the run records the task that did it"


def test_cancelled_job_stops_and_stores_nothing(
    queued: Transcript, django_user_model, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    editor = django_user_model.objects.create_user("maria", is_staff=True)
    _age(queued, task_id="queued-message-1")
    revoked: list[str] = []
    monkeypatch.setattr("config.celery.app.control.revoke", lambda task_id: revoked.append(task_id))

    with django_capture_on_commit_callbacks(execute=True):
        job = job_cancel(job_id=queued.pk, by=editor)

    assert job.state == "cancelled" and job.cancelled_by == "maria"
    assert revoked == ["queued-message-1"]
    # The message arrives anyway (revocation is best effort): nothing is done.
    assert process_transcript(queued.pk) == "cancelled"
    queued.refresh_from_db()
    assert queued.status == TranscriptStatus.CANCELLED
    assert queued.attempts == 0 and queued.segments.count() == 0
    # Nor is a cancelled job an orphan, however old.
    _age(queued, updated_at=timezone.now() - timedelta(days=1))
    assert jobs_requeue_orphans(stale_after=1) == []


def test_a_run_taken_over_by_another_worker_stops_without_storing(
    queued: Transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archive.transcripts import pipeline

    real = pipeline.get_engine

    def engine_taken_over_midway(*args: object, **kwargs: object):
        engine = real(*args, **kwargs)

        class TakenOver:
            name, model_name = engine.name, engine.model_name

            def transcribe(self, audio, *, progress=None, **options):  # noqa: ANN001
                def report(done: float, total: float) -> None:
                    # Another worker decided this one was dead and claimed the job.
                    Transcript.objects.filter(pk=queued.pk).update(claimed_by="rescuer:1")
                    progress(done, total)

                return engine.transcribe(audio, progress=report, **options)

        return TakenOver()

    monkeypatch.setattr(pipeline, "get_engine", engine_taken_over_midway)

    assert process_transcript(queued.pk) == "stopped"
    queued.refresh_from_db()
    assert queued.status == TranscriptStatus.RUNNING and queued.claimed_by == "rescuer:1"
    assert queued.segments.count() == 0
