"""Backups that restore, and restores that keep every purge.

A backup is a BagIt bag (the Library of Congress packaging format, via the
`bagit` library): the database, the private media and the purge list, each
file with its SHA-256, so a damaged or altered backup is refused before it
touches the archive. The database is copied with the engine's own tool:
SQLite's online backup API (a consistent copy while the site runs) or
PostgreSQL's pg_dump.

A restore of an older backup would bring back testimony purged since it was
made: a storyteller's withdrawal undone by an operator's routine. The purge
journal (TESTIMONIO_PURGE_JOURNAL, kept outside the database and never
overwritten by a restore) and the live database's own purge list are read
before anything is replaced, and every purge in them is done again after.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from archive import access
from archive.errors import ArchiveError

logger = logging.getLogger(__name__)

DATABASE_SQLITE = "database.sqlite3"
DATABASE_POSTGRES = "database.pgdump"
MEDIA = "media"
PURGES = "purges.json"
REPLAY_REASON = "Purged after the restored backup was made; purge replayed at restore."


class BackupError(ArchiveError):
    """A backup that cannot be made or restored; nothing was changed."""


@dataclass(frozen=True)
class Restored:
    path: Path
    testimonies: int
    purges_replayed: int


def purge_journal_path() -> Path:
    return Path(settings.TESTIMONIO_PURGE_JOURNAL)


def purge_journal_add(*, testimony_id: int, consent_id: int | None, purged_at: datetime) -> None:
    """Append one purge to the journal (ids and a date: nothing of the testimony)."""
    path = purge_journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"id": testimony_id, "consent": consent_id, "purged_at": purged_at.isoformat()}
    with path.open("a", encoding="utf-8") as journal:
        journal.write(json.dumps(line) + "\n")
        journal.flush()
        os.fsync(journal.fileno())


def journal_purge(sender: Any, testimony: Any, **kwargs: Any) -> None:
    """On `testimony_purged`: journal the purge once its transaction commits."""
    record = (testimony.pk, testimony.consent_id, testimony.purged_at)
    transaction.on_commit(
        lambda: purge_journal_add(testimony_id=record[0], consent_id=record[1], purged_at=record[2])
    )


def known_purges() -> set[int]:
    """Every purged testimony id the journal or the live database knows of."""
    from archive.models import TestimonyPage

    ids: set[int] = set()
    path = purge_journal_path()
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                ids.add(int(json.loads(line)["id"]))
            except (ValueError, KeyError, TypeError):
                logger.warning("Skipping an unreadable line of the purge journal %s", path)
    try:
        ids |= set(
            TestimonyPage.objects.filter(purged_at__isnull=False).values_list("pk", flat=True)
        )
    except Exception:  # noqa: BLE001 - a wiped database has no table: the journal still holds
        logger.warning("The live database could not be read for purges; using the journal only")
    return ids


def backup_create(target_dir: Path) -> Path:
    """Write a new bag under `target_dir` and return its path.

    Built in a `.partial` folder and renamed when complete, so an interrupted
    backup never looks like a finished one.
    """
    from archive.models import TestimonyPage

    target_dir = Path(target_dir)
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BackupError(f"Cannot write backups to {target_dir}: {e.strerror}.") from e
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = target_dir / f"testimonio-backup-{stamp}"
    work = target_dir / f".{final.name}.partial"
    try:
        work.mkdir()
        _dump_database(work)
        media = _private_media()
        if media.is_dir():
            shutil.copytree(media, work / MEDIA, ignore=shutil.ignore_patterns("*.part"))
        else:
            (work / MEDIA).mkdir()
        purged = sorted(known_purges())
        (work / PURGES).write_text(json.dumps(purged))
        bagit.make_bag(
            str(work),
            {
                "Source-Organization": "Testimonio",
                "Bagging-Date": datetime.now(UTC).date().isoformat(),
                "External-Description": "Testimonio backup: database, private media, purges",
                "Testimonio-Database-Engine": connection.vendor,
                "Testimonio-Testimonies": str(TestimonyPage.objects.count()),
            },
            checksums=["sha256"],
        )
        work.rename(final)
    except BaseException as e:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(e, OSError):
            raise BackupError(f"The backup could not be written: {e}.") from e
        raise
    return final


def backup_restore(source: Path) -> Restored:
    """Replace the database and media with the backup's, then replay every purge.

    Validates the whole bag first; a damaged backup raises BackupError with the
    archive untouched. The search index is rebuilt from the restored database.
    """
    source = Path(source)
    bag = _valid_bag(source)
    engine = bag.info.get("Testimonio-Database-Engine", "")
    if engine != connection.vendor:
        raise BackupError(
            f"This backup holds a {engine or 'unknown'} database; this archive runs on "
            f"{connection.vendor}. Restore it on the same kind of database."
        )
    purges = known_purges() | set(json.loads((source / "data" / PURGES).read_text()))
    data = source / "data"
    _restore_database(data)
    _restore_media(data / MEDIA)
    connection.close()
    call_command("migrate", interactive=False, verbosity=0)
    replayed = _replay_purges(purges)
    call_command("rebuild_index", verbosity=0)
    from archive.models import TestimonyPage

    return Restored(
        path=source, testimonies=TestimonyPage.objects.count(), purges_replayed=replayed
    )


def _valid_bag(source: Path) -> bagit.Bag:
    try:
        bag = bagit.Bag(str(source))
        bag.validate()
    except bagit.BagValidationError as e:  # a subclass of BagError: asked first
        raise BackupError(f"The backup {source} is damaged or was altered: {e}") from e
    except bagit.BagError as e:
        raise BackupError(f"{source} is not a Testimonio backup: {e}.") from e
    if not any((source / "data" / name).is_file() for name in (DATABASE_SQLITE, DATABASE_POSTGRES)):
        raise BackupError(f"{source} holds no database.")
    return bag


def _dump_database(work: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(work / DATABASE_SQLITE)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return
    if connection.vendor == "postgresql":
        _pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={work / DATABASE_POSTGRES}")
        return
    raise BackupError(f"Backups of a {connection.vendor} database are not supported.")


def _restore_database(data: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(data / DATABASE_SQLITE)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    connection.close()
    _pg_tool("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
             str(data / DATABASE_POSTGRES))  # fmt: skip


def _pg_tool(tool: str, *args: str) -> None:
    db: dict[str, Any] = connection.settings_dict
    command = [tool, f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        command.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        command.append(f"--port={db['PORT']}")
    if db.get("USER"):
        command.append(f"--username={db['USER']}")
    env = {**os.environ, **({"PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else {})}
    try:
        done = subprocess.run([*command, *args], env=env, capture_output=True, text=True)
    except FileNotFoundError as e:
        raise BackupError(f"{tool} is not installed: apt-get install postgresql-client.") from e
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-500:]}")


def _restore_media(media: Path) -> None:
    """Swap the private media folder for the backup's, keeping the old one until done."""
    live = _private_media()
    aside = live.with_name(live.name + ".before-restore")
    shutil.rmtree(aside, ignore_errors=True)
    if live.exists():
        live.rename(aside)
    try:
        shutil.copytree(media, live)
    except BaseException:
        shutil.rmtree(live, ignore_errors=True)
        if aside.exists():
            aside.rename(live)
        raise
    # Uploads in progress are not in a backup: keep the ones still on disk.
    if (aside / "uploads").is_dir() and not (live / "uploads").exists():
        (aside / "uploads").rename(live / "uploads")
    shutil.rmtree(aside, ignore_errors=True)


def _private_media() -> Path:
    """Where the originals and web copies live: the default storage's folder."""
    from django.core.files.storage import storages

    return Path(storages["default"].location)


def _replay_purges(ids: set[int]) -> int:
    from archive.consent.services import consent_withdraw
    from archive.consent.withdrawal import testimony_purge
    from archive.models import TestimonyPage

    replayed = 0
    for page in TestimonyPage.objects.filter(pk__in=ids, purged_at__isnull=True):
        with transaction.atomic():
            if not access.consent_missing_or_withdrawn(page.consent.current):
                consent_withdraw(record=page.consent, reason=REPLAY_REASON, by=None)
            if page.live:
                page.unpublish()
            testimony_purge(testimony=page)
        replayed += 1
        logger.warning("Testimony %s was purged after this backup: purged again", page.pk)
    return replayed
