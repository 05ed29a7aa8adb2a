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


def test_suggestions_of_a_draft_reach_the_editor_and_survive_its_publishing(
    admin_client, record, ingest
):
    """`manage.py ingest` without --publish: the editor works on the draft revision."""
    result = ingest(record(SENTENCES).path, title="Booking night", publish=False)
    testimony = TestimonyPage.objects.get(pk=result["id"])
    suggested = set(
        testimony.theme_links.filter(status=ThemeStatus.SUGGESTED).values_list(
            "theme__slug", flat=True
        )
    )
    assert "secure-communities" in suggested

    html = admin_client.get(f"/admin/pages/{testimony.pk}/edit/").content.decode()
    assert "Secure Communities" in html
    assert 'value="suggested" selected' in html

    # The workflow's last step publishes the revision the editor worked on.
    testimony.refresh_from_db()
    testimony.get_latest_revision().publish()

    after = set(
        TestimonyPage.objects.get(pk=testimony.pk)
        .theme_links.filter(status=ThemeStatus.SUGGESTED)
        .values_list("theme__slug", flat=True)
    )
    assert after == suggested
