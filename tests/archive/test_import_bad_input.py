"""Manifests and files as they come from real spreadsheets and volunteers, good and bad."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.imports.manifest import ManifestError, manifest_read
from archive.models import TestimonyPage
from tests.archive.import_helpers import HEADER, archive_counts, row, tone, vtt, write_manifest

pytestmark = pytest.mark.django_db


def run(manifest: Path, *extra: str) -> str:
    out = StringIO()
    call_command("import_collection", str(manifest), *extra, stdout=out, stderr=StringIO())
    return out.getvalue()


def refused(manifest: Path, *extra: str) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("import_collection", str(manifest), *extra, stdout=StringIO(),
                     stderr=StringIO())  # fmt: skip
    return str(failure.value)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    tone(folder / "one.ogg", frequency=350)
    return folder


def _csv_text(rows: list[dict[str, str]], header: list[str] = HEADER) -> str:
    lines = [",".join(header)]
    for values in rows:
        lines.append(",".join(values.get(column, "") for column in header))
    return "\n".join(lines) + "\n"


def test_a_utf8_byte_order_mark_and_windows_line_endings_are_read(media: Path) -> None:
    text = _csv_text([row("one.ogg", title="Canción de la frontera")]).replace("\n", "\r\n")
    (media / "m.csv").write_bytes("\ufeff".encode() + text.encode("utf-8"))

    run(media / "m.csv")

    assert TestimonyPage.objects.get().title == "Canción de la frontera"


def test_latin1_text_is_decoded_with_a_warning(media: Path) -> None:
    (media / "m.csv").write_bytes(_csv_text([row("one.ogg", place="Bogotá")]).encode("latin-1"))

    out = run(media / "m.csv")

    assert "manifest: warning: m.csv is not UTF-8" in out and "Windows-1252" in out
    assert TestimonyPage.objects.get().place == "Bogotá"


def test_a_quoted_newline_inside_a_field_is_one_value(media: Path) -> None:
    write_manifest(media / "m.csv", [row("one.ogg", summary="First line.\nSecond line.")])

    run(media / "m.csv")

    assert TestimonyPage.objects.get().summary == "First line.\nSecond line."


def test_more_rows_than_the_limit_are_refused_at_once_with_nothing_imported(
    media: Path, settings
) -> None:
    line = ",".join(row("one.ogg").get(column, "") for column in HEADER)
    with (media / "big.csv").open("w") as out:
        out.write(",".join(HEADER) + "\n")
        for _ in range(100_000):
            out.write(line + "\n")
    before = archive_counts()

    message = refused(media / "big.csv", "--dry-run")

    assert "has more than 5000 rows; the limit is 5000" in message
    assert "TESTIMONIO_IMPORT_MAX_ROWS" in message and "Nothing was imported" in message
    assert archive_counts() == before


def test_an_empty_manifest_is_one_clear_error(media: Path) -> None:
    (media / "m.csv").write_bytes(b"")
    assert "m.csv is empty" in refused(media / "m.csv")


def test_a_header_without_a_required_column_is_one_error_and_nothing_is_imported(
    media: Path,
) -> None:
    header = [column for column in HEADER if column != "access_level"]
    write_manifest(media / "m.csv", [row("one.ogg")], header=header)
    before = archive_counts()

    message = refused(media / "m.csv")

    assert "the header lacks the required column(s) access_level" in message
    assert archive_counts() == before


def test_a_duplicate_row_is_reported_and_the_first_is_imported(media: Path) -> None:
    write_manifest(media / "m.csv", [row("one.ogg"), row("one.ogg")])
    message = refused(media / "m.csv")
    assert "1 row(s) failed" in message
    assert TestimonyPage.objects.count() == 1


def test_a_formula_cell_in_an_xlsx_title_is_stored_as_its_text(media: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    values = row("one.ogg", title='=HYPERLINK("http://x","y")')
    sheet.append([values.get(column, "") for column in HEADER])
    workbook.save(media / "m.xlsx")

    run(media / "m.xlsx")

    assert TestimonyPage.objects.get().title == '=HYPERLINK("http://x","y")'


def test_a_non_xlsx_file_named_xlsx_is_one_clear_error(media: Path) -> None:
    (media / "m.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ManifestError, match="not a readable .xlsx workbook"):
        manifest_read(media / "m.xlsx")


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<ROOT><record><transcript>[00:00:00] &lol3;</transcript></record></ROOT>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ROOT><record><transcript>[00:00:00] &xxe;</transcript></record></ROOT>
"""


@pytest.mark.parametrize("xml", [BOMB, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_an_ohms_file_with_entities_is_refused_with_a_clear_error(media: Path, xml: str) -> None:
    (media / "one.xml").write_text(xml)
    write_manifest(media / "m.csv", [row("one.ogg", transcript="one.xml")])

    message = refused(media / "m.csv")

    assert "1 row(s) failed" in message
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_collection", str(media / "m.csv"), "--dry-run", stdout=out)
    assert "row 2, transcript: error: one.xml: Refused: the XML declares a DTD or entities" in (
        out.getvalue()
    )
    assert TestimonyPage.objects.count() == 0


def test_an_ohms_srt_and_timecoded_text_transcript_are_imported(media: Path) -> None:
    from archive.interchange.ohms import OhmsRecord, OhmsSegment, to_ohms_xml

    tone(media / "two.ogg", frequency=450)
    tone(media / "three.ogg", frequency=550)
    (media / "one.xml").write_text(
        to_ohms_xml(
            OhmsRecord(
                title="t",
                accession="a",
                interviewee="i",
                language="en",
                duration=2.0,
                segments=(OhmsSegment(0.0, 1.0, "From OHMS."), OhmsSegment(1.0, 2.0, "Second.")),
            )
        )
    )
    (media / "two.srt").write_text("1\n00:00:00,000 --> 00:00:01,500\nFrom SubRip.\n\n")
    (media / "three.txt").write_text("[00:00:00] From typed text.\n[00:00:01] And more\nof it.\n")
    write_manifest(
        media / "m.csv",
        [
            row("one.ogg", transcript="one.xml"),
            row("two.ogg", transcript="two.srt"),
            row("three.ogg", transcript="three.txt"),
        ],
    )

    run(media / "m.csv")

    texts = {
        page.primary_media.original_filename: [
            s.text for s in page.current_transcript.segments.order_by("index")
        ]
        for page in TestimonyPage.objects.all()
    }
    assert texts == {
        "one.ogg": ["From OHMS.", "Second."],
        "two.ogg": ["From SubRip."],
        "three.ogg": ["From typed text.", "And more of it."],
    }


def test_a_transcript_of_another_recording_is_refused(media: Path) -> None:
    vtt(media / "long.vtt", [(0.0, 1.0, "Start."), (600.0, 601.0, "Ten minutes in.")])
    write_manifest(media / "m.csv", [row("one.ogg", transcript="long.vtt")])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_collection", str(media / "m.csv"), "--dry-run", stdout=out)
    assert "has text at 600 s but the recording is 2 s long" in out.getvalue()


def test_a_link_out_of_the_media_folder_is_refused(media: Path, tmp_path: Path) -> None:
    outside = tone(tmp_path / "secret.ogg", frequency=650)
    (media / "link.ogg").symlink_to(outside)
    write_manifest(media / "m.csv", [row("link.ogg")])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_collection", str(media / "m.csv"), "--dry-run", stdout=out)
    assert "leads outside the media folder" in out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.vtt", b"not a caption file at all\n", "bad.vtt is not valid WebVTT"),
        ("bad.srt", b"1\n00:00:00 -> nonsense\nText\n", "bad.srt"),
        ("latin.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nAñoranza\n".encode("latin-1"),
         "latin.vtt is not UTF-8 text"),
        ("back.txt", b"[00:00:05] Later.\n[00:00:01] Earlier.\n", "comes before the time above it"),
        ("plain.txt", b"No time marks here.\n", "text before the first [HH:MM:SS] time mark"),
        ("empty.vtt", b"", "empty.vtt is empty"),
        ("notes.docx", b"PK\x03\x04", "unknown transcript format"),
    ],
)  # fmt: skip
def test_an_unreadable_transcript_is_a_clear_error_on_its_row(
    media: Path, name: str, content: bytes, expected: str
) -> None:
    (media / name).write_bytes(content)
    write_manifest(media / "m.csv", [row("one.ogg", transcript=name)])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_collection", str(media / "m.csv"), "--dry-run", stdout=out)
    assert "row 2, transcript: error:" in out.getvalue()
    assert expected in out.getvalue()


def test_excels_unicode_text_utf16_with_tabs_is_read(media: Path) -> None:
    text = _csv_text([row("one.ogg", title="Añoranza")]).replace(",", "\t")
    (media / "m.csv").write_bytes(text.encode("utf-16"))

    run(media / "m.csv")

    assert TestimonyPage.objects.get().title == "Añoranza"


# An OHMS file as the OHMS application writes it: its namespace, a plain
# transcript, and <sync> points (one-minute interval; line(word) of each mark).
OHMS_SYNCED = """<?xml version="1.0" encoding="UTF-8"?>
<ROOT xmlns="https://www.weareavp.com/nunncenter/ohms">
  <record id="1" dt="2024-05-01">
    <title>Synced interview</title>
    <accession>ACC-1</accession>
    <duration>0:02:10</duration>
    <sync>1:|2(3)|3(1)</sync>
    <transcript>First minute starts here.
It goes on and then the second
minute ends the story.</transcript>
  </record>
</ROOT>
"""


def test_an_ohms_transcript_timed_by_sync_points_is_imported_at_its_minutes(
    media: Path,
) -> None:
    tone(media / "long.ogg", seconds=130.0, frequency=300)
    (media / "long.xml").write_text(OHMS_SYNCED)
    write_manifest(media / "m.csv", [row("long.ogg", transcript="long.xml")])

    run(media / "m.csv")

    segments = TestimonyPage.objects.get().current_transcript.segments.order_by("index")
    assert [(s.start, s.text) for s in segments] == [
        (0.0, "First minute starts here. It goes"),
        (60.0, "on and then the second"),
        (120.0, "minute ends the story."),
    ]
    assert segments.last().end == 130.0


@pytest.mark.parametrize(
    ("sync", "message"),
    [
        ("1:|9(1)", "names line 9, but the transcript has 3 lines"),
        ("1:|2(x)", "point 1 is '2(x)', not line(word)"),
        ("|2(3)", "must open with its interval in minutes"),
        ("1:|3(1)|2(1)", "comes before the one before it"),
    ],
)
def test_broken_ohms_sync_points_are_refused_by_row(media: Path, sync: str, message: str) -> None:
    (media / "one.xml").write_text(OHMS_SYNCED.replace("1:|2(3)|3(1)", sync))
    write_manifest(media / "m.csv", [row("one.ogg", transcript="one.xml")])
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("import_collection", str(media / "m.csv"), "--dry-run", stdout=out)

    assert "row 2, transcript: error: one.xml" in out.getvalue()
    assert message in out.getvalue()
    assert TestimonyPage.objects.count() == 0
