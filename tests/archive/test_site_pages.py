"""Pages every visitor's browser asks for: the icon, and the site's own "not found"."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_favicon_is_a_real_icon():
    response = Client().get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert 'rel="icon" href="/favicon.ico"' in Client().get("/search/").content.decode()


def test_an_unknown_moment_shows_the_sites_own_not_found_page_even_in_debug(settings):
    settings.DEBUG = True

    response = Client().get("/t/99999?t=12")

    assert response.status_code == 404
    html = response.content.decode()
    assert "There is nothing to show at this address." in html
    assert "URLconf" not in html and "Django" not in html


def test_a_restricted_moment_is_the_same_not_found(make_testimony, settings):
    settings.DEBUG = True
    testimony = make_testimony("CanaryStaffOnly", access_level="staff")

    response = Client().get(f"/t/{testimony.pk}")

    assert response.status_code == 404
    assert "CanaryStaffOnly" not in response.content.decode()
    assert "There is nothing to show at this address." in response.content.decode()
