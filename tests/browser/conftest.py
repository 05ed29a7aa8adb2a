"""Headless Debian Chromium driven by Playwright (browser downloads fail here)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]


def _carry_serialized_contents(contents: dict[str, str]) -> None:
    from django.db import connections

    for alias, data in contents.items():
        if not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = data


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """Headless Chromium, keeping serialized rollback working around it.

    Playwright's sync API runs the test from a greenlet with its own context,
    where Django hands out fresh connection objects that lack the snapshot
    serialized rollback restores from; without carrying it over, the next
    transactional test would start from an empty database.
    """
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from django.db import connections

    contents = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    # Playwright's sync API runs an event loop; Django refuses ORM calls from
    # inside one unless told the test code is synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        _carry_serialized_contents(contents)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    _carry_serialized_contents(contents)


def watch_content_security_policy(page) -> list[str]:
    """Every Content Security Policy refusal Chromium reports on `page`, as it happens.

    The public pages promise to run with a strict policy and no inline code:
    anything the policy blocks (a script, a style, a media source) is a page
    that silently stopped working for its visitor.
    """
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    refused = watch_content_security_policy(page)
    yield page
    context.close()
    assert not refused, f"the Content Security Policy blocked: {refused}"
