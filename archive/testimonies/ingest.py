"""Media and consent in -> stored original, consent record, draft testimony, queued job.

Ingest either stores everything or nothing: a rejected file leaves no row and
no byte behind.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import re
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify

from archive import access
from archive.consent.services import ConsentTerms, consent_record_create
from archive.errors import ConsentError, IngestError
from archive.models import (
    AccessLevel,
    ArchiveIndexPage,
    ConsentRecord,
    MediaAsset,
    Storyteller,
    TestimonyPage,
    Transcript,
)
from transcription import media as media_tools
from transcription.errors import MediaError

logger = logging.getLogger(__name__)

_LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class TestimonyDetails:
    title: str
    storyteller_name: str
    is_pseudonym: bool = True
    summary: str = ""
    recorded_on: date | None = None
    place: str = ""
    language: str | None = None
    slug: str = ""  # derived from the title when empty
    #: Every language spoken (ISO 639-1), when more than ``language`` is known.
    languages: tuple[str, ...] = ()
    #: Shown only where consent allows the real name (archive.access.display_name).
    real_name: str = ""


def testimony_ingest(
    *,
    source: Path,
    filename: str,
    details: TestimonyDetails,
    consent: ConsentTerms | ConsentRecord,
    parent: ArchiveIndexPage | None = None,
    model: str | None = None,
    consent_files: dict[str, File | str] | None = None,
    by: object = None,
) -> Transcript:
    """Store `source` as a new draft testimony and return its queued transcript job.

    `consent` is either the terms just given (a storyteller and consent record
    are created from the details) or a consent record given earlier, as in
    the storyteller's own submission, whose storyteller it keeps.
    ``consent_files`` (``signed_form``, ``verbal_consent_media``: a file, or
    the name of one already in storage) go with new terms as their evidence;
    ``by`` is who recorded them.

    Raises IngestError (nothing stored) when the details are invalid or the
    file is empty, too large or not playable media.
    """
    _validate(details, consent)
    display_name = safe_display_name(filename)
    info = media_check(source, display_name)
    _check_room(info.size_bytes, display_name)
    digest = _sha256(source)
    parent = parent or _archive_index()

    media: MediaAsset | None = None
    try:
        with transaction.atomic():
            if isinstance(consent, ConsentRecord):
                consent_record, storyteller = consent, consent.storyteller
            else:
                storyteller = Storyteller.objects.create(
                    public_name=details.storyteller_name,
                    is_pseudonym=details.is_pseudonym,
                    real_name=details.real_name,
                )
                consent_record = consent_record_create(
                    storyteller=storyteller, terms=consent, by=by, files=consent_files
                )
            page = TestimonyPage(
                title=details.title,
                slug=_unique_slug(parent, details.slug or details.title),
                summary=details.summary,
                storyteller=storyteller,
                consent=consent_record,
                recorded_on=details.recorded_on,
                place=details.place,
                languages=",".join(details.languages) or details.language or "",
                live=False,
            )
            parent.add_child(instance=page)
            page.save_revision()
            media = MediaAsset(
                testimony=page,
                original_filename=display_name,
                sha256=digest,
                size_bytes=info.size_bytes,
                duration=info.duration,
                format_name=info.format_name,
                audio_codec=info.audio_codec or "",
                video_codec=info.video_codec or "",
            )
            with source.open("rb") as handle:
                media.original.save(display_name, File(handle), save=False)
            media.save()
            return Transcript.objects.create(
                media=media,
                model=model or settings.TRANSCRIPTION_MODEL,
                parameters={"language": details.language} if details.language else {},
            )
    except ConsentError as e:
        raise IngestError(f"The consent is not complete: {e}") from e
    except Exception as e:
        # The database rolled back; the stored file (even a half-written one,
        # which has no name yet) must go too: it sits in the media's own folder.
        if media is not None:
            _remove_stored(media)
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise IngestError(
                f"{display_name}: the archive's media disk filled up while storing it. "
                "Nothing was kept: free some space (or move TESTIMONIO_MEDIA_ROOT to a larger "
                "disk) and ingest it again."
            ) from e
        raise


def _remove_stored(media: MediaAsset) -> None:
    storage = media.original.storage
    folder = Path(storage.path(f"originals/{media.key}"))
    shutil.rmtree(folder, ignore_errors=True)


def _check_room(size: int, display_name: str) -> None:
    """Refuse before writing a byte when the media disk cannot hold the file."""
    location = Path(default_storage.location)
    location.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(location).free
    if size + settings.TESTIMONIO_DISK_RESERVE_BYTES > free:
        raise IngestError(
            f"{display_name}: the archive's media disk has {_megabytes(free)} free and this "
            f"recording needs {_megabytes(size)} (and its web copy more). Nothing was kept: "
            "free some space or move TESTIMONIO_MEDIA_ROOT to a larger disk."
        )


def safe_display_name(filename: str) -> str:
    """The uploader's filename, reduced to something safe to show and log.

    Stored paths never use it (see MediaAsset), but it still appears in the
    admin: no directories, no control characters, a bounded length.
    """
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "recording"


def _validate(details: TestimonyDetails, consent: ConsentTerms | ConsentRecord) -> None:
    if isinstance(consent, ConsentRecord):
        current = consent.current
        if access.consent_missing_or_withdrawn(current):
            raise IngestError("The consent on record was withdrawn: the recording was not kept.")
        consent = ConsentTerms.of(current)
    if not details.title.strip():
        raise IngestError("A testimony needs a title.")
    if len(details.title) > 255:
        raise IngestError("The title is longer than 255 characters.")
    if not details.storyteller_name.strip():
        raise IngestError("A testimony needs the storyteller's public name or pseudonym.")
    if consent.access_level not in AccessLevel.values:
        choices = ", ".join(AccessLevel.values)
        raise IngestError(f"Unknown access level {consent.access_level!r}: use one of {choices}.")
    for language in (details.language, *details.languages):
        if language is not None and not _LANGUAGE.match(language):
            raise IngestError(
                f"Language {language!r} is not a two-letter ISO 639-1 code such as en or es."
            )


def media_check(source: Path, display_name: str) -> media_tools.MediaInfo:
    if not source.is_file():
        raise IngestError(f"{display_name}: no such file.")
    size = source.stat().st_size
    if size == 0:
        raise IngestError(f"{display_name}: the file is empty.")
    limit = settings.TESTIMONIO_MAX_UPLOAD_BYTES
    if size > limit:
        raise IngestError(
            f"{display_name}: the file is {_megabytes(size)}; the limit is {_megabytes(limit)}."
        )
    try:
        return media_tools.probe(source)
    except MediaError as e:
        # ffmpeg's words name the file on disk (a temporary name for uploads):
        # show the person the name they gave it.
        raise IngestError(str(e).replace(source.name, display_name)) from e


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:.1f} MB"


def _sha256(source: Path) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _archive_index() -> ArchiveIndexPage:
    index = ArchiveIndexPage.objects.first()
    if index is None:
        raise IngestError("The archive has no index page yet: run `python manage.py migrate`.")
    return index


def _unique_slug(parent: ArchiveIndexPage, title: str) -> str:
    base = slugify(title, allow_unicode=False)[:60] or "testimony"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
