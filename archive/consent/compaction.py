"""After a purge, make the database's own files hold no byte of what was deleted.

A delete is not an erase. SQLite in WAL mode keeps the old pages in the
`-wal` file and, until a checkpoint copies the zeroed pages back, in the main
file too; the probe found a purged testimony's words there minutes after the
purge. PostgreSQL keeps dead tuples in its heap until the table is
rewritten, and in its WAL, backups and replicas beyond that: README says what
an operator must do for those (`manage.py purge_compact --full`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.db import connections

logger = logging.getLogger(__name__)

# A checkpoint cannot truncate the WAL while another connection reads from it:
# retry for a short while, then say so (the next purge or compaction finishes it).
CHECKPOINT_ATTEMPTS = 50
CHECKPOINT_PAUSE_SECONDS = 0.1

# The tables a purge deletes from: a full compaction rewrites these on PostgreSQL.
PURGED_TABLES = (
    "archive_segment",
    "archive_segmentedit",
    "archive_transcript",
    "archive_redaction",
    "archive_mediaasset",
    "archive_testimonytheme",
    "archive_testimonypage",
    "archive_storyteller",
    "wagtailcore_page",
    "wagtailcore_revision",
    "wagtailcore_pagelogentry",
    "wagtailcore_workflowstate",
    "wagtailcore_taskstate",
    "wagtailcore_comment",
    "wagtailsearch_indexentry",
    "wagtailredirects_redirect",
)


@dataclass(frozen=True)
class Compaction:
    """What a compaction did, for the log and the command's output."""

    vendor: str
    checkpointed: bool
    vacuumed: bool
    detail: str = ""


def compact_after_purge(*, using: str = "default", full: bool = False) -> Compaction:
    """Checkpoint and truncate SQLite's WAL (and vacuum where deleted bytes could remain).

    `full` also rewrites the purged tables on PostgreSQL (VACUUM FULL: it
    locks each table while it runs, so an operator chooses when).
    """
    connection = connections[using]
    if connection.vendor == "sqlite":
        return _compact_sqlite(connection, full=full)
    if connection.vendor == "postgresql" and full:
        return _vacuum_full_postgres(connection)
    return Compaction(
        vendor=connection.vendor,
        checkpointed=False,
        vacuumed=False,
        detail="dead rows stay in the tables until `manage.py purge_compact --full` rewrites them",
    )


def _compact_sqlite(connection, *, full: bool) -> Compaction:
    if connection.is_in_memory_db() or connection.in_atomic_block:
        # Nothing on disk (an in-memory database), or a caller's transaction still
        # holds the pages: a checkpoint here could neither run nor help.
        return Compaction(
            vendor="sqlite",
            checkpointed=False,
            vacuumed=False,
            detail="nothing to checkpoint outside a committed transaction on disk",
        )
    with connection.cursor() as cursor:
        secure = cursor.execute("PRAGMA secure_delete").fetchone()[0]
        # Without secure_delete (a connection opened by another tool) freed pages keep
        # their bytes; VACUUM rewrites the file without them.
        vacuumed = full or not secure
        if vacuumed:
            cursor.execute("VACUUM")
        checkpointed = _checkpoint(cursor)
    if not checkpointed:
        logger.warning(
            "Purge: the database's write-ahead log could not be truncated (another "
            "connection is reading); run `manage.py purge_compact` to finish."
        )
    return Compaction(vendor="sqlite", checkpointed=checkpointed, vacuumed=vacuumed)


def _checkpoint(cursor) -> bool:
    for _ in range(CHECKPOINT_ATTEMPTS):
        busy, _log_frames, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return True
        time.sleep(CHECKPOINT_PAUSE_SECONDS)
    return False


def _vacuum_full_postgres(connection) -> Compaction:
    existing = set(connection.introspection.table_names())
    tables = [table for table in PURGED_TABLES if table in existing]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (FULL, ANALYZE) {connection.ops.quote_name(table)}")
        cursor.execute("CHECKPOINT")
    return Compaction(
        vendor="postgresql",
        checkpointed=True,
        vacuumed=True,
        detail=f"rewrote {len(tables)} tables",
    )
