"""The manifest's columns: names, which are required, and what each holds.

One place, so the reader, the validator, the admin's help text and the
documentation (docs/import.md) say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("file", True, "The recording, relative to the media folder (no ../, not absolute)."),
    Column("title", True, "The testimony's title, stored as plain text."),
    Column("storyteller", True, "The public name or pseudonym the site shows."),
    Column("is_pseudonym", False, "yes (default) or no: is `storyteller` a pseudonym?"),
    Column("real_name", False, "Shown only where consent allows the real name."),
    Column("recorded_on", False, "YYYY-MM-DD; a real date, not in the future."),
    Column("place", False, "Where it was recorded."),
    Column("languages", False, "ISO 639-1 codes, separated by ; or , (es; en). First = spoken."),
    Column("summary", False, "The editor's summary."),
    Column("themes", False, "Theme slugs, names or terms, English or Spanish, separated by ;."),
    Column("access_level", True, "public, researchers, staff or sealed: the consent's level."),
    Column("show_audio", False, "yes/no (default no): audio may be played."),
    Column("show_video", False, "yes/no (default no): video may be played."),
    Column("show_face", False, "yes/no (default no): the face may be shown (needs show_video)."),
    Column("show_transcript", False, "yes/no (default no): the transcript may be shown."),
    Column("show_real_name", False, "yes/no (default no): the real name may be shown."),
    Column("allow_teaching", False, "yes/no (default no): teaching collections."),
    Column("allow_press", False, "yes/no (default no): press quotation."),
    Column("embargo_until", False, "YYYY-MM-DD: shown to no one before this date."),
    Column(
        "consent_form_version",
        False,
        "The consent form's version (signed_form needs it or consent_form_file).",
    ),  # fmt: skip
    Column("consent_form_language", False, "The form's language (en, es)."),
    Column("consent_method", False, "signed_form (default), verbal_recorded or in_app."),
    Column("consent_witness", False, "Who witnessed recorded verbal consent (required for it)."),
    Column(
        "consent_form_file", False, "The signed form (PDF or image), relative to the media folder."
    ),  # fmt: skip
    Column(
        "transcript",
        False,
        "A transcript file (.vtt, .srt, .xml OHMS, .txt with "
        "[HH:MM:SS] marks), relative to the media folder: imported, Whisper not run.",
    ),  # fmt: skip
    Column(
        "also_transcribe",
        False,
        "yes/no (default no): run Whisper too, beside the imported transcript.",
    ),  # fmt: skip
    Column(
        "publish",
        False,
        "yes/no (default no): publish once imported, if consent and the review checks allow.",
    ),  # fmt: skip
)

NAMES = tuple(column.name for column in COLUMNS)
REQUIRED = tuple(column.name for column in COLUMNS if column.required)


def normalise_header(name: str) -> str:
    """ "Access level", " access_level " and "ACCESS-LEVEL" are one column."""
    return "_".join(name.strip().lower().replace("-", " ").split())
