"""An educator, in English and in Spanish: signs up from the home page, verifies by the
mailed link, signs in, collects a search hit, finds it again after signing out and in,
resets the password, and deletes the account, taking the private collection with it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from archive.models import CollectionPage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORDS = {
    "en": {
        "sign_up": "Create an account",
        "sign_in": "Sign in",
        "my_collections": "My collections",
        "settings": "Account settings",
        "sign_out": "Sign out",
        "deleted": "Your account has been deleted",
    },
    "es": {
        "sign_up": "Crear una cuenta",
        "sign_in": "Iniciar sesión",
        "my_collections": "Mis colecciones",
        "settings": "Ajustes de la cuenta",
        "sign_out": "Cerrar sesión",
        "deleted": "Su cuenta fue eliminada",
    },
}


def last_link_to(address: str) -> str:
    message = [m for m in mail.outbox if m.to == [address]][-1]
    return re.search(r"https?://\S+", message.body).group(0)


def submit(page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def sign_in(page, base: str, email: str, password: str, words: dict) -> None:
    page.goto(f"{base}/")
    page.get_by_role("link", name=words["sign_in"], exact=True).click()
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    submit(page)
    assert page.locator(".account-menu summary").is_visible()


def open_menu_item(page, label: str) -> None:
    page.locator(".account-menu summary").click()
    page.locator(".account-menu").get_by_text(label, exact=True).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_educator_signs_up_collects_resets_the_password_and_deletes_the_account(
    live_server, browser, make_testimony, language
):
    cache.clear()
    words = WORDS[language]
    make_testimony("Lanternfish")
    base = live_server.url
    email, password = f"educator-{language}@example.org", "first-river-crossing-42"
    context = browser.new_context(locale="es-ES" if language == "es" else "en-US")
    page = context.new_page()

    # Sign up from the home page.
    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == language
    page.get_by_role("link", name=words["sign_up"], exact=True).click()
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    submit(page)
    assert page.url.endswith("/accounts/confirm-email/")

    # The verification link from the mailbox, in the visitor's language.
    message = [m for m in mail.outbox if m.to == [email]][-1]
    assert ("Hola desde Testimonio" if language == "es" else "Hello from Testimonio") in (
        message.body
    )
    page.goto(last_link_to(email))
    submit(page)

    # Sign in, and collect a moment from a search hit into a new collection.
    sign_in(page, base, email, password, words)
    page.goto(f"{base}/search/?q=opening")
    group = page.locator(".group", has_text="Testimony Lanternfish")
    group.locator(".add-moment summary").first.click()
    form = group.locator("form.add-to-collection").first
    form.locator("select.collection-choice").select_option("new")
    form.locator("input.new-title").fill(f"Holds, {language}")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/collections/*/")
    collection_url = page.url
    assert page.locator("h1").inner_text() == f"Holds, {language}"

    # Sign out, sign in again, and find it under "My collections".
    page.locator(".account-menu summary").click()
    with page.expect_navigation():
        page.locator(".account-menu button", has_text=words["sign_out"]).click()
    assert page.get_by_role("link", name=words["sign_in"], exact=True).is_visible()
    sign_in(page, base, email, password, words)
    open_menu_item(page, words["my_collections"])
    assert page.locator(".my-collections").get_by_text(f"Holds, {language}").is_visible()

    # Reset the password from the sign-in page, signed out.
    page.locator(".account-menu summary").click()
    with page.expect_navigation():
        page.locator(".account-menu button", has_text=words["sign_out"]).click()
    page.get_by_role("link", name=words["sign_in"], exact=True).click()
    page.locator("a[href='/accounts/password/reset/']").click()
    page.fill("input[name=email]", email)
    submit(page)
    known_answer = page.locator("main").inner_text()
    page.goto(last_link_to(email))
    new_password = "second-river-crossing-43"  # noqa: S105 (a test account's)
    page.fill("input[name=password1]", new_password)
    page.fill("input[name=password2]", new_password)
    submit(page)
    assert page.url.endswith("/accounts/password/reset/key/done/")

    # An unknown address gets the very same answer.
    page.goto(f"{base}/accounts/password/reset/")
    page.fill("input[name=email]", f"nobody-{language}@example.org")
    submit(page)
    assert page.locator("main").inner_text() == known_answer

    # The old password no longer works; the new one does.
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    submit(page)
    assert page.locator(".account-menu").count() == 0
    sign_in(page, base, email, new_password, words)

    # Delete the account from its settings: the private collection goes with it.
    open_menu_item(page, words["settings"])
    page.locator("#delete-account").click()
    page.fill("input[name=password]", new_password)
    page.check("input[name=confirm]")
    with page.expect_navigation():
        page.locator("#confirm-delete").click()
    assert page.locator("h1").inner_text() == words["deleted"]
    assert page.locator(".account-menu").count() == 0
    response = page.goto(collection_url)
    assert response.status == 404
    assert not CollectionPage.objects.filter(title=f"Holds, {language}").exists()
    context.close()
