"""One-click redaction in the Wagtail admin, as an editor uses it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import include, path

import config.urls
from archive.models import PiiKind, Redaction, RedactionStatus, Segment, TestimonyPage
from archive.privacy.admin_views import personal_information_button, register_privacy_urls
from archive.privacy.redaction import suggest_redactions

pytestmark = pytest.mark.django_db

# The project registers these through archive/wagtail_hooks.py; this module
# serves them itself so the tests do not depend on that wiring.
urlpatterns = [path("admin/", include(register_privacy_urls())), *config.urls.urlpatterns]

PHONE = "(212) 555-0143"


@pytest.fixture(autouse=True)
def privacy_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def testimony(make_testimony) -> TestimonyPage:
    page = make_testimony("Wrenfeather")
    Segment.objects.create(
        transcript=page.current_transcript,
        index=2,
        start=1.2,
        end=1.9,
        text=f"Call me at {PHONE} tomorrow.",
    )
    return page


def review_url(testimony: TestimonyPage) -> str:
    return f"/admin/testimony/{testimony.pk}/privacy/"


def test_anonymous_visitors_are_sent_to_the_login(testimony):
    response = Client().get(review_url(testimony))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_registered_user_without_admin_access_cannot_see_or_decide(testimony):
    user = get_user_model().objects.create_user("reader", password="x")
    suggest_redactions(transcript=testimony.current_transcript)
    redaction = Redaction.objects.get(kind=PiiKind.PHONE)
    client = Client()
    client.force_login(user)

    assert client.get(review_url(testimony)).status_code in (302, 403)
    response = client.post(f"{review_url(testimony)}{redaction.pk}/", {"action": "apply"})
    assert response.status_code in (302, 403)
    redaction.refresh_from_db()
    assert redaction.status == RedactionStatus.SUGGESTED


def test_editor_scans_then_redacts_with_one_click_and_the_page_shows_it_masked(
    testimony, admin_client
):
    page = admin_client.get(review_url(testimony)).content.decode()
    assert "Scan for PII" in page
    assert "No personal information has been found yet." in page

    response = admin_client.post(f"{review_url(testimony)}scan/")
    assert response.status_code == 302
    page = admin_client.get(review_url(testimony)).content.decode()
    assert f"<mark>{PHONE}</mark>" in page
    assert "Phone number" in page and "1 to review" in page
    assert "0:01–0:01" in page

    redaction = Redaction.objects.get(kind=PiiKind.PHONE)
    response = admin_client.post(f"{review_url(testimony)}{redaction.pk}/", {"action": "apply"})
    assert response.status_code == 302

    redaction.refresh_from_db()
    assert redaction.status == RedactionStatus.APPLIED
    assert redaction.decided_by.username == "admin"
    public = Client().get(testimony.site_path).content.decode()
    assert "Call me at [redacted] tomorrow." in public
    assert "555-0143" not in public
    assert "0 to review" in admin_client.get(review_url(testimony)).content.decode()


def test_not_pii_keeps_the_text_on_the_page(testimony, admin_client):
    suggest_redactions(transcript=testimony.current_transcript)
    redaction = Redaction.objects.get(kind=PiiKind.PHONE)

    admin_client.post(f"{review_url(testimony)}{redaction.pk}/", {"action": "dismiss"})

    redaction.refresh_from_db()
    assert redaction.status == RedactionStatus.DISMISSED
    assert PHONE in Client().get(testimony.site_path).content.decode()


def test_decisions_need_a_post_with_a_csrf_token(testimony, admin_user):
    suggest_redactions(transcript=testimony.current_transcript)
    redaction = Redaction.objects.get(kind=PiiKind.PHONE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    url = f"{review_url(testimony)}{redaction.pk}/"

    assert client.get(url).status_code == 405
    assert client.post(url, {"action": "apply"}).status_code == 403
    redaction.refresh_from_db()
    assert redaction.status == RedactionStatus.SUGGESTED


def test_a_span_of_another_testimony_is_not_found(testimony, make_testimony, admin_client):
    other = make_testimony("Ptarmigan")
    suggest_redactions(transcript=testimony.current_transcript)
    redaction = Redaction.objects.get(kind=PiiKind.PHONE)

    response = admin_client.post(f"{review_url(other)}{redaction.pk}/", {"action": "apply"})

    assert response.status_code == 404
    redaction.refresh_from_db()
    assert redaction.status == RedactionStatus.SUGGESTED


def test_the_page_menu_offers_personal_information_to_editors_only(testimony, admin_user):
    suggest_redactions(transcript=testimony.current_transcript)
    reader = get_user_model().objects.create_user("reader2", password="x")

    items = list(personal_information_button(testimony, admin_user, "edit"))

    assert [item.label for item in items] == ["Personal information (1 to review)"]
    assert items[0].url == review_url(testimony)
    assert list(personal_information_button(testimony, reader, "edit")) == []


def test_an_editor_flags_missed_words_by_hand_then_redacts_them(testimony, admin_client):
    segment = testimony.current_transcript.segments.get(index=1)  # "The word Wrenfeather is said."
    page = admin_client.get(review_url(testimony)).content.decode()
    assert "Flag by hand" in page

    response = admin_client.post(
        f"{review_url(testimony)}flag/",
        {"segment": segment.pk, "phrase": "wrenfeather", "kind": PiiKind.PERSON},
        follow=True,
    )

    assert "Flagged “Wrenfeather”" in response.content.decode()
    redaction = Redaction.objects.get(segment=segment)
    assert (redaction.char_start, redaction.char_end, redaction.status, redaction.detector) == (
        9, 20, RedactionStatus.SUGGESTED, "editor"
    )  # fmt: skip
    assert "1 to review" in response.content.decode()
    admin_client.post(f"{review_url(testimony)}{redaction.pk}/", {"action": "apply"})
    assert "The word [redacted] is said." in Client().get(testimony.site_path).content.decode()


@pytest.mark.parametrize(
    ("phrase", "kind", "message"),
    [
        ("", PiiKind.PERSON, "Type the words to flag"),
        ("Okafor", PiiKind.PERSON, "does not contain “Okafor”"),
        ("word", "favourite-colour", "Choose what kind"),
    ],
)
def test_a_hand_flag_that_cannot_be_made_says_why(testimony, admin_client, phrase, kind, message):
    segment = testimony.current_transcript.segments.get(index=1)

    response = admin_client.post(
        f"{review_url(testimony)}flag/",
        {"segment": segment.pk, "phrase": phrase, "kind": kind},
        follow=True,
    )

    assert message in response.content.decode()
    assert not Redaction.objects.exists()


def test_words_already_flagged_are_not_flagged_twice(testimony, admin_client):
    segment = testimony.current_transcript.segments.get(index=1)
    form = {"segment": segment.pk, "phrase": "Wrenfeather", "kind": PiiKind.PERSON}
    admin_client.post(f"{review_url(testimony)}flag/", form)

    response = admin_client.post(f"{review_url(testimony)}flag/", form, follow=True)

    assert "already flagged" in response.content.decode()
    assert Redaction.objects.count() == 1


def test_a_segment_of_another_testimony_cannot_be_flagged(testimony, make_testimony, admin_client):
    other = make_testimony("Otherbird")
    segment = other.current_transcript.segments.get(index=1)

    admin_client.post(
        f"{review_url(testimony)}flag/",
        {"segment": segment.pk, "phrase": "Otherbird", "kind": PiiKind.PERSON},
    )

    assert not Redaction.objects.exists()
