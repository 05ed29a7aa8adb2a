"""Archive objects -> index documents. Pure reads; the access decision is archive.access's."""

from __future__ import annotations

from archive import access
from archive.models import TestimonyPage, ThemeStatus
from archive.privacy import public_text
from archive.transcripts import public_translation_segments
from search.backends.base import SegmentDocument, TestimonyDocument


def segment_documents(testimony: TestimonyPage) -> list[SegmentDocument]:
    """The documents to index for `testimony`: none unless its transcript may be shown.

    Text is the public text (redactions masked), never the sealed original.
    """
    if not access.is_searchable(testimony):
        return []
    transcript = testimony.current_transcript
    if transcript is None:
        return []

    links = list(testimony.theme_links.select_related("theme"))
    rejected = {link.theme.slug for link in links if link.status == ThemeStatus.REJECTED}
    accepted = {link.theme.slug for link in links if link.status == ThemeStatus.ACCEPTED}
    url = testimony.site_path
    media = testimony.primary_media
    media_type = ("video" if media.has_video else "audio") if media is not None else ""
    language = transcript.language or (testimony.language_codes or [""])[0]
    common = {
        "testimony_id": testimony.pk,
        "title": testimony.title,
        "url": url,
        "language": language,
        "access_level": access.effective_consent(testimony).access_level,
        "storyteller": access.display_name(None, testimony),
        "place": testimony.place,
        "year": testimony.recorded_on.year if testimony.recorded_on else None,
        "media_type": media_type,
    }
    documents = []
    for segment in transcript.segments.prefetch_related("themes", "redactions"):
        segment_themes = {theme.slug for theme in segment.themes.all()} - rejected
        documents.append(
            SegmentDocument(
                segment_id=segment.pk,
                start=segment.start,
                end=segment.end,
                text=public_text(segment, list(segment.redactions.all())),
                themes=tuple(sorted(segment_themes | accepted)),
                **common,
            )
        )

    for segment, text in public_translation_segments(transcript):
        segment_themes = {theme.slug for theme in segment.themes.all()} - rejected
        documents.append(
            SegmentDocument(
                segment_id=segment.pk,
                start=segment.start,
                end=segment.end,
                text=text,
                themes=tuple(sorted(segment_themes | accepted)),
                **{**common, "language": "en"},
            )
        )
    return documents


def testimony_document(testimony: TestimonyPage) -> TestimonyDocument | None:
    """The testimony's own document (title, summary, public name); None unless searchable.

    Indexed under the same rule as its segments, so a title cannot be found
    where its moments could not.
    """
    if not access.is_searchable(testimony) or testimony.current_transcript is None:
        return None
    accepted = sorted(
        link.theme.slug
        for link in testimony.theme_links.select_related("theme")
        if link.status == ThemeStatus.ACCEPTED
    )
    media = testimony.primary_media
    return TestimonyDocument(
        testimony_id=testimony.pk,
        title=testimony.title,
        url=testimony.site_path,
        summary=testimony.summary,
        language=(testimony.language_codes or [""])[0],
        themes=tuple(accepted),
        access_level=access.effective_consent(testimony).access_level,
        storyteller=access.display_name(None, testimony),
        place=testimony.place,
        year=testimony.recorded_on.year if testimony.recorded_on else None,
        media_type=("video" if media.has_video else "audio") if media is not None else "",
    )
