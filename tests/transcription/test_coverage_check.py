"""The coverage check: speech with no text, text that loops, and what it tells an editor.

These tests give the check the segments and speech regions directly: it is
a pure comparison of two timelines. The real model's part is in
test_bad_recordings.py.
"""

from __future__ import annotations

from transcription.coverage import IssueKind, Span, check, clock, repeats_itself
from transcription.engines.base import Segment, Word


def _spoken(start: float, end: float, text: str, **extra: object) -> Segment:
    """A segment whose words are spread evenly over its time, as Whisper aligns them."""
    tokens = text.split()
    step = (end - start) / len(tokens)
    words = tuple(
        Word(start + i * step, start + (i + 1) * step, token, 0.9) for i, token in enumerate(tokens)
    )
    return Segment(start, end, text, words, **extra)


SENTENCE = "the officer told me that I could see my children sooner if I signed"


def test_a_transcript_that_covers_its_speech_has_nothing_to_flag() -> None:
    regions = [Span(0.0, 5.0), Span(6.0, 11.0)]
    segments = [_spoken(0.1, 4.9, SENTENCE), _spoken(6.1, 10.9, SENTENCE.upper())]

    report = check(segments, regions, duration=12.0)

    assert report.issues == ()
    assert report.coverage == 1.0
    assert report.longest_gap == 0.0


def test_speech_with_no_text_is_a_gap_reported_with_its_length_and_time() -> None:
    # Text for the first 30 s, then 45 s of speech that the decoder skipped.
    regions = [Span(0.0, 30.0), *(Span(30.0 + 15 * i, 44.5 + 15 * i) for i in range(3))]
    segments = [_spoken(0.0, 15.0, SENTENCE), _spoken(15.0, 30.0, SENTENCE)]

    report = check(segments, regions, duration=80.0)

    [gap] = report.issues
    assert gap.kind == IssueKind.GAP
    assert gap.message == "43 s of speech not transcribed at 0:30"
    assert report.coverage < 0.45
    assert report.longest_gap > 40


def test_a_pause_between_sentences_is_not_a_gap() -> None:
    regions = [Span(0.0, 5.0), Span(8.0, 13.0)]
    segments = [_spoken(0.2, 4.8, SENTENCE), _spoken(8.2, 12.8, SENTENCE)]

    assert check(segments, regions, duration=14.0).issues == ()


def test_a_segment_that_repeats_a_phrase_is_a_loop_not_coverage() -> None:
    looping = "that I will stay in the harbor and the long winter " * 5
    regions = [Span(0.0, 30.0)]

    report = check([_spoken(0.0, 29.98, looping)], regions, duration=30.0)

    kinds = {issue.kind for issue in report.issues}
    assert IssueKind.LOOP in kinds
    loop = next(i for i in report.issues if i.kind == IssueKind.LOOP)
    assert loop.message.startswith("the text at 0:00–0:29 repeats itself")
    assert report.coverage == 0.0, "a loop does not count as transcribed speech"


def test_the_same_line_three_times_running_is_a_loop() -> None:
    regions = [Span(0.0, 9.0)]
    segments = [_spoken(3.0 * i, 3.0 * i + 2.5, "Thank you very much.") for i in range(3)]

    report = check(segments, regions, duration=9.0)

    [loop] = [i for i in report.issues if i.kind == IssueKind.LOOP]
    assert (loop.start, loop.end) == (0.0, 8.5)


def test_people_repeating_a_word_for_emphasis_is_not_a_loop() -> None:
    assert not repeats_itself("No, no, no, I never signed anything, never.")
    assert not repeats_itself(SENTENCE)
    assert repeats_itself("and then and then and then and then and then")


def test_a_segment_longer_than_its_words_can_fill_is_flagged() -> None:
    # Twenty seconds of detected speech under five words, and no word timings.
    regions = [Span(0.0, 20.0)]
    segments = [Segment(0.0, 20.0, "I remember the long winter")]

    [issue] = check(segments, regions, duration=20.0).issues

    assert issue.kind == IssueKind.OVERLONG
    assert "longer than its words can fill" in issue.message


def test_a_decode_the_model_was_unsure_of_is_flagged() -> None:
    regions = [Span(0.0, 6.0)]
    segments = [_spoken(0.0, 6.0, SENTENCE, avg_logprob=-1.2, temperature=1.0)]

    [issue] = check(segments, regions, duration=6.0).issues

    assert issue.kind == IssueKind.UNSURE
    assert issue.message.startswith("the decoder was unsure of the text at 0:00–0:06")


def test_text_where_no_speech_was_heard_is_flagged_as_possibly_invented() -> None:
    regions = [Span(0.0, 5.0)]
    segments = [_spoken(0.0, 5.0, SENTENCE), _spoken(40.0, 42.0, "Thanks for watching!")]

    [issue] = check(segments, regions, duration=60.0).issues

    assert issue.kind == IssueKind.UNHEARD
    assert issue.message.startswith("text at 0:40 where no speech was heard")


def test_a_recording_with_no_speech_says_so() -> None:
    report = check([], [], duration=1800.0)

    [issue] = report.issues
    assert issue.kind == IssueKind.NO_SPEECH
    assert issue.message == "no speech found in the recording (30:00 of sound)"
    assert report.coverage == 1.0 and report.speech_seconds == 0


def test_languages_are_reported_where_they_were_spoken() -> None:
    regions = [Span(0.0, 5.0), Span(6.0, 11.0)]
    segments = [
        _spoken(0.0, 5.0, SENTENCE, language="en"),
        _spoken(6.0, 11.0, "nadie me explicó lo que significaba el acuerdo", language="es"),
    ]

    report = check(segments, regions, duration=11.0, language="en")

    assert [(s.language, s.start, s.end) for s in report.languages] == [
        ("en", 0.0, 5.0),
        ("es", 6.0, 11.0),
    ]


def test_times_read_as_an_editor_reads_them() -> None:
    assert [clock(s) for s in (0, 30.9, 754, 3723)] == ["0:00", "0:30", "12:34", "1:02:03"]
