"""An educator builds a collection: only teachable moments, inside the recording, in order."""

from __future__ import annotations

import pytest

from archive.collections import services
from archive.models import AccessLevel, CollectionIndexPage, CollectionVisibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def educator(make_account):
    return make_account("educator")


@pytest.fixture
def other(make_account):
    return make_account("other")


def test_migration_made_the_collections_page_under_the_archive():
    index = CollectionIndexPage.objects.get()
    assert index.slug == "collections"
    assert index.get_parent().specific_class.__name__ == "ArchiveIndexPage"
    assert index.url_path.endswith("/collections/")


def test_a_new_collection_is_private_and_never_live_in_wagtail(educator):
    collection = services.collection_create(owner=educator, title="Detention and family")
    assert collection.visibility == CollectionVisibility.PRIVATE
    assert collection.owner == educator
    assert not collection.live
    with pytest.raises(services.CollectionError, match="title"):
        services.collection_create(owner=educator, title="   ")


def test_clip_add_refuses_testimony_whose_consent_does_not_allow_teaching(educator, make_testimony):
    testimony = make_testimony("Nocturne", allow_teaching=False)
    collection = services.collection_create(owner=educator, title="Lesson")
    with pytest.raises(services.CollectionError, match="does not allow .* teaching"):
        services.clip_add(collection=collection, user=educator, testimony=testimony, start=0, end=1)
    assert collection.clips.count() == 0


def test_clip_add_refuses_testimony_the_educator_may_not_see(educator, make_testimony):
    testimony = make_testimony("Quietwater", access_level=AccessLevel.RESEARCHERS)
    collection = services.collection_create(owner=educator, title="Lesson")
    with pytest.raises(services.CollectionError, match="not available"):
        services.clip_add(collection=collection, user=educator, testimony=testimony, start=0, end=1)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (1.5, 1.0, "must end after it starts"),
        (1.0, 1.0, "must end after it starts"),
        (-1, 1.0, "cannot start before"),
        (0.5, 9.0, "recording is only 2 s long"),
        ("soon", 1.0, "numbers of seconds"),
        ("nan", 1.0, "numbers of seconds"),
    ],
)
def test_clip_add_rejects_bad_ranges_with_a_clear_error(
    educator, make_testimony, start, end, message
):
    testimony = make_testimony("Rangecheck")
    collection = services.collection_create(owner=educator, title="Lesson")
    with pytest.raises(services.CollectionError, match=message):
        services.clip_add(
            collection=collection, user=educator, testimony=testimony, start=start, end=end
        )


def test_only_the_owner_changes_a_collection(educator, other, make_testimony):
    testimony = make_testimony("Ownership")
    collection = services.collection_create(owner=educator, title="Lesson")
    with pytest.raises(services.CollectionError, match="Only the educator"):
        services.clip_add(collection=collection, user=other, testimony=testimony, start=0, end=1)
    with pytest.raises(services.CollectionError, match="Only the educator"):
        services.collection_publish(collection=collection, user=other, visibility="public")


def test_clips_keep_the_order_the_educator_sets(educator, make_testimony):
    testimony = make_testimony("Ordering")
    collection = services.collection_create(owner=educator, title="Lesson")
    a = services.clip_add(collection=collection, user=educator, testimony=testimony, start=0, end=1)
    b = services.clip_add(collection=collection, user=educator, testimony=testimony, start=1, end=2)
    c = services.clip_add(
        collection=collection, user=educator, testimony=testimony, start=0.5, end=1.5
    )

    def order():
        return [v.clip.pk for v in services.clip_views(collection, educator)]

    assert order() == [a.pk, b.pk, c.pk]
    services.clip_move(clip=c, user=educator, position=0)
    assert order() == [c.pk, a.pk, b.pk]
    services.collection_reorder(collection=collection, user=educator, clip_ids=[b.pk, a.pk, c.pk])
    assert order() == [b.pk, a.pk, c.pk]
    with pytest.raises(services.CollectionError, match="every clip"):
        services.collection_reorder(collection=collection, user=educator, clip_ids=[a.pk])


def test_visibility_private_link_public(educator, other, make_testimony):
    collection = services.collection_create(owner=educator, title="Lesson")
    assert services.can_see_collection(educator, collection)
    assert not services.can_see_collection(other, collection, by_link=True)
    services.collection_publish(collection=collection, user=educator, visibility="link")
    assert not services.can_see_collection(other, collection)
    assert services.can_see_collection(None, collection, by_link=True)
    services.collection_publish(collection=collection, user=educator, visibility="public")
    assert services.can_see_collection(None, collection)
    with pytest.raises(services.CollectionError, match="Unknown visibility"):
        services.collection_publish(collection=collection, user=educator, visibility="world")


def test_copy_of_a_public_collection_leaves_out_moments_no_longer_teachable(
    educator, other, make_testimony
):
    from archive.consent.services import consent_amend

    kept = make_testimony("Keptmoment")
    dropped = make_testimony("Droppedmoment")
    source = services.collection_create(owner=educator, title="Lesson", intro="Week 3")
    services.clip_add(collection=source, user=educator, testimony=kept, start=0, end=1, note="n")
    services.clip_add(collection=source, user=educator, testimony=dropped, start=0, end=1)
    with pytest.raises(services.CollectionError, match="not available"):
        services.collection_copy(source=source, user=other)
    services.collection_publish(collection=source, user=educator, visibility="public")
    consent_amend(record=dropped.consent, allow_teaching=False)

    copy = services.collection_copy(source=source, user=other)
    assert copy.owner == other and copy.copied_from_id == source.pk
    assert copy.visibility == CollectionVisibility.PRIVATE
    assert copy.intro == "Week 3"
    assert [c.testimony_id for c in copy.clips.all()] == [kept.pk]


def test_the_admin_clip_form_refuses_testimony_without_teaching_consent(make_testimony):
    from django.core.exceptions import ValidationError

    from archive.models import Clip

    no_teaching = make_testimony("Merganser", allow_teaching=False)
    taught = make_testimony("Smew")

    with pytest.raises(ValidationError, match="teaching"):
        Clip(testimony=no_teaching, start=0, end=1, title="x").clean()
    with pytest.raises(ValidationError, match="must end after it starts"):
        Clip(testimony=taught, start=1.5, end=1.0, title="x").clean()
    Clip(testimony=taught, start=0, end=1.5, title="x").clean()
