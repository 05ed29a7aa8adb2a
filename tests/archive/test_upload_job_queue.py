"""A storyteller's upload is queued like every job: its message can be revoked on cancel."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.core.cache import cache

from archive.models import Transcript, TranscriptStatus, UploadStatus
from archive.submissions.invitations import invitation_create
from archive.submissions.uploads import upload_append, upload_create
from archive.tasks import process_transcript
from archive.transcripts.jobs import PROCESS_TRANSCRIPT_TASK, job_cancel
from tests.archive.test_submission_services import consented

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def _reset_pools(app: Celery) -> None:
    # The connection pools remember the broker they were made for.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def real_queue() -> Iterator[Celery]:
    """The project's Celery app sending real messages (not eager), to kombu's in-memory broker."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="memory://")
    _reset_pools(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _reset_pools(app)


def _waiting_message_ids(app: Celery) -> list[str]:
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(app.conf.task_default_queue)
        ids = []
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                return ids
            ids.append(message.headers["id"])
            assert message.headers["task"] == PROCESS_TRANSCRIPT_TASK
            message.ack()


def test_cancelling_a_queued_storyteller_upload_revokes_its_message(
    real_queue: Celery, tone_m4a: Path, django_user_model, django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    invitation, _ = invitation_create(
        storyteller_name="Rosa", language="en", expires_in=timedelta(days=1), by=None
    )
    consented(invitation)
    data = tone_m4a.read_bytes()
    upload = upload_create(
        invitation=invitation,
        filename="tone.m4a",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        finished = upload_append(upload=upload, offset=0, stream=io.BytesIO(data), length=len(data))
    assert finished.upload.status == UploadStatus.INGESTED, finished.upload.error

    transcript = Transcript.objects.get(media__testimony=finished.upload.testimony)
    assert transcript.status == TranscriptStatus.QUEUED
    assert transcript.task_id, "the queued upload records the id of its message"
    assert _waiting_message_ids(real_queue) == [transcript.task_id]

    revoked: list[str] = []
    real_revoke = real_queue.control.revoke

    def revoke(task_id: str, **kwargs: object) -> object:
        revoked.append(task_id)
        return real_revoke(task_id, **kwargs)

    monkeypatch.setattr(real_queue.control, "revoke", revoke)
    editor = django_user_model.objects.create_user("maria", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_cancel(job_id=transcript.pk, by=editor)

    assert job.state == "cancelled"
    assert revoked == [transcript.task_id]
    # Should the message reach a worker anyway, nothing is transcribed.
    assert process_transcript.apply(args=(transcript.pk,)).get() == "cancelled"
    transcript.refresh_from_db()
    assert transcript.status == TranscriptStatus.CANCELLED
    assert transcript.segments.count() == 0
