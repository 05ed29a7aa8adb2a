"""Redaction as editors use it: suggested, applied (masked, unsearchable, bleeped) or dismissed."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from archive.consent.services import OPEN_TERMS
from archive.models import (
    MediaAsset,
    PiiKind,
    Redaction,
    RedactionStatus,
    Segment,
    TestimonyPage,
    Transcript,
    TranscriptStatus,
)
from archive.privacy import redaction as privacy
from archive.privacy.redaction import (
    REDACTION_MARK,
    bleeped_derivative,
    public_text,
    redaction_apply,
    redaction_dismiss,
    suggest_redactions,
    unreviewed_pii_count,
)
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
from archive.testimonies.publishing import testimony_publish
from transcription.errors import MediaError
from transcription.media import bleep, probe, read_metadata_tags

pytestmark = pytest.mark.django_db

SPEECH_HZ = 440
PHONE_SENTENCE = "Call me at (212) 555-0143 tomorrow."
PHONE_WORDS = [
    {"start": 2.0, "end": 2.3, "word": " Call", "p": 0.9},
    {"start": 2.3, "end": 2.5, "word": " me", "p": 0.9},
    {"start": 2.5, "end": 2.7, "word": " at", "p": 0.9},
    {"start": 2.8, "end": 3.4, "word": " (212)", "p": 0.9},
    {"start": 3.4, "end": 4.4, "word": " 555-0143", "p": 0.9},
    {"start": 4.5, "end": 5.2, "word": " tomorrow.", "p": 0.9},
]
# ffmpeg rewrites ISO 6709 coordinates, so look for the digits.
LEAKS = ("Secret Storyteller", "40.71")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dominant_hz(path: Path, start: float, end: float) -> float:
    """The loudest frequency of the decoded audio between two seconds."""
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar", "16000", "-"],
        check=True,
        capture_output=True,
    ).stdout
    samples = np.frombuffer(pcm, dtype=np.float32)[int(start * 16000) : int(end * 16000)]
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / 16000)[int(np.argmax(spectrum))])


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """Six seconds of a steady 440 Hz "voice", tagged with a name and a place."""
    dest = tmp_path / "interview.ogg"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={SPEECH_HZ}:duration=6",
         "-ac", "2", "-c:a", "libopus", "-metadata", "title=Secret Storyteller",
         "-metadata", "location=+40.7100-074.0000/", str(dest)],
        check=True,
    )  # fmt: skip
    return dest


@pytest.fixture
def testimony(recording: Path) -> TestimonyPage:
    """A published testimony whose second segment speaks a phone number from 2.8 to 4.4 s."""
    transcript = testimony_ingest(
        source=recording,
        filename="interview.ogg",
        details=TestimonyDetails(title="A phone call", storyteller_name="Ana P.", language="en"),
        consent=OPEN_TERMS,
    )
    Segment.objects.create(
        transcript=transcript,
        index=0,
        start=0.0,
        end=2.0,
        text="I arrived in the winter.",
        words=[{"start": 0.2, "end": 1.8, "word": " I arrived in the winter.", "p": 0.9}],
    )
    Segment.objects.create(
        transcript=transcript, index=1, start=2.0, end=6.0, text=PHONE_SENTENCE, words=PHONE_WORDS
    )
    transcript.status = TranscriptStatus.DONE
    transcript.language = "en"
    transcript.save()
    return testimony_publish(testimony=transcript.media.testimony)


def phone_redaction(testimony: TestimonyPage) -> Redaction:
    suggest_redactions(transcript=testimony.current_transcript)
    return Redaction.objects.get(
        segment__transcript__media__testimony=testimony, kind=PiiKind.PHONE
    )


def test_scan_suggests_the_phone_number_with_the_seconds_it_is_spoken(testimony):
    created = suggest_redactions(transcript=testimony.current_transcript)

    redaction = Redaction.objects.get(kind=PiiKind.PHONE)
    assert created >= 1
    segment = redaction.segment
    assert segment.text[redaction.char_start : redaction.char_end] == "(212) 555-0143"
    assert (redaction.start, redaction.end) == (2.8, 4.4)
    assert redaction.status == RedactionStatus.SUGGESTED
    assert redaction.detector and redaction.score > 0.4
    assert unreviewed_pii_count(testimony) == created


def test_scanning_again_adds_nothing_and_keeps_every_decision(testimony, admin_user):
    transcript = testimony.current_transcript
    Segment.objects.create(
        transcript=transcript,
        index=2,
        start=6.0,
        end=6.0,
        text="My name is Maria Gonzalez and I was born on March 3, 1990.",
    )
    first = suggest_redactions(transcript=transcript)
    assert first == 3
    phone, name, birth = (
        Redaction.objects.get(kind=kind)
        for kind in (PiiKind.PHONE, PiiKind.PERSON, PiiKind.DATE_OF_BIRTH)
    )
    redaction_apply(redaction=phone, by=admin_user)
    redaction_dismiss(redaction=name, by=admin_user)

    assert suggest_redactions(transcript=transcript) == 0

    assert Redaction.objects.count() == 3
    statuses = {r.kind: r.status for r in Redaction.objects.all()}
    assert statuses == {
        PiiKind.PHONE: RedactionStatus.APPLIED,
        PiiKind.PERSON: RedactionStatus.DISMISSED,
        PiiKind.DATE_OF_BIRTH: RedactionStatus.SUGGESTED,
    }
    assert unreviewed_pii_count(testimony) == 1
    birth.refresh_from_db()
    assert birth.decided_by is None
    phone.refresh_from_db()
    assert phone.decided_by == admin_user


def test_the_storytellers_real_name_is_suggested_wherever_it_is_said(testimony):
    storyteller = testimony.storyteller
    storyteller.real_name = "Marisol Quintero"
    storyteller.save()
    Segment.objects.create(
        transcript=testimony.current_transcript,
        index=2,
        start=6.0,
        end=6.0,
        text="At the shelter everyone said quintero was brave.",
    )

    suggest_redactions(transcript=testimony.current_transcript)

    person = Redaction.objects.get(kind=PiiKind.PERSON)
    assert person.segment.text[person.char_start : person.char_end] == "quintero"


def test_applied_phone_number_is_masked_in_text_and_gone_from_search(testimony, search):
    assert search("0143")["total"] == 1
    redaction = phone_redaction(testimony)

    redaction_apply(redaction=redaction, by=None)

    segment = Segment.objects.get(pk=redaction.segment_id)
    assert public_text(segment) == f"Call me at {REDACTION_MARK} tomorrow."
    assert segment.text == PHONE_SENTENCE, "the sealed original text is kept"
    assert search("0143")["total"] == 0
    assert search("555")["total"] == 0
    hits = search("tomorrow")["hits"]
    assert len(hits) == 1
    assert REDACTION_MARK in hits[0]["snippet"]
    assert "0143" not in hits[0]["snippet"]


def test_a_neighbour_read_by_meaning_hears_the_redaction_not_the_number(testimony):
    """The encoder reads each moment with its neighbours' words: the public words only."""
    from search.documents import testimony_documents

    redaction_apply(redaction=phone_redaction(testimony), by=None)

    segments, _ = testimony_documents(TestimonyPage.objects.get(pk=testimony.pk))

    arrived, phone = segments
    assert arrived.context == f"Call me at {REDACTION_MARK} tomorrow."
    assert "0143" not in arrived.context + phone.context
    assert phone.context == "I arrived in the winter."


def test_dismissed_span_stays_visible_and_searchable(testimony, search):
    redaction = phone_redaction(testimony)

    redaction_dismiss(redaction=redaction, by=None)

    segment = Segment.objects.get(pk=redaction.segment_id)
    assert public_text(segment) == PHONE_SENTENCE
    assert search("0143")["total"] == 1
    assert not MediaAsset.objects.get().web, "a dismissal of a suggestion re-encodes nothing"


def test_applied_span_is_bleeped_in_public_audio_while_the_original_stays_sealed(testimony):
    media = testimony.primary_media
    original = Path(media.original.path)
    before = sha256(original)
    assert before == media.sha256

    redaction_apply(redaction=phone_redaction(testimony), by=None)

    media.refresh_from_db()
    web = Path(media.web.path)
    assert web.name == "web.m4a"
    assert dominant_hz(web, 0.5, 1.8) == pytest.approx(SPEECH_HZ, abs=5)
    assert dominant_hz(web, 3.0, 4.2) == pytest.approx(1000, abs=5)
    assert dominant_hz(web, 5.0, 5.8) == pytest.approx(SPEECH_HZ, abs=5)
    assert sha256(original) == before, "the original is never rewritten"
    assert probe(web).audio_codec == "aac"
    tags = read_metadata_tags(web)
    assert [v for v in tags.values() for leak in LEAKS if leak in v] == []
    assert any(leak in v for v in read_metadata_tags(original).values() for leak in LEAKS)


def test_undoing_a_redaction_restores_the_public_audio(testimony):
    redaction = phone_redaction(testimony)
    redaction_apply(redaction=redaction, by=None)

    redaction_dismiss(redaction=redaction, by=None)

    media = MediaAsset.objects.get()
    assert dominant_hz(Path(media.web.path), 3.0, 4.2) == pytest.approx(SPEECH_HZ, abs=5)
    assert sorted(p.name for p in Path(media.web.path).parent.iterdir()) == ["web.m4a"]


def test_public_audio_is_withheld_when_it_cannot_be_bleeped(testimony):
    media = testimony.primary_media
    bleeped_derivative(media)  # a public copy exists before the redaction
    media.refresh_from_db()
    old = Path(media.web.path)
    assert old.exists()

    with (
        mock.patch.object(
            privacy.media_tools, "bleep", autospec=True, side_effect=MediaError("ffmpeg broke")
        ),
        pytest.raises(MediaError),
    ):
        redaction_apply(redaction=phone_redaction(testimony), by=None)

    media.refresh_from_db()
    assert not media.web, "no unbleeped copy is served"
    assert not old.exists()
    assert Redaction.objects.get(kind=PiiKind.PHONE).status == RedactionStatus.APPLIED


def test_video_is_bleeped_and_stays_video(tmp_path: Path):
    src = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=3",
         "-f", "lavfi", "-i", f"sine=frequency={SPEECH_HZ}:duration=3", "-shortest",
         "-c:v", "libx264", "-c:a", "aac", "-metadata", "title=Secret Storyteller", str(src)],
        check=True,
    )  # fmt: skip

    web = bleep(src, tmp_path / "out" / "web", [(1.0, 2.0)], video=True)

    assert web == tmp_path / "out" / "web.mp4"
    info = probe(web)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert dominant_hz(web, 1.2, 1.8) == pytest.approx(1000, abs=5)
    assert dominant_hz(web, 2.2, 2.9) == pytest.approx(SPEECH_HZ, abs=5)
    assert "Secret Storyteller" not in read_metadata_tags(web).values()
    assert sorted(p.name for p in web.parent.iterdir()) == ["web.mp4"]


def test_unreviewed_count_is_per_testimony(testimony, make_testimony):
    other = make_testimony("Kestrel")
    suggest_redactions(transcript=testimony.current_transcript)
    assert unreviewed_pii_count(testimony) >= 1
    assert unreviewed_pii_count(other) == 0
    assert Transcript.objects.count() == 2
