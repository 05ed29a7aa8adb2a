"""A researcher opens restricted testimony, plays it, and cites the moment the player is at."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

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

    page.evaluate(
        "document.querySelectorAll('audio, video').forEach(p => p.removeAttribute('src'))"
    )
    page.wait_for_load_state("networkidle")
    context.close()
