"""Archive objects -> index documents. Pure reads; the access decision is archive.access's."""

from __future__ import annotations

from dataclasses import replace

from archive import access
from archive.models import TestimonyPage, ThemeStatus
from archive.privacy.redaction import public_text
from archive.transcripts.public import public_translation_segments
from search import meaning
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

    said = list(transcript.segments.prefetch_related("themes", "redactions"))
    translations = _aligned_translations(said, public_translation_segments(transcript))
    segments = []
    for segment in said:
        segment_themes = {theme.slug for theme in segment.themes.all()} - rejected
        segments.append(
            SegmentDocument(
                segment_id=segment.pk,
                start=segment.start,
                end=segment.end,
                text=public_text(segment, list(segment.redactions.all())),
                themes=tuple(sorted(segment_themes | accepted)),
                language=language,
                translation=translations.get(segment.pk, ""),
                **common,
            )
        )
    return _in_context(segments), about


def _in_context(segments: list[SegmentDocument]) -> list[SegmentDocument]:
    """Each moment with what its neighbours say, as the sentence encoder reads them."""
    said = [meaning.passage(segment) for segment in segments]
    return [
        replace(
            segment,
            context=" ".join(
                said[n] for n in (number - 1, number + 1) if 0 <= n < len(said) and said[n]
            ),
        )
        for number, segment in enumerate(segments)
    ]


def _aligned_translations(said: list, translated: list) -> dict[int, str]:
    """The translation of each moment: every translated segment joins the moment it overlaps most.

    Whisper's translation has its own segment times; joining each of its
    segments to one moment keeps a hit on the original moment (its words
    first, the translation beside them) and counts no moment twice.
    """
    joined: dict[int, list[str]] = {}
    for row, text in translated:
        best, overlap = None, 0.0
        for segment in said:
            shared = min(segment.end, row.end) - max(segment.start, row.start)
            if shared > overlap:
                best, overlap = segment, shared
        if best is None and said:
            # No overlap (a translated segment in a pause): the nearest moment.
            best = min(said, key=lambda s: abs((s.start + s.end) / 2 - (row.start + row.end) / 2))
        if best is not None:
            joined.setdefault(best.pk, []).append(text)
    return {key: " ".join(texts) for key, texts in joined.items()}
