"""An administrator's setting makes every staff sign-in ask for a one-time code."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor() -> User:
    user = User.objects.create_user("lucia", password="an editor's password")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def test_staff_pair_an_app_then_need_a_code_at_each_sign_in(editor, settings) -> None:
    settings.TESTIMONIO_STAFF_TWO_FACTOR = True
    client = Client()
    client.force_login(editor)
    first = client.get("/admin/pages/")
    assert first.status_code == 302 and first.url.startswith("/accounts/two-factor/")
    setup = client.get(first.url, follow=True)
    page = setup.content.decode()
    assert "Set up two-factor sign-in" in page and "<svg" in page
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")

    wrong = client.post("/accounts/two-factor/setup/", {"code": "000000", "next": "/admin/pages/"})
    assert wrong.status_code == 200 and "not the one your app shows" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    throttled = client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
    assert "wait a few seconds" in throttled.content.decode()  # guessing is slowed
    time.sleep(2.1)

    paired = client.post(
        "/accounts/two-factor/setup/", {"code": code_for(device), "next": "/admin/pages/"}
    )
    assert paired.status_code == 302 and paired.url == "/admin/pages/"
    assert client.get("/admin/").status_code == 200

    # A new sign-in (another browser): the password alone opens nothing.
    other = Client()
    other.force_login(editor)
    asked = other.get("/admin/")
    assert asked.status_code == 302 and asked.url.startswith("/accounts/two-factor/?")
    device.refresh_from_db()
    refused = other.post("/accounts/two-factor/", {"code": "123456x", "next": "/admin/"})
    assert "six digits" in refused.content.decode()
    signed_in = other.post(
        "/accounts/two-factor/", {"code": code_for(device, offset=30), "next": "/admin/"}
    )
    assert signed_in.status_code == 302 and signed_in.url == "/admin/"
    assert other.get("/admin/").status_code == 200


def test_off_by_default_and_never_asked_of_visitors(editor, settings, make_account) -> None:
    client = Client()
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200  # the setting is off by default
    settings.TESTIMONIO_STAFF_TWO_FACTOR = True
    reader = Client()
    reader.force_login(make_account("reader@example.org"))
    assert reader.get("/accounts/settings/").status_code == 200


def test_the_code_page_refuses_an_off_site_next(editor, settings) -> None:
    settings.TESTIMONIO_STAFF_TWO_FACTOR = True
    client = Client()
    client.force_login(editor)
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=editor)
    answer = client.post(
        "/accounts/two-factor/setup/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert answer.status_code == 302 and answer.url == "/admin/"


def test_an_account_let_into_the_admin_by_permission_alone_needs_the_code_too(settings) -> None:
    from django.contrib.auth.models import Permission

    from archive.accounts.two_factor import must_use_second_factor

    settings.TESTIMONIO_STAFF_TWO_FACTOR = True
    user = User.objects.create_user("permitted", password="a permitted password")
    assert not must_use_second_factor(user)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user = User.objects.get(pk=user.pk)  # permissions are cached per instance
    assert must_use_second_factor(user)
    client = Client()
    client.force_login(user)
    response = client.get("/admin/pages/")
    assert response.status_code == 302 and response.url.startswith("/accounts/two-factor/")
