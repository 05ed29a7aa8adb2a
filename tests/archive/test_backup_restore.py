"""A backup restores the archive, and a restore never brings back a purged testimony."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import CommandError as BaseCommandError

from archive.consent.withdrawal import testimony_withdraw
from archive.models import MediaAsset, TestimonyPage
from archive.operations.backups import BackupError, backup_create, backup_restore

# The restore replaces the whole database, which a test transaction cannot hold.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _journal(settings, tmp_path: Path) -> None:
    settings.TESTIMONIO_PURGE_JOURNAL = tmp_path / "journal" / "purges.jsonl"


def found(search, word: str) -> bool:
    return search(word)["total"] > 0


def test_backup_wipe_restore_finds_the_same_moments(make_testimony, search, tmp_path) -> None:
    kept = make_testimony("Quetzalcanary")
    media = MediaAsset.objects.get(testimony=kept)
    web_bytes = Path(media.web.path).read_bytes()
    assert found(search, "Quetzalcanary")

    backup = backup_create(tmp_path / "backups")
    assert (backup / "bagit.txt").is_file() and (backup / "manifest-sha256.txt").is_file()

    # Disaster: the testimony and its media are gone.
    Path(media.web.path).unlink()
    Path(media.original.path).unlink()
    TestimonyPage.objects.get(pk=kept.pk).delete()
    call_command("rebuild_index", verbosity=0)
    assert not found(search, "Quetzalcanary")

    restored = backup_restore(backup)
    assert restored.purges_replayed == 0
    page = TestimonyPage.objects.get(pk=kept.pk)
    assert page.live and page.title == "Testimony Quetzalcanary"
    assert Path(MediaAsset.objects.get(testimony=page).web.path).read_bytes() == web_bytes
    assert found(search, "Quetzalcanary")


def test_a_testimony_purged_after_the_backup_stays_purged(make_testimony, search, tmp_path):
    make_testimony("Keptcanary")
    gone = make_testimony("Purgedcanary")
    gone_media = MediaAsset.objects.get(testimony=gone)
    stored = [Path(gone_media.web.path), Path(gone_media.original.path)]
    backup = backup_create(tmp_path / "backups")  # made while it was still public

    testimony_withdraw(testimony=gone, reason="The storyteller asked", purge=True)
    assert not found(search, "Purgedcanary")
    # Even when the live database itself is lost, the journal outside it remembers.
    TestimonyPage.objects.filter(pk=gone.pk).update(purged_at=None)

    restored = backup_restore(backup)
    assert restored.purges_replayed == 1
    page = TestimonyPage.objects.get(pk=gone.pk)
    assert page.purged_at is not None and not page.live
    assert "Purgedcanary" not in page.title
    assert not MediaAsset.objects.filter(testimony=page).exists()
    assert not any(path.exists() for path in stored)
    assert not found(search, "Purgedcanary")
    assert found(search, "Keptcanary")


def test_a_damaged_backup_is_refused_and_nothing_changes(make_testimony, tmp_path) -> None:
    make_testimony("Intactcanary")
    backup = backup_create(tmp_path / "backups")
    database = next((backup / "data").glob("database.*"))
    with database.open("r+b") as handle:
        handle.seek(200)
        handle.write(b"tampered")
    TestimonyPage.objects.filter(title__contains="Intactcanary").update(title="Changed since")
    with pytest.raises(BackupError, match="damaged or was altered"):
        backup_restore(backup)
    assert TestimonyPage.objects.filter(title="Changed since").exists()


def test_a_folder_that_is_not_a_backup_is_refused(tmp_path) -> None:
    (tmp_path / "holiday-photos").mkdir()
    with pytest.raises(BackupError, match="is not a Testimonio backup"):
        backup_restore(tmp_path / "holiday-photos")


def test_a_backup_that_cannot_be_written_leaves_no_half_made_folder(tmp_path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(BackupError, match="Cannot write backups"):
        backup_create(blocked / "backups")
    assert not any(p.name.endswith(".partial") for p in tmp_path.rglob("*"))


def test_the_commands(make_testimony, tmp_path) -> None:
    make_testimony("Commandcanary")
    out = StringIO()
    call_command("backup", str(tmp_path / "b"), stdout=out, stderr=StringIO())
    path = Path(out.getvalue().strip())
    assert path.is_dir() and path.parent == tmp_path / "b"
    with pytest.raises((CommandError, BaseCommandError), match="--yes"):
        call_command("restore", str(path), stderr=StringIO())
    out = StringIO()
    call_command("restore", str(path), "--yes", stdout=out, stderr=StringIO())
    assert "Restored" in out.getvalue() and "0 purged again" in out.getvalue()
