"""A storyteller opens an invitation on a poor connection, consents in Spanish, records,
loses the connection and reloads mid-upload, and the testimony still arrives whole."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, watch_content_security_policy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SPEECH = "Mi familia vive en la ciudad. Mi hermana trabaja en una panadería."


@pytest.fixture
def microphone_page(browser, tmp_path: Path):
    """Chromium whose fake microphone speaks SPEECH (a Spanish espeak WAV), in a loop.

    A second browser from the session's Playwright (one sync Playwright per
    thread): the shared one is started without a fake microphone.
    """
    wav = tmp_path / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", "es", "-s", "130", "-g", "8", "-w", str(wav), SPEECH], check=True
    )
    args = [a for a in CHROMIUM_ARGS if a != "--mute-audio"] + [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
    ]
    recorder = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    context = recorder.new_context(viewport={"width": 390, "height": 844})  # a phone
    context.grant_permissions(["microphone"])
    page = context.new_page()
    refused = watch_content_security_policy(page)
    yield context, page
    context.close()
    recorder.close()
    assert not refused, f"the Content Security Policy blocked: {refused}"


# One test, not several: each transactional test empties the database.
def test_storyteller_consents_in_spanish_records_and_the_upload_survives_a_dropped_connection(
    live_server, microphone_page, settings, browser
):
    from archive.models import (
        Segment,
        TestimonyPage,
        Transcript,
        TranscriptKind,
        TranscriptStatus,
        Upload,
    )
    from archive.submissions.invitations import invitation_create

    settings.TESTIMONIO_UPLOAD_CHUNK_BYTES = 8 * 1024  # several chunks for a short recording
    context, page = microphone_page
    invitation, token = invitation_create(
        storyteller_name="Rosa", language="es", expires_in=timedelta(days=7), by=None
    )

    page.goto(f"{live_server.url}/submit/{token}/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("link", name="Empezar").click()

    # One choice a screen, each a labelled radio in a fieldset; Back keeps the answer.
    page.get_by_label("Solo investigadores que el archivo ha revisado y aprobado.").check()
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("link", name="Atrás").click()
    assert page.get_by_label(
        "Solo investigadores que el archivo ha revisado y aprobado."
    ).is_checked()
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_label("Un nombre inventado (un seudónimo). Es más seguro.").check()
    page.get_by_label("El nombre que se mostrará").fill("Rosa M.")
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_label("Solo sonido. Nadie me verá.").check()
    page.get_by_role("button", name="Siguiente").click()
    for _ in ("transcript", "teaching", "press"):
        page.get_by_label("Sí", exact=True).check()
        page.get_by_role("button", name="Siguiente").click()
    page.get_by_label("No, no hace falta esperar.").check()
    page.get_by_role("button", name="Siguiente").click()

    assert page.get_by_role("heading", name="Revise sus respuestas").is_visible()
    assert "Rosa M. (un seudónimo)" in page.content()
    page.get_by_label("Estoy de acuerdo").check()
    page.get_by_role("button", name="Confirmar").click()
    page.wait_for_url(f"**/submit/{token}/record/")

    # Record, with the level meter moving, a pause, and listening back.
    page.get_by_role("button", name="Empezar a grabar").click()
    page.wait_for_function("() => document.getElementById('level').value > 0.01", timeout=10_000)
    page.wait_for_timeout(2500)
    page.get_by_role("button", name="Pausa").click()
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Seguir grabando").click()
    page.wait_for_timeout(5000)
    page.get_by_role("button", name="Terminar").click()
    page.wait_for_selector("#listen:not([hidden])")
    assert page.locator("#playback").get_attribute("src").startswith("blob:")

    # The connection drops on the second chunk; later it drops for good and the page is
    # reloaded; once the line is back the upload continues from the server's offset.
    patches = {"sent": 0, "aborted": 0, "down": False}

    def flaky(route):
        if route.request.method != "PATCH":
            return route.continue_()
        patches["sent"] += 1
        if patches["sent"] == 2 or patches["down"]:
            patches["aborted"] += 1
            return route.abort("internetdisconnected")
        return route.continue_()

    page.route("**/uploads/**", flaky)
    page.get_by_role("button", name="Enviar").click()
    deadline = time.monotonic() + 30
    while patches["sent"] < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert patches["aborted"] == 1 and patches["sent"] >= 4
    patches["down"] = True
    deadline = time.monotonic() + 30
    while patches["aborted"] < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    upload = Upload.objects.get()
    received_before_reload = upload.offset
    assert 0 < received_before_reload < upload.size

    page.reload()
    patches["down"] = False
    page.wait_for_function(
        "() => location.pathname.startsWith('/submit/done/') "
        "|| document.querySelector('#status.is-error')",
        timeout=240_000,
    )
    upload.refresh_from_db()
    assert "/submit/done/" in page.url, (upload.error, page.locator("#status").inner_text())
    assert "Gracias. Su testimonio llegó bien." in page.content()
    link = page.get_by_label("Su enlace privado").input_value()
    assert "/submit/withdraw/" in link

    upload.refresh_from_db()
    assert upload.status == "ingested"
    testimony = TestimonyPage.objects.get(pk=upload.testimony_id)
    assert not testimony.live  # waits for the publishing workflow
    version = testimony.consent.current
    assert testimony.consent_id == upload.consent_id
    assert (version.form_language, version.method, version.access_level) == (
        "es",
        "in_app",
        "researchers",
    )
    assert testimony.storyteller.public_name == "Rosa M."
    transcript = Transcript.objects.get(media__testimony=testimony, kind=TranscriptKind.TRANSCRIPT)
    assert transcript.status == TranscriptStatus.DONE, transcript.error
    text = " ".join(Segment.objects.filter(transcript=transcript).values_list("text", flat=True))
    assert re.search(r"familia|hermana|ciudad|panader", text, re.IGNORECASE), text
    # The recording took a pause but is whole: the sha256 the browser sent matched.
    assert testimony.media_assets.get().duration > 5
    invitation.refresh_from_db()
    assert invitation.used_at is not None

    # The archivist sees it in the admin: in the archive's page listing, with
    # its consent and its transcript.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("archivist", "a@example.org", "pw")
    context = browser.new_context()
    admin_page = context.new_page()
    admin_page.goto(f"{live_server.url}/admin/login/")
    admin_page.fill("input[name=username]", "archivist")
    admin_page.fill("input[name=password]", "pw")
    admin_page.click("button[type=submit]")
    admin_page.goto(f"{live_server.url}/admin/pages/{testimony.get_parent().pk}/")
    assert testimony.title in admin_page.content()
    admin_page.goto(f"{live_server.url}/admin/testimony/{testimony.pk}/consent/")
    assert "Current: version 1" in admin_page.content()
    assert "Researchers" in admin_page.content() or "researchers" in admin_page.content()
    admin_page.goto(f"{live_server.url}/admin/transcripts/{transcript.pk}/edit/")
    assert re.search(r"familia|hermana|ciudad|panader", admin_page.content(), re.IGNORECASE)
    context.close()
