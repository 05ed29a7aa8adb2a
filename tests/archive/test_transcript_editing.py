"""An editor corrects a transcript: text, times, speaker, split, merge, each kept in history."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from archive.consent.services import OPEN_TERMS
from archive.models import (
    EditAction,
    Redaction,
    RedactionStatus,
    Segment,
    SegmentEdit,
    TestimonyPage,
    Transcript,
    TranscriptStatus,
)
from archive.signals import transcript_ready
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
from archive.transcripts.editing import (
    segment_edit_speaker,
    segment_edit_text,
    segment_edit_times,
    segment_split,
    segments_merge,
)
from archive.transcripts.pipeline import transcript_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("maria", is_staff=True)


@pytest.fixture
def testimony(make_testimony) -> TestimonyPage:
    return make_testimony("CanaryEdit")


def segments_of(testimony: TestimonyPage) -> list[Segment]:
    return list(testimony.current_transcript.segments.order_by("index"))


def state(testimony: TestimonyPage) -> list[tuple]:
    return [(s.index, s.start, s.end, s.text, s.speaker) for s in segments_of(testimony)]


def test_corrected_text_is_kept_with_author_time_and_what_it_was(testimony, editor) -> None:
    first = segments_of(testimony)[0]

    segment_edit_text(segment=first, text="  An  opening   sentence, corrected. ", by=editor)

    first.refresh_from_db()
    assert first.text == "An opening sentence, corrected."
    assert first.edited_by_human and first.edited_by == editor and first.edited_at
    [edit] = SegmentEdit.objects.all()
    assert edit.action == EditAction.TEXT and edit.author == editor
    assert edit.before["text"] == "An opening sentence."
    assert edit.after["text"] == "An opening sentence, corrected."


def test_an_edit_reindexes_the_testimony_for_search(
    testimony, editor, django_capture_on_commit_callbacks
) -> None:
    heard = []

    def listener(sender, testimony, **kwargs):  # noqa: ANN001, ANN003
        heard.append(testimony.pk)

    transcript_ready.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            segment_edit_speaker(segment=segments_of(testimony)[1], speaker="Ana", by=editor)
    finally:
        transcript_ready.disconnect(listener)
    assert heard == [testimony.pk]


def test_speaker_label_and_times_are_edited(testimony, editor) -> None:
    first, second = segments_of(testimony)

    segment_edit_speaker(segment=second, speaker="Interviewer", by=editor)
    segment_edit_times(segment=first, start=0.2, end=0.9, by=editor)

    assert state(testimony) == [
        (0, 0.2, 0.9, "An opening sentence.", ""),
        (1, 1.0, 2.0, "The word CanaryEdit is said.", "Interviewer"),
    ]
    assert [e.action for e in SegmentEdit.objects.order_by("created_at", "pk")] == [
        EditAction.SPEAKER,
        EditAction.TIMES,
    ]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0.8, 0.5, "must come before the end"),
        (0.5, 0.5, "must come before the end"),
        (-1.0, 0.5, "before the recording begins"),
        (0.0, 1.5, "overlaps the segment after"),
    ],
)
def test_bad_times_are_refused_with_a_reason_and_change_nothing(
    testimony, editor, start, end, message
) -> None:
    before = state(testimony)

    with pytest.raises(ValidationError, match=message):
        segment_edit_times(segment=segments_of(testimony)[0], start=start, end=end, by=editor)

    assert state(testimony) == before
    assert not SegmentEdit.objects.exists()


def test_times_past_the_recording_or_into_the_previous_segment_are_refused(
    testimony, editor
) -> None:
    second = segments_of(testimony)[1]
    with pytest.raises(ValidationError, match="past the end of the recording"):
        segment_edit_times(segment=second, start=1.0, end=9.0, by=editor)
    with pytest.raises(ValidationError, match="overlaps the segment before"):
        segment_edit_times(segment=second, start=0.5, end=2.0, by=editor)
    assert not segments_of(testimony)[1].edited_by_human


def test_split_and_merge_are_kept_in_history(testimony, editor) -> None:
    second = segments_of(testimony)[1]
    cut = second.text.index("is said")

    left, right = segment_split(segment=second, at_char=cut, at_time=1.6, by=editor)

    assert state(testimony) == [
        (0, 0.0, 1.0, "An opening sentence.", ""),
        (1, 1.0, 1.6, "The word CanaryEdit", ""),
        (2, 1.6, 2.0, "is said.", ""),
    ]
    assert left.edited_by_human and right.edited_by_human

    merged = segments_merge(first=left, second=right, by=editor)

    assert merged.pk == left.pk
    assert state(testimony) == [
        (0, 0.0, 1.0, "An opening sentence.", ""),
        (1, 1.0, 2.0, "The word CanaryEdit is said.", ""),
    ]
    split, merge = SegmentEdit.objects.order_by("created_at", "pk")
    assert split.action == EditAction.SPLIT and merge.action == EditAction.MERGE
    assert split.after["first"]["text"] == "The word CanaryEdit"
    assert split.after["second"]["text"] == "is said."
    assert merge.before["second"]["text"] == "is said."
    assert merge.after["text"] == "The word CanaryEdit is said."
    assert {split.author, merge.author} == {editor}


@pytest.mark.parametrize(
    ("at_char", "at_time", "message"),
    [
        (0, 1.5, "Split inside the text"),
        (999, 1.5, "Split inside the text"),
        (3, 1.0, "must lie inside the segment"),
        (3, 2.5, "must lie inside the segment"),
    ],
)
def test_split_at_an_invalid_position_is_refused(
    testimony, editor, at_char, at_time, message
) -> None:
    before = state(testimony)

    with pytest.raises(ValidationError, match=message):
        segment_split(
            segment=segments_of(testimony)[1], at_char=at_char, at_time=at_time, by=editor
        )

    assert state(testimony) == before
    assert not SegmentEdit.objects.exists()


def test_merge_of_segments_that_are_not_neighbours_is_refused(testimony, editor) -> None:
    first, second = segments_of(testimony)
    segment_split(segment=second, at_char=9, at_time=1.5, by=editor)
    first, _, third = segments_of(testimony)
    before = state(testimony)

    with pytest.raises(ValidationError, match="Only neighbouring segments"):
        segments_merge(first=first, second=third, by=editor)
    with pytest.raises(ValidationError, match="Only neighbouring segments"):
        segments_merge(first=third, second=first, by=editor)

    assert state(testimony) == before
    assert SegmentEdit.objects.count() == 1


def test_empty_text_is_refused(testimony, editor) -> None:
    with pytest.raises(ValidationError, match="cannot be empty"):
        segment_edit_text(segment=segments_of(testimony)[0], text="   ", by=editor)
    assert segments_of(testimony)[0].text == "An opening sentence."


def test_a_redacted_span_moves_with_its_words_and_cannot_be_deleted(testimony, editor) -> None:
    second = segments_of(testimony)[1]
    at = second.text.index("CanaryEdit")
    redaction = Redaction.objects.create(
        segment=second,
        char_start=at,
        char_end=at + len("CanaryEdit"),
        start=1.2,
        end=1.5,
        kind="person",
        status=RedactionStatus.APPLIED,
    )

    segment_edit_text(segment=second, text="Then the word CanaryEdit was said.", by=editor)
    redaction.refresh_from_db()
    second.refresh_from_db()
    assert second.text[redaction.char_start : redaction.char_end] == "CanaryEdit"

    with pytest.raises(ValidationError, match="drops the redacted"):
        segment_edit_text(segment=second, text="Then the word was said.", by=editor)
    with pytest.raises(ValidationError, match="cuts through the redacted"):
        segment_split(segment=second, at_char=redaction.char_start + 2, at_time=1.4, by=editor)

    _, right = segment_split(
        segment=second, at_char=second.text.index("CanaryEdit"), at_time=1.1, by=editor
    )
    redaction.refresh_from_db()
    assert redaction.segment_id == right.pk
    assert right.text[redaction.char_start : redaction.char_end] == "CanaryEdit"


@pytest.fixture
def transcribed(record) -> Transcript:
    recording = record(
        [
            "I called the police because he was hurting me.",
            "They arrested both of us that night.",
            "Two days later immigration came to the county jail.",
        ]
    )
    transcript = testimony_ingest(
        source=recording.path,
        filename=Path(recording.path).name,
        details=TestimonyDetails(title="Corrected", storyteller_name="Ana P."),
        consent=OPEN_TERMS,
        model="tiny.en",
    )
    return transcript_process(transcript=transcript)


def test_editor_correction_survives_retranscription(transcribed: Transcript, editor) -> None:
    segments = list(transcribed.segments.order_by("index"))
    assert len(segments) >= 2, [s.text for s in segments]
    corrected = segments[1]
    segment_edit_text(segment=corrected, text="They arrested BOTH of us that night.", by=editor)
    segment_edit_speaker(segment=corrected, speaker="Ana", by=editor)
    corrected.refresh_from_db()

    # Another run, with another model, as an editor would ask for from the jobs page.
    Transcript.objects.filter(pk=transcribed.pk).update(
        status=TranscriptStatus.QUEUED, model="base"
    )
    transcribed.refresh_from_db()
    transcript_process(transcript=transcribed)

    transcribed.refresh_from_db()
    assert transcribed.status == TranscriptStatus.DONE
    assert transcribed.model.endswith("base") or "base" in transcribed.model
    assert transcribed.attempts == 2
    after = list(transcribed.segments.order_by("index"))
    kept = [s for s in after if s.pk == corrected.pk]
    assert kept, "the corrected segment was replaced"
    [kept] = kept
    assert (kept.start, kept.end, kept.text, kept.speaker) == (
        corrected.start,
        corrected.end,
        "They arrested BOTH of us that night.",
        "Ana",
    )
    assert [s.index for s in after] == list(range(len(after)))
    assert [s.start for s in after] == sorted(s.start for s in after)
    for other in after:
        if other.pk != kept.pk:
            assert other.end <= kept.start or other.start >= kept.end, "overlaps the correction"
    text = " ".join(s.text for s in after).lower()
    assert "police" in text and "immigration" in text
    assert SegmentEdit.objects.filter(segment=kept).count() == 2
