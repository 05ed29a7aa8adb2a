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

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from archive.errors import ArchiveError
from transcription.formats import timecode

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from archive.models import MediaAsset, TestimonyPage, Transcript

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

    Raises ExportError for a document that is not OHMS XML, and for one that
    declares entities or a DTD (defusedxml): an archivist's file may come from
    anywhere, and an entity can expand to gigabytes (billion laughs) or read
    a file of the server's (an external entity).
    """
    try:
        root = defused_fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as e:
        raise ExportError(
            f"Refused: the XML declares a DTD or entities ({e.__class__.__name__}), which an "
            "OHMS record never needs and which can expand without end or read files of the "
            "server's. Export it again without a DOCTYPE."
        ) from None
    except ET.ParseError as e:
        raise ExportError(f"Not an XML document: {e}") from e
    # OHMS files from the OHMS application carry its namespace; ours carry none.
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.rpartition("}")[2]
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
    transcript = rec.findtext("transcript") or ""
    starts_and_texts = []
    for line in transcript.splitlines():
        match = _MARKER.match(line.strip())
        if match:
            h, m, s, spoken = match.groups()
            starts_and_texts.append((float(int(h) * 3600 + int(m) * 60 + int(s)), spoken))
    sync = text("sync")
    if not starts_and_texts and sync:
        starts_and_texts = sync_starts(transcript, sync)
        if starts_and_texts and not duration:
            duration = starts_and_texts[-1][0] + _sync_interval(sync)
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


_SYNC_STAMP = re.compile(r"^(\d+)\((\d+)\)$")


def _sync_interval(sync: str) -> float:
    interval, colon, _ = sync.partition(":")
    if not colon or not interval.strip().isdigit() or int(interval) < 1:
        raise ExportError(
            f"The OHMS <sync> element must open with its interval in minutes, as in "
            f"'1:|13(3)|19(14)'; this one opens with {sync[:20]!r}."
        )
    return int(interval) * 60.0


def sync_starts(transcript: str, sync: str) -> list[tuple[float, str]]:
    """(start, text) of each interval of a transcript timed by OHMS ``<sync>`` points.

    The OHMS application times a plain transcript with ``<sync>`` such as
    ``1:|13(3)|19(14)``: an interval of one minute, then for each interval
    mark in turn (1 min, 2 min, ...) the line (from 1) and word (from 1) of
    the transcript where it falls. The text from one mark to the next is one
    moment; a mark at a line or word the transcript does not have is an
    error, not a guess.
    """
    interval = _sync_interval(sync)
    lines = transcript.split("\n")
    positions: dict[tuple[int, int], int] = {}
    words: list[str] = []
    for line_number, line in enumerate(lines, start=1):
        for word_number, word in enumerate(line.split(), start=1):
            positions[line_number, word_number] = len(words)
            words.append(word)
    cuts = [(0.0, 0)]
    for mark, stamp in enumerate(
        (stamp.strip() for stamp in sync.partition(":")[2].split("|") if stamp.strip()),
        start=1,
    ):
        match = _SYNC_STAMP.match(stamp)
        if not match:
            raise ExportError(f"OHMS <sync> point {mark} is {stamp!r}, not line(word).")
        line_number, word_number = int(match[1]), max(1, int(match[2]))
        if (line_number, word_number) in positions:
            at = positions[line_number, word_number]
        elif 1 <= line_number <= len(lines) and word_number > len(lines[line_number - 1].split()):
            # Past a line's last word: the mark falls where the next word is.
            later = [i for (ln, _), i in positions.items() if ln > line_number]
            at = min(later, default=len(words))
        else:
            raise ExportError(
                f"OHMS <sync> point {mark} ({stamp}) names line {line_number}, but the "
                f"transcript has {len(lines)} lines."
            )
        if at < cuts[-1][1]:
            raise ExportError(f"OHMS <sync> point {mark} ({stamp}) comes before the one before it.")
        cuts.append((mark * interval, at))
    cuts.append((float("inf"), len(words)))
    return [
        (start, " ".join(words[begin:end]))
        for (start, begin), (_, end) in zip(cuts, cuts[1:], strict=False)
        if end > begin
    ]


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
    return ohms_record_of(
        testimony,
        testimony.current_transcript,
        interviewee=access.display_name(user, testimony),
        media=testimony.primary_media,
        with_text=access.can_view(user, testimony, access.Part.TRANSCRIPT),
        media_url=media_url,
    )


def ohms_record_of(
    testimony: TestimonyPage,
    transcript: Transcript | None,
    *,
    interviewee: str,
    media: MediaAsset | None = None,
    with_text: bool = True,
    media_url: str = "",
) -> OhmsRecord:
    """The OHMS record of one transcript of ``testimony``, read as stored.

    Asks no policy: the caller has asked archive.access already (the public
    export above, the staff-only preservation bag) and passes the name it may
    show and whether the text may go in. ``media`` defaults to the
    transcript's own recording.
    """
    media = media or (transcript.media if transcript is not None else testimony.primary_media)
    segments: tuple[OhmsSegment, ...] = ()
    if transcript is not None and with_text:
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
        interviewee=interviewee,
        language=language,
        duration=media.duration if media else 0.0,
        media_url=media_url,
        recorded_on=testimony.recorded_on,
        summary=testimony.summary,
        media_format=media.web_content_type if media else "audio/mp4",
        segments=segments,
    )
