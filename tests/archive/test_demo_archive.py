"""The demo archive `make run` loads: real recordings, transcribed, published as consented."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from archive.models import TestimonyPage

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_archive_loads_once_and_is_found_by_search(search):
    err = StringIO()
    call_command("load_demo", "--no-admin", stdout=StringIO(), stderr=err)

    assert TestimonyPage.objects.count() == 7
    assert "[7/7]" in err.getvalue()
    found = search("separacion familiar")
    assert found["total"] >= 1
    assert all(hit["url"].startswith("http://127.0.0.1:8000/") for hit in found["hits"])
    # Sealed and researcher-level demo testimony stays out of anonymous reach.
    sealed = TestimonyPage.objects.get(slug="mi-nombre-es-otro")
    assert Client().get(sealed.site_path).status_code == 404

    again = StringIO()
    call_command("load_demo", "--no-admin", stdout=StringIO(), stderr=again)
    assert "already loaded" in again.getvalue()
    assert TestimonyPage.objects.count() == 7
