"""How to cite a moment: Chicago and APA text, and CSL-JSON for reference managers.

The storyteller is named as the asker may see them (archive.access.display_name):
the pseudonym unless consent allows the real name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone

from archive import access
from archive.models import TestimonyPage

ARCHIVE_NAME = "Testimonio"


def timecode(seconds: float) -> str:
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def moment_t(seconds: float | None) -> str:
    """The ``?t=`` value for a moment: hundredths of a second, rounded up.

    Whole seconds rounded down start a segment at 23.42 at 23, inside the line
    before it; rounding up by under 10 ms always lands inside the segment.
    """
    hundredths = math.ceil(round(float(seconds or 0) * 100, 6))
    whole, rest = divmod(max(hundredths, 0), 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") if rest else str(whole)


def moment_permalink(testimony: TestimonyPage, seconds: float) -> str:
    return f"{reverse('moment-permalink', args=[testimony.pk])}?t={moment_t(seconds)}"


@dataclass(frozen=True)
class Citation:
    chicago: str
    apa: str
    csl: dict[str, Any]


def _span(start: float, end: float | None) -> str:
    if end is None or end <= start:
        return timecode(start)
    return f"{timecode(start)}–{timecode(end)}"


def cite_moment(
    *,
    testimony: TestimonyPage,
    user: access.User | None,
    start: float,
    end: float | None = None,
    url: str,
    accessed: date | None = None,
) -> Citation:
    """A citation of `testimony` at `start` (to `end`), pointing at absolute `url`."""
    name = access.display_name(user, testimony)
    accessed = accessed or timezone.localdate()
    recorded = testimony.recorded_on
    span = _span(start, end)
    place = f", {testimony.place}" if testimony.place else ""
    recorded_text = (
        f"recorded {recorded:%B} {recorded.day}, {recorded.year}" if recorded else "n.d."
    )
    chicago = (
        f"{name}, “{testimony.title},” oral history testimony, {recorded_text}{place}, "
        f"at {span}, {ARCHIVE_NAME}, {url} (accessed {accessed:%B} {accessed.day}, "
        f"{accessed.year})."
    )
    apa_date = f"{recorded.year}, {recorded:%B} {recorded.day}" if recorded else "n.d."
    # "Rosa M." ends in its own full stop: APA wants "Rosa M. (2025", never "Rosa M.. (2025".
    apa_name = name if name.endswith(".") else f"{name}."
    apa = (
        f"{apa_name} ({apa_date}). {testimony.title} [Oral history testimony; {span}]. "
        f"{ARCHIVE_NAME}. {url}"
    )
    csl: dict[str, Any] = {
        "id": f"testimonio-{testimony.pk}-{int(start)}",
        "type": "interview",
        "title": testimony.title,
        "author": [{"literal": name}],
        "archive": ARCHIVE_NAME,
        "publisher": ARCHIVE_NAME,
        "medium": "Oral history testimony",
        "URL": url,
        "locator": span,
        "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
    }
    if recorded:
        csl["issued"] = {"date-parts": [[recorded.year, recorded.month, recorded.day]]}
    if testimony.place:
        csl["archive-place"] = testimony.place
    return Citation(chicago=chicago, apa=apa, csl=csl)
