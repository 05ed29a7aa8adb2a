"""A full media disk gives a clear error and leaves no partial files or rows.

The media folder is a real 2 MB tmpfs, so the writes meet the kernel's own
"No space left on device", not a stand-in.
"""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from archive.models import MediaAsset, TestimonyPage, Upload
from archive.submissions.invitations import invitation_create
from archive.submissions.uploads import UploadError, part_path, upload_append, upload_create
from tests.archive.test_submission_services import consented

pytestmark = pytest.mark.django_db

DISK_BYTES = 2 * 1024**2


@pytest.fixture
def small_disk(tmp_path: Path, settings):
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here: {mounted.stderr.strip()}")
    settings.MEDIA_ROOT = folder
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder / "private"), "base_url": None},
        },
    }
    cache.clear()
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def big_recording(tmp_path: Path, seconds: int) -> Path:
    """A real, uncompressed WAV of noise: about 86 KB a second."""
    path = tmp_path / "long.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"anoisesrc=d={seconds}:r=44100",
         "-ac", "1", "-c:a", "pcm_s16le", str(path)],
        check=True,
    )  # fmt: skip
    return path


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def ingest_args(path: Path) -> list[str]:
    return [str(path), "--title", "Too big", "--storyteller", "Ana", "--access", "public"]


def test_ingest_refuses_a_recording_the_disk_cannot_hold(small_disk, tmp_path, settings) -> None:
    settings.TESTIMONIO_DISK_RESERVE_BYTES = 0
    recording = big_recording(tmp_path, 40)  # about 3.4 MB
    with pytest.raises(CommandError, match="media disk has .* free") as refused:
        call_command("ingest", *ingest_args(recording), stdout=io.StringIO(), stderr=io.StringIO())
    assert "Nothing was kept" in str(refused.value)
    assert files_under(small_disk) == []
    assert not TestimonyPage.objects.filter(title="Too big").exists()


def test_a_disk_that_fills_during_the_write_leaves_nothing(small_disk, tmp_path, settings) -> None:
    """The room check passed (as when another process filled the disk meanwhile)."""
    settings.TESTIMONIO_DISK_RESERVE_BYTES = -10 * DISK_BYTES  # let the write meet the full disk
    recording = big_recording(tmp_path, 40)
    with pytest.raises(CommandError, match="filled up while storing it") as refused:
        call_command("ingest", *ingest_args(recording), stdout=io.StringIO(), stderr=io.StringIO())
    assert "Nothing was kept" in str(refused.value)
    assert files_under(small_disk) == [], "a half-written original was left"
    assert not TestimonyPage.objects.filter(title="Too big").exists()
    assert not MediaAsset.objects.exists()


def test_an_upload_chunk_on_a_full_disk_keeps_what_arrived(small_disk) -> None:
    invitation, _ = invitation_create(
        storyteller_name="Rosa", language="es", expires_in=timedelta(days=7), by=None
    )
    consented(invitation)
    size = 3 * 1024**2
    upload = upload_create(invitation=invitation, filename="voz.ogg", size=size, sha256="a" * 64)
    chunk = 1024**2
    upload_append(upload=upload, offset=0, stream=io.BytesIO(b"x" * chunk), length=chunk)
    with pytest.raises(UploadError) as full:
        for offset in (chunk, 2 * chunk):
            upload_append(
                upload=upload, offset=offset, stream=io.BytesIO(b"y" * chunk), length=chunk
            )
    assert full.value.status == 507
    assert "no room" in str(full.value) and "continue" in str(full.value)
    upload.refresh_from_db()
    # Only whole, confirmed chunks remain, and the file agrees with the database.
    assert upload.offset in (chunk, 2 * chunk)
    assert part_path(upload).stat().st_size == upload.offset
    assert full.value.offset == upload.offset
    assert Upload.objects.get(pk=upload.pk).status == "receiving"
