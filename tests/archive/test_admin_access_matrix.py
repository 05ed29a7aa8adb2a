"""Every admin surface x staff role x consent state: a canary shows only where the work needs it.

The expectation table below is written out by hand, independently of
archive/access.py, as the public matrix in test_access_matrix.py is: if the
policy changes, this table must be changed on purpose.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from archive.consent.services import consent_withdraw
from archive.models import AuditAction, AuditLogEntry, TestimonyPage

pytestmark = pytest.mark.django_db

STATES = ["public", "researchers", "staff", "sealed", "withdrawn"]
ROLES = ["editor", "archivist", "administrator", "administrator_with_reason"]
# Whose content each role may open in the admin.
OPENS = {
    "editor": {"public", "researchers", "staff"},
    "archivist": {"public", "researchers", "staff"},
    "administrator": {"public", "researchers", "staff"},  # asked for a reason otherwise
    "administrator_with_reason": set(STATES),
}
# Content surfaces: they show the transcript, personal details or themes.
CONTENT_SURFACES = ["transcript_editor", "pii_review", "page_editor"]
# States whose every admin view is written to the audit log.
AUDITED = {"researchers", "staff", "sealed", "withdrawn"}


def make_staff(django_user_model, role: str):
    user = django_user_model.objects.create_user(role, f"{role}@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    if role == "editor":
        user.groups.add(Group.objects.get(name="Editors"))
    elif role == "archivist":
        user.groups.add(Group.objects.get(name="Archivists"))
    else:
        user.is_staff = user.is_superuser = True
        user.save()
    return user


@pytest.fixture
def archive(make_testimony):
    built = {}
    for state in STATES:
        canary = f"Adminary{state.title()}"
        level = "public" if state == "withdrawn" else state
        testimony = make_testimony(canary, access_level=level, publish=level != "sealed")
        if state == "withdrawn":
            consent_withdraw(record=testimony.consent, reason="Asked in person.")
        built[state] = TestimonyPage.objects.get(pk=testimony.pk)
    return built


def fetch(client: Client, testimony: TestimonyPage) -> dict[str, object]:
    transcript = testimony.media_assets.get().transcripts.get()
    return {
        "transcript_editor": client.get(f"/admin/transcripts/{transcript.pk}/edit/"),
        "pii_review": client.get(f"/admin/testimony/{testimony.pk}/privacy/"),
        "page_editor": client.get(f"/admin/pages/{testimony.pk}/edit/"),
        "consent_form": client.get(f"/admin/testimony/{testimony.pk}/consent/"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_admin_surfaces_show_testimony_content_only_to_the_roles_that_need_it(
    role, archive, django_user_model
):
    user = make_staff(django_user_model, role.removesuffix("_with_reason"))
    client = Client()
    client.force_login(user)
    if role == "administrator_with_reason":
        for testimony in archive.values():
            client.post(
                f"/admin/testimony/{testimony.pk}/reason/",
                {"reason": "Legal hold requested by counsel.", "next": "/admin/"},
            )

    jobs = client.get("/admin/jobs/").content.decode()
    for state, testimony in archive.items():
        canary = re.compile(testimony.title.split()[-1])
        may_open = state in OPENS[role]
        responses = fetch(client, testimony)

        for surface in CONTENT_SURFACES:
            response = responses[surface]
            body = response.content.decode()
            shown = response.status_code == 200 and bool(canary.search(body))
            assert shown == may_open, f"{role} / {state} / {surface}: shown={shown}"
            if not may_open and role == "administrator":
                assert response.status_code == 302
                assert f"/admin/testimony/{testimony.pk}/reason/" in response.url
            elif not may_open:
                assert response.status_code in (302, 403), f"{role} / {state} / {surface}"
                assert getattr(response, "url", "/admin/") == "/admin/"

        # The consent form is how access is narrowed: every staff role opens it while
        # consent is in force, and it names only what the role may read.
        consent = responses["consent_form"]
        if state == "withdrawn":
            assert consent.status_code == 302, f"{role} / consent form of withdrawn"
        else:
            assert consent.status_code == 200, f"{role} / {state} / consent form"
            assert bool(canary.search(consent.content.decode())) == may_open

        assert bool(canary.search(jobs)) == may_open, f"{role} / {state} / jobs list"

        logged = AuditLogEntry.objects.filter(
            testimony_id=testimony.pk, username=user.get_username(), action=AuditAction.ADMIN_VIEW
        ).count()
        if may_open and state in AUDITED:
            assert logged >= len(CONTENT_SURFACES), f"{role} / {state}: {logged} audit entries"
        else:
            assert logged == 0, f"{role} / {state}: {logged} audit entries"


def test_an_editor_opening_a_sealed_transcript_is_refused_and_the_refusal_logged(
    archive, django_user_model
):
    editor = make_staff(django_user_model, "editor")
    client = Client()
    client.force_login(editor)
    sealed = archive["sealed"]
    transcript = sealed.media_assets.get().transcripts.get()

    response = client.get(f"/admin/transcripts/{transcript.pk}/edit/")
    posted = client.post(
        f"/admin/transcripts/{transcript.pk}/segments/{transcript.segments.first().pk}/",
        {"action": "save", "text": "Overwritten", "start": "0", "end": "1"},
    )

    assert "AdminarySealed" not in response.content.decode()
    assert posted.status_code in (302, 403)
    assert transcript.segments.first().text == "An opening sentence."
    assert AuditLogEntry.objects.filter(
        action=AuditAction.ADMIN_REFUSED, username="editor", testimony_id=sealed.pk
    ).exists()


def test_an_administrator_states_a_reason_and_the_reason_is_logged(archive, admin_client):
    sealed = archive["sealed"]
    transcript = sealed.media_assets.get().transcripts.get()
    url = f"/admin/transcripts/{transcript.pk}/edit/"

    asked = admin_client.get(url)
    too_short = admin_client.post(
        f"/admin/testimony/{sealed.pk}/reason/", {"reason": "look", "next": url}
    )
    given = admin_client.post(
        f"/admin/testimony/{sealed.pk}/reason/",
        {"reason": "Storyteller asked for a copy of her words.", "next": url},
    )
    shown = admin_client.get(url)

    assert asked.status_code == 302 and "/reason/" in asked.url
    assert too_short.status_code == 400
    assert given.status_code == 302 and given.url == url
    assert "AdminarySealed" in shown.content.decode()
    opened = AuditLogEntry.objects.get(action=AuditAction.SEALED_OPENED)
    assert opened.detail == "Storyteller asked for a copy of her words."
    assert AuditLogEntry.objects.filter(
        action=AuditAction.ADMIN_VIEW, testimony_id=sealed.pk, detail__contains="Reason:"
    ).exists()


def test_the_reason_form_does_not_send_the_administrator_to_another_site(archive, admin_client):
    sealed = archive["sealed"]

    response = admin_client.post(
        f"/admin/testimony/{sealed.pk}/reason/",
        {"reason": "Checking the redaction request.", "next": "https://evil.example/steal"},
    )

    assert response.status_code == 302
    assert response.url == "/admin/"


def test_editors_do_not_list_sealed_or_withdrawn_testimony(
    archive, django_user_model, admin_client
):
    editor = make_staff(django_user_model, "editor")
    client = Client()
    client.force_login(editor)
    parent = archive["public"].get_parent()

    listing = client.get(f"/admin/pages/{parent.pk}/").content.decode()
    admin_listing = admin_client.get(f"/admin/pages/{parent.pk}/").content.decode()

    assert "AdminaryPublic" in listing and "AdminaryStaff" in listing
    assert "AdminarySealed" not in listing and "AdminaryWithdrawn" not in listing
    assert "AdminarySealed" in admin_listing
