"""What every response tells the browser, and how long a staff session lasts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from archive.submissions.invitations import invitation_create
from config.middleware import LAST_SEEN_KEY

pytestmark = pytest.mark.django_db


def test_public_pages_carry_a_strict_content_security_policy() -> None:
    response = Client().get("/search/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_microphone_is_allowed_only_on_the_storytellers_recording_page() -> None:
    _, token = invitation_create(
        storyteller_name="Ana", language="en", expires_in=timedelta(days=1), by=None
    )
    client = Client()
    for path in ("/", "/search/", f"/submit/{token}/"):
        assert "microphone=()" in client.get(path)["Permissions-Policy"], path
    record = client.get(f"/submit/{token}/record/")
    # Not consented yet, so it may send the storyteller back; whatever it answers,
    # it is the one page whose policy lets the site itself use the microphone.
    assert "microphone=(self)" in record["Permissions-Policy"]
    assert "camera=(self)" in record["Permissions-Policy"]


def _editor() -> User:
    user = User.objects.create_user("idle-editor", password="an editor's password")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_an_idle_staff_session_ends_and_an_active_one_does_not(settings) -> None:
    settings.TESTIMONIO_STAFF_IDLE_SECONDS = 600
    client = Client()
    client.force_login(_editor())
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] -= 300  # five minutes away: still signed in
    session.save()
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] -= 601  # away longer than allowed
    session.save()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert "_auth_user_id" not in client.session


def test_a_visitors_session_is_not_cut_by_the_staff_rule(settings, make_account) -> None:
    settings.TESTIMONIO_STAFF_IDLE_SECONDS = 1
    account = make_account("reader@example.org")
    client = Client()
    client.force_login(account)
    client.get("/")
    assert LAST_SEEN_KEY not in client.session
    assert client.session["_auth_user_id"] == str(account.pk)


@pytest.mark.parametrize("way_in", ["editor role", "django staff", "wagtail admin permission"])
def test_every_account_the_admin_opens_to_has_the_idle_limit(settings, way_in) -> None:
    from django.contrib.auth.models import Permission

    settings.TESTIMONIO_STAFF_IDLE_SECONDS = 600
    user = User.objects.create_user(f"staff-{way_in.replace(' ', '-')}", password="x" * 20)
    if way_in == "editor role":
        user.groups.add(Group.objects.get(name="Editors"))
    elif way_in == "django staff":
        user.is_staff = True
        user.save()
    else:
        user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    client.force_login(user)
    client.get("/")
    session = client.session
    session[LAST_SEEN_KEY] -= 601
    session.save()
    client.get("/")
    assert "_auth_user_id" not in client.session, way_in
