"""Archive objects -> index documents. Pure reads; the access decision is archive.access's."""

from __future__ import annotations

from archive import access
from archive.models import (
    Redaction,
    RedactionStatus,
    TestimonyPage,
    ThemeStatus,
    Transcript,
    TranscriptKind,
    TranscriptStatus,
)
from archive.privacy import REDACTION_MARK, public_text
from search.backends.base import SegmentDocument


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

    translation = _english_translation(transcript)
    if translation is not None:
        # Redactions are marked on the original's words; a translated segment
        # that overlaps one in time is masked whole rather than risk a leak.
        redacted = _redacted_times(transcript)
        for segment in translation.segments.prefetch_related("themes"):
            hidden = any(start < segment.end and segment.start < end for start, end in redacted)
            segment_themes = {theme.slug for theme in segment.themes.all()} - rejected
            documents.append(
                SegmentDocument(
                    segment_id=segment.pk,
                    start=segment.start,
                    end=segment.end,
                    text=REDACTION_MARK if hidden else segment.text,
                    themes=tuple(sorted(segment_themes | accepted)),
                    **{**common, "language": "en"},
                )
            )
    return documents


def _english_translation(transcript: Transcript) -> Transcript | None:
    if transcript.language == "en":
        return None
    return (
        transcript.translations.filter(
            kind=TranscriptKind.TRANSLATION, status=TranscriptStatus.DONE
        )
        .order_by("-created_at")
        .first()
    )


def _redacted_times(transcript: Transcript) -> list[tuple[float, float]]:
    return list(
        Redaction.objects.filter(
            segment__transcript=transcript, status=RedactionStatus.APPLIED
        ).values_list("start", "end")
    )
