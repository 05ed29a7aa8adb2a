"""Educators and researchers get accounts: sign up, verify, sign in, reset, and what
an account may do before and after its email is verified."""

from __future__ import annotations

import re
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client

from archive import access
from archive.accounts.checks import email_backend_check
from archive.collections import services
from archive.models import CollectionPage, ResearcherApproval

pytestmark = pytest.mark.django_db

PASSWORD = "lanterns-over-the-river-7"  # noqa: S105 (a test account's)
SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
RESET = "/accounts/password/reset/"
TOO_MANY_LOGINS = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # allauth counts attempts in Django's cache; each story starts with none.
    cache.clear()
    yield
    cache.clear()


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def sign_up(client: Client, email: str, password: str = PASSWORD, **extra: str):
    return client.post(
        SIGNUP, {"email": email, "password1": password, "password2": password, **extra}
    )


def sign_in(client: Client, email: str, password: str = PASSWORD, **meta: str):
    return client.post(LOGIN, {"login": email, "password": password}, **meta)


def verify(client: Client) -> None:
    link = link_in(mail.outbox[-1])
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return unescape(html)


# ---------------------------------------------------------------- the whole story


def test_a_new_educator_signs_up_verifies_by_the_mailed_link_and_signs_in(make_testimony):
    public = make_testimony("Heron")
    restricted = make_testimony("Osprey", access_level="researchers")
    client = Client()

    response = sign_up(client, "ana@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.org"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body

    # Until the address is verified the account cannot sign in.
    assert sign_in(client, "ana@example.org")["Location"] == "/accounts/confirm-email/"
    assert not client.get("/accounts/settings/").wsgi_request.user.is_authenticated

    verify(client)
    assert EmailAddress.objects.get(email="ana@example.org").verified
    response = sign_in(client, "ana@example.org")
    assert response.status_code == 302 and response["Location"] == "/"

    user = get_user_model().objects.get(email="ana@example.org")
    assert access.role_of(user) is access.Role.REGISTERED
    assert client.get(public.site_path).status_code == 200
    assert client.get(restricted.site_path).status_code == 404
    menu = client.get("/").content.decode()
    for item in ("My collections", "Request researcher access", "Account settings", "Sign out"):
        assert item in menu

    # Sign out is a POST (a link cannot sign anyone out behind their back).
    assert client.post("/accounts/logout/").status_code == 302
    assert "Sign in" in client.get("/").content.decode()


def test_a_sign_up_never_carries_a_staff_role():
    client = Client()
    sign_up(client, "eve@example.org", is_staff="on", is_superuser="on", groups="1")
    user = get_user_model().objects.get(email="eve@example.org")
    assert not user.is_staff and not user.is_superuser
    assert not user.groups.exists()
    assert access.role_of(user) is access.Role.REGISTERED


def test_weak_passwords_are_refused_and_nothing_is_created():
    client = Client()
    for weak in ("short7", "password123", "12345678901234", "bea@example.org"):
        response = sign_up(client, "bea@example.org", password=weak)
        assert response.status_code == 200
        assert response.context["form"].errors["password1"], weak
    assert not get_user_model().objects.filter(email="bea@example.org").exists()
    assert mail.outbox == []


def test_the_session_is_rotated_at_sign_in(make_account):
    make_account("rosa", password=PASSWORD)
    client = Client()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    sign_in(client, "rosa@example.org")
    assert client.session.session_key and client.session.session_key != before


# ---------------------------------------------------------------- no enumeration


def test_signing_up_with_a_known_email_answers_the_same_and_creates_nothing(make_account):
    make_account("carmen", password=PASSWORD)
    known = sign_up(Client(), "carmen@example.org")
    unknown = sign_up(Client(), "nobody-yet@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert get_user_model().objects.filter(email="carmen@example.org").count() == 1
    # The owner of the known address is told, by mail only, that they have an account.
    to_known = next(m for m in mail.outbox if m.to == ["carmen@example.org"])
    assert "already exists" in to_known.body


def test_failed_sign_ins_read_the_same_for_known_and_unknown_emails(make_account):
    make_account("dora", password=PASSWORD)
    known = sign_in(Client(), "dora@example.org", "not-her-password")
    unknown = sign_in(Client(), "ghost@example.org", "not-her-password")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert visible_text(known).replace("dora@", "X@") == visible_text(unknown).replace(
        "ghost@", "X@"
    )


def test_password_reset_answers_the_same_for_known_and_unknown_emails(make_account):
    make_account("elena", password=PASSWORD)
    known = Client().post(RESET, {"email": "elena@example.org"}, follow=True)
    unknown = Client().post(RESET, {"email": "stranger@example.org"}, follow=True)
    done = [("/accounts/password/reset/done/", 302)]
    assert known.redirect_chain == unknown.redirect_chain == done
    assert visible_text(known) == visible_text(unknown)
    to_known = next(m for m in mail.outbox if m.to == ["elena@example.org"])
    assert "/accounts/password/reset/key/" in to_known.body


def test_a_reset_password_works_once_and_the_old_one_no_longer_does(make_account):
    make_account("flor", password=PASSWORD)
    client = Client()
    client.post(RESET, {"email": "flor@example.org"})
    link = link_in(mail.outbox[-1])
    form_url = client.get(link)["Location"]  # allauth moves the key into the session
    new = "a-different-river-at-dawn-3"
    done = client.post(form_url, {"password1": new, "password2": new})
    assert done["Location"] == "/accounts/password/reset/key/done/"
    assert sign_in(Client(), "flor@example.org").status_code == 200  # refused, form again
    assert sign_in(Client(), "flor@example.org", new)["Location"] == "/"
    # The same link again is refused.
    again = Client().get(link, follow=True)
    assert "Bad Token" in again.content.decode() or "invalid" in again.content.decode().lower()


# ---------------------------------------------------------------- throttles


def test_sign_in_is_throttled_per_account_even_from_many_addresses(make_account):
    make_account("gala", password=PASSWORD)
    for n in range(5):
        sign_in(Client(), "gala@example.org", "guess", REMOTE_ADDR=f"10.0.0.{n + 1}")
    # The right password, from yet another address, is refused for now.
    blocked = sign_in(Client(), "gala@example.org", REMOTE_ADDR="10.0.0.99")
    assert blocked.status_code == 200
    assert TOO_MANY_LOGINS in blocked.content.decode()
    # Another account is not locked by it.
    make_account("hana", password=PASSWORD)
    assert sign_in(Client(), "hana@example.org", REMOTE_ADDR="10.0.0.99")["Location"] == "/"


def test_sign_in_is_throttled_per_client_address_across_accounts(make_account):
    make_account("ines", password=PASSWORD)
    for n in range(10):
        sign_in(Client(), f"guess{n}@example.org", "guess", REMOTE_ADDR="10.1.1.1")
    blocked = sign_in(Client(), "ines@example.org", REMOTE_ADDR="10.1.1.1")
    assert TOO_MANY_LOGINS in blocked.content.decode()
    assert sign_in(Client(), "ines@example.org", REMOTE_ADDR="10.1.1.2")["Location"] == "/"


def test_sign_up_is_throttled_per_client_address():
    for n in range(10):
        assert sign_up(Client(), f"crowd{n}@example.org", REMOTE_ADDR="10.2.2.2").status_code == 302
    refused = sign_up(Client(), "crowd10@example.org", REMOTE_ADDR="10.2.2.2")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert not get_user_model().objects.filter(email="crowd10@example.org").exists()


def test_sign_up_is_throttled_per_email_so_no_mailbox_is_flooded(make_account):
    make_account("julia", password=PASSWORD)
    for n in range(3):
        sign_up(Client(), "julia@example.org", REMOTE_ADDR=f"10.3.3.{n + 1}")
    sent = len(mail.outbox)
    refused = sign_up(Client(), "julia@example.org", REMOTE_ADDR="10.3.3.9")
    assert refused.status_code == 200
    assert "Too many sign-ups for this address" in refused.content.decode()
    assert len(mail.outbox) == sent
    # An unknown address gets the same limit and the same words: nothing is revealed.
    for n in range(3):
        sign_up(Client(), "new-person@example.org", REMOTE_ADDR=f"10.4.4.{n + 1}")
    also = sign_up(Client(), "new-person@example.org", REMOTE_ADDR="10.4.4.9")
    assert also.context["form"].errors["email"] == refused.context["form"].errors["email"]


def test_password_reset_is_throttled_per_email(make_account):
    make_account("karla", password=PASSWORD)
    for n in range(3):
        Client().post(RESET, {"email": "karla@example.org"}, REMOTE_ADDR=f"10.5.5.{n + 1}")
    assert len(mail.outbox) == 3
    refused = Client().post(RESET, {"email": "karla@example.org"}, REMOTE_ADDR="10.5.5.9")
    assert refused.status_code == 429
    assert len(mail.outbox) == 3


# ---------------------------------------------------------------- verified email needed


def test_an_unverified_account_can_make_no_collection(make_account, make_testimony):
    testimony = make_testimony("Kestrel")
    user = make_account("lola", verified=False)
    with pytest.raises(services.CollectionError, match="Verify your email address"):
        services.collection_create(owner=user, title="Week 1")
    client = Client()
    client.force_login(user)  # e.g. a session begun at the admin's login
    response = client.post(
        "/collections/add/",
        {"testimony": testimony.pk, "start": 0, "end": 1, "collection": "new", "new_title": "W"},
        follow=True,
    )
    assert "Verify your email address" in response.content.decode()
    assert not CollectionPage.objects.exists()
    client.post("/collections/new/", {"title": "Week 1"})
    assert not CollectionPage.objects.exists()

    EmailAddress.objects.filter(user=user).update(verified=True)
    assert services.collection_create(owner=user, title="Week 1").owner == user


def test_an_unverified_account_cannot_ask_for_researcher_access(make_account):
    user = make_account("mara", verified=False)
    client = Client()
    client.force_login(user)
    page = client.get("/research/request/")
    assert "Verify your email address first" in page.content.decode()
    purpose = "A study of courthouse arrests for a public-interest law clinic report."
    response = client.post(
        "/research/request/", {"first_name": "Mara", "purpose": purpose, "accept_terms": "on"}
    )
    assert response.status_code == 403
    assert not ResearcherApproval.objects.exists()


def test_the_researcher_request_is_pre_filled_from_the_account(make_account):
    user = make_account("nuria", first_name="Nuria", last_name="Ortega")
    client = Client()
    client.force_login(user)
    page = client.get("/research/request/").content.decode()
    assert 'value="Nuria"' in page and 'value="Ortega"' in page
    assert "nuria@example.org" in page
    purpose = "Oral histories of detention transfers, for a doctoral thesis in sociology."
    sent = client.post(
        "/research/request/",
        {
            "first_name": "Nuria",
            "last_name": "Ortega Ruiz",
            "purpose": purpose,
            "accept_terms": "on",
        },
    )
    assert "waiting for an archivist" in sent.content.decode()
    user.refresh_from_db()
    assert user.get_full_name() == "Nuria Ortega Ruiz"
    assert ResearcherApproval.objects.get(user=user).purpose == purpose


# ---------------------------------------------------------------- every public page, two languages


def test_every_public_page_links_to_sign_in(make_testimony):
    testimony = make_testimony("Plover")
    for url in ("/", "/search/?q=opening", "/collections/", testimony.site_path, LOGIN, SIGNUP):
        html = Client().get(url).content.decode()
        assert 'href="/accounts/login/"' in html, url


def test_the_account_pages_speak_spanish_to_a_spanish_browser(make_account):
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es")
    home = spanish.get("/").content.decode()
    assert 'lang="es"' in home
    assert "Iniciar sesión" in home and "Crear una cuenta" in home
    sign_up(spanish, "olga@example.org")
    body = mail.outbox[-1].body
    assert "Hola desde Testimonio" in body
    verify(spanish)
    sign_in(spanish, "olga@example.org")
    menu = spanish.get("/").content.decode()
    for item in ("Mis colecciones", "Solicitar acceso de investigador", "Ajustes de la cuenta"):
        assert item in menu
    settings_page = spanish.get("/accounts/settings/").content.decode()
    assert "Eliminar su cuenta" in settings_page


def test_a_live_site_that_would_only_print_its_mails_is_warned(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]  # the demo prints mails on purpose
    assert email_backend_check() == []
    settings.ALLOWED_HOSTS = ["archive.example.org"]
    [warning] = email_backend_check()
    assert warning.id == "archive.W102"
    assert "EMAIL_HOST" in warning.hint
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert email_backend_check() == []
