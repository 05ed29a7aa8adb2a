"""Links to a moment start on its line, and a citation of it reads as APA writes it."""

from __future__ import annotations

import pytest
from django.test import Client

from archive.collections.citations import cite_moment, moment_t
from archive.collections.services import clip_add, clip_view, collection_create
from archive.models import Storyteller
from search.backends.base import Hit

pytestmark = pytest.mark.django_db


@pytest.fixture
def testimony(make_testimony):
    """Two lines: "An opening sentence." 0–1.42, then the canary line from 1.42."""
    page = make_testimony("Tidewater")
    segments = page.current_transcript.segments.order_by("index")
    segments.filter(index=0).update(end=1.42)
    segments.filter(index=1).update(start=1.42)
    return page


def test_moment_values_round_up_to_the_hundredth():
    assert [moment_t(s) for s in (0, 23.0, 23.42, 23.425, 23.4, 7.001)] == [
        "0", "23", "23.42", "23.43", "23.4", "7.01"
    ]  # fmt: skip


def test_a_search_hit_link_starts_on_its_own_line():
    hit = Hit(
        testimony_id=1, segment_id=2, title="T", url="/testimonies/t/", start=23.42, end=25.0,
        snippet_html="", score=1.0,
    )  # fmt: skip
    assert hit.player_url == "/testimonies/t/?t=23.42"


def test_timecodes_and_permalinks_keep_the_hundredths(testimony):
    client = Client()
    html = client.get(testimony.site_path).content.decode()
    assert 'href="?t=1.42"' in html

    response = client.get(f"/t/{testimony.pk}?t=1.42")
    assert response.status_code == 302
    assert response["Location"].endswith("?t=1.42")

    html = client.get(response["Location"]).content.decode()
    assert 'data-start="1.42"' in html


def test_a_clip_made_at_the_moment_does_not_take_the_line_before(testimony, make_account):
    educator = make_account("educator")
    html = Client().get(f"{testimony.site_path}?t=1.42").content.decode()
    client = Client()
    client.force_login(educator)
    html = client.get(f"{testimony.site_path}?t=1.42").content.decode()
    start = html.split('name="start"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert start == "1.42"

    collection = collection_create(owner=educator, title="Week 1")
    clip = clip_add(
        collection=collection, user=educator, testimony=testimony, start=start, end="2.0"
    )

    excerpt = [text for _, text in clip_view(clip, educator).excerpt]
    assert excerpt == ["The word Tidewater is said."]


def test_apa_never_doubles_the_full_stop_of_an_initial(testimony):
    Storyteller.objects.filter(pk=testimony.storyteller_id).update(public_name="Rosa M.")
    testimony.refresh_from_db()
    testimony.recorded_on = __import__("datetime").date(2025, 3, 4)

    citation = cite_moment(testimony=testimony, user=None, start=1.42, url="https://x/t/1?t=1.42")

    assert citation.apa.startswith("Rosa M. (2025, March 4). Testimony Tidewater")
    assert ".." not in citation.apa


def test_the_cite_endpoint_gives_every_style_for_the_moment_asked(testimony):
    response = Client().get(f"/t/{testimony.pk}/cite.json?t=1.42&all=1")

    data = response.json()
    assert "at 0:01" in data["chicago"] and "?t=1.42" in data["chicago"]
    assert data["apa"].endswith(f"/t/{testimony.pk}?t=1.42")
    assert data["csl"]["locator"] == "0:01"
