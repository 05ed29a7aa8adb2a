"""Archive objects -> index documents. Pure reads; the access decision is archive.access's."""

from __future__ import annotations

from archive import access
from archive.models import TestimonyPage, ThemeStatus
from archive.privacy import public_text
from archive.transcripts import public_translation_segments
from search.backends.base import SegmentDocument, TestimonyDocument


def testimony_documents(
    testimony: TestimonyPage,
) -> tuple[list[SegmentDocument], TestimonyDocument | None]:
    """What to index for `testimony`: its segments and its own document; nothing unless
    its transcript may be shown.

    Both come from one read of the testimony, under one rule, so a title
    cannot be found where its moments could not. Segment text is the public
    text (redactions masked), never the sealed original.
    """
    if not access.is_searchable(testimony):
        return [], None
    transcript = testimony.current_transcript
    if transcript is None:
        return [], None

    links = list(testimony.theme_links.select_related("theme"))
    rejected = {link.theme.slug for link in links if link.status == ThemeStatus.REJECTED}
    accepted = {link.theme.slug for link in links if link.status == ThemeStatus.ACCEPTED}
    media = testimony.primary_media
    common = {
        "testimony_id": testimony.pk,
        "title": testimony.title,
        "url": testimony.site_path,
        "access_level": access.effective_consent(testimony).access_level,
        "storyteller": access.display_name(None, testimony),
        "place": testimony.place,
        "year": testimony.recorded_on.year if testimony.recorded_on else None,
        "media_type": ("video" if media.has_video else "audio") if media is not None else "",
    }
    language = transcript.language or (testimony.language_codes or [""])[0]
    about = TestimonyDocument(
        summary=testimony.summary,
        language=language,
        themes=tuple(sorted(accepted)),
        **common,
    )

    segments = []
    for segment in transcript.segments.prefetch_related("themes", "redactions"):
        segment_themes = {theme.slug for theme in segment.themes.all()} - rejected
        segments.append(
            SegmentDocument(
                segment_id=segment.pk,
                start=segment.start,
                end=segment.end,
                text=public_text(segment, list(segment.redactions.all())),
                themes=tuple(sorted(segment_themes | accepted)),
                language=language,
                **common,
            )
        )
    for segment, text in public_translation_segments(transcript):
        segment_themes = {theme.slug for theme in segment.themes.all()} - rejected
        segments.append(
            SegmentDocument(
                segment_id=segment.pk,
                start=segment.start,
                end=segment.end,
                text=text,
                themes=tuple(sorted(segment_themes | accepted)),
                language="en",
                **common,
            )
        )
    return segments, about
