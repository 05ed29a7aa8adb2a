"""What one testimony puts into a preservation bag, written into a folder.

Kept apart from the bagging itself (archive.interchange.bags) so that the
list of what is preserved reads in one place: the originals and their web
derivatives, every finished transcript (WebVTT and OHMS XML), the consent
record with every version, and the metadata, each as plain files a future
archivist can open without Testimonio. The caller has already asked
archive.access whether this user may bag this testimony; nothing here decides
who may see what, except the storyteller's name, which is the one the policy
shows this user.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from archive import access
from archive.errors import ArchiveError
from archive.interchange.ohms import ohms_record_of, to_ohms_xml
from archive.models import Redaction, Transcript, TranscriptStatus
from transcription.engines.base import Segment
from transcription.formats import to_vtt

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from archive.models import ConsentRecord, MediaAsset, TestimonyPage

BAG_FORMAT = "testimonio-bag/1"
CONSENT_FILE = "consent/consent.json"
METADATA_FILE = "metadata.json"
# Characters no filename should hold anywhere a bag may be copied to (control
# characters, path separators, and what Windows and most archives' tools refuse).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_MAX_NAME_BYTES = 200
_CHUNK = 1024 * 1024


class BagError(ArchiveError):
    """A bag that cannot be made; nothing was left behind."""


def safe_filename(name: str, fallback: str) -> str:
    """`name` as a filename any file system and BagIt manifest keep: unicode and spaces stay.

    Normalised to NFC (bagit compares names normalised; one form on disk
    avoids two spellings of one name), separators and control characters
    replaced, no leading dot, at most 200 bytes with the suffix kept.
    """
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", name).strip()).lstrip(".").strip()
    if not cleaned:
        return fallback
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = cleaned, ""
    suffix = f".{suffix}" if suffix else ""
    while len((stem + suffix).encode()) > _MAX_NAME_BYTES and stem:
        stem = stem[:-1]
    return (stem.rstrip() + suffix) or fallback


def write_testimony(testimony: TestimonyPage, folder: Path, *, user: access.User) -> dict[str, Any]:
    """Write `testimony`'s payload into `folder` and return its metadata (also written there).

    Raises BagError when a stored file is missing: a bag without its
    original is no preservation copy, so the caller removes the whole folder.
    """
    folder.mkdir(parents=True, exist_ok=True)
    media = [_write_media(asset, n, folder) for n, asset in enumerate(_assets(testimony), 1)]
    transcripts = _write_transcripts(testimony, folder, user=user)
    consent = _write_consent(testimony.consent, folder)
    metadata = _metadata(testimony, user=user, media=media, transcripts=transcripts)
    metadata["consent"] = consent
    write_json(folder / METADATA_FILE, metadata)
    return metadata


def _assets(testimony: TestimonyPage) -> list[MediaAsset]:
    return list(testimony.media_assets.order_by("created_at", "pk"))


def _copy(field: FieldFile, target: Path, *, what: str) -> tuple[str, int]:
    """Copy a stored file to `target`; return its SHA-256 and size as copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with field.open("rb") as source, target.open("xb") as out:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except FileNotFoundError as e:
        raise BagError(f"{what} is missing from the archive's storage: nothing was bagged.") from e
    finally:
        field.close()
    return digest.hexdigest(), size


def _write_media(asset: MediaAsset, n: int, folder: Path) -> dict[str, Any]:
    base = PurePosixPath("media") / str(n)
    stored = PurePosixPath(asset.original.name).name
    original_name = safe_filename(asset.original_filename, stored or f"original-{n}")
    original_path = base / "original" / original_name
    sha256, size = _copy(
        asset.original, folder / original_path, what=f"The original of recording {n}"
    )
    entry: dict[str, Any] = {
        "key": str(asset.key),
        "duration_seconds": asset.duration,
        "format_name": asset.format_name,
        "audio_codec": asset.audio_codec,
        "video_codec": asset.video_codec,
        "created_at": asset.created_at.isoformat(),
        "original": {
            "path": str(original_path),
            "filename_at_ingest": asset.original_filename,
            "size_bytes": size,
            "sha256": sha256,
            "sha256_at_ingest": asset.sha256,
            # A fixity check for free: the copy is compared with what ingest recorded.
            "matches_ingest": sha256 == asset.sha256,
        },
        "derivative": None,
    }
    if asset.web:
        web_name = safe_filename(PurePosixPath(asset.web.name).name, f"web-{n}")
        web_path = base / "derivative" / web_name
        web_sha256, web_size = _copy(
            asset.web, folder / web_path, what=f"The web copy of recording {n}"
        )
        entry["derivative"] = {
            "path": str(web_path),
            "content_type": asset.web_content_type,
            "size_bytes": web_size,
            "sha256": web_sha256,
        }
    return entry


def _write_transcripts(
    testimony: TestimonyPage, folder: Path, *, user: access.User
) -> list[dict[str, Any]]:
    """Every finished transcript and translation, as stored, in WebVTT and OHMS XML."""
    transcripts = Transcript.objects.filter(
        media__testimony=testimony, status=TranscriptStatus.DONE
    ).order_by("created_at", "pk")
    interviewee = access.display_name(user, testimony)
    entries = []
    for transcript in transcripts:
        rows = list(transcript.segments.order_by("start", "index"))
        stem = f"transcripts/{transcript.pk}-{transcript.kind}-{transcript.language or 'und'}"
        vtt = to_vtt(Segment(start=r.start, end=r.end, text=r.text) for r in rows)
        ohms = to_ohms_xml(ohms_record_of(testimony, transcript, interviewee=interviewee))
        _write_text(folder / f"{stem}.vtt", vtt)
        _write_text(folder / f"{stem}.ohms.xml", ohms)
        redactions = Redaction.objects.filter(segment__transcript=transcript).select_related(
            "segment"
        )
        entries.append(
            {
                "id": transcript.pk,
                "kind": transcript.kind,
                "language": transcript.language,
                "translation_of": transcript.source_id,
                "engine": transcript.engine,
                "model": transcript.model,
                "created_at": transcript.created_at.isoformat(),
                "segments": len(rows),
                "segments_edited_by_people": sum(1 for r in rows if r.edited_by_human),
                "webvtt": f"{stem}.vtt",
                "ohms_xml": f"{stem}.ohms.xml",
                # Positions only, never the words (as the archive keeps them): the
                # text in the files is as spoken; these spans are masked in public copies.
                "redactions": [
                    {
                        "segment_index": r.segment.index,
                        "char_start": r.char_start,
                        "char_end": r.char_end,
                        "start": r.start,
                        "end": r.end,
                        "kind": r.kind,
                        "status": r.status,
                    }
                    for r in redactions
                ],
            }
        )
    return entries


def _username(user: Any) -> str:
    return user.get_username() if user is not None else ""


def _write_consent(record: ConsentRecord, folder: Path) -> dict[str, Any]:
    """The consent record and every version, oldest first, with the signed forms beside it."""
    versions = []
    for version in record.versions.order_by("version"):
        files = {}
        for field_name, label in (
            ("signed_form", "signed-form"),
            ("verbal_consent_media", "verbal-consent"),
        ):
            field = getattr(version, field_name)
            if field.name:
                stored = PurePosixPath(field.name).name
                name = safe_filename(stored, label)
                path = PurePosixPath("consent") / "files" / f"v{version.version}-{label}-{name}"
                _copy(
                    field, folder / path, what=f"The {label} of consent version {version.version}"
                )
                files[field_name] = str(path)
        verification = getattr(version, "verification", None)
        versions.append(
            {
                "version": version.version,
                "access_level": version.access_level,
                "show_audio": version.show_audio,
                "show_video": version.show_video,
                "show_face": version.show_face,
                "show_transcript": version.show_transcript,
                "show_real_name": version.show_real_name,
                "allow_teaching": version.allow_teaching,
                "allow_press": version.allow_press,
                "embargo_until": _iso(version.embargo_until),
                "form_version": version.form_version,
                "form_language": version.form_language,
                "method": version.method,
                "witness": version.witness,
                "withdrawn": version.withdrawn,
                "withdrawal_reason": version.withdrawal_reason,
                "needs_verification": version.needs_verification,
                "verified_by": _username(verification.verified_by) if verification else None,
                "verified_at": verification.verified_at.isoformat() if verification else None,
                "change_note": version.change_note,
                "created_at": version.created_at.isoformat(),
                "created_by": _username(version.created_by),
                "files": files,
            }
        )
    current = record.current
    document = {
        "record": record.pk,
        "given_at": record.given_at.isoformat(),
        "current_version": current.version if current else None,
        "state": current.state_label if current else "no version",
        "versions": versions,
    }
    write_json(folder / CONSENT_FILE, document)
    return {"file": CONSENT_FILE, "current_version": document["current_version"]}


def _metadata(
    testimony: TestimonyPage,
    *,
    user: access.User,
    media: list[dict[str, Any]],
    transcripts: list[dict[str, Any]],
) -> dict[str, Any]:
    storyteller = testimony.storyteller
    name = access.display_name(user, testimony)
    return {
        "format": BAG_FORMAT,
        "testimony": {
            "id": testimony.pk,
            "title": testimony.title,
            "slug": testimony.slug,
            "path": testimony.site_path,
            "summary": testimony.summary,
            "recorded_on": _iso(testimony.recorded_on),
            "place": testimony.place,
            "languages": testimony.language_codes,
            "live": testimony.live,
            "first_published_at": _iso(testimony.first_published_at),
            "last_published_at": _iso(testimony.last_published_at),
        },
        # The name the access policy shows this staff member: the real name only
        # where consent lets it be shown, else the public name or pseudonym.
        "storyteller": {
            "id": storyteller.pk,
            "name": name,
            "is_pseudonym": storyteller.is_pseudonym and name == storyteller.public_name,
        },
        "themes": [
            {"slug": t.slug, "name": t.name, "name_es": t.name_es}
            for t in testimony.accepted_themes.order_by("slug")
        ],
        "media": media,
        "transcripts": transcripts,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_json(path: Path, data: Any) -> None:
    _write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
