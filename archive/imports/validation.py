"""Every row of a manifest checked, every problem named by row and column; nothing written.

`manifest_validate` is the dry run and the first half of a real run: it
reads files (media through ffprobe, transcripts through their readers) and
the database (themes, checksums already archived), and writes nothing. A row
with any error is not imported; a warning is told and the row goes ahead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

from archive import access
from archive.consent.services import ConsentTerms
from archive.errors import IngestError
from archive.imports.cells import (
    LANGUAGE,
    Problem,
    RowCells,
    date_cell,
    flag,
    inside,
    text,
)
from archive.imports.consent_cells import consent_cells
from archive.imports.manifest import Manifest
from archive.imports.transcripts import TranscriptFileError, transcript_file_read
from archive.models import AccessLevel, ConsentVersion, MediaAsset
from archive.testimonies.ingest import TestimonyDetails, media_check, safe_display_name
from archive.themes.lookup import ThemeLookup

#: A transcript may run a little past the recording's end (rounding), not minutes past it.
_TRANSCRIPT_SLACK = 2.0


@dataclass(frozen=True)
class ImportRow:
    """One row that may be imported: everything the import needs, checked."""

    number: int
    media: Path
    filename: str
    sha256: str
    duration: float
    details: TestimonyDetails
    terms: ConsentTerms
    themes: tuple[str, ...]  # slugs
    consent_form: Path | None = None
    transcript: Path | None = None
    also_transcribe: bool = False
    publish: bool = False
    existing_testimony: int | None = None  # already archived (same SHA-256): skipped


@dataclass
class Report:
    manifest: Manifest
    media_dir: Path
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.manifest.rows)

    @property
    def failed_rows(self) -> set[int]:
        return {p.row for p in self.problems if not p.warning and p.row is not None}

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def to_import(self) -> list[ImportRow]:
        return [row for row in self.rows if row.existing_testimony is None]

    @property
    def already_archived(self) -> list[ImportRow]:
        return [row for row in self.rows if row.existing_testimony is not None]


def manifest_validate(
    manifest: Manifest,
    *,
    media_dir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Check every row of ``manifest`` against the files under ``media_dir`` and the archive."""
    report = Report(manifest=manifest, media_dir=media_dir)
    report.problems.extend(
        Problem(None, "", message, warning=True) for message in manifest.warnings
    )
    themes = ThemeLookup()
    seen_files: dict[Path, int] = {}
    seen_digests: dict[str, int] = {}
    base = media_dir.resolve()
    for done, manifest_row in enumerate(manifest.rows, start=1):
        row = RowCells(manifest_row)
        checked = _validate_row(row, base, themes, seen_files, seen_digests)
        report.problems.extend(row.problems)
        if checked is not None and not row.failed:
            report.rows.append(checked)
        if progress:
            progress(done, len(manifest.rows))
    return report


def _validate_row(
    row: RowCells,
    base: Path,
    themes: ThemeLookup,
    seen_files: dict[Path, int],
    seen_digests: dict[str, int],
) -> ImportRow | None:
    if row.row.extra_cells:
        row.error(
            "",
            f"{row.row.extra_cells} more cell(s) than the header has columns "
            "(a comma inside a value that is not quoted?).",
        )
    details = _details(row)
    terms, consent_form = consent_cells(row, base)
    slugs = _themes(row, themes)
    also_transcribe = flag(row, "also_transcribe")
    publish = flag(row, "publish")

    media, digest, duration = _media(row, base, seen_files, seen_digests)
    transcript = _transcript(row, base, duration)
    if publish and terms is not None:
        # The policy's own answer (archive.access), asked of the row's consent before it exists.
        blocker = access.consent_publish_blocker(ConsentVersion(**asdict(terms)))
        if blocker and terms.access_level == AccessLevel.SEALED:
            row.error("publish", f"not allowed: {blocker}. Set publish to no.")
        elif blocker:
            row.warn("publish", f"it is imported as a draft, not published: {blocker}.")
        elif transcript is None:
            row.warn(
                "publish",
                "no transcript given: Whisper transcribes it on the worker and it stays a draft "
                "until an editor reviews and publishes it.",
            )
    existing = None
    if digest:
        asset = MediaAsset.objects.filter(sha256=digest).order_by("pk").first()
        if asset is not None:
            existing = asset.testimony_id
            row.warn(
                "file",
                f"the same recording (SHA-256 {digest[:12]}…) is already in the archive as "
                f"testimony {existing}: the row is skipped.",
            )
    if row.failed or details is None or terms is None or media is None:
        return None
    return ImportRow(
        number=row.row.number,
        media=media,
        filename=safe_display_name(media.name),
        sha256=digest,
        duration=duration,
        details=details,
        terms=terms,
        themes=slugs,
        consent_form=consent_form,
        transcript=transcript,
        also_transcribe=also_transcribe,
        publish=publish,
        existing_testimony=existing,
    )


# --- cells -------------------------------------------------------------------------------------


def _details(row: RowCells) -> TestimonyDetails | None:
    title = text(row, "title", limit=255, required=True)
    storyteller = text(row, "storyteller", limit=200, required=True)
    real_name = text(row, "real_name", limit=200)
    place = text(row, "place", limit=200)
    recorded_on = date_cell(row, "recorded_on", past_only=True)
    languages = []
    for code in re.split(r"[;,\s]+", row.get("languages").lower()):
        if not code:
            continue
        if not LANGUAGE.match(code):
            row.error("languages", f"{code!r} is not a two-letter ISO 639-1 code such as en or es.")
        elif code not in languages:
            languages.append(code)
    if len(",".join(languages)) > 60:
        row.error("languages", "too many languages for one testimony (at most 20).")
    is_pseudonym = flag(row, "is_pseudonym", default=True)
    if row.failed:
        return None
    return TestimonyDetails(
        title=title,
        storyteller_name=storyteller,
        is_pseudonym=is_pseudonym,
        summary=row.get("summary"),
        recorded_on=recorded_on,
        place=place,
        language=languages[0] if languages else None,
        languages=tuple(languages),
        real_name=real_name,
    )


def _media(
    row: RowCells, base: Path, seen_files: dict[Path, int], seen_digests: dict[str, int]
) -> tuple[Path | None, str, float]:
    if not row.get("file"):
        row.error("file", "is empty; every row names its recording.")
        return None, "", 0.0
    path = inside(row, "file", base)
    if path is None:
        return None, "", 0.0
    if path in seen_files:
        row.error("file", f"duplicate row: row {seen_files[path]} names the same file.")
        return None, "", 0.0
    seen_files[path] = row.row.number
    digest = _sha256(path) if path.is_file() and path.stat().st_size else ""
    if digest and digest in seen_digests:
        row.error(
            "file", f"duplicate row: the same recording as row {seen_digests[digest]} (SHA-256)."
        )
        return None, "", 0.0
    if digest:
        seen_digests[digest] = row.row.number
    if digest and MediaAsset.objects.filter(sha256=digest).exists():
        # Archived already (checked, probed and kept then): a re-run skips it without ffmpeg.
        return path, digest, 0.0
    try:
        info = media_check(path, safe_display_name(row.get("file")))
    except IngestError as e:
        row.error("file", str(e))
        return None, "", 0.0
    return path, digest, info.duration


def _transcript(row: RowCells, base: Path, duration: float) -> Path | None:
    if not row.get("transcript"):
        return None
    path = inside(row, "transcript", base)
    if path is None:
        return None
    try:
        segments, _ = transcript_file_read(path, duration=duration or None)
    except TranscriptFileError as e:
        row.error("transcript", str(e))
        return None
    if duration and segments[-1].start > duration + _TRANSCRIPT_SLACK:
        row.error(
            "transcript",
            f"{path.name} has text at {segments[-1].start:.0f} s but the recording is "
            f"{duration:.0f} s long: is it the transcript of another recording?",
        )
        return None
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _themes(row: RowCells, lookup: ThemeLookup) -> tuple[str, ...]:
    slugs: list[str] = []
    for raw in re.split(r"[;|\n]+", row.get("themes")):
        name = raw.strip()
        if not name:
            continue
        found = lookup.slugs(name)
        if not found:
            row.error(
                "themes",
                f"unknown theme {name!r}: use a slug of the thesaurus (such as family) "
                "or one of its English or Spanish names or terms.",
            )
        elif len(found) > 1:
            row.error(
                "themes",
                f"{name!r} is a term of several themes ({', '.join(sorted(found))}): "
                "use the slug of the one meant.",
            )
        elif (slug := next(iter(found))) not in slugs:
            slugs.append(slug)
    return tuple(slugs)


def media_dir_default() -> Path:
    """The staff folder the admin's imports read from (TESTIMONIO_IMPORT_DIR)."""
    return Path(settings.TESTIMONIO_IMPORT_DIR)
