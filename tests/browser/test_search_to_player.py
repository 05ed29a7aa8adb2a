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
    result = ingest(recording.path, title="The bakery on Main Street")

    page.goto(f"{live_server.url}/search/?q=%22took+my+fingerprints%22")
    hit = page.locator(".hit-link").first
    assert hit.inner_text() == "The bakery on Main Street"
    hit.click()

    page.wait_for_url("**/the-bakery-on-main-street/?t=*")
    page.wait_for_function(
        # The player preloads nothing until played; the position is already the moment's.
        "() => { const p = document.getElementById('player'); return p && p.currentTime > 0; }"
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

    # A word only the editor's summary says finds the testimony, not a moment.
    from archive.models import TestimonyPage
    from search.indexing import index_testimony

    TestimonyPage.objects.filter(pk=result["id"]).update(
        summary="A baker remembers the lighthouse <of> her childhood."
    )
    index_testimony(TestimonyPage.objects.get(pk=result["id"]))
    page.goto(f"{live_server.url}/search/?q=lighthouse")
    group = page.locator(".group").first
    assert group.locator(".summary mark").inner_text() == "lighthouse"
    assert "lighthouse <of> her" in group.locator(".summary").inner_text()
    assert group.locator(".hit").count() == 0
    assert "title, summary" in group.locator(".meta").inner_text()
    assert page.locator("#result-count").inner_text() == "0 moments in 1 testimony"
    group.locator(".hit-link").click()
    page.wait_for_url("**/the-bakery-on-main-street/")
    assert "t=" not in page.url
