"""A Spanish testimony also gets an English translation, stored as a second transcript."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from archive.consent.services import OPEN_TERMS
from archive.models import TestimonyPage, Transcript, TranscriptKind, TranscriptStatus
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
from archive.transcripts.jobs import job_enqueue
from archive.transcripts.pipeline import PipelineError, translation_create

pytestmark = pytest.mark.django_db


def test_ingest_with_translate_stores_an_english_translation_after_the_transcript(record) -> None:
    recording = record(
        ["Me separaron de mis hijos en la frontera.", "Cada mañana llamo a mi hijo por video."],
        voice="es",
    )
    out = StringIO()

    call_command(
        "ingest", str(recording.path), "--title", "Separación", "--storyteller", "Ana P.",
        "--access", "public", "--language", "es", "--model", "base", "--translate", "--json",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip

    result = json.loads(out.getvalue())
    testimony = TestimonyPage.objects.get(pk=result["id"])
    original = testimony.current_transcript
    translation = Transcript.objects.get(kind=TranscriptKind.TRANSLATION)
    assert result["translation"]["id"] == translation.pk
    assert original.kind == TranscriptKind.TRANSCRIPT and original.language == "es"
    assert translation.source == original and translation.media == original.media
    assert translation.status == TranscriptStatus.DONE
    assert translation.language == "en"
    assert translation.parameters["task"] == "translate"
    assert translation.parameters["source_language"] == "es"
    assert translation.finished_at >= original.finished_at
    assert translation.segments.exists()
    english = " ".join(s.text for s in translation.segments.all()).lower()
    spanish = " ".join(s.text for s in original.segments.all()).lower()
    assert english != spanish
    # The page still shows what was said; the translation does not replace it.
    assert testimony.current_transcript == original
    assert testimony.language_codes == ["es"]


def test_a_translation_is_made_once_and_only_of_a_transcript(make_testimony) -> None:
    transcript = make_testimony("CanaryTranslate").current_transcript

    translation = translation_create(transcript=transcript)

    assert translation_create(transcript=transcript) == translation
    assert translation.status == TranscriptStatus.QUEUED
    with pytest.raises(PipelineError, match="Only a transcript can be translated"):
        translation_create(transcript=translation)


@pytest.mark.parametrize(("heard", "told"), [("es", "es"), ("es,en", None)])
def test_a_translation_is_told_the_language_heard_unless_several_were(
    make_testimony, heard: str, told: str | None
) -> None:
    testimony = make_testimony("CanaryHeard")
    transcript = testimony.current_transcript
    # Transcribed without being told the language: Whisper heard Spanish.
    Transcript.objects.filter(pk=transcript.pk).update(language="es", parameters={})
    TestimonyPage.objects.filter(pk=testimony.pk).update(languages=heard)
    transcript.refresh_from_db()

    translation = translation_create(transcript=transcript)

    # One language heard: every window is translated from it, none guessed again.
    # Several: each window's language is still detected.
    assert translation.parameters.get("language") == told
    assert translation.parameters["task"] == "translate"


def test_on_the_queue_the_translation_follows_the_transcript(
    record, django_capture_on_commit_callbacks
) -> None:
    recording = record(["Me separaron de mis hijos en la frontera."], voice="es")
    transcript = testimony_ingest(
        source=recording.path,
        filename=Path(recording.path).name,
        details=TestimonyDetails(title="En la cola", storyteller_name="Ana P.", language="es"),
        consent=OPEN_TERMS,
        model="base",
    )
    translation = translation_create(transcript=transcript)

    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(transcript=transcript)

    transcript.refresh_from_db()
    translation.refresh_from_db()
    assert transcript.status == TranscriptStatus.DONE
    assert translation.status == TranscriptStatus.DONE
    assert translation.started_at >= transcript.finished_at
    assert translation.task_id and translation.task_id != transcript.task_id


def test_english_translation_is_searchable_and_redactions_carry_over(make_testimony, search):
    from archive.models import Redaction, RedactionStatus, Segment
    from search.indexing import index_testimony

    testimony = make_testimony("Garza")
    original = testimony.current_transcript
    Transcript.objects.filter(pk=original.pk).update(language="es")
    translation = Transcript.objects.create(
        media=original.media,
        kind=TranscriptKind.TRANSLATION,
        source=original,
        status=TranscriptStatus.DONE,
        language="en",
    )
    Segment.objects.create(
        transcript=translation, index=0, start=0.0, end=1.0, text="They took my fingerprints."
    )
    Segment.objects.create(
        transcript=translation, index=1, start=1.0, end=2.0, text="My neighbour Rosaura called."
    )
    spoken = original.segments.get(index=1)
    Redaction.objects.create(
        segment=spoken, char_start=0, char_end=3, start=1.2, end=1.5,
        kind="person", status=RedactionStatus.APPLIED,
    )  # fmt: skip
    index_testimony(TestimonyPage.objects.get(pk=testimony.pk))

    found = search("fingerprints")
    assert [hit["testimony_id"] for hit in found["hits"]] == [testimony.pk]
    # The moment found is the Spanish one, through its translation: one moment, in Spanish.
    assert found["facets"]["language"] == {"es": 1}
    assert search("rosaura")["total"] == 0  # inside a redacted moment of the original

    from django.test import Client

    page = Client().get(testimony.site_path).content.decode()
    assert "English translation" in page
    assert "They took my fingerprints." in page
    assert "Rosaura" not in page


def test_a_setting_turns_the_default_translation_off(record, ingest, settings) -> None:
    settings.TESTIMONIO_TRANSLATE = False
    result = ingest(record(["Me separaron de mis hijos en la frontera."], voice="es").path)

    assert result["language"] == "es"
    assert result["translation"] is None
    assert not Transcript.objects.filter(kind=TranscriptKind.TRANSLATION).exists()
