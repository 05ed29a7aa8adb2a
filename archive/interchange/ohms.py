"""Exports for exchange with other archives. OHMS XML here; captions and text come
from transcription.formats.

OHMS (the Oral History Metadata Synchronizer, read by OHMS and Aviary) takes
one XML record per interview: metadata, the transcript with ``[HH:MM:SS]``
sync markers, and an index of points (time in seconds, title, keywords,
synopsis). Writing works on plain dataclasses so it needs no database;
``ohms_from_testimony`` is the one place that reads archive models, through
the access policy.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from archive.errors import ArchiveError
from transcription.formats import timecode

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from archive.models import TestimonyPage

OHMS_VERSION = "5"
KEYWORD_SEPARATOR = ";"
_SYNOPSIS_CHARS = 600
_MARKER = re.compile(r"^\[(\d{2,}):([0-5]\d):([0-5]\d)\]\s?(.*)$")


class ExportError(ArchiveError):
    """An export cannot be made (the asker may not see the testimony, or the file is malformed)."""


@dataclass(frozen=True)
class OhmsSegment:
    start: float
    end: float
    text: str
    themes: tuple[str, ...] = ()  # theme names, shown as index keywords


@dataclass(frozen=True)
class OhmsRecord:
    title: str
    accession: str
    interviewee: str
    language: str  # ISO 639-1
    duration: float  # seconds
    media_url: str = ""
    recorded_on: date | None = None
    summary: str = ""
    media_format: str = "audio/mp4"
    segments: tuple[OhmsSegment, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class OhmsPoint:
    time: int  # whole seconds, as OHMS stores them
    title: str
    keywords: tuple[str, ...]
    synopsis: str
    partial_transcript: str = ""


def ohms_index(segments: tuple[OhmsSegment, ...] | list[OhmsSegment]) -> list[OhmsPoint]:
    """Index points: a new point wherever the themes spoken about change.

    Segments without themes belong to the point before them; speech before the
    first themed segment gets a point of its own. No themes at all: no index.
    """
    groups: list[tuple[tuple[str, ...], list[OhmsSegment]]] = []
    for segment in segments:
        themes = tuple(dict.fromkeys(segment.themes))
        if not groups or (themes and set(themes) != set(groups[-1][0])):
            groups.append((themes, [segment]))
        else:
            groups[-1][1].append(segment)
    if not any(themes for themes, _ in groups):
        return []
    points = []
    for themes, members in groups:
        synopsis = " ".join(s.text.strip() for s in members if s.text.strip())
        if len(synopsis) > _SYNOPSIS_CHARS:
            synopsis = synopsis[: _SYNOPSIS_CHARS - 1].rsplit(" ", 1)[0] + "…"
        points.append(
            OhmsPoint(
                time=int(members[0].start),
                title=", ".join(themes) if themes else "Introduction",
                keywords=themes,
                synopsis=synopsis,
                partial_transcript=members[0].text.strip(),
            )
        )
    return points


def _language_name(code: str) -> str:
    from django.utils.translation import get_language_info

    try:
        return str(get_language_info(code)["name"])
    except KeyError:
        return code


def _language_code(name: str) -> str:
    from django.conf.locale import LANG_INFO

    for code, info in LANG_INFO.items():
        if info.get("name") == name:
            return code
    return name


def _hms(seconds: float) -> str:
    whole = max(0, int(round(seconds)))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _seconds(hms: str) -> float:
    hours, minutes, secs = (int(part) for part in hms.split(":"))
    return float(hours * 3600 + minutes * 60 + secs)


def ohms_transcript(segments: tuple[OhmsSegment, ...] | list[OhmsSegment]) -> str:
    """One line per segment, each opening with its ``[HH:MM:SS]`` sync marker."""
    lines = []
    for segment in segments:
        text = " ".join(segment.text.split())
        if text:
            lines.append(f"[{timecode(segment.start)}] {text}")
    return "\n".join(lines)


def to_ohms_xml(record: OhmsRecord) -> str:
    """The OHMS XML document for ``record``, as text (UTF-8 declared)."""
    root = ET.Element("ROOT")
    rec = ET.SubElement(root, "record", {"id": record.accession, "dt": date.today().isoformat()})

    def add(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attrs)
        element.text = text
        return element

    add(rec, "version", OHMS_VERSION)
    if record.recorded_on:
        add(rec, "date", format="yyyy-mm-dd", value=record.recorded_on.isoformat())
    else:
        add(rec, "date")
    add(rec, "title", record.title)
    add(rec, "accession", record.accession)
    add(rec, "duration", _hms(record.duration))
    add(rec, "description", record.summary)
    add(rec, "interviewee", record.interviewee)
    add(rec, "language", _language_name(record.language) if record.language else "")
    add(rec, "format", record.media_format)
    add(rec, "media_url", record.media_url)
    mediafile = add(rec, "mediafile")
    add(mediafile, "host", "Other")
    add(mediafile, "clip_format", "video" if record.media_format.startswith("video") else "audio")
    # Sync points are the markers in the transcript text; OHMS's minute-grid
    # <sync> string is computed by OHMS itself when the transcript is synced.
    add(rec, "sync")
    add(rec, "transcript", ohms_transcript(record.segments))
    index = add(rec, "index")
    for point in ohms_index(record.segments):
        element = add(index, "point")
        add(element, "time", str(point.time))
        add(element, "title", point.title)
        add(element, "partial_transcript", point.partial_transcript)
        add(element, "synopsis", point.synopsis)
        add(element, "keywords", KEYWORD_SEPARATOR.join(point.keywords))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def ohms_read(xml: str) -> tuple[OhmsRecord, list[OhmsPoint]]:
    """Read an OHMS document back: the record (segments from the sync markers,
    each ending where the next begins) and its index points.

    Raises ExportError for a document that is not OHMS XML.
    """
    try:
        root = ET.fromstring(xml)  # noqa: S314 - our own output or an archivist's file, no DTDs
    except ET.ParseError as e:
        raise ExportError(f"Not an XML document: {e}") from e
    rec = root.find("record")
    if root.tag != "ROOT" or rec is None:
        raise ExportError("Not an OHMS document: expected <ROOT><record>.")

    def text(tag: str, parent: ET.Element = rec) -> str:
        return (parent.findtext(tag) or "").strip()

    points = [
        OhmsPoint(
            time=int(text("time", p) or 0),
            title=text("title", p),
            keywords=tuple(k for k in text("keywords", p).split(KEYWORD_SEPARATOR) if k),
            synopsis=text("synopsis", p),
            partial_transcript=text("partial_transcript", p),
        )
        for p in rec.iterfind("index/point")
    ]
    duration = _seconds(text("duration")) if text("duration") else 0.0
    starts_and_texts = []
    for line in (rec.findtext("transcript") or "").splitlines():
        match = _MARKER.match(line.strip())
        if match:
            h, m, s, spoken = match.groups()
            starts_and_texts.append((float(int(h) * 3600 + int(m) * 60 + int(s)), spoken))
    segments = []
    for n, (start, spoken) in enumerate(starts_and_texts):
        end = starts_and_texts[n + 1][0] if n + 1 < len(starts_and_texts) else duration
        themes = next((p.keywords for p in reversed(points) if p.time <= start), ())
        segments.append(OhmsSegment(start, end, spoken, themes))
    date_element = rec.find("date")
    recorded = date_element.get("value") if date_element is not None else None
    record = OhmsRecord(
        title=text("title"),
        accession=text("accession"),
        interviewee=text("interviewee"),
        language=_language_code(text("language")),
        duration=duration,
        media_url=text("media_url"),
        recorded_on=date.fromisoformat(recorded) if recorded else None,
        summary=text("description"),
        media_format=text("format"),
        segments=tuple(segments),
    )
    return record, points


def ohms_from_testimony(
    testimony: TestimonyPage, *, user: AbstractBaseUser | AnonymousUser | None, media_url: str = ""
) -> OhmsRecord:
    """The OHMS record of ``testimony`` as ``user`` may see it (read only).

    The name is the one the access policy shows this user; the transcript is
    left out unless the user may read it. Raises ExportError when the user
    may not see the testimony at all.
    """
    from archive import access

    if not access.can_view(user, testimony, access.Part.PAGE):
        raise ExportError("No such testimony.")  # the same answer as a 404: no existence leak
    media = testimony.primary_media
    transcript = testimony.current_transcript
    segments: tuple[OhmsSegment, ...] = ()
    if transcript is not None and access.can_view(user, testimony, access.Part.TRANSCRIPT):
        segments = tuple(
            OhmsSegment(
                start=s.start,
                end=s.end,
                text=s.text,
                themes=tuple(theme.name for theme in s.themes.all()),
            )
            for s in transcript.segments.prefetch_related("themes").order_by("start", "index")
        )
    language = (transcript.language if transcript else "") or next(
        iter(testimony.language_codes), ""
    )
    return OhmsRecord(
        title=testimony.title,
        accession=f"testimonio-{testimony.pk}",
        interviewee=access.display_name(user, testimony),
        language=language,
        duration=media.duration if media else 0.0,
        media_url=media_url,
        recorded_on=testimony.recorded_on,
        summary=testimony.summary,
        media_format=media.web_content_type if media else "audio/mp4",
        segments=segments,
    )
