"""A storyteller opens their invitation, consents one choice a screen, sends a recording."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from archive.models import (
    ConsentRecord,
    Invitation,
    MediaAsset,
    Storyteller,
    TestimonyPage,
    Upload,
    UploadStatus,
)
from archive.submissions import uploads as upload_service
from archive.submissions.invitations import invitation_create, invitation_use

pytestmark = pytest.mark.django_db

ANSWERS = [
    ("access", {"access_level": "researchers"}),
    ("name", {"name_choice": "pseudonym", "public_name": "Rosa M."}),
    ("media", {"media": "audio"}),
    ("transcript", {"show_transcript": "yes"}),
    ("teaching", {"allow_teaching": "yes"}),
    ("press", {"allow_press": "no"}),
    ("embargo", {"embargo": "no"}),
]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def invited():
    def make(language: str = "es", **changes) -> tuple[Invitation, str]:
        invitation, token = invitation_create(
            storyteller_name="Rosa", language=language, expires_in=timedelta(days=7), by=None
        )
        if changes:
            Invitation.objects.filter(pk=invitation.pk).update(**changes)
        return invitation, token

    return make


def consent(client, token: str, answers=ANSWERS) -> None:
    for step, data in answers:
        response = client.post(f"/submit/{token}/consent/{step}/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(f"/submit/{token}/consent/summary/", {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == f"/submit/{token}/record/"


def send(client, token: str, data: bytes, *, sha256: str | None = None, name="tone.m4a"):
    response = client.post(
        f"/submit/{token}/uploads/",
        {"filename": name, "size": len(data), "sha256": sha256 or hashlib.sha256(data).hexdigest()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    half = len(data) // 2
    first = client.patch(
        url, data[:half], content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0"
    )
    assert first.status_code == 204
    assert first["Upload-Offset"] == str(half)
    return url, client.patch(
        url,
        data[half:],
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(half),
    )


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"expires_at": timezone.now() - timedelta(hours=1)}, 410, "ha vencido"),
        ({"used_at": timezone.now()}, 410, "ya se usó"),
    ],
)
def test_expired_or_used_invitation_shows_a_clear_page(client, invited, change, status, words):
    _, token = invited(**change)
    response = client.get(f"/submit/{token}/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == status
    assert words in response.content.decode()


def test_unknown_invitation_is_not_found_not_an_error(client):
    response = client.get("/submit/no-such-token/")
    assert response.status_code == 404
    assert "not a valid invitation" in response.content.decode()
    response = client.post("/submit/no-such-token/uploads/", {}, content_type="application/json")
    assert response.status_code == 404
    assert "error" in response.json()


def test_consent_in_spanish_one_choice_a_screen_with_a_summary(client, invited):
    invitation, token = invited()
    page = client.get(f"/submit/{token}/").content.decode()
    assert 'lang="es"' in page
    assert "Bienvenida o bienvenido, Rosa" in page

    first = client.get(f"/submit/{token}/consent/access/").content.decode()
    assert "¿Quién puede escuchar su testimonio?" in first
    assert "Pregunta 1 de 7" in first
    # A later screen cannot be reached before the earlier ones are answered.
    assert client.get(f"/submit/{token}/consent/press/")["Location"].endswith("/consent/access/")

    client.post(f"/submit/{token}/consent/access/", {"access_level": "public"})
    second = client.get(f"/submit/{token}/consent/name/").content.decode()
    assert f'href="/submit/{token}/consent/access/"' in second  # the back link
    # Back keeps the answer given.
    again = client.get(f"/submit/{token}/consent/access/").content.decode()
    assert re.search(r'value="public"[^>]*checked', again)

    consent_answers = [
        *ANSWERS[:-1],
        ("embargo", {"embargo": "until", "embargo_until": "2031-05-01"}),
    ]
    for step, data in consent_answers:
        client.post(f"/submit/{token}/consent/{step}/", data)
    summary = client.get(f"/submit/{token}/consent/summary/").content.decode()
    assert "Revise sus respuestas" in summary
    assert "Rosa M. (un seudónimo)" in summary
    assert "No se muestra a nadie hasta el 2031-05-01" in summary
    assert not ConsentRecord.objects.exists()

    # "Change" on the summary comes back to the summary.
    assert f'href="/submit/{token}/consent/press/?from=summary"' in summary
    changed = client.post(f"/submit/{token}/consent/press/?from=summary", {"allow_press": "yes"})
    assert changed["Location"] == f"/submit/{token}/consent/summary/"
    client.post(f"/submit/{token}/consent/press/", {"allow_press": "no"})

    unconfirmed = client.post(f"/submit/{token}/consent/summary/", {})
    assert unconfirmed.status_code == 400
    assert "marque la casilla" in unconfirmed.content.decode()

    client.post(f"/submit/{token}/consent/summary/", {"confirm": "yes"})
    invitation.refresh_from_db()
    storyteller = invitation.storyteller
    assert (storyteller.public_name, storyteller.is_pseudonym, storyteller.real_name) == (
        "Rosa M.",
        True,
        "",
    )
    version = ConsentRecord.objects.get(storyteller=storyteller).current
    assert version.access_level == "researchers"
    assert (version.show_audio, version.show_video, version.show_transcript) == (True, False, True)
    assert (version.allow_teaching, version.allow_press) == (True, False)
    assert str(version.embargo_until) == "2031-05-01"
    assert (version.form_version, version.form_language, version.method) == (
        "web-2026-1",
        "es",
        "in_app",
    )
    # Consent is given once: the form now leads to the recorder.
    assert client.get(f"/submit/{token}/consent/access/")["Location"] == f"/submit/{token}/record/"
    record = client.get(f"/submit/{token}/record/").content.decode()
    assert "Empezar a grabar" in record
    assert 'data-mode="audio"' in record


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("access", {"access_level": "everyone-please"}, "Escoja una opción válida"),
        ("access", {}, "Este campo es necesario"),
    ],
)
def test_malformed_answers_are_refused_with_a_message(client, invited, step, data, message):
    _, token = invited()
    response = client.post(f"/submit/{token}/consent/{step}/", data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_embargo_date_must_be_in_the_future(client, invited):
    _, token = invited(language="en")
    for step, data in ANSWERS[:-1]:
        client.post(f"/submit/{token}/consent/{step}/", data)
    response = client.post(
        f"/submit/{token}/consent/embargo/", {"embargo": "until", "embargo_until": "2001-01-01"}
    )
    assert response.status_code == 400
    assert "Please choose a date after today." in response.content.decode()


def test_recorded_file_is_assembled_checked_and_ingested_under_the_given_consent(
    client, invited, tone_m4a, django_capture_on_commit_callbacks
):
    invitation, token = invited()
    consent(client, token)
    data = tone_m4a.read_bytes()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        url, last = send(client, token, data)
    assert last.status_code == 200, last.content
    body = last.json()
    assert body["status"] == "ingested"
    upload = Upload.objects.get()
    testimony = TestimonyPage.objects.get()
    invitation.refresh_from_db()
    assert upload.testimony_id == testimony.pk
    assert testimony.consent == upload.consent == ConsentRecord.objects.get()
    assert testimony.storyteller == invitation.storyteller
    assert Storyteller.objects.count() == 1  # ingest's own copy is gone
    assert testimony.latest_revision.as_object().consent_id == upload.consent_id
    assert MediaAsset.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    assert invitation.used_at is not None
    assert len(callbacks) == 1  # the transcription job, queued after commit
    assert not list((Path(upload_service.upload_dir())).iterdir())

    # A client that lost the answer to its last chunk can still learn it.
    state = client.get(url)
    assert state.json()["status"] == "ingested"
    assert client.head(url)["Upload-Offset"] == str(len(data))
    # The link is used now.
    assert client.get(f"/submit/{token}/").status_code == 410

    # The page after upload says what happens next and gives the private withdrawal link.
    done = client.get(body["next"]).content.decode()
    assert "Qué pasa ahora" in done
    link = done.split('id="withdraw-link" type="text" readonly value="')[1].split('"')[0]
    assert hashlib.sha256(link.rstrip("/").rsplit("/", 1)[1].encode()).hexdigest() == (
        upload.withdrawal_token_hash
    )
    # Another browser does not see it.
    from django.test import Client

    assert Client().get(body["next"]).status_code == 404

    path = link.split("testserver", 1)[1]
    confirm = client.get(path).content.decode()
    assert "Retirar su testimonio" in confirm
    assert client.post(path, {}).status_code == 400
    withdrawn = client.post(path, {"confirm": "yes", "reason": "Cambié de opinión"})
    assert "Salió del archivo" in withdrawn.content.decode()
    version = ConsentRecord.objects.get().current
    assert version.withdrawn and version.withdrawal_reason == "Cambié de opinión"
    assert "ya lo había retirado" in client.get(path).content.decode()
    assert client.get("/submit/withdraw/not-a-token/").status_code == 404


def test_wrong_offset_is_refused_with_the_servers_offset(client, invited, tone_m4a):
    _, token = invited()
    consent(client, token)
    data = tone_m4a.read_bytes()
    created = client.post(
        f"/submit/{token}/uploads/",
        {"filename": "t.m4a", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
        content_type="application/json",
    ).json()
    ok = client.patch(
        created["url"], data[:100], content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )  # fmt: skip
    assert ok.status_code == 204
    wrong = client.patch(
        created["url"], data[:100], content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )  # fmt: skip
    assert wrong.status_code == 409
    assert wrong["Upload-Offset"] == "100"
    assert "100" in wrong.json()["error"]
    missing = client.patch(created["url"], b"x", content_type="application/offset+octet-stream")
    assert missing.status_code == 400
    assert client.head(created["url"])["Upload-Offset"] == "100"


def test_checksum_mismatch_fails_with_a_message_and_nothing_left(client, invited, tone_m4a):
    invitation, token = invited(language="en")
    consent(client, token)
    _, last = send(client, token, tone_m4a.read_bytes(), sha256="b" * 64)
    assert last.status_code == 422
    assert "checksum differs" in last.json()["error"]
    assert Upload.objects.get().status == UploadStatus.FAILED
    assert not TestimonyPage.objects.exists()
    assert not list(upload_service.upload_dir().iterdir())
    invitation.refresh_from_db()
    assert invitation.used_at is None  # the storyteller can send it again


def test_text_file_named_like_audio_fails_and_leaves_nothing(client, invited, private_root):
    _, token = invited(language="en")
    consent(client, token)
    data = b"This is not a recording, whatever its name says.\n" * 50
    _, last = send(client, token, data, name="testimony.mp3")
    assert last.status_code == 422
    assert "testimony.mp3 is not a sound or video recording" in last.json()["error"]
    assert not TestimonyPage.objects.exists()
    assert not MediaAsset.objects.exists()
    assert not list(upload_service.upload_dir().iterdir())
    assert not private_root.exists() or not any(p.is_file() for p in private_root.rglob("*"))


def test_oversized_uploads_and_chunks_are_refused(client, invited, settings, monkeypatch):
    _, token = invited(language="en")
    consent(client, token)
    settings.TESTIMONIO_MAX_UPLOAD_BYTES = 1000
    big = client.post(
        f"/submit/{token}/uploads/",
        {"filename": "big.ogg", "size": 1001, "sha256": "0" * 64},
        content_type="application/json",
    )
    assert big.status_code == 413
    assert "the largest the archive takes is" in big.json()["error"]

    small = client.post(
        f"/submit/{token}/uploads/",
        {"filename": "s.ogg", "size": 500, "sha256": "0" * 64},
        content_type="application/json",
    ).json()
    past_end = client.patch(
        small["url"], b"x" * 600, content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )  # fmt: skip
    assert past_end.status_code == 413
    monkeypatch.setattr(upload_service, "CHUNK_MAX_BYTES", 10)
    chunk = client.patch(
        small["url"], b"x" * 11, content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )  # fmt: skip
    assert chunk.status_code == 413


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"filename": "a.ogg", "size": "big", "sha256": "x"}']
)
def test_malformed_upload_requests_are_refused(client, invited, body):
    _, token = invited(language="en")
    consent(client, token)
    response = client.post(f"/submit/{token}/uploads/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]


def test_upload_before_consent_is_refused(client, invited):
    _, token = invited(language="en")
    response = client.post(
        f"/submit/{token}/uploads/",
        {"filename": "a.ogg", "size": 10, "sha256": "0" * 64},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get(f"/submit/{token}/record/")["Location"] == f"/submit/{token}/"


def test_an_invitation_has_limits_on_uploads_and_requests(client, invited, monkeypatch):
    _, token = invited(language="en")
    consent(client, token)
    start = {"filename": "a.ogg", "size": 10, "sha256": "0" * 64}
    for _ in range(upload_service.MAX_UPLOADS):
        assert (
            client.post(f"/submit/{token}/uploads/", start, content_type="application/json")
        ).status_code == 201
    fourth = client.post(f"/submit/{token}/uploads/", start, content_type="application/json")
    assert fourth.status_code == 429
    assert "new link" in fourth.json()["error"]

    monkeypatch.setattr(upload_service, "CHUNKS_PER_MINUTE", 2)
    cache.clear()
    url = f"/submit/{token}/uploads/{Upload.objects.first().key}/"
    octets = "application/offset+octet-stream"
    answers = [client.head(url).status_code] + [
        client.patch(url, b"x", content_type=octets, HTTP_UPLOAD_OFFSET=str(n)).status_code
        for n in range(3)
    ]
    assert answers == [200, 204, 204, 429]


def test_used_invitation_takes_no_more_chunks(client, invited):
    invitation, token = invited(language="en")
    consent(client, token)
    created = client.post(
        f"/submit/{token}/uploads/",
        {"filename": "a.ogg", "size": 10, "sha256": "0" * 64},
        content_type="application/json",
    ).json()
    invitation_use(invitation=invitation)
    response = client.patch(
        created["url"], b"x", content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )  # fmt: skip
    assert response.status_code == 410


def _admin_urlconf():
    from django.urls import path
    from wagtail.admin.auth import require_admin_access

    from archive.submissions import staff_views as submission_views
    from config.urls import urlpatterns as site

    # The same wrapping Wagtail gives a view registered with register_admin_urls.
    return [
        path("admin/invitations/", require_admin_access(submission_views.invitations_admin)),
        *site,
    ]


urlpatterns = _admin_urlconf()


@pytest.mark.urls(__name__)
def test_archivist_creates_an_invitation_and_sees_its_link_once(client, django_user_model):
    admin = django_user_model.objects.create_superuser("archivist", "a@example.org", "pw")
    client.force_login(admin)
    response = client.post(
        "/admin/invitations/",
        {"storyteller_name": "Rosa", "language": "es", "days": "14", "note": ""},
    )
    assert response.status_code == 200
    page = response.content.decode()
    link = re.search(r'id="invitation-link" type="text" readonly value="([^"]+)"', page).group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.created_by == admin
    assert token not in client.get("/admin/invitations/").content.decode()
    assert client.get(link.split("testserver", 1)[1]).status_code == 200

    visitor = django_user_model.objects.create_user("visitor", "v@example.org", "pw")
    client.force_login(visitor)
    assert client.get("/admin/invitations/").status_code in (302, 403)


def test_an_upload_started_in_time_may_finish_after_the_invitation_expires(client, invited):
    invitation, token = invited(language="en")
    consent(client, token)
    created = client.post(
        f"/submit/{token}/uploads/",
        {"filename": "a.ogg", "size": 10, "sha256": "0" * 64},
        content_type="application/json",
    ).json()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    octets = "application/offset+octet-stream"
    response = client.patch(created["url"], b"x", content_type=octets, HTTP_UPLOAD_OFFSET="0")
    assert response.status_code == 204
    late = client.post(
        f"/submit/{token}/uploads/",
        {"filename": "b.ogg", "size": 10, "sha256": "0" * 64},
        content_type="application/json",
    )
    assert late.status_code == 410


def test_consent_answers_resume_when_the_invitation_is_reopened_elsewhere(invited):
    from django.test import Client

    invitation, token = invited()
    phone = Client()
    for step, data in ANSWERS[:3]:
        assert phone.post(f"/submit/{token}/consent/{step}/", data).status_code == 302

    laptop = Client()  # another browser: no session shared with the first
    response = laptop.get(f"/submit/{token}/consent/embargo/")
    assert response["Location"].endswith("/consent/transcript/")  # the first one unanswered
    page = laptop.get(f"/submit/{token}/consent/name/").content.decode()
    assert 'value="Rosa M."' in page

    for step, data in ANSWERS[3:]:
        assert laptop.post(f"/submit/{token}/consent/{step}/", data).status_code == 302
    assert laptop.post(f"/submit/{token}/consent/summary/", {"confirm": "yes"}).status_code == 302

    invitation.refresh_from_db()
    version = invitation.storyteller.consents.get().current
    assert version.access_level == "researchers"
    assert invitation.storyteller.public_name == "Rosa M."
    # Once the consent is recorded, the answers are not kept a second time.
    assert invitation.consent_answers == {}
