"""A collection as a teaching packet: printable HTML, and PDF made from it with WeasyPrint.

Rendered for the asker at request time, so a clip withdrawn before the export
prints as the neutral placeholder, never as its excerpt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from archive import access
from archive.collections.citations import cite_moment, moment_permalink
from archive.collections.services import clip_views
from archive.errors import ArchiveError
from archive.models import CollectionPage


class PacketError(ArchiveError):
    """The PDF could not be made."""


def packet_context(
    *, collection: CollectionPage, viewer: access.User | None, absolute: Callable[[str], str]
) -> dict[str, Any]:
    entries = []
    for view in clip_views(collection, viewer):
        citation = None
        link = ""
        if view.available:
            link = absolute(moment_permalink(view.clip.testimony, view.clip.start))
            citation = cite_moment(
                testimony=view.clip.testimony,
                user=viewer,
                start=view.clip.start,
                end=view.clip.end,
                url=link,
            )
        entries.append({"view": view, "citation": citation, "link": link})
    return {"collection": collection, "entries": entries, "made_on": timezone.localdate()}


def packet_html(
    *, collection: CollectionPage, viewer: access.User | None, absolute: Callable[[str], str]
) -> str:
    context = packet_context(collection=collection, viewer=viewer, absolute=absolute)
    return render_to_string("archive/collections/packet.html", context)


def packet_pdf(*, html: str, base_url: str) -> bytes:
    """The packet's HTML printed to PDF. Raises PacketError if WeasyPrint fails."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as e:  # OSError: Pango/Cairo system libraries missing
        raise PacketError(
            "PDF export needs WeasyPrint and its system libraries (Pango): "
            "pip install weasyprint; apt-get install libpango-1.0-0 libpangoft2-1.0-0."
        ) from e
    try:
        return HTML(string=html, base_url=base_url).write_pdf()
    except Exception as e:  # noqa: BLE001 - WeasyPrint raises many kinds; report one
        raise PacketError(f"The PDF could not be made: {e}") from e
