"""An abandoned upload's partial file does not stay on disk forever."""

from __future__ import annotations

import io
import os
import time
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from archive.models import Upload, UploadStatus
from archive.submissions.invitations import invitation_create
from archive.submissions.uploads import (
    part_path,
    upload_append,
    upload_create,
    upload_dir,
    uploads_expire,
)
from tests.archive.test_submission_services import consented

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TESTIMONIO_UPLOAD_EXPIRE_AFTER = 3 * DAY
    cache.clear()


def half_sent() -> tuple[Upload, str]:
    invitation, token = invitation_create(
        storyteller_name="Rosa", language="es", expires_in=timedelta(days=7), by=None
    )
    consented(invitation)
    upload = upload_create(invitation=invitation, filename="voz.ogg", size=1000, sha256="a" * 64)
    upload_append(upload=upload, offset=0, stream=io.BytesIO(b"x" * 400), length=400)
    return upload, token


def age(upload: Upload, days: float) -> None:
    Upload.objects.filter(pk=upload.pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_an_upload_left_unfinished_is_expired_and_its_bytes_removed() -> None:
    upload, token = half_sent()
    assert part_path(upload).stat().st_size == 400
    age(upload, 4)
    assert uploads_expire() == 1
    upload.refresh_from_db()
    assert upload.status == UploadStatus.EXPIRED
    assert not part_path(upload).exists()

    # The storyteller comes back: told what happened, and the upload takes no more.
    client = Client()
    state = client.get(f"/submit/{token}/uploads/{upload.key}/").json()
    assert state["status"] == "expired"
    assert "deleted" in state["error"] and "send it again" in state["error"]
    more = client.patch(
        f"/submit/{token}/uploads/{upload.key}/",
        data=b"y" * 10,
        content_type="application/offset+octet-stream",
        headers={"Upload-Offset": "400"},
    )
    assert more.status_code == 410
    assert not part_path(upload).exists()


def test_an_upload_still_being_sent_is_left_alone() -> None:
    upload, _ = half_sent()
    age(upload, 2)
    assert uploads_expire() == 0
    upload.refresh_from_db()
    assert upload.status == UploadStatus.RECEIVING
    assert part_path(upload).stat().st_size == 400


def test_a_partial_file_no_upload_knows_of_goes_once_as_old() -> None:
    old, fresh = upload_dir() / f"{uuid.uuid4()}.part", upload_dir() / f"{uuid.uuid4()}.part"
    for path in (old, fresh):
        path.write_bytes(b"words")
    four_days_ago = time.time() - 4 * DAY
    os.utime(old, (four_days_ago, four_days_ago))
    assert uploads_expire() == 1
    assert not old.exists() and fresh.exists()


def test_the_command_says_how_many_it_removed() -> None:
    upload, _ = half_sent()
    age(upload, 5)
    out = StringIO()
    call_command("expire_uploads", stdout=out)
    assert "1 unfinished upload(s) expired" in out.getvalue()
