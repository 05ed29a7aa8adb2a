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


# One test, not several: each transactional test empties the database, and the
# archive home page and thesaurus that migrations seed would be lost to the next.
def test_search_hit_opens_the_player_at_the_moment_and_timecodes_seek(
    live_server, page, record, ingest
):
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

    # On the page, a timecode seeks and the segment being spoken is highlighted.
    first = page.locator(".segment").first
    first.locator(".timecode").click()
    page.wait_for_function(
        "() => document.querySelector('.segment:first-child').classList.contains('is-current')"
    )
    assert page.evaluate("document.getElementById('player').currentTime") < 2.0
    assert page.locator(".segment.is-current").count() == 1
