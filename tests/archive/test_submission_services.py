"""Invitations and resumable uploads as services: the storyteller's link and bytes."""

from __future__ import annotations

import hashlib
import io
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from archive.consent.services import ConsentTerms, consent_record_create
from archive.models import AccessLevel, Invitation, Storyteller, TestimonyPage, UploadStatus
from archive.submissions import uploads as upload_service
from archive.submissions.invitations import (
    InvitationError,
    InvitationExpired,
    InvitationUnknown,
    InvitationUsed,
    invitation_create,
    invitation_open,
    invitation_use,
)
from archive.submissions.uploads import UploadError, part_path, upload_append, upload_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def consented(invitation: Invitation) -> Invitation:
    storyteller = Storyteller.objects.create(public_name="Rosa M.")
    consent_record_create(
        storyteller=storyteller,
        terms=ConsentTerms(
            access_level=AccessLevel.RESEARCHERS,
            show_audio=True,
            show_transcript=True,
            form_version="web-2026-1",
            form_language="es",
            method="in_app",
        ),
    )
    invitation.storyteller = storyteller
    invitation.save()
    return invitation


def test_invitation_stores_only_the_hash_of_its_token():
    invitation, token = invitation_create(
        storyteller_name="Rosa", language="es", expires_in=timedelta(days=3), by=None
    )
    assert len(token) >= 40
    assert token not in invitation.token_hash
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation_open(token) == invitation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"storyteller_name": " ", "language": "en"}, "name"),
        ({"storyteller_name": "Rosa", "language": "fr"}, "Language 'fr' is not offered"),
        ({"storyteller_name": "Rosa", "language": "en", "expires_in": timedelta(0)}, "expire"),
    ],
)
def test_invitation_create_refuses_what_cannot_work(kwargs, message):
    with pytest.raises(InvitationError, match=message):
        invitation_create(**{"expires_in": timedelta(days=1), "by": None, **kwargs})


def test_unknown_expired_and_used_invitations_say_so():
    with pytest.raises(InvitationUnknown):
        invitation_open("not-a-token")
    invitation, token = invitation_create(
        storyteller_name="Rosa", language="en", expires_in=timedelta(days=1), by=None
    )
    invitation_use(invitation=invitation)
    with pytest.raises(InvitationUsed):
        invitation_open(token)
    assert invitation_open(token, allow_used=True) == invitation
    with pytest.raises(InvitationUsed):
        invitation_use(invitation=invitation)

    old, old_token = invitation_create(
        storyteller_name="Ana", language="en", expires_in=timedelta(days=1), by=None
    )
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvitationExpired):
        invitation_open(old_token)


def test_upload_needs_consent_first():
    invitation, _ = invitation_create(
        storyteller_name="Rosa", language="en", expires_in=timedelta(days=1), by=None
    )
    with pytest.raises(UploadError) as caught:
        upload_create(invitation=invitation, filename="a.ogg", size=10, sha256="0" * 64)
    assert caught.value.status == 403


def test_chunks_append_at_the_servers_offset_only(tone_m4a: Path):
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
    upload_append(upload=upload, offset=0, stream=io.BytesIO(data[:1000]), length=1000)
    with pytest.raises(UploadError) as caught:
        upload_append(upload=upload, offset=0, stream=io.BytesIO(data[:1000]), length=1000)
    assert (caught.value.status, caught.value.offset) == (409, 1000)
    # A chunk cut short by a dropped connection leaves nothing half-written.
    with pytest.raises(UploadError):
        upload_append(upload=upload, offset=1000, stream=io.BytesIO(data[1000:1500]), length=900)
    assert part_path(upload).stat().st_size == 1000

    finished = upload_append(
        upload=upload,
        offset=1000,
        stream=io.BytesIO(data[1000:]),
        length=len(data) - 1000,
        on_complete=lambda u: upload_service.Finished(u),
    )
    assert finished.upload.offset == len(data)
    assert part_path(upload).read_bytes() == data


def test_checksum_mismatch_fails_and_leaves_nothing(tone_m4a: Path):
    invitation, _ = invitation_create(
        storyteller_name="Rosa", language="en", expires_in=timedelta(days=1), by=None
    )
    consented(invitation)
    data = tone_m4a.read_bytes()
    upload = upload_create(invitation=invitation, filename="t.m4a", size=len(data), sha256="a" * 64)
    finished = upload_append(upload=upload, offset=0, stream=io.BytesIO(data), length=len(data))
    assert finished.upload.status == UploadStatus.FAILED
    assert "checksum" in finished.upload.error
    assert not part_path(upload).exists()
    assert not TestimonyPage.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).used_at is None


def test_browser_recording_without_a_duration_is_remuxed_and_ingested(tmp_path: Path):
    # MediaRecorder writes WebM as a stream: no duration in the header, like ffmpeg to a pipe.
    webm = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=2",
         "-c:a", "libopus", "-f", "webm", "pipe:1"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    invitation, _ = invitation_create(
        storyteller_name="Rosa", language="es", expires_in=timedelta(days=1), by=None
    )
    consented(invitation)
    upload = upload_create(
        invitation=invitation,
        filename="recording.webm",
        size=len(webm),
        sha256=hashlib.sha256(webm).hexdigest(),
    )
    finished = upload_append(upload=upload, offset=0, stream=io.BytesIO(webm), length=len(webm))
    assert finished.upload.status == UploadStatus.INGESTED, finished.upload.error
    assert finished.withdrawal_token
    media = TestimonyPage.objects.get().media_assets.get()
    assert media.duration == pytest.approx(2.0, abs=0.2)
    assert not list(upload_service.upload_dir().iterdir())
