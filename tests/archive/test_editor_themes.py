"""Editors see the machine's theme suggestions in the Wagtail admin and decide on them."""

from __future__ import annotations

import pytest

from archive.models import TestimonyPage, ThemeStatus
from archive.testimonies.publishing import testimony_publish

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SENTENCES = [
    "My sister paid the bail the next morning.",
    "At booking the police took my fingerprints and sent them to immigration.",
]


def test_editor_sees_suggested_themes_in_the_admin(admin_client, record, ingest):
    result = ingest(record(SENTENCES).path, title="Booking night")

    response = admin_client.get(f"/admin/pages/{result['id']}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Secure Communities" in html
    assert 'value="suggested" selected' in html


def test_a_rejected_theme_leaves_the_search_facets(record, ingest, search):
    result = ingest(record(SENTENCES).path, title="Booking night")
    assert "secure-communities" in search("fingerprints")["facets"]["theme"]

    testimony = TestimonyPage.objects.get(pk=result["id"])
    testimony.theme_links.filter(theme__slug="secure-communities").update(
        status=ThemeStatus.REJECTED
    )
    testimony_publish(testimony=testimony)

    assert "secure-communities" not in search("fingerprints")["facets"]["theme"]
    assert search("fingerprints")["total"] == 1
