"""Guessing a password is slowed to a stop: the admin and the site's sign-in alike."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "the editor's real password"  # noqa: S105 - a test account


@pytest.fixture
def editor() -> User:
    user = User.objects.create_user("marta", email="marta@example.org", password=PASSWORD)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def admin_login(client: Client, password: str):
    return client.post("/admin/login/", {"username": "marta", "password": password})


def test_the_admin_locks_a_name_after_five_failures_from_one_address(editor, settings) -> None:
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert admin_login(attacker, "guess").status_code == 200  # the form again, with an error
    assert admin_login(attacker, "guess").status_code == 429  # the fifth failure locks
    locked = admin_login(attacker, PASSWORD)  # even the right password, from there
    assert locked.status_code == 429
    assert "_auth_user_id" not in attacker.session
    # The editor at their own desk is not locked out by someone else's guessing.
    desk = Client(REMOTE_ADDR="192.0.2.44")
    assert admin_login(desk, PASSWORD).status_code == 302
    assert desk.session["_auth_user_id"] == str(editor.pk)


def test_the_site_sign_in_counts_failures_too(editor, settings, make_account) -> None:
    make_account("reader@example.org", password="a reader's password")
    client = Client(REMOTE_ADDR="198.51.100.8")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"login": "reader@example.org", "password": "guess"})
    locked = client.post(
        "/accounts/login/", {"login": "reader@example.org", "password": "a reader's password"}
    )
    assert locked.status_code in (429, 200)
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_starts_the_count_again(editor, settings) -> None:
    client = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(client, "guess")
    assert admin_login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(client, "guess")
    assert admin_login(client, PASSWORD).status_code == 302
