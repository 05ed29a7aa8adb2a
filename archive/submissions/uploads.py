"""Resumable uploads in chunks: a recording is never lost to a bad connection.

The protocol (tus-like, over plain HTTP; every URL sits under the invitation's
``/submit/<token>/``, and consent must have been given first):

``POST uploads/`` with JSON ``{"filename": str, "size": int, "sha256": hex}``
    starts an upload. ``201`` with ``{"key", "offset": 0, "size", "url"}``
    and a ``Location`` header. ``413`` when ``size`` is over
    ``TESTIMONIO_MAX_UPLOAD_BYTES``; ``429`` when the invitation already has
    ``MAX_UPLOADS`` uploads; ``400`` for a malformed body; ``403`` without
    consent.

``HEAD uploads/<key>/`` (or ``GET`` for JSON)
    the server's offset in the ``Upload-Offset`` header (and ``Upload-Length``,
    ``Upload-Status``). A client that lost its connection or was reloaded asks
    this and continues from there. Answers even after the invitation was used,
    so the last chunk's outcome can still be learnt.

``PATCH uploads/<key>/`` with header ``Upload-Offset: n`` and the bytes
``[n, n + len)`` as the raw body (``Content-Type: application/offset+octet-stream``,
at most ``CHUNK_MAX_BYTES``)
    appends the chunk. ``204`` with the new ``Upload-Offset``; ``409`` with the
    server's ``Upload-Offset`` when ``n`` is not the server's offset (the
    client resumes from the server's); ``413`` for a chunk over the limit or past
    the declared size; ``423`` while another request writes the same upload;
    ``429`` over the chunk rate. The chunk that completes the file answers
    ``200`` with JSON: the server checks the SHA-256, sniffs the content
    (ffprobe, never the file name), hands the file to ingest and queues the
    transcription; ``{"status": "ingested", "next": url}`` or
    ``{"status": "failed", "error": message}`` (``422``), in which case the
    partial file is already gone.

Chunks are streamed to ``MEDIA_ROOT/uploads/<key>.part`` in small pieces, so a
large file never sits whole in memory. The database offset is the truth: a
file longer than it (a crash between write and update) is cut back to it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import access
from archive.errors import ArchiveError, IngestError
from archive.models import ConsentRecord, Invitation, Transcript, Upload
from archive.models.submissions import UploadStatus
from archive.submissions.invitations import invitation_consent, invitation_use, new_token
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
from archive.transcripts.jobs import job_enqueue
from transcription import media as media_tools
from transcription.errors import MediaError

logger = logging.getLogger(__name__)

CHUNK_MAX_BYTES = 5 * 1024**2
MAX_UPLOADS = 3
# Chunks (and upload starts) a minute per invitation: a phone on a good line
# sends a 5 MB chunk every second or two; a script hammering the link does not
# get to fill the disk.
CHUNKS_PER_MINUTE = 120
# A testimony can be long, but not a day-long stream.
MAX_DURATION_SECONDS = 4 * 3600
_PIECE = 64 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# No space left on the device, or over the disk quota.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class UploadError(ArchiveError):
    """An upload request that cannot be served; `status` is the HTTP answer."""

    def __init__(self, message: str, *, status: int = 400, offset: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.offset = offset


@dataclass(frozen=True)
class Finished:
    upload: Upload
    withdrawal_token: str = ""  # shown once to the storyteller, never stored


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def part_path(upload: Upload) -> Path:
    return upload_dir() / f"{upload.key}.part"


def rate_limit(invitation: Invitation) -> None:
    """Count one request against the invitation's minute; UploadError 429 when over."""
    key = f"testimonio:upload-rate:{invitation.pk}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > CHUNKS_PER_MINUTE:
        raise UploadError(
            _("Too many requests for this invitation; wait a minute and it will continue."),
            status=429,
        )


def upload_create(*, invitation: Invitation, filename: str, size: int, sha256: str) -> Upload:
    """Start an upload under the invitation's consent. Raises UploadError."""
    consent = invitation_consent(invitation)
    if access.consent_missing_or_withdrawn(consent):
        raise UploadError(_("Consent must be given before a recording is sent."), status=403)
    if not isinstance(filename, str) or not filename.strip() or len(filename) > 255:
        raise UploadError(_("The file needs a name of at most 255 characters."))
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise UploadError(_("The size must be a positive number of bytes."))
    if not isinstance(sha256, str) or not _SHA256.match(sha256.lower()):
        raise UploadError(_("The checksum must be a SHA-256 in hexadecimal."))
    limit = settings.TESTIMONIO_MAX_UPLOAD_BYTES
    if size > limit:
        raise UploadError(
            _("The file is %(size)s; the largest the archive takes is %(limit)s.")
            % {"size": _mb(size), "limit": _mb(limit)},
            status=413,
        )
    with transaction.atomic():
        if invitation.uploads.count() >= MAX_UPLOADS:
            raise UploadError(
                _(
                    "This invitation has already started %(count)d uploads; "
                    "ask the archive for a new link."
                )
                % {"count": MAX_UPLOADS},
                status=429,
            )
        upload = Upload.objects.create(
            invitation=invitation,
            consent=consent,
            filename=filename.strip()[:255],
            size=size,
            sha256=sha256.lower(),
        )
    part_path(upload).touch()
    return upload


def upload_append(
    *,
    upload: Upload,
    offset: int,
    stream: BinaryIO,
    length: int,
    on_complete: Callable[[Upload], Finished] | None = None,
) -> Finished:
    """Write `length` bytes from `stream` at `offset`. Raises UploadError.

    When the file is complete, `on_complete` (default: upload_finish) runs.
    """
    if upload.status != UploadStatus.RECEIVING:
        raise UploadError(
            _("This upload takes no more data."),
            status=410 if upload.status in (UploadStatus.FAILED, UploadStatus.EXPIRED) else 409,
            offset=upload.offset,
        )
    if length > CHUNK_MAX_BYTES:
        raise UploadError(
            _("A chunk may be at most %(limit)s.") % {"limit": _mb(CHUNK_MAX_BYTES)}, status=413
        )
    if offset + length > upload.size:
        raise UploadError(_("The chunk goes past the size declared for the file."), status=413)
    path = part_path(upload)
    with path.open("r+b" if path.exists() else "w+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise UploadError(
                _("Another request is writing this upload."), status=423, offset=upload.offset
            ) from e
        upload.refresh_from_db(fields=["offset", "status"])
        if upload.status != UploadStatus.RECEIVING:
            raise UploadError(
                _("This upload takes no more data."), status=409, offset=upload.offset
            )
        if offset != upload.offset:
            raise UploadError(
                _("The server has %(server)d bytes, not %(sent)d: continue from there.")
                % {"server": upload.offset, "sent": offset},
                status=409,
                offset=upload.offset,
            )
        handle.truncate(upload.offset)
        handle.seek(upload.offset)
        remaining = length
        try:
            while remaining:
                piece = stream.read(min(_PIECE, remaining))
                if not piece:
                    break
                handle.write(piece)
                remaining -= len(piece)
            handle.flush()
        except OSError as e:
            if e.errno not in DISK_FULL:
                raise
            # Keep what was confirmed, drop the half chunk: the client retries it.
            handle.truncate(upload.offset)
            logger.error("Upload %s: the media disk is full", upload.key)
            raise UploadError(
                _(
                    "The archive has no room to store this recording right now. What arrived "
                    "is kept: try again later and it will continue from there."
                ),
                status=507,
                offset=upload.offset,
            ) from e
        if remaining:
            handle.truncate(upload.offset)
            raise UploadError(
                _("The chunk arrived incomplete; send it again."),
                status=400,
                offset=upload.offset,
            )
        handle.flush()
        Upload.objects.filter(pk=upload.pk).update(offset=offset + length)
        upload.offset = offset + length
    if upload.offset < upload.size:
        return Finished(upload)
    return (on_complete or upload_finish)(upload)


def upload_finish(upload: Upload) -> Finished:
    """Check, sniff and ingest a complete upload; the partial file goes either way.

    Never raises for a bad file: the upload is marked failed with a message a
    person can act on.
    """
    path = part_path(upload)
    Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.COMPLETE)
    upload.status = UploadStatus.COMPLETE
    try:
        if _sha256(path) != upload.sha256:
            raise IngestError(
                _(
                    "The file that arrived is not the one that was sent (its checksum "
                    "differs); please send it again."
                )
            )
        try:
            info, path = _probe_or_repair(path, upload)
        except MediaError as e:
            raise IngestError(
                _("%(name)s is not a sound or video recording the archive can play.")
                % {"name": upload.filename}
            ) from e
        if info.duration > MAX_DURATION_SECONDS:
            raise IngestError(
                _("The recording is %(hours).1f hours long; the limit is %(limit)d hours.")
                % {"hours": info.duration / 3600, "limit": MAX_DURATION_SECONDS // 3600}
            )
        transcript = _ingest(upload, path)
    except IngestError as e:
        path.unlink(missing_ok=True)
        Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.FAILED, error=str(e))
        upload.status, upload.error = UploadStatus.FAILED, str(e)
        return Finished(upload)
    finally:
        part_path(upload).unlink(missing_ok=True)
        path.unlink(missing_ok=True)

    token, digest = new_token()
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.INGESTED,
            testimony=transcript.media.testimony,
            withdrawal_token_hash=digest,
        )
        invitation_use(invitation=upload.invitation)
    upload.refresh_from_db()

    job_enqueue(transcript=transcript)
    return Finished(upload, withdrawal_token=token)


def _probe_or_repair(path: Path, upload: Upload) -> tuple[media_tools.MediaInfo, Path]:
    """Probe the assembled file; a browser recording without a duration is remuxed first.

    Chrome's and Firefox's MediaRecorder write WebM as a live stream, with no
    duration in the header, which probe rightly refuses. Copying the streams
    into a new container (no re-encoding) writes the duration.
    Raises MediaError when the file is not media even after that.
    """
    try:
        return media_tools.probe(path), path
    except MediaError as first:
        if "no playable duration" not in str(first):
            raise
        fixed = path.with_suffix(".remux")
        container = "webm" if upload.filename.lower().endswith(".webm") else "matroska"
        try:
            media_tools.remux(path, fixed, container=container)
        except MediaError as e:
            raise first from e
        try:
            return media_tools.probe(fixed), fixed
        except MediaError:
            fixed.unlink(missing_ok=True)
            raise


def _ingest(upload: Upload, path: Path) -> Transcript:
    """Ingest under the consent the storyteller gave through the invitation.

    The testimony keeps the storyteller's own consent record, so the
    withdrawal link and the consent history are theirs.
    """
    record = ConsentRecord.objects.select_related("storyteller").get(pk=upload.consent_id)
    current = record.current
    if access.consent_missing_or_withdrawn(current):
        raise IngestError(_("Consent was withdrawn; the recording was not kept."))
    storyteller = record.storyteller
    invitation = upload.invitation
    details = TestimonyDetails(
        title=f"Recording from {storyteller.public_name}, {timezone.localdate():%Y-%m-%d}",
        storyteller_name=storyteller.public_name,
        is_pseudonym=storyteller.is_pseudonym,
        # The archivist set the language they know the storyteller speaks;
        # it steers transcription.
        language=invitation.language or None,
    )
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            transcript = testimony_ingest(
                source=path,
                filename=upload.filename,
                details=details,
                consent=record,
            )
            stored_files.append(transcript.media.original.name)
    except IngestError:
        raise
    except Exception as e:
        for name in stored_files:
            _delete_stored(name)
        logger.exception("Ingest of upload %s failed", upload.key)
        raise IngestError(_("The archive could not store the recording; please try again.")) from e
    return transcript


def _delete_stored(name: str) -> None:
    from django.core.files.storage import default_storage

    if name:
        default_storage.delete(name)


def expired_message() -> str:
    return _(
        "This recording was not finished sending for a long time, so its partial copy was "
        "deleted from the archive. Nothing of it was kept. Please send it again."
    )


def uploads_expire(*, now: datetime | None = None) -> int:
    """Delete partial files of uploads left unfinished too long; return how many.

    A partial recording is a storyteller's words sitting on the server outside
    any testimony, its consent or its withdrawal: it must not stay forever.
    An upload not written to for TESTIMONIO_UPLOAD_EXPIRE_AFTER seconds is
    marked expired (the storyteller who comes back is told so and may send it
    again) and its `.part` file removed; a `.part` file no upload knows of
    (a crash between creating the file and the row) goes too, once as old.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TESTIMONIO_UPLOAD_EXPIRE_AFTER)
    stale = list(
        Upload.objects.filter(status=UploadStatus.RECEIVING, updated_at__lt=cutoff).only("key")
    )
    for upload in stale:
        updated = Upload.objects.filter(pk=upload.pk, status=UploadStatus.RECEIVING).update(
            status=UploadStatus.EXPIRED, error=expired_message(), updated_at=now
        )
        if updated:
            part_path(upload).unlink(missing_ok=True)
            logger.info("Upload %s expired unfinished: partial file removed", upload.key)
    receiving = {
        str(key)
        for key in Upload.objects.filter(status=UploadStatus.RECEIVING).values_list(
            "key", flat=True
        )
    }
    orphans = 0
    for path in upload_dir().glob("*.part"):
        old = path.stat().st_mtime < cutoff.timestamp()
        if path.stem not in receiving and old:
            path.unlink(missing_ok=True)
            orphans += 1
    return len(stale) + orphans


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for piece in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(piece)
    return digest.hexdigest()


def _mb(size: int) -> str:
    return f"{size / 1024**2:.1f} MB"
