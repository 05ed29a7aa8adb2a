"""OHMS XML leaves with metadata, timed transcript and a theme index, and reads back the same."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from archive.interchange.ohms import (
    ExportError,
    OhmsRecord,
    OhmsSegment,
    ohms_index,
    ohms_read,
    to_ohms_xml,
)

SEGMENTS = (
    OhmsSegment(0.0, 4.2, "My name is Ana and I came here in 2009."),
    OhmsSegment(4.2, 9.8, "They took my fingerprints at the county jail.", ("Secure Communities",)),
    OhmsSegment(9.8, 15.0, "Two days later ICE put a hold on me.", ("ICE detainer",)),
    OhmsSegment(15.0, 21.5, "So I could not post bail.", ()),
    OhmsSegment(3725.6, 3731.0, "Mi hija tenía tres años & <no entendía>.", ("Family separation",)),
)

RECORD = OhmsRecord(
    title="Held after calling for help",
    accession="testimonio-42",
    interviewee="Ana P.",
    language="es",
    duration=3731.4,
    media_url="https://archive.example/media/42/",
    recorded_on=date(2024, 5, 17),
    summary="A survivor describes a retaliatory arrest.",
    segments=SEGMENTS,
)


def test_ohms_xml_carries_the_record_metadata() -> None:
    rec = ET.fromstring(to_ohms_xml(RECORD)).find("record")  # noqa: S314

    assert rec.findtext("title") == "Held after calling for help"
    assert rec.findtext("accession") == "testimonio-42"
    assert rec.findtext("interviewee") == "Ana P."
    assert rec.findtext("language") == "Spanish"
    assert rec.findtext("duration") == "1:02:11"
    assert rec.findtext("media_url") == "https://archive.example/media/42/"
    assert rec.find("date").get("value") == "2024-05-17"


def test_transcript_lines_open_with_sync_markers() -> None:
    rec = ET.fromstring(to_ohms_xml(RECORD)).find("record")  # noqa: S314

    lines = rec.findtext("transcript").splitlines()
    assert lines[0] == "[00:00:00] My name is Ana and I came here in 2009."
    assert lines[2] == "[00:00:09] Two days later ICE put a hold on me."
    assert lines[-1] == "[01:02:05] Mi hija tenía tres años & <no entendía>."


def test_index_points_start_where_the_themes_change() -> None:
    points = ohms_index(SEGMENTS)

    assert [(p.time, p.keywords) for p in points] == [
        (0, ()),
        (4, ("Secure Communities",)),
        (9, ("ICE detainer",)),
        (3725, ("Family separation",)),
    ]
    # Speech without themes stays with the point before it.
    assert points[2].synopsis == "Two days later ICE put a hold on me. So I could not post bail."
    assert points[1].title == "Secure Communities"


def test_ohms_round_trip_reads_back_what_it_wrote() -> None:
    record, points = ohms_read(to_ohms_xml(RECORD))

    assert (record.title, record.accession, record.interviewee) == (
        RECORD.title,
        RECORD.accession,
        RECORD.interviewee,
    )
    assert record.language == "es"
    assert record.recorded_on == RECORD.recorded_on
    assert record.media_url == RECORD.media_url
    assert record.duration == 3731.0
    assert [(s.start, s.text) for s in record.segments] == [
        (float(int(s.start)), s.text) for s in SEGMENTS
    ]
    assert [s.themes for s in record.segments][1:3] == [("Secure Communities",), ("ICE detainer",)]
    assert points == ohms_index(SEGMENTS)


def test_untagged_transcript_has_no_index_and_still_reads_back() -> None:
    plain = OhmsRecord(
        title="T",
        accession="a",
        interviewee="X",
        language="en",
        duration=10,
        segments=(OhmsSegment(0, 5, "Hello."), OhmsSegment(5, 10, "Goodbye.")),
    )

    record, points = ohms_read(to_ohms_xml(plain))

    assert points == []
    assert [s.text for s in record.segments] == ["Hello.", "Goodbye."]
    assert record.segments[-1].end == 10.0
    assert record.language == "en" and record.recorded_on is None


def test_reading_something_else_is_an_export_error() -> None:
    with pytest.raises(ExportError, match="OHMS"):
        ohms_read("<html><body/></html>")
    with pytest.raises(ExportError, match="XML"):
        ohms_read("not xml at all")


@pytest.mark.django_db
@pytest.mark.slow
def test_a_transcribed_testimony_exports_as_the_visitor_may_see_it(record, ingest) -> None:
    from django.contrib.auth.models import AnonymousUser

    from archive.interchange.ohms import ohms_from_testimony
    from archive.models import TestimonyPage

    recording = record(["I called the police for help.", "They arrested me instead."])
    made = ingest(recording.path, title="Arrested after calling", access="public", model="tiny.en")
    testimony = TestimonyPage.objects.get(pk=made["id"])

    exported = ohms_from_testimony(testimony, user=AnonymousUser(), media_url="/m/1/")
    record_back, _ = ohms_read(to_ohms_xml(exported))

    assert record_back.title == "Arrested after calling"
    assert record_back.interviewee == "Ana P."
    assert record_back.language == "en"
    assert exported.segments and "police" in " ".join(s.text for s in exported.segments).lower()
    assert [s.text for s in record_back.segments] == [
        " ".join(s.text.split()) for s in exported.segments if s.text.strip()
    ]


@pytest.mark.django_db
def test_sealed_testimony_cannot_be_exported_by_a_visitor(record, ingest) -> None:
    from django.contrib.auth.models import AnonymousUser

    from archive.interchange.ohms import ohms_from_testimony
    from archive.models import TestimonyPage

    recording = record(["Nothing to see."])
    made = ingest(recording.path, title="Sealed", access="sealed", model="tiny.en", publish=False)

    with pytest.raises(ExportError):
        ohms_from_testimony(TestimonyPage.objects.get(pk=made["id"]), user=AnonymousUser())
