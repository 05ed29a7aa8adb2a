"""Adding a moment to a collection from the testimony page: a refusal is said on the form."""

from __future__ import annotations

import pytest
from django.test import Client

from archive.collections.services import clip_add, collection_create
from archive.models import CollectionPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def educator(make_account):
    return make_account("educator")


def test_a_refused_clip_is_explained_on_the_form_and_makes_no_collection(make_testimony, educator):
    testimony = make_testimony("Marigold")
    client = Client()
    client.force_login(educator)
    before = CollectionPage.objects.count()

    response = client.post(
        "/collections/add/",
        {
            "testimony": testimony.pk,
            "collection": "new",
            "new_title": "Week 2",
            "start": "1.5",
            "end": "1.0",
            "next": testimony.site_path,
        },
        follow=True,
    )

    html = response.content.decode()
    form = html.split('class="add-to-collection"', 1)[1].split("</form>", 1)[0]
    assert "The clip must end after it starts" in form
    assert '<details class="add-moment" id="add-moment" open>' in html
    assert CollectionPage.objects.count() == before
    # Read once, it is gone: the next page opened does not repeat it.
    assert "The clip must end after it starts" not in client.get("/collections/").content.decode()


def test_move_up_and_down_only_where_a_clip_can_move(make_testimony, educator):
    testimony = make_testimony("Primrose")
    collection = collection_create(owner=educator, title="Week 4")
    for start in (0, 0.5, 1.0):
        clip_add(collection=collection, user=educator, testimony=testimony, start=start, end=1.5)
    client = Client()
    client.force_login(educator)

    html = client.get(f"/collections/{collection.pk}/").content.decode()

    clips = html.split('<li class="clip')[1:]
    assert ["move-up" in clip for clip in clips] == [False, True, True]
    assert ["move-down" in clip for clip in clips] == [True, True, False]


def test_a_refused_clip_from_search_is_explained_on_the_search_page(make_testimony, educator):
    testimony = make_testimony("Foxglove", allow_teaching=False)
    client = Client()
    client.force_login(educator)

    response = client.post(
        "/collections/add/",
        {
            "testimony": testimony.pk,
            "collection": "new",
            "start": "0",
            "end": "1",
            "next": "/search/?q=Foxglove",
        },
        follow=True,
    )

    assert response.request["PATH_INFO"] == "/search/"
    assert "does not allow this testimony in teaching" in response.content.decode()
