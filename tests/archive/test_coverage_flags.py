"""A recording transcribed only in part is flagged, shown to editors, and not published as whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import include, path
from django.utils.html import escape

from archive.consent.services import OPEN_TERMS
from archive.errors import ReviewPending
from archive.models import FlagStatus, Redaction, RedactionStatus, Transcript
from archive.privacy.redaction import redaction_dismiss
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
from archive.testimonies.publishing import testimony_publish
from archive.transcripts.admin_views import register_transcript_admin_urls
from archive.transcripts.coverage_admin import register_coverage_urls
from archive.transcripts.pipeline import transcript_process
from config.urls import urlpatterns as site_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

urlpatterns = [
    path("admin/", include(register_transcript_admin_urls())),
    path("admin/", include(register_coverage_urls())),
    *site_urlpatterns,
]

SPANISH = [
    "Nadie me explicó lo que significaba el acuerdo para mi estatus.",
    "Mi abogada habló conmigo solo diez minutos antes de la audiencia.",
    "Cada mañana llamo a mi hijo por video, porque la frontera está entre nosotros.",
    "La jueza escuchó mi historia y por primera vez sentí que me creían.",
]


@pytest.fixture(autouse=True)
def _urls(settings) -> None:
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def editor(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("maria", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def _ingest(recording_path: Path, *, model: str) -> Transcript:
    transcript = testimony_ingest(
        source=recording_path,
        filename=recording_path.name,
        details=TestimonyDetails(title="La frontera", storyteller_name="Ana P."),
        consent=OPEN_TERMS,
        model=model,
    )
    return transcript_process(transcript=transcript)


@pytest.fixture
def half_heard(record) -> Transcript:
    """Spanish testimony run through the English-only model: nothing of it is transcribed."""
    return _ingest(record(SPANISH, voice="es").path, model="tiny.en")


def test_speech_left_untranscribed_is_flagged_on_the_transcript(half_heard: Transcript) -> None:
    flags = list(half_heard.flags.all())
    # Usually nothing is heard (a gap); on some machines tiny.en invents English words
    # over the Spanish, flagged as text the decoder was unsure of or as a loop.
    assert flags and {f.kind for f in flags} <= {"gap", "unsure", "loop"}, [
        f.message for f in flags
    ]
    assert all(f.status == FlagStatus.OPEN for f in flags)
    for gap in (f for f in flags if f.kind == "gap"):
        assert gap.message.endswith(f"of speech not transcribed at 0:{int(gap.start):02d}")
    if any(f.kind == "gap" for f in flags):
        assert half_heard.coverage["coverage"] < 0.8
    assert half_heard.coverage["redecoded_seconds"] > 0


def test_a_flagged_testimony_cannot_be_published_until_an_editor_checks_it(
    half_heard: Transcript, editor, client
) -> None:
    testimony = half_heard.media.testimony
    # tiny.en sometimes invents English words over the Spanish, and Presidio may take
    # one for a name: an editor dismisses that first, so only the coverage check is left.
    for suggestion in Redaction.objects.filter(
        segment__transcript=half_heard, status=RedactionStatus.SUGGESTED
    ):
        redaction_dismiss(redaction=suggestion, by=editor)
    with pytest.raises(ReviewPending, match="may be missing from its transcript"):
        testimony_publish(testimony=testimony)

    client.force_login(editor)
    page = client.get(f"/admin/transcripts/{half_heard.pk}/edit/").content.decode()
    flags = list(half_heard.flags.all())
    for flag in flags:
        assert escape(flag.message) in page
    assert "data-seek=" in page and "Mark checked" in page and "publishing waits" in page

    for number, flag in enumerate(flags):
        if number == len(flags) - 1:
            with pytest.raises(ReviewPending):
                testimony_publish(testimony=testimony)
        response = client.post(f"/admin/transcripts/{half_heard.pk}/flags/{flag.pk}/check/")
        assert response.status_code == 302
        flag.refresh_from_db()
        assert flag.status == FlagStatus.CHECKED and flag.checked_by == editor
    assert testimony_publish(testimony=testimony).live


def test_a_visitor_cannot_check_a_flag(half_heard: Transcript, client, django_user_model) -> None:
    visitor = django_user_model.objects.create_user("visitor", password="x")
    client.force_login(visitor)
    flag = half_heard.flags.first()

    client.post(f"/admin/transcripts/{half_heard.pk}/flags/{flag.pk}/check/")

    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_a_complete_transcript_has_no_flags_and_says_what_it_heard(record) -> None:
    recording = record(["Every morning I call my son on video.", "The judge listened to me."])

    transcript = _ingest(recording.path, model="tiny.en")

    assert not transcript.flags.exists()
    assert transcript.coverage["coverage"] >= 0.99
    assert transcript.coverage["languages"][0]["language"] == "en"
    assert testimony_publish(testimony=transcript.media.testimony).live
