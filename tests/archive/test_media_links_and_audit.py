"""Media links are short-lived and personal; restricted views are written to the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from archive.models import AuditLogEntry, ResearcherApproval
from archive.testimonies.signing import media_url

pytestmark = pytest.mark.django_db


def researcher(name: str = "ruth"):
    user = get_user_model().objects.create_user(name, f"{name}@example.org", "pw")
    ResearcherApproval.objects.create(
        user=user,
        purpose="Dissertation on detention",
        terms_accepted_at=timezone.now(),
        approved_at=timezone.now(),
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    return user


def test_a_forged_media_link_is_refused_with_a_message(make_testimony):
    media = make_testimony("Curlew").primary_media

    forged = Client().get(f"/media/{media.key}/", {"s": "1abcde:forgedsignature"})
    missing = Client().get(f"/media/{media.key}/")

    assert forged.status_code == 403
    assert b"not valid for you" in forged.content
    assert missing.status_code == 403
    assert b"incomplete" in missing.content


def test_an_expired_media_link_is_refused(make_testimony, settings):
    media = make_testimony("Godwit").primary_media
    url = media_url(media, None)
    settings.TESTIMONIO_MEDIA_URL_MAX_AGE = -1

    response = Client().get(url)

    assert response.status_code == 403
    assert b"expired" in response.content


def test_a_link_made_for_one_researcher_does_not_work_for_another(make_testimony):
    media = make_testimony("Redshank", access_level="researchers").primary_media
    ruth, sam = researcher("ruth"), researcher("sam")
    client = Client()
    client.force_login(sam)

    assert client.get(media_url(media, ruth)).status_code == 403
    assert client.get(media_url(media, sam)).status_code == 200


def test_another_testimony_media_id_is_not_found_for_whoever_may_not_see_it(make_testimony):
    restricted = make_testimony("Whimbrel", access_level="staff").primary_media
    client = Client()
    client.force_login(researcher())

    # A valid signature for this user does not get past the policy.
    signed_for_me = media_url(restricted, get_user_model().objects.get(username="ruth"))
    assert client.get(signed_for_me).status_code == 404
    assert Client().get(f"/media/{restricted.key}/").status_code == 404


def test_researcher_views_are_audited_and_public_views_are_not(make_testimony, admin_client):
    public = make_testimony("Sanderling")
    restricted = make_testimony("Turnstone", access_level="researchers")
    ruth = researcher()
    client = Client()
    client.force_login(ruth)

    client.get(public.site_path)
    client.get(restricted.site_path)
    client.get(media_url(restricted.primary_media, ruth))
    client.get(f"/transcripts/{restricted.pk}.vtt")

    entries = list(AuditLogEntry.objects.order_by("created_at"))
    assert [(e.username, e.action, e.testimony_id) for e in entries] == [
        ("ruth", "view_page", restricted.pk),
        ("ruth", "play_media", restricted.pk),
        ("ruth", "download_transcript", restricted.pk),
    ]
    exported = admin_client.get("/admin/audit_log/", {"export": "csv"})
    assert exported.status_code == 200
    body = (
        b"".join(exported.streaming_content).decode()
        if exported.streaming
        else exported.content.decode()
    )
    assert "ruth" in body and "download_transcript" in body


def test_an_expired_researcher_approval_no_longer_opens_researcher_testimony(make_testimony):
    restricted = make_testimony("Knot", access_level="researchers")
    user = researcher()
    client = Client()
    client.force_login(user)
    assert client.get(restricted.site_path).status_code == 200

    user.researcher_approvals.update(valid_until=timezone.localdate() - timedelta(days=1))

    assert client.get(restricted.site_path).status_code == 404


def test_editors_cannot_preview_sealed_testimony(make_testimony, admin_client):
    sealed = make_testimony("Dotterel", access_level="sealed", publish=False)

    response = admin_client.get(f"/admin/pages/{sealed.pk}/edit/preview/")

    assert b"Dotterel is said" not in response.content


def test_only_administrators_read_the_audit_log_and_nobody_writes_it(admin_client):
    editor = get_user_model().objects.create_user("ed", "ed@example.org", "pw", is_staff=True)
    client = Client()
    client.force_login(editor)

    assert client.get("/admin/audit_log/").status_code in (302, 403)
    assert admin_client.get("/admin/audit_log/").status_code == 200
    assert admin_client.get("/admin/audit_log/new/").status_code in (302, 403)
    assert admin_client.get("/admin/consent_versions/").status_code == 200
    assert admin_client.get("/admin/consent_versions/new/").status_code in (302, 403)


def test_a_registered_user_requests_access_and_gets_it_only_once_approved(
    make_testimony, make_account
):
    restricted = make_testimony("Stint", access_level="researchers")
    user = make_account("nadia")
    client = Client()
    client.force_login(user)

    short = client.post("/research/request/", {"purpose": "Thesis", "accept_terms": "on"})
    assert short.status_code == 400
    no_terms = client.post("/research/request/", {"purpose": "x" * 50})
    assert no_terms.status_code == 400
    assert not user.researcher_approvals.exists()

    purpose = "A study of courthouse arrests for a public-interest law clinic report."
    sent = client.post(
        "/research/request/", {"first_name": "Nadia", "purpose": purpose, "accept_terms": "on"}
    )
    assert b"waiting for an archivist" in sent.content
    assert client.get(restricted.site_path).status_code == 404

    user.researcher_approvals.update(
        approved_at=timezone.now(), valid_until=timezone.localdate() + timedelta(days=90)
    )
    assert client.get(restricted.site_path).status_code == 200
    assert Client().get("/research/request/").status_code == 302  # login first


def test_the_audit_log_names_the_testimony_and_masks_sealed_titles(make_testimony, admin_client):
    from archive.audit import audit_event
    from archive.models import AuditAction

    open_one = make_testimony("CanaryTitled", access_level="researchers")
    sealed = make_testimony("CanarySealedTitle", publish=False, access_level="sealed")
    for testimony in (open_one, sealed):
        audit_event(user=None, testimony=testimony, action=AuditAction.VIEW_PAGE)

    html = admin_client.get("/admin/audit_log/").content.decode()

    assert "Testimony CanaryTitled" in html
    assert "CanarySealedTitle" not in html
    assert f"Restricted testimony {sealed.pk}" in html
