"""A journalist searches, clicks a hit, and lands on the player at that moment."""

from __future__ import annotations

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SENTENCES = [
    "I grew up in a small town near the river.",
    "My mother worked nights at the bakery on Main Street.",
    "The day they took my fingerprints, everything changed for our family.",
]


def test_clicking_a_search_hit_opens_the_player_at_that_moment(live_server, page, record, ingest):
    recording = record(SENTENCES)
    ingest(recording.path, title="The bakery on Main Street")

    page.goto(f"{live_server.url}/search/?q=%22took+my+fingerprints%22")
    hit = page.locator(".hit-link").first
    assert hit.inner_text() == "The bakery on Main Street"
    hit.click()

    page.wait_for_url("**/the-bakery-on-main-street/?t=*")
    page.wait_for_function(
        "() => { const p = document.getElementById('player'); return p && p.readyState >= 1 "
        "&& p.currentTime > 0; }"
    )
    position = page.evaluate("document.getElementById('player').currentTime")
    assert abs(position - recording.phrase_start) <= 2.0
    assert page.locator("#player").evaluate("p => p.error") is None


def test_timecodes_seek_and_the_spoken_segment_is_highlighted(live_server, page, record, ingest):
    recording = record(SENTENCES)
    result = ingest(recording.path, title="The bakery on Main Street")
    assert result["segments"] >= 2

    page.goto(f"{live_server.url}/the-bakery-on-main-street/")
    last = page.locator(".segment").last
    last.locator(".timecode").click()

    page.wait_for_function(
        "() => document.querySelector('.segment:last-child').classList.contains('is-current')"
    )
    start = float(last.get_attribute("data-start"))
    position = page.evaluate("document.getElementById('player').currentTime")
    assert position >= start
    assert "t=" in page.url
    assert page.locator(".segment.is-current").count() == 1
