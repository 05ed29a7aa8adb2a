"""An educator turns search hits into a collection, shares it, and a visitor plays a clip;
after a storyteller withdraws, the visitor sees only the placeholder."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.test import Client

from archive.consent.services import consent_withdraw
from archive.models import TestimonyPage

pytestmark = [pytest.mark.browser]


WITHDRAWN = "This moment was withdrawn at the storyteller's request."


def add_hit_to_collection(page, base: str, testimony_title: str, *, new_title: str = "") -> None:
    page.goto(f"{base}/search/?q=opening")
    group = page.locator(".group", has_text=testimony_title)
    group.locator(".add-moment summary").first.click()
    form = group.locator("form.add-to-collection").first
    if new_title:
        form.locator("select.collection-choice").select_option("new")
        form.locator("input.new-title").fill(new_title)
    else:
        form.locator("select.collection-choice").select_option(label="Week 3: holds")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/collections/*/")


# One test, not several: each transactional test empties the database, and the
# archive home, Collections page and thesaurus that migrations seed would be lost.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_educator_collects_reorders_publishes_and_a_withdrawn_clip_becomes_a_placeholder(
    live_server, browser, make_testimony, make_account
):
    first = make_testimony("Lanternfish")
    second = make_testimony("Bluebell")
    make_account("educator", password="pw-educator")
    client = Client()
    assert client.login(request=HttpRequest(), username="educator", password="pw-educator")
    educator = browser.new_context()
    educator.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = educator.new_page()

    # Search, and add two moments to a new collection.
    add_hit_to_collection(page, live_server.url, "Testimony Lanternfish", new_title="Week 3: holds")
    add_hit_to_collection(page, live_server.url, "Testimony Bluebell")
    titles = page.locator(".clip-title").all_inner_texts()
    assert [t.split(". ", 1)[1] for t in titles] == [
        "Testimony Lanternfish, 0:00",
        "Testimony Bluebell, 0:00",
    ]

    # Each heading carries its number; the list shows none of its own ("1. 1. ...").
    assert page.locator("ol.clips").evaluate("el => getComputedStyle(el).listStyleType") == "none"
    assert page.locator(".clip").first.locator("button.move-up").count() == 0
    assert page.locator(".clip").last.locator("button.move-down").count() == 0

    # Reorder: the second moment first.
    page.locator(".clip").nth(1).locator("button.move-up").click()
    page.wait_for_load_state()
    titles = page.locator(".clip-title").all_inner_texts()
    assert titles == ["1. Testimony Bluebell, 0:00", "2. Testimony Lanternfish, 0:00"]

    # Publish.
    page.locator("#visibility").select_option("public")
    page.locator("#publish").click()
    page.wait_for_load_state()
    assert page.locator("#visibility").input_value() == "public"
    collection_url = page.url
    educator.close()

    # Logged out, open it and play a clip: playback stops at the clip's end (1 s of 2 s).
    visitor = browser.new_context()
    page = visitor.new_page()
    page.goto(collection_url)
    assert page.locator(".clip").count() == 2
    first_clip = page.locator(".clip").first
    assert "The word" not in first_clip.locator(".excerpt").inner_text()
    assert "An opening sentence." in first_clip.locator(".excerpt").inner_text()
    assert page.locator("button.move-up").count() == 0
    page.evaluate("document.querySelector('.clip-player').play()")
    page.wait_for_function(
        "() => { const p = document.querySelector('.clip-player');"
        " return p.currentTime > 0.5 && p.paused; }",
        timeout=10_000,
    )
    state = page.evaluate(
        "() => { const p = document.querySelector('.clip-player');"
        " return {t: p.currentTime, ended: p.ended, error: p.error, duration: p.duration}; }"
    )
    assert state["error"] is None
    assert state["duration"] == pytest.approx(2.0, abs=0.2)
    assert not state["ended"]
    assert 0.9 <= state["t"] <= 1.25
    # Still stopped a moment later: nothing resumed it past the clip.
    page.wait_for_timeout(600)
    assert page.evaluate("document.querySelector('.clip-player').currentTime") <= 1.25

    # The storyteller of the first clip (Bluebell) withdraws: the visitor sees the placeholder.
    consent_withdraw(record=TestimonyPage.objects.get(pk=second.pk).consent)
    page.reload()
    assert page.locator(".clip").count() == 2
    assert page.locator(".clip").first.locator(".placeholder").inner_text() == WITHDRAWN
    assert "Bluebell" not in page.content()
    assert page.locator(".clip-player").count() == 1
    assert TestimonyPage.objects.get(pk=first.pk).live
    # Let the player's media requests finish: the live server shares the test's
    # database connection, and a request still running would race the teardown.
    page.evaluate(
        "document.querySelectorAll('audio, video').forEach(p => p.removeAttribute('src'))"
    )
    page.wait_for_load_state("networkidle")
    visitor.close()
