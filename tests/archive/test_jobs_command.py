"""`manage.py jobs` shows transcription work with its progress; cancel and retry."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from archive.consent.services import OPEN_TERMS
from archive.models import Transcript, TranscriptStatus
from archive.tasks import process_transcript
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest

pytestmark = pytest.mark.django_db


def jobs(*args: str) -> str:
    out = StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def queued(record) -> Transcript:
    recording = record(["I called the police for help."])
    return testimony_ingest(
        source=recording.path,
        filename=Path(recording.path).name,
        details=TestimonyDetails(title="Held after calling for help", storyteller_name="Ana P."),
        consent=OPEN_TERMS,
        model="tiny.en",
    )


def test_a_queued_job_is_listed_with_its_progress(queued: Transcript) -> None:
    Transcript.objects.filter(pk=queued.pk).update(
        status=TranscriptStatus.RUNNING, progress_seconds=queued.media.duration / 2
    )

    [job] = json.loads(jobs("--json"))

    assert job["id"] == queued.pk
    assert job["title"] == "Held after calling for help"
    assert job["state"] == "running"
    assert job["percent"] == pytest.approx(50.0, abs=0.1)
    assert "Held after calling for help" in jobs()
    assert "50.0%" in jobs()


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", is_staff=True)


def test_a_cancelled_job_is_not_transcribed_and_can_be_retried(
    queued: Transcript, editor, django_capture_on_commit_callbacks
) -> None:
    cancelled = json.loads(jobs("cancel", str(queued.pk), "--by", "editor", "--json"))

    assert cancelled["state"] == "cancelled"
    assert cancelled["cancelled_by"] == "editor"
    assert cancelled["cancelled_at"]
    assert cancelled["error"] == ""
    assert process_transcript(queued.pk) == "cancelled"
    assert queued.segments.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        jobs("retry", str(queued.pk))

    queued.refresh_from_db()
    assert queued.status == TranscriptStatus.DONE
    assert queued.cancelled_at is None
    assert queued.attempts == 1
    assert queued.started_at <= queued.finished_at
    assert queued.claimed_by
    assert queued.segments.exists()
    assert json.loads(jobs("--json", "--state", "done"))[0]["percent"] == 100.0


def test_cancelling_names_a_real_user_or_nobody(queued: Transcript) -> None:
    with pytest.raises(CommandError, match="No user 'ghost'"):
        jobs("cancel", str(queued.pk), "--by", "ghost")
    queued.refresh_from_db()
    assert queued.status == TranscriptStatus.QUEUED

    assert "cancelled" in jobs("cancel", str(queued.pk))
    queued.refresh_from_db()
    assert queued.cancelled_by is None


def test_a_done_job_cannot_be_cancelled(queued: Transcript) -> None:
    Transcript.objects.filter(pk=queued.pk).update(status=TranscriptStatus.DONE)

    with pytest.raises(CommandError, match="done"):
        jobs("cancel", str(queued.pk))
    with pytest.raises(CommandError, match="No job 999"):
        jobs("retry", "999")


def test_a_running_job_cancelled_by_an_editor_stops_without_storing(
    queued: Transcript, editor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archive.transcripts import pipeline

    real = pipeline.get_engine

    def engine_that_is_cancelled_midway(*args: object, **kwargs: object):
        engine = real(*args, **kwargs)

        class Cancelling:
            name, model_name = engine.name, engine.model_name

            def transcribe(self, audio, *, progress=None, **options):  # noqa: ANN001
                def report(done: float, total: float) -> None:
                    jobs("cancel", str(queued.pk), "--by", "editor")
                    progress(done, total)

                return engine.transcribe(audio, progress=report, **options)

        return Cancelling()

    monkeypatch.setattr(pipeline, "get_engine", engine_that_is_cancelled_midway)

    assert process_transcript(queued.pk) == "stopped"
    queued.refresh_from_db()
    assert queued.status == TranscriptStatus.CANCELLED
    assert queued.cancelled_by == editor
    assert queued.error == ""
    assert queued.segments.count() == 0
