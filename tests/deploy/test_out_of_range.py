"""Numbers past their range, typed into a URL, are a 404 or a 400: never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HUGE = "9" * 23


@pytest.mark.parametrize(
    "path",
    [
        f"/t/{HUGE}",
        f"/t/{HUGE}/cite.json",
        f"/transcripts/{HUGE}.vtt",
        f"/collections/{HUGE}/",
        f"/collections/{HUGE}/packet/",
        f"/collections/{HUGE}/manifest.json",
        f"/c/00000000-0000-0000-0000-000000000000/{HUGE}",
    ],
)
def test_an_id_past_the_integer_range_is_not_found(path: str) -> None:
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 404, path


@pytest.mark.parametrize("moment", ["inf", "-inf", "nan", "-1e400", "1e400", "9" * 400])
def test_a_moment_past_the_float_range_is_refused(moment: str, make_testimony) -> None:
    testimony = make_testimony("overflow-canary")
    client = Client(raise_request_exception=False)
    for path in (f"/t/{testimony.pk}", f"/t/{testimony.pk}/cite.json"):
        response = client.get(path, {"t": moment})
        assert response.status_code in (400, 404), (path, moment, response.status_code)
        assert b"overflow-canary" not in response.content


def test_an_admin_id_past_the_range_is_not_found(admin_client) -> None:
    response = admin_client.get(f"/admin/pages/{HUGE}/edit/")
    assert response.status_code in (302, 404)
