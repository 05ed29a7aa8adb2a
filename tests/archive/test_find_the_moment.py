"""One testimony from a media file to a found moment: real ffmpeg, real Whisper, real FTS5."""

from __future__ import annotations

import pytest
from django.test import Client

from archive.collections.citations import moment_t
from archive.consent.services import consent_withdraw
from archive.models import ConsentRecord, TestimonyPage, Transcript

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ENGLISH = [
    "I grew up in a small town near the river.",
    "My mother worked nights at the bakery on Main Street.",
    "The day they took my fingerprints, everything changed for our family.",
]
SPANISH = [
    "Llegamos a la ciudad en el invierno.",
    "Mi esposo trabajaba en la construcción todos los días.",
    "La separación familiar nos rompió el corazón a todos.",
]


def test_spoken_phrase_is_found_at_its_timecode(record, ingest, search):
    recording = record(ENGLISH)
    result = ingest(recording.path, title="The bakery on Main Street")

    found = search('"took my fingerprints"')

    assert found["total"] >= 1
    hit = found["hits"][0]
    assert hit["testimony_id"] == result["id"]
    assert abs(hit["start"] - recording.phrase_start) <= 2.0
    assert "<mark>took my fingerprints</mark>" in hit["snippet"]
    # Hundredths rounded up: a whole second rounded down would start in the line before.
    assert hit["url"].endswith(f"?t={moment_t(hit['start'])}")


def test_english_testimony_gets_theme_suggestions_from_the_thesaurus(record, ingest):
    result = ingest(record(ENGLISH).path)

    assert "secure-communities" in result["themes"]
    testimony = TestimonyPage.objects.get(pk=result["id"])
    link = testimony.theme_links.get(theme__slug="secure-communities")
    assert link.status == "suggested"
    assert link.segment_count == 1


def test_spanish_clip_is_detected_as_spanish_and_found_by_a_spanish_query(record, ingest, search):
    recording = record(SPANISH, voice="es")
    result = ingest(recording.path, title="La ciudad en invierno")

    assert result["language"] == "es"
    transcript = Transcript.objects.get(media__testimony_id=result["id"], kind="transcript")
    assert transcript.language == "es"
    # Spanish testimony is translated into English by default (TESTIMONIO_TRANSLATE).
    (translation,) = transcript.translations.all()
    assert translation.status == "done" and translation.language == "en"
    assert "family-separation" in result["themes"]

    # Accents folded both ways: the query has none, the transcript has them.
    found = search("separacion familiar", "--language", "es")
    assert [hit["testimony_id"] for hit in found["hits"]] == [result["id"]]
    assert abs(found["hits"][0]["start"] - recording.phrase_start) <= 2.0
    assert found["facets"]["language"] == {"es": 1}
    assert found["facets"]["theme"]["family-separation"] == 1


def test_testimony_page_plays_from_t_and_serves_seekable_media(record, ingest):
    result = ingest(record(ENGLISH).path)
    testimony = TestimonyPage.objects.get(pk=result["id"])
    client = Client()

    page = client.get(testimony.site_path, {"t": "5"})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-start="5.0"' in html
    assert "took my fingerprints" in html.lower()
    media = testimony.primary_media
    media_url = f"/media/{media.key}/"
    assert f'src="{media_url}?s=' in html

    signed = html.split(f'src="{media_url}?s=')[1].split('"')[0]
    partial = client.get(media_url, {"s": signed}, HTTP_RANGE="bytes=0-99")
    assert partial.status_code == 206
    assert partial["Content-Range"].startswith("bytes 0-99/")
    assert len(b"".join(partial.streaming_content)) == 100
    assert partial["Content-Type"] == "audio/mp4"


def test_restricted_testimony_is_not_found_by_anonymous_search(record, ingest, search):
    result = ingest(record(ENGLISH).path, access="researchers")
    testimony = TestimonyPage.objects.get(pk=result["id"])

    found = search("fingerprints")

    assert found["total"] == 0
    assert found["hits"] == []
    assert all(counts == {} for counts in found["facets"].values())
    assert Client().get(testimony.site_path).status_code == 404
    media = testimony.primary_media
    assert Client().get(f"/media/{media.key}/").status_code == 404


def test_withdrawn_testimony_leaves_search_and_pages_at_once(record, ingest, search):
    result = ingest(record(ENGLISH).path)
    testimony = TestimonyPage.objects.get(pk=result["id"])
    assert search("fingerprints")["total"] == 1

    consent_withdraw(record=testimony.consent, reason="Storyteller asked by phone.")

    assert search("fingerprints")["total"] == 0
    assert Client().get(testimony.site_path).status_code == 404
    assert Client().get(f"/media/{testimony.primary_media.key}/").status_code == 404
    # The record of consent and its withdrawal stays.
    consent = ConsentRecord.objects.get(pk=testimony.consent_id)
    assert consent.withdrawn
    assert consent.current.withdrawal_reason == "Storyteller asked by phone."
    assert [v.withdrawn for v in consent.versions.order_by("version")] == [False, True]


def test_search_page_shows_hits_with_player_links_and_facets(record, ingest):
    result = ingest(record(ENGLISH).path, title="The bakery on Main Street")

    response = Client().get("/search/", {"q": "bakery"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "The bakery on Main Street" in html
    assert "<mark>bakery</mark>" in html
    assert "/the-bakery-on-main-street/?t=" in html
    assert "English" in html
    assert result["id"]
