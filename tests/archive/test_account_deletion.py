"""An owner deletes their account: private collections go, public ones are offered to an
archivist (or deleted, as the owner chooses), and the audit log keeps a neutral name."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from archive import access
from archive.accounts import services
from archive.audit import audit_view
from archive.collections import services as collection_services
from archive.models import AuditAction, AuditLogEntry, CollectionPage, ResearcherApproval

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def educator_with_collections(make_account, make_testimony):
    """An educator with a private, a link-shared and a public collection, and audit entries."""
    testimony = make_testimony("Wren")
    restricted = make_testimony("Finch", access_level="researchers")
    user = make_account("paula")
    made = {}
    for visibility in ("private", "link", "public"):
        collection = collection_services.collection_create(owner=user, title=f"Unit {visibility}")
        collection_services.clip_add(
            collection=collection, user=user, testimony=testimony, start=0, end=1
        )
        collection_services.collection_publish(
            collection=collection, user=user, visibility=visibility
        )
        made[visibility] = collection
    ResearcherApproval.objects.create(user=user, purpose="x" * 50, terms_accepted_at=timezone.now())
    audit_view(user=user, testimony=restricted, action=AuditAction.VIEW_PAGE, detail="visit")
    # audit_view logs researcher-level views only; a second entry of another kind:
    AuditLogEntry.objects.create(
        user=user, username=user.username, action=AuditAction.PLAY_MEDIA,
        testimony_id=restricted.pk, access_level="researchers",
    )  # fmt: skip
    return user, made


def delete_page(client: Client, **data: str):
    return client.post("/accounts/delete/", data)


def test_deleting_an_account_removes_private_collections_and_offers_public_ones(
    educator_with_collections,
):
    user, made = educator_with_collections
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/delete/").content.decode()
    assert "Unit private" in page and "Unit link" in page and "Unit public" in page

    response = delete_page(client, password="pw-paula", public_collections="offer", confirm="on")
    assert response.status_code == 302 and response["Location"] == "/accounts/deleted/"
    assert not get_user_model().objects.filter(username="paula").exists()
    assert not EmailAddress.objects.filter(email="paula@example.org").exists()
    assert not ResearcherApproval.objects.exists()
    # Signed out, and the private and link-shared collections are gone, clips and all.
    assert not client.get("/accounts/settings/").wsgi_request.user.is_authenticated
    assert not CollectionPage.objects.filter(pk__in=[made["private"].pk, made["link"].pk]).exists()
    assert Client().get(f"/collections/shared/{made['link'].share_key}/").status_code == 404
    # The public one stays public, owned by nobody, offered to the archive.
    offered = CollectionPage.objects.get(pk=made["public"].pk)
    assert offered.owner is None
    assert Client().get(f"/collections/{offered.pk}/").status_code == 200
    assert services.offered_collections() == [offered]
    # Its audit entries stay, under one neutral name.
    entries = AuditLogEntry.objects.all()
    assert entries.count() == 2
    names = {e.username for e in entries}
    assert len(names) == 1
    [name] = names
    assert re.fullmatch(r"deleted-user-[0-9a-f]{12}", name)
    assert all(e.user_id is None for e in entries)
    assert not AuditLogEntry.objects.filter(username="paula").exists()


def test_an_owner_may_delete_their_public_collections_too(educator_with_collections):
    user, made = educator_with_collections
    client = Client()
    client.force_login(user)
    delete_page(client, password="pw-paula", public_collections="delete", confirm="on")
    assert not CollectionPage.objects.exists()
    assert services.offered_collections() == []


def test_deletion_needs_the_password_and_the_confirmation_and_changes_nothing_without(
    educator_with_collections,
):
    user, made = educator_with_collections
    client = Client()
    client.force_login(user)
    wrong = delete_page(client, password="not-it", public_collections="offer", confirm="on")
    assert wrong.status_code == 400
    assert "That is not your password." in wrong.content.decode()
    unconfirmed = delete_page(client, password="pw-paula", public_collections="offer")
    assert unconfirmed.status_code == 400
    bad_choice = delete_page(client, password="pw-paula", public_collections="keep", confirm="on")
    assert bad_choice.status_code == 400
    assert get_user_model().objects.filter(pk=user.pk).exists()
    assert CollectionPage.objects.filter(owner=user).count() == 3
    assert AuditLogEntry.objects.filter(username="paula").count() == 2
    with pytest.raises(services.AccountError, match="offer them or delete them"):
        services.account_delete(user=user, public_collections="keep")
    assert CollectionPage.objects.filter(owner=user).count() == 3


def test_guessing_the_password_on_the_deletion_page_is_throttled(make_account):
    user = make_account("quima")
    client = Client()
    client.force_login(user)
    for _ in range(10):
        delete_page(client, password="guess", public_collections="offer", confirm="on")
    right = delete_page(client, password="pw-quima", public_collections="offer", confirm="on")
    assert right.status_code == 400
    assert "Too many attempts" in right.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_staff_accounts_are_not_deleted_on_the_site(make_account):
    editor = make_account("ramon", is_staff=True)
    client = Client()
    client.force_login(editor)
    page = client.get("/accounts/delete/").content.decode()
    assert "ask an administrator" in page
    delete_page(client, password="pw-ramon", public_collections="offer", confirm="on")
    assert get_user_model().objects.filter(pk=editor.pk).exists()
    with pytest.raises(services.AccountError, match="ask an administrator"):
        services.account_delete(user=editor)


def test_a_user_deleted_in_the_admin_leaves_no_private_collection_and_no_name_in_the_log(
    educator_with_collections,
):
    user, made = educator_with_collections
    user.delete()  # as the admin's delete does
    assert list(CollectionPage.objects.values_list("pk", flat=True)) == [made["public"].pk]
    assert not AuditLogEntry.objects.filter(username="paula").exists()
    assert AuditLogEntry.objects.filter(username__startswith="deleted-user-").count() == 2


@pytest.fixture
def offered(educator_with_collections):
    user, made = educator_with_collections
    services.account_delete(user=user, public_collections="offer")
    return CollectionPage.objects.get(pk=made["public"].pk)


def archivist_client(make_account, name: str = "sol") -> tuple[object, Client]:
    archivist = make_account(name, is_staff=True)
    archivist.groups.add(Group.objects.get_or_create(name=access.ARCHIVISTS_GROUP)[0])
    client = Client()
    client.force_login(archivist)
    return archivist, client


def test_an_archivist_finds_an_offered_collection_in_the_admin_and_adopts_it(offered, make_account):
    archivist, client = archivist_client(make_account)
    listing = client.get("/admin/offered-collections/")
    assert listing.status_code == 200
    assert "Unit public" in listing.content.decode()
    client.post(f"/admin/offered-collections/{offered.pk}/", {"action": "adopt"})
    offered.refresh_from_db()
    assert offered.owner == archivist
    assert services.offered_collections() == []
    # Now theirs: they may change who sees it, on the site.
    client.post(f"/collections/{offered.pk}/publish/", {"visibility": "private"})
    assert Client().get(f"/collections/{offered.pk}/").status_code == 404


def test_an_archivist_may_delete_an_offered_collection(offered, make_account):
    _, client = archivist_client(make_account)
    client.post(f"/admin/offered-collections/{offered.pk}/", {"action": "delete"})
    assert not CollectionPage.objects.filter(pk=offered.pk).exists()


def test_editors_and_registered_users_cannot_decide_about_offered_collections(
    offered, make_account
):
    editor = make_account("teo", is_staff=True)
    registered = make_account("uma")
    for user in (editor, registered):
        client = Client()
        client.force_login(user)
        assert client.get("/admin/offered-collections/").status_code in (302, 403)
        client.post(f"/admin/offered-collections/{offered.pk}/", {"action": "delete"})
        with pytest.raises(services.AccountError, match="Only archivists"):
            services.offered_collection_adopt(collection=offered, user=user)
    offered.refresh_from_db()
    assert offered.owner is None


def test_a_collection_with_an_owner_is_not_offered(make_account, offered):
    other = make_account("vera")
    mine = collection_services.collection_create(owner=other, title="Not offered")
    archivist, _ = archivist_client(make_account)
    with pytest.raises(services.AccountError, match="no longer offered"):
        services.offered_collection_adopt(collection=mine, user=archivist)
    assert CollectionPage.objects.get(pk=mine.pk).owner == other
