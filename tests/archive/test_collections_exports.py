"""A collection on the page, in the teaching packet (HTML and PDF) and as a IIIF manifest,
with citations and permalinks, and what each shows after a storyteller withdraws."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from archive.collections import services
from archive.collections.citations import cite_moment
from archive.consent.services import consent_amend, consent_withdraw
from archive.models import AccessLevel, TestimonyPage

pytestmark = pytest.mark.django_db

WITHDRAWN = "This moment was withdrawn at the storyteller's request."


@pytest.fixture
def educator(make_account):
    return make_account("educator")


@pytest.fixture
def lesson(educator, make_testimony):
    """A public collection of two clips, from two testimonies."""
    first = make_testimony("Marigold")
    second = make_testimony("Thistle")
    collection = services.collection_create(owner=educator, title="Week 3: holds")
    services.clip_add(
        collection=collection, user=educator, testimony=first, start=1, end=2, note="Ask why."
    )
    services.clip_add(collection=collection, user=educator, testimony=second, start=1, end=2)
    services.collection_publish(collection=collection, user=educator, visibility="public")
    return collection, first, second


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "packet.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def validate_iiif(data: dict) -> None:
    from iiif_prezi3 import Manifest

    Manifest(**data)  # raises pydantic.ValidationError on anything off-spec


def test_collection_page_plays_each_clip_with_its_excerpt(lesson):
    collection, first, _ = lesson
    html = unescape(Client().get(f"/collections/{collection.pk}/").content.decode())
    assert 'class="clip-player"' in html
    assert 'data-start="1.000" data-end="2.000"' in html
    assert "The word Marigold is said." in html
    assert "The word Thistle is said." in html
    assert "Ask why." in html
    # The real name is never shown without consent; the pseudonym is.
    assert "RealnameMarigold" not in html
    assert "Pseudonym rigold" in html


def test_withdrawn_moment_is_a_placeholder_on_the_page_packet_pdf_and_manifest(lesson, tmp_path):
    collection, first, second = lesson
    consent_withdraw(record=first.consent, reason="asked by phone")
    client = Client()

    page = unescape(client.get(f"/collections/{collection.pk}/").content.decode())
    assert WITHDRAWN in page
    assert "Marigold" not in page
    assert "Ask why." not in page
    assert "The word Thistle is said." in page

    packet = unescape(client.get(f"/collections/{collection.pk}/packet/").content.decode())
    assert WITHDRAWN in packet
    assert "Marigold" not in packet
    assert "The word Thistle is said." in packet

    response = client.get(f"/collections/{collection.pk}/packet.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "The word Thistle is said." in text
    assert "withdrawn at the storyteller" in text
    assert "Marigold" not in text

    manifest = client.get(f"/collections/{collection.pk}/manifest.json").json()
    validate_iiif(manifest)
    dumped = json.dumps(manifest)
    assert "Marigold" not in dumped
    assert manifest["items"][0]["label"] == {"en": [WITHDRAWN]}
    assert manifest["items"][0]["items"] == []
    assert manifest["items"][1]["items"][0]["items"][0]["body"]["type"] == "Sound"


def test_moment_no_longer_allowed_for_teaching_is_not_available(lesson):
    collection, _, second = lesson
    consent_amend(record=second.consent, allow_teaching=False)
    page = unescape(Client().get(f"/collections/{collection.pk}/").content.decode())
    assert "This moment is not available." in page
    assert "Thistle" not in page


def test_iiif_manifest_validates_with_av_canvases_and_ranges(lesson):
    collection, first, _ = lesson
    manifest = Client().get(f"/collections/{collection.pk}/manifest.json").json()
    validate_iiif(manifest)
    assert manifest["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert manifest["type"] == "Manifest"
    assert len(manifest["items"]) == 2
    canvas = manifest["items"][0]
    # The canvas is the clip (1 s of the 2 s recording), painted with that range only.
    assert canvas["duration"] == pytest.approx(1.0)
    painting = canvas["items"][0]["items"][0]
    body = painting["body"]
    clip = collection.clips.order_by("sort_order", "pk").first()
    assert body["id"] == (
        f"http://testserver/collections/{collection.pk}/clips/{clip.pk}/media#t=1,2"
    )
    assert painting["target"] == canvas["id"] + "#t=0,1"
    assert body["format"].startswith("audio/")
    ranges = manifest["structures"][0]["items"]
    assert ranges[0]["items"][0]["id"] == canvas["id"] + "#t=0,1"
    excerpt = canvas["annotations"][0]["items"][0]["body"]["value"]
    assert excerpt == "The word Marigold is said."


def test_iiif_media_links_last_and_ask_the_policy_each_time(lesson, settings):
    collection, first, _ = lesson
    client = Client()
    manifest = client.get(f"/collections/{collection.pk}/manifest.json").json()
    lasting = manifest["items"][0]["items"][0]["items"][0]["body"]["id"].split("#")[0]
    assert "?s=" not in lasting  # nothing in it expires

    response = client.get(lasting)
    assert response.status_code == 302
    assert "/media/" in response["Location"] and "?s=" in response["Location"]
    assert client.get(response["Location"]).status_code == 200

    # Once the storyteller withdraws, the same link is not found.
    consent_withdraw(record=TestimonyPage.objects.get(pk=first.pk).consent)
    assert client.get(lasting).status_code == 404


def test_pdf_packet_renders_excerpts_notes_and_citations(lesson, tmp_path):
    collection, _, _ = lesson
    response = Client().get(f"/collections/{collection.pk}/packet.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "Week 3: holds" in text
    assert "The word Marigold is said." in text
    assert "The word Thistle is said." in text
    assert "Ask why." in text
    assert "Pseudonym rigold" in text
    assert "RealnameMarigold" not in text


def test_citations_name_the_pseudonym_not_the_real_name(make_testimony):
    testimony = make_testimony("Cardinal")
    TestimonyPage.objects.filter(pk=testimony.pk).update(
        recorded_on=date(2019, 3, 14), place="Queens, New York"
    )
    testimony = TestimonyPage.objects.get(pk=testimony.pk)
    citation = cite_moment(
        testimony=testimony, user=None, start=75, end=90, url="https://example.org/t/1?t=75"
    )
    for text in (citation.chicago, citation.apa, json.dumps(citation.csl)):
        assert "Pseudonym rdinal" in text
        assert "RealnameCardinal" not in text
        assert "Testimonio" in text
    assert "1:15–1:30" in citation.chicago
    assert "recorded March 14, 2019, Queens, New York" in citation.chicago
    assert "(2019, March 14)" in citation.apa
    assert citation.csl["issued"] == {"date-parts": [[2019, 3, 14]]}
    assert citation.csl["type"] == "interview"
    assert citation.csl["author"] == [{"literal": "Pseudonym rdinal"}]

    named = make_testimony("Heron", show_real_name=True)
    assert "RealnameHeron" in cite_moment(testimony=named, user=None, start=0, url="u").apa


def test_testimony_page_offers_cite_this_and_csl_json(make_testimony):
    testimony = make_testimony("Kestrel")
    client = Client()
    html = unescape(client.get(f"{testimony.url}?t=1").content.decode())
    assert "Cite this" in html
    assert f"/t/{testimony.pk}?t=1" in html
    assert "RealnameKestrel" not in html
    csl = client.get(f"/t/{testimony.pk}/cite.json?t=1").json()
    assert csl[0]["author"] == [{"literal": "Pseudonym estrel"}]


def test_moment_permalink_redirects_through_the_policy(make_testimony):
    open_ = make_testimony("Openmoment")
    restricted = make_testimony("Closedmoment", access_level=AccessLevel.RESEARCHERS)
    client = Client()
    response = client.get(f"/t/{open_.pk}", {"t": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{open_.site_path}?t=1"
    assert client.get(f"/t/{restricted.pk}", {"t": "1"}).status_code == 404
    consent_withdraw(record=open_.consent)
    assert client.get(f"/t/{open_.pk}", {"t": "1"}).status_code == 404
    assert client.get("/t/999999").status_code == 404


def test_clip_permalink_respects_collection_visibility_and_consent(educator, lesson):
    collection, first, _ = lesson
    clip = collection.clips.order_by("sort_order").first()
    url = f"/c/{collection.share_key}/{clip.pk}"
    anonymous = Client()
    html = unescape(anonymous.get(url).content.decode())
    assert "The word Marigold is said." in html
    assert "Cite this" in html

    services.collection_publish(collection=collection, user=educator, visibility="private")
    assert anonymous.get(url).status_code == 404
    owner = Client()
    owner.force_login(educator)
    assert owner.get(url).status_code == 200

    services.collection_publish(collection=collection, user=educator, visibility="link")
    consent_withdraw(record=first.consent)
    html = unescape(anonymous.get(url).content.decode())
    assert WITHDRAWN in html
    assert "Marigold" not in html


def test_private_collection_is_the_owners_alone(educator, make_testimony):
    collection = services.collection_create(owner=educator, title="Secret plan")
    stranger = get_user_model().objects.create_user("stranger", password="pw")
    other = Client()
    other.force_login(stranger)
    for client in (Client(), other):
        assert client.get(f"/collections/{collection.pk}/").status_code == 404
        assert client.get(f"/collections/shared/{collection.share_key}/").status_code == 404
        assert client.get(f"/collections/{collection.pk}/manifest.json").status_code == 404
        assert client.get(f"/collections/{collection.pk}/packet.pdf").status_code == 404
        assert "Secret plan" not in unescape(client.get("/collections/").content.decode())
    owner = Client()
    owner.force_login(educator)
    assert owner.get(f"/collections/{collection.pk}/").status_code == 200

    services.collection_publish(collection=collection, user=educator, visibility="link")
    assert Client().get(f"/collections/{collection.pk}/").status_code == 404
    assert Client().get(f"/collections/shared/{collection.share_key}/").status_code == 200
    assert "Secret plan" not in unescape(Client().get("/collections/").content.decode())


def test_add_form_refuses_a_clip_without_teaching_consent_and_makes_no_collection(
    educator, make_testimony
):
    testimony = make_testimony("Unteachable", allow_teaching=False)
    client = Client()
    client.force_login(educator)
    html = unescape(client.get(testimony.url).content.decode())
    assert "Add this moment to a collection" not in html
    response = client.post(
        "/collections/add/",
        {"testimony": testimony.pk, "start": 0, "end": 1, "collection": "new", "new_title": "X"},
        follow=True,
    )
    assert "does not allow this testimony in teaching" in unescape(response.content.decode())
    assert services.collections_of(educator) == []


def test_testimony_page_adds_this_moment_to_a_new_collection(educator, make_testimony):
    testimony = make_testimony("Wildrye")
    client = Client()
    client.force_login(educator)
    html = unescape(client.get(f"{testimony.url}?t=1").content.decode())
    assert "Add this moment to a collection" in html
    assert 'name="start" step="0.1" min="0" value="1"' in html
    response = client.post(
        "/collections/add/",
        {
            "testimony": testimony.pk,
            "start": "1",
            "end": "2",
            "title": "The word",
            "note": "Listen for the pause.",
            "collection": "new",
            "new_title": "Unit 1",
        },
    )
    assert response.status_code == 302
    collection = services.collections_of(educator)[0]
    assert response["Location"] == f"/collections/{collection.pk}/"
    clip = collection.clips.get()
    assert (clip.start, clip.end, clip.title) == (1.0, 2.0, "The word")
    bad = client.post(
        "/collections/add/",
        {"testimony": testimony.pk, "start": "1", "end": "5", "collection": collection.pk},
        follow=True,
    )
    assert "the recording is only 2 s long" in unescape(bad.content.decode())


def test_wagtail_never_serves_a_collection_page_around_the_policy(educator, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from archive.collections.views import serve_collection_page

    collection = services.collection_create(owner=educator, title="Unit 2")
    request = rf.get(collection.url_path)
    request.user = AnonymousUser()
    with pytest.raises(Http404):
        serve_collection_page(request, collection)
    request.user = educator
    assert serve_collection_page(request, collection)["Location"] == (
        f"/collections/{collection.pk}/"
    )


def test_researcher_level_moment_shows_only_to_researchers_and_is_audited(educator, make_testimony):
    from datetime import timedelta

    from django.utils import timezone

    from archive.models import AuditLogEntry, ResearcherApproval

    testimony = make_testimony("Deepwell", access_level=AccessLevel.RESEARCHERS)
    ResearcherApproval.objects.create(
        user=educator,
        purpose="Teaching a graduate seminar",
        terms_accepted_at=timezone.now(),
        approved_at=timezone.now(),
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    collection = services.collection_create(owner=educator, title="Seminar")
    services.clip_add(collection=collection, user=educator, testimony=testimony, start=1, end=2)
    services.collection_publish(collection=collection, user=educator, visibility="public")

    owner = Client()
    owner.force_login(educator)
    assert (
        "The word Deepwell is said." in owner.get(f"/collections/{collection.pk}/").content.decode()
    )
    entry = AuditLogEntry.objects.get(testimony_id=testimony.pk)
    assert entry.username == "educator"
    assert "collection" in entry.detail

    html = unescape(Client().get(f"/collections/{collection.pk}/").content.decode())
    assert "This moment is not available." in html
    assert "Deepwell" not in html
