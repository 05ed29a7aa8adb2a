"""Withdrawal, purge, embargo and publishing rules, as storytellers and editors meet them."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from archive.consent.embargo import embargoes_lift
from archive.consent.services import (
    OPEN_TERMS,
    ConsentTerms,
    consent_amend,
    consent_record_create,
    consent_withdraw,
)
from archive.consent.withdrawal import testimony_purge, testimony_withdraw
from archive.errors import ConsentError
from archive.models import ConsentVersion, Storyteller, TestimonyPage
from archive.testimonies.publishing import testimony_publish
from archive.testimonies.signing import media_url

pytestmark = pytest.mark.django_db


def search_total(client: Client, word: str) -> int:
    """How many moments the search page reports for `word` (0 when none)."""
    html = client.get("/search/", {"q": word}).content.decode()
    if 'id="result-count"' not in html:
        return 0
    return int(html.split('id="result-count">')[1].split()[0])


def test_withdrawal_takes_the_testimony_off_every_surface_in_the_same_request(make_testimony):
    testimony = make_testimony("Zebrafinch")
    signed = media_url(testimony.primary_media, None)
    client = Client()
    assert client.get(testimony.site_path).status_code == 200
    assert client.get(signed).status_code == 200
    assert search_total(client, "zebrafinch") >= 1

    testimony_withdraw(testimony=testimony, reason="Asked at the community meeting.")

    assert client.get(testimony.site_path).status_code == 404
    assert client.get(signed).status_code == 404  # an unexpired link stops too
    assert search_total(client, "zebrafinch") == 0
    assert "Zebrafinch" not in client.get("/").content.decode()
    testimony.refresh_from_db()
    assert not testimony.live
    versions = list(testimony.consent.versions.order_by("version"))
    assert [v.withdrawn for v in versions] == [False, True]
    assert versions[-1].withdrawal_reason == "Asked at the community meeting."


def test_withdrawing_twice_is_refused_and_changes_nothing(make_testimony):
    testimony = make_testimony("Nightheron")
    consent_withdraw(record=testimony.consent, reason="First request.")

    with pytest.raises(ConsentError, match="already withdrawn"):
        consent_withdraw(record=testimony.consent, reason="Second request.")
    assert testimony.consent.versions.count() == 2


def test_purge_leaves_only_a_tombstone_with_the_consent_history(
    make_testimony, private_root, django_capture_on_commit_callbacks
):
    testimony = make_testimony("Quetzalcanary")
    media = testimony.primary_media
    stored = [Path(media.original.path), Path(media.web.path)]
    assert all(path.exists() for path in stored)

    with django_capture_on_commit_callbacks(execute=True):
        testimony_withdraw(testimony=testimony, reason="Purge requested.", purge=True)

    assert not any(path.exists() for path in stored)
    tombstone = TestimonyPage.objects.get(pk=testimony.pk)
    assert tombstone.purged_at is not None
    assert tombstone.title == f"Withdrawn testimony {testimony.pk}"
    assert tombstone.consent.versions.count() == 2
    # Nothing of it remains in any table of the database...
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from introspection)
            for row in cursor.fetchall():
                assert "quetzalcanary" not in repr(row).lower(), f"left in {table}: {row!r}"
    # ...nor in the search index file, even in freed pages.
    index_file = private_root.parent / "search.sqlite3"
    if index_file.exists():
        sqlite3.connect(index_file).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        for path in index_file.parent.glob("search.sqlite3*"):
            assert b"quetzalcanary" not in path.read_bytes().lower(), path
    assert Client().get(tombstone.site_path).status_code == 404


def test_purge_is_refused_before_withdrawal(make_testimony):
    testimony = make_testimony("Kittiwake")
    with pytest.raises(ConsentError, match="withdraw its consent first"):
        testimony_purge(testimony=testimony)
    assert TestimonyPage.objects.get(pk=testimony.pk).live


def test_embargoed_testimony_is_hidden_until_its_date_then_lifts_without_anyone_acting(
    make_testimony,
):
    testimony = make_testimony("Shoebill")
    lift_on = timezone.localdate() + timedelta(days=10)
    consent_amend(record=testimony.consent, embargo_until=lift_on, note="Until the hearing.")
    client = Client()
    assert client.get(testimony.site_path).status_code == 404
    assert search_total(client, "shoebill") == 0
    assert embargoes_lift(today=lift_on - timedelta(days=1)) == []

    # The date passes: the hourly task finds it and search follows.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "localdate", lambda *a, **k: lift_on)
        assert embargoes_lift() == [testimony.consent_id]
        assert client.get(testimony.site_path).status_code == 200
        assert search_total(client, "shoebill") >= 1
        assert embargoes_lift() == []  # announced once


def test_testimony_cannot_be_published_while_consent_is_withdrawn_or_embargoed(make_testimony):
    embargoed = make_testimony(
        "Hoopoe", publish=False, embargo_until=timezone.localdate() + timedelta(days=5)
    )
    withdrawn = make_testimony("Bittern", publish=False)
    consent_withdraw(record=withdrawn.consent)

    with pytest.raises(ConsentError, match="embargoed until"):
        testimony_publish(testimony=embargoed)
    with pytest.raises(ConsentError, match="consent was withdrawn"):
        testimony_publish(testimony=withdrawn)
    # Not even Wagtail's own publishing path gets past it.
    with pytest.raises(ConsentError):
        withdrawn.save_revision().publish()
    assert not TestimonyPage.objects.filter(live=True, pk__in=[embargoed.pk, withdrawn.pk]).exists()


def test_admin_publish_of_withdrawn_testimony_leaves_it_dark(make_testimony, admin_client):
    testimony = make_testimony("Avocet", publish=False)
    consent_withdraw(record=testimony.consent)
    # Withdrawn content opens to an administrator only with a stated reason.
    admin_client.post(
        f"/admin/testimony/{testimony.pk}/reason/",
        {"reason": "Checking the withdrawal request by phone.", "next": "/admin/"},
    )

    response = admin_client.post(
        f"/admin/pages/{testimony.pk}/edit/",
        {
            "title": testimony.title,
            "slug": testimony.slug,
            "storyteller": testimony.storyteller_id,
            "action-publish": "publish",
            **{
                f"{prefix}-{key}": value
                for prefix in ("theme_links", "comments")
                for key, value in (
                    ("TOTAL_FORMS", "0"),
                    ("INITIAL_FORMS", "0"),
                    ("MIN_NUM_FORMS", "0"),
                    ("MAX_NUM_FORMS", "1000"),
                )
            },
        },
        follow=True,
    )

    assert response.status_code == 200
    assert not TestimonyPage.objects.get(pk=testimony.pk).live


def test_old_revision_cannot_bring_back_withdrawn_permissions(make_testimony):
    testimony = make_testimony("Pipit")
    old_revision = testimony.latest_revision
    consent_withdraw(record=testimony.consent)

    # The revision points at the consent record, whose latest version decides.
    with pytest.raises(ConsentError):
        TestimonyPage.objects.filter(pk=testimony.pk).update(live=False)
        old_revision.publish()


def test_consent_with_missing_fields_or_impossible_dates_is_refused():
    storyteller = Storyteller.objects.create(public_name="S")
    with pytest.raises(ConsentError, match="witness"):
        consent_record_create(
            storyteller=storyteller,
            terms=ConsentTerms(access_level="public", method="verbal_recorded"),
        )
    with pytest.raises(ConsentError, match="hundred years"):
        consent_record_create(
            storyteller=storyteller,
            terms=ConsentTerms(
                access_level="public",
                form_version="2026-1",
                embargo_until=timezone.localdate().replace(year=2999),
            ),
        )
    with pytest.raises(ConsentError, match="access_level"):
        consent_record_create(
            storyteller=storyteller, terms=ConsentTerms(access_level="everyone", form_version="1")
        )
    assert ConsentVersion.objects.count() == 0


def test_consent_versions_are_never_overwritten(make_testimony):
    testimony = make_testimony("Dunlin")
    version = testimony.consent.current
    version.access_level = "sealed"
    with pytest.raises(Exception, match="never overwritten"):
        version.save()
    amended = consent_amend(record=testimony.consent, access_level="researchers", note="Changed.")
    assert amended.version == 2
    assert testimony.consent.versions.get(version=1).access_level == OPEN_TERMS.access_level


def test_admin_withdraw_action_requires_confirmation_and_then_withdraws(
    make_testimony, admin_client
):
    testimony = make_testimony("Garganey")
    url = f"/admin/testimony/{testimony.pk}/withdraw/"

    unconfirmed = admin_client.post(url, {"reason": "Phone call."})
    assert unconfirmed.status_code == 200
    assert not testimony.consent.withdrawn

    admin_client.post(url, {"reason": "Phone call.", "confirm": "on"})
    assert testimony.consent.withdrawn
    again = admin_client.post(url, {"reason": "Again.", "confirm": "on"}, follow=True)
    assert "already withdrawn" in again.content.decode()
    assert Client().get(f"{url}").status_code in (302, 403)


def test_editor_changes_consent_as_a_new_version_with_its_signed_form(make_testimony, admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    testimony = make_testimony("Grebe")
    url = f"/admin/testimony/{testimony.pk}/consent/"
    fields = {
        "access_level": "researchers",
        "show_audio": "on",
        "show_transcript": "on",
        "form_version": "2026-2",
        "form_language": "es",
        "method": "signed_form",
        "change_note": "Asked to limit to researchers at the follow-up interview.",
    }

    bad = admin_client.post(url, {**fields, "embargo_until": "2999-01-01"})
    assert bad.status_code == 400
    assert "hundred years" in bad.content.decode()
    assert testimony.consent.versions.count() == 1

    form = SimpleUploadedFile("form.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    admin_client.post(url, {**fields, "signed_form": form})

    current = testimony.consent.current
    assert (current.version, current.access_level) == (2, "researchers")
    assert current.signed_form.read() == b"%PDF-1.4 signed"
    assert testimony.consent.versions.get(version=1).access_level == "public"
    assert Client().get(testimony.site_path).status_code == 404  # no longer public


def test_purges_lists_what_an_operator_replays_against_backups(make_testimony):
    import json
    from io import StringIO

    from django.core.management import call_command

    kept = make_testimony("Shelduck")
    gone = make_testimony("Smew")
    testimony_withdraw(testimony=gone, reason="Asked.", purge=True)
    out = StringIO()

    call_command("purges", "--json", stdout=out)

    rows = json.loads(out.getvalue())
    assert [row["id"] for row in rows] == [gone.pk]
    assert kept.pk not in {row["id"] for row in rows}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_purge_compact_rewrites_the_purged_tables_on_postgresql():
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's compaction runs on a file database in test_purge_leaves_no_bytes")
    out = StringIO()
    call_command("purge_compact", "--full", stdout=out)

    assert out.getvalue().startswith(f"{connection.vendor}")
    assert "rewritten" in out.getvalue()
