"""Widening access is an archivist's decision, verified by a second archivist; narrowing is at once.

The story the probe found: an editor posted the consent form of a sealed,
live testimony with access_level=public, and within the same request
anonymous visitors read it. These tests walk that path and its neighbours
through the admin's real forms and Wagtail's real workflow views.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from wagtail.models import TaskState

from archive import access
from archive.consent.services import ConsentTerms
from archive.models import AuditAction, AuditLogEntry, ConsentVerification, TestimonyPage

pytestmark = pytest.mark.django_db

OPEN_FIELDS = {
    "show_audio": "on",
    "show_video": "on",
    "show_transcript": "on",
    "allow_teaching": "on",
    "allow_press": "on",
    "form_version": "2026-1",
    "form_language": "en",
    "method": "signed_form",
}


def staff(django_user_model, username: str, group: str | None = None, **flags: bool):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw", **flags)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def signed_form() -> SimpleUploadedFile:
    return SimpleUploadedFile("form.pdf", b"%PDF-1.4 widened", content_type="application/pdf")


def public_can_read(testimony: TestimonyPage) -> bool:
    anonymous = Client()
    page = anonymous.get(testimony.site_path)
    text = anonymous.get(f"/transcripts/{testimony.pk}.txt")
    return page.status_code == 200 or text.status_code == 200


@pytest.fixture
def editor(django_user_model):
    return staff(django_user_model, "edna", "Editors")


@pytest.fixture
def archivist(django_user_model):
    return staff(django_user_model, "ana", "Archivists")


@pytest.fixture
def second_archivist(django_user_model):
    return staff(django_user_model, "bea", "Archivists")


def consent_url(testimony: TestimonyPage) -> str:
    return f"/admin/testimony/{testimony.pk}/consent/"


def test_editor_widening_sealed_testimony_to_public_is_refused_unchanged_and_audited(
    make_testimony, editor
):
    testimony = make_testimony("CanarySealedWide", access_level="sealed", publish=False)
    # The probe's page was live around the policy: make it so here.
    TestimonyPage.objects.filter(pk=testimony.pk).update(live=True)

    response = client_for(editor).post(
        consent_url(testimony),
        {
            "access_level": "public",
            **OPEN_FIELDS,
            "change_note": "Storyteller agreed",
            "signed_form": signed_form(),
        },
    )

    assert response.status_code == 400
    assert "only an archivist may decide" in response.content.decode()
    assert testimony.consent.versions.count() == 1
    assert testimony.consent.current.access_level == "sealed"
    assert not public_can_read(testimony)
    refusal = AuditLogEntry.objects.get(action=AuditAction.CONSENT_REFUSED)
    assert (refusal.username, refusal.testimony_id) == ("edna", testimony.pk)
    assert "access_level=public" in refusal.detail


def test_editor_narrowing_takes_effect_at_once_and_is_audited(make_testimony, editor):
    testimony = make_testimony("CanaryNarrow")
    assert public_can_read(testimony)

    response = client_for(editor).post(
        consent_url(testimony),
        {"access_level": "researchers", **OPEN_FIELDS, "change_note": "Asked by phone."},
    )

    assert response.status_code == 302
    assert testimony.consent.current.access_level == "researchers"
    assert not public_can_read(testimony)
    assert AuditLogEntry.objects.filter(
        action=AuditAction.CONSENT_CHANGED, username="edna", testimony_id=testimony.pk
    ).exists()


def test_editor_adding_an_embargo_narrows_and_lifting_it_early_widens(make_testimony, editor):
    testimony = make_testimony("CanaryEmbargo")
    until = (timezone.localdate() + timedelta(days=60)).isoformat()
    client = client_for(editor)

    added = client.post(
        consent_url(testimony),
        {"access_level": "public", **OPEN_FIELDS, "embargo_until": until, "change_note": "Hearing"},
    )
    lifted = client.post(
        consent_url(testimony),
        {"access_level": "public", **OPEN_FIELDS, "change_note": "Hearing over, lift it"},
    )

    assert added.status_code == 302
    assert lifted.status_code == 400
    assert testimony.consent.current.embargo_until.isoformat() == until
    assert not public_can_read(testimony)


def test_archivist_widening_without_documented_consent_is_refused(make_testimony, archivist):
    testimony = make_testimony("CanaryNoForm", access_level="researchers")

    response = client_for(archivist).post(
        consent_url(testimony),
        {"access_level": "public", **OPEN_FIELDS, "change_note": "She said yes on the phone."},
    )

    assert response.status_code == 400
    assert "attach the storyteller" in response.content.decode()
    assert testimony.consent.current.access_level == "researchers"
    assert TestimonyPage.objects.get(pk=testimony.pk).live


def current_task_state(testimony: TestimonyPage) -> TaskState:
    page = TestimonyPage.objects.get(pk=testimony.pk)
    return page.current_workflow_state.current_task_state


def act(client: Client, testimony: TestimonyPage, action: str = "approve") -> bool:
    """Take a workflow action in Wagtail's own view; True if it was accepted.

    Wagtail's admin answers a refused action by sending the user to the admin
    home with "you do not have permission"; an accepted one goes to the page.
    """
    state = current_task_state(testimony)
    response = client.post(
        f"/admin/pages/workflow/action/{testimony.pk}/{action}/{state.pk}/", {"comment": ""}
    )
    assert response.status_code == 302
    return response.url != "/admin/"


def test_archivist_widening_waits_off_the_site_until_a_second_archivist_verifies(
    make_testimony, archivist, second_archivist, editor
):
    testimony = make_testimony("CanaryWiden", access_level="researchers")
    researcher_page = Client().get(testimony.site_path)
    assert researcher_page.status_code == 404  # researchers only: not public yet

    response = client_for(archivist).post(
        consent_url(testimony),
        {
            "access_level": "public",
            **OPEN_FIELDS,
            "change_note": "Storyteller signed the public release form.",
            "signed_form": signed_form(),
        },
    )

    assert response.status_code == 302
    page = TestimonyPage.objects.get(pk=testimony.pk)
    assert not page.live  # it left the site, researchers included
    current = testimony.consent.current
    assert (current.access_level, current.awaiting_verification) == ("public", True)
    assert current.signed_form.read() == b"%PDF-1.4 widened"
    assert current_task_state(testimony).task.name == "Consent verified"

    # The author may not verify their own widening while another archivist exists.
    assert not act(client_for(archivist), testimony)
    assert not ConsentVerification.objects.exists()
    assert not public_can_read(testimony)

    assert act(client_for(second_archivist), testimony)
    verification = ConsentVerification.objects.get()
    assert (verification.version_id, verification.verified_by) == (current.pk, second_archivist)
    assert not public_can_read(testimony)  # the transcript review step is still to come

    assert act(client_for(editor), testimony)
    assert TestimonyPage.objects.get(pk=testimony.pk).live
    assert public_can_read(testimony)
    assert AuditLogEntry.objects.filter(
        action=AuditAction.CONSENT_VERIFIED, username="bea", testimony_id=testimony.pk
    ).exists()


def test_editor_cannot_pass_the_consent_step(make_testimony, archivist, editor):
    testimony = make_testimony("CanaryEditorStep", access_level="staff")
    client_for(archivist).post(
        consent_url(testimony),
        {
            "access_level": "public",
            **OPEN_FIELDS,
            "change_note": "Form signed.",
            "signed_form": signed_form(),
        },
    )

    assert not act(client_for(editor), testimony)
    assert not ConsentVerification.objects.exists()


def test_a_one_person_archive_may_let_its_only_archivist_verify(
    make_testimony, archivist, editor, settings
):
    testimony = make_testimony("CanaryAlone", access_level="researchers")
    client_for(archivist).post(
        consent_url(testimony),
        {
            "access_level": "public",
            **OPEN_FIELDS,
            "change_note": "Form signed.",
            "signed_form": signed_form(),
        },
    )
    settings.TESTIMONIO_ALLOW_SELF_VERIFICATION = False
    assert not act(client_for(archivist), testimony)

    settings.TESTIMONIO_ALLOW_SELF_VERIFICATION = True
    assert act(client_for(archivist), testimony)
    assert ConsentVerification.objects.filter(verified_by=archivist).exists()


def test_narrowing_after_an_unverified_widening_still_waits_for_verification(
    make_testimony, archivist, editor
):
    testimony = make_testimony("CanaryPending", access_level="researchers")
    client_for(archivist).post(
        consent_url(testimony),
        {
            "access_level": "public",
            **OPEN_FIELDS,
            "change_note": "Form signed.",
            "signed_form": signed_form(),
        },
    )
    client_for(editor).post(
        consent_url(testimony),
        {"access_level": "public", **{**OPEN_FIELDS, "allow_press": ""}, "change_note": "No press"},
    )

    current = testimony.consent.current
    assert (current.version, current.allow_press) == (3, False)
    assert current.awaiting_verification
    # Even a page made live by hand shows nothing while the widening is unverified.
    TestimonyPage.objects.filter(pk=testimony.pk).update(live=True)
    page = TestimonyPage.objects.get(pk=testimony.pk)
    assert not access.can_view(None, page, access.Part.PAGE)
    assert (
        not access.visible_testimonies(None, TestimonyPage.objects.all())
        .filter(pk=page.pk)
        .exists()
    )


def test_sealing_a_live_testimony_unpublishes_it(make_testimony, editor):
    testimony = make_testimony("CanarySealNow")

    client_for(editor).post(
        consent_url(testimony), {"access_level": "sealed", **OPEN_FIELDS, "change_note": "Danger"}
    )

    assert not TestimonyPage.objects.get(pk=testimony.pk).live
    assert not public_can_read(testimony)


def test_ingest_refuses_to_publish_sealed_testimony_and_stores_nothing(tone_m4a, private_root):
    with pytest.raises(CommandError, match="Sealed testimony is never published"):
        call_command(
            "ingest",
            str(tone_m4a),
            "--title",
            "Sealed",
            "--storyteller",
            "X",
            "--access",
            "sealed",
            "--publish",
        )
    assert not TestimonyPage.objects.exists()
    assert not private_root.exists() or not any(p.is_file() for p in private_root.rglob("*"))


def test_the_page_editor_offers_no_publish_around_the_workflow(make_testimony, admin_client):
    testimony = make_testimony("CanaryDirect", publish=False)

    page = admin_client.get(f"/admin/pages/{testimony.pk}/edit/").content.decode()

    assert 'name="action-publish"' not in page
    assert "Submit to Testimony publishing" in page


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({}, {"access_level": "researchers"}, access.ConsentChange.NARROWS),
        ({"access_level": "staff"}, {"access_level": "public"}, access.ConsentChange.WIDENS),
        ({}, {"show_real_name": True}, access.ConsentChange.WIDENS),
        ({}, {"allow_press": False}, access.ConsentChange.NARROWS),
        ({}, {"embargo_until": "soon"}, access.ConsentChange.NARROWS),
        ({"embargo_until": "late"}, {"embargo_until": "soon"}, access.ConsentChange.WIDENS),
        ({"embargo_until": "soon"}, {"embargo_until": "late"}, access.ConsentChange.NARROWS),
        ({"embargo_until": "soon"}, {}, access.ConsentChange.WIDENS),
        ({"embargo_until": "past"}, {}, access.ConsentChange.SAME),
        # Narrowing one thing does not excuse widening another.
        ({}, {"access_level": "staff", "show_real_name": True}, access.ConsentChange.WIDENS),
        ({}, {"form_version": "2027-1"}, access.ConsentChange.SAME),
    ],
)
def test_the_direction_of_a_consent_change(before, after, expected):
    today = timezone.localdate()
    dates = {
        "soon": today + timedelta(days=10),
        "late": today + timedelta(days=100),
        "past": today - timedelta(days=1),
    }
    base = ConsentTerms(
        access_level="public",
        show_audio=True,
        show_transcript=True,
        allow_teaching=True,
        allow_press=True,
    )

    def terms(changes: dict) -> ConsentTerms:
        fixed = {k: dates.get(v, v) if k == "embargo_until" else v for k, v in changes.items()}
        return ConsentTerms(**{**base.__dict__, **fixed})

    assert access.consent_change(terms(before), terms(after), today=today) is expected


def test_role_of_knows_the_archivists_group(django_user_model, archivist, editor):
    assert access.role_of(archivist) is access.Role.ARCHIVIST
    assert access.role_of(editor) is access.Role.EDITOR
    assert access.may_widen_consent(archivist) and not access.may_widen_consent(editor)
