"""A researcher opens restricted testimony, plays it, and cites the moment the player is at."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Route

from archive.models import AuditAction, AuditLogEntry, ResearcherApproval

pytestmark = [pytest.mark.browser]


# One test, not several: each transactional test empties the database, and the
# rows the migrations seed would be lost to the next.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_media_is_audited_when_played_not_when_opened_and_cite_follows_the_player(
    live_server, browser, make_testimony, make_account
):
    testimony = make_testimony("Kestrelhill", access_level="researchers")
    researcher = make_account("scholar", password="pw-scholar")
    ResearcherApproval.objects.create(
        user=researcher,
        purpose="Study",
        terms_accepted_at=timezone.now(),
        approved_at=timezone.now(),
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    client = Client()
    assert client.login(request=HttpRequest(), username="scholar", password="pw-scholar")
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    played = AuditLogEntry.objects.filter(testimony_id=testimony.pk, action=AuditAction.PLAY_MEDIA)

    page.goto(f"{live_server.url}{testimony.site_path}")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Testimony Kestrelhill"
    assert played.count() == 0, "opening the page is not playing it"

    # "Cite this" opened before playing cites the page's moment.
    page.locator("details.cite summary").click()
    page.wait_for_function("() => document.querySelector('details.cite').dataset.citedAt === '0'")
    assert "0:00" in page.locator(".cite-apa").inner_text()

    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.3")
    page.evaluate("document.getElementById('player').pause()")
    assert played.count() == 1

    # Where the player is now: 1.6 s in. The citation follows it.
    page.evaluate("document.getElementById('player').currentTime = 1.6")
    page.wait_for_function("() => document.querySelector('details.cite').dataset.citedAt === '1'")
    apa = page.locator(".cite-apa").inner_text()
    assert "0:01" in apa and f"/t/{testimony.pk}?t=1" in apa
    assert ".." not in apa
    assert "?t=1" in page.locator(".cite-chicago").inner_text()

    # Pausing then seeking asks for two citations; a slow answer for the older
    # position must not overwrite the newer one (it did, now and then, under load).
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/cite.json?*", hold_the_first)
    page.evaluate("document.getElementById('player').currentTime = 0.5")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "seeking to 0:00 asked for its citation"
    with page.expect_response(lambda response: "cite.json?t=1" in response.url):
        page.evaluate("document.getElementById('player').currentTime = 1.4")
    late = json.dumps({"chicago": "LATE ANSWER", "apa": "LATE ANSWER", "csl": {}})
    try:
        held[0].fulfill(status=200, content_type="application/json", body=late)
    except PlaywrightError:
        pass  # the page had already given up on it
    page.wait_for_timeout(1000)
    assert "LATE ANSWER" not in page.locator(".cite-apa").inner_text()
    assert page.evaluate("document.querySelector('details.cite').dataset.citedAt") == "1"
    assert "0:01" in page.locator(".cite-apa").inner_text()
    page.unroute("**/cite.json?*")

    page.evaluate(
        "document.querySelectorAll('audio, video').forEach(p => p.removeAttribute('src'))"
    )
    page.wait_for_load_state("networkidle")
    context.close()
