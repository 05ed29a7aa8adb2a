"""The admin's import: upload, report, confirm, progress on the Jobs page; who may."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from archive.audit import audit_event
from archive.models import AuditAction, ImportBatch, TestimonyPage
from tests.archive.import_helpers import archive_counts, row, tone, vtt, write_manifest

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(settings, tmp_path: Path) -> Path:
    media = tmp_path / "import-folder"
    media.mkdir()
    settings.TESTIMONIO_IMPORT_DIR = media
    tone(media / "one.ogg", frequency=320)
    vtt(media / "one.vtt", [(0.0, 1.5, "They took my papers.")])
    return media


def staff(django_user_model, name: str, group: str) -> Client:
    user = django_user_model.objects.create_user(name, f"{name}@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, manifest: Path):
    return client.post(
        "/admin/imports/",
        {"manifest": SimpleUploadedFile(manifest.name, manifest.read_bytes(), "text/csv")},
    )


def report_of(client: Client, manifest: Path, capture) -> str:
    """Upload, let the queue check the rows (eager in tests), and read the batch's page."""
    with capture(execute=True):
        uploaded = upload(client, manifest)
    assert uploaded.status_code == 302, uploaded.content.decode()[:500]
    return client.get(uploaded.url).content.decode()


def test_an_archivist_uploads_reads_the_report_and_confirms(
    folder: Path, django_user_model, django_capture_on_commit_callbacks
) -> None:
    client = staff(django_user_model, "ana", "Archivists")
    manifest = write_manifest(
        folder / "m.csv",
        [row("one.ogg", transcript="one.vtt"), row("missing.ogg", themes="no-such-theme")],
    )
    before = archive_counts()

    html = report_of(client, manifest, django_capture_on_commit_callbacks)

    assert "2 rows: 1 to import, 0 already in the archive (skipped), 1 with errors" in html
    assert "missing.ogg: no such file." in html and "unknown theme" in html
    assert "Import 1 testimony" in html
    assert archive_counts()["TestimonyPage"] == before["TestimonyPage"]  # not yet
    batch = ImportBatch.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/admin/imports/{batch.pk}/confirm/")

    assert confirmed.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.failed, batch.rows_done) == ("done", 1, 1, 2)
    page = TestimonyPage.objects.get()
    assert page.consent.current.created_by.username == "ana"
    detail = client.get(f"/admin/imports/{batch.pk}/").content.decode()
    assert "row 2/2; 1 imported, 0 skipped, 1 failed" in detail
    jobs = client.get("/admin/jobs/").content.decode()
    assert f'id="import-{batch.pk}"' in jobs and "row 2/2" in jobs
    editor = client.get(f"/admin/transcripts/{page.current_transcript.pk}/edit/").content.decode()
    assert "Transcript imported from one.vtt." in editor


def test_a_manifest_missing_a_column_is_refused_on_upload(folder: Path, django_user_model) -> None:
    client = staff(django_user_model, "ana", "Archivists")
    manifest = write_manifest(folder / "m.csv", [row("one.ogg")], header=["file", "title"])

    response = upload(client, manifest)

    assert response.status_code == 400
    assert "lacks the required column(s) storyteller, access_level" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_editors_and_other_users_may_not_import(
    folder: Path, django_user_model, make_account
) -> None:
    manifest = write_manifest(folder / "m.csv", [row("one.ogg")])
    editor = staff(django_user_model, "eddie", "Editors")
    reader = Client()
    reader.force_login(make_account("reader"))

    # Wagtail answers a PermissionDenied in the admin by sending the user to its dashboard.
    for response in (editor.get("/admin/imports/"), upload(editor, manifest)):
        assert (response.status_code, response.url) == (302, "/admin/")
    assert upload(reader, manifest).status_code in (302, 403)
    assert "/login/" in upload(Client(), manifest).url
    assert ImportBatch.objects.count() == 0
    assert TestimonyPage.objects.count() == 0


def test_csv_exports_of_the_audit_log_escape_formula_cells(make_testimony, admin_client) -> None:
    testimony = make_testimony("Formulary")
    audit_event(
        user=None, testimony=testimony, action=AuditAction.VIEW_PAGE, detail='=HYPERLINK("x")'
    )

    exported = admin_client.get("/admin/audit_log/", {"export": "csv"})

    body = b"".join(exported.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert ",=HYPERLINK" not in body and '"=HYPERLINK' not in body


def test_an_xlsx_manifest_is_uploaded_and_imported(
    folder: Path, django_user_model, django_capture_on_commit_callbacks
) -> None:
    from openpyxl import Workbook

    from tests.archive.import_helpers import HEADER

    workbook = Workbook()
    workbook.active.append(HEADER)
    values = row("one.ogg", transcript="one.vtt", title='=HYPERLINK("http://x","y")')
    workbook.active.append([values.get(column, "") for column in HEADER])
    workbook.save(folder / "m.xlsx")
    client = staff(django_user_model, "ana", "Archivists")

    report = report_of(client, folder / "m.xlsx", django_capture_on_commit_callbacks)
    assert "1 row: 1 to import" in report
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/imports/{ImportBatch.objects.get().pk}/confirm/")

    assert TestimonyPage.objects.get().title == '=HYPERLINK("http://x","y")'


def test_a_stalled_import_is_shown_and_runs_again_skipping_what_it_imported(
    folder: Path, django_user_model, django_capture_on_commit_callbacks
) -> None:
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    client = staff(django_user_model, "ana", "Archivists")
    tone(folder / "two.ogg", frequency=640)
    vtt(folder / "two.vtt", [(0.0, 1.0, "Second testimony.")])
    rows = [row("one.ogg", transcript="one.vtt"), row("two.ogg", transcript="two.vtt")]
    report_of(client, write_manifest(folder / "m.csv", rows), django_capture_on_commit_callbacks)
    batch = ImportBatch.objects.get()
    # Its worker imported the first row, then was lost on another machine.
    first = write_manifest(folder / "first.csv", rows[:1])
    call_command("import_collection", str(first), stdout=StringIO(), stderr=StringIO())
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="running", claimed_by="elsewhere:1", rows_done=1,
        heartbeat_at=timezone.now() - timedelta(hours=2),
    )  # fmt: skip

    jobs = client.get("/admin/jobs/").content.decode()
    assert "<strong>stalled</strong>" in jobs and "Run again" in jobs
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/imports/{batch.pk}/confirm/")

    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.skipped) == ("done", 1, 1)
    assert TestimonyPage.objects.count() == 2


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell: str) -> None:
    from archive.interchange.spreadsheets import spreadsheet_safe

    assert spreadsheet_safe(cell) == "'" + cell
    assert spreadsheet_safe("Ana said = yes") == "Ana said = yes"
    assert spreadsheet_safe(-1) == -1  # numbers stay numbers


def test_a_semicolon_separated_manifest_is_read(
    folder: Path, django_user_model, django_capture_on_commit_callbacks
) -> None:
    write_manifest(folder / "m.csv", [row("one.ogg", transcript="one.vtt")], delimiter=";")
    client = staff(django_user_model, "ana", "Archivists")

    report = report_of(client, folder / "m.csv", django_capture_on_commit_callbacks)

    assert "1 row: 1 to import" in report


def test_a_finished_import_forgets_its_manifest_and_a_purge_scrubs_its_rows(
    folder: Path, django_user_model, django_capture_on_commit_callbacks
) -> None:
    from archive.consent.withdrawal import testimony_withdraw

    client = staff(django_user_model, "ana", "Archivists")
    manifest = write_manifest(folder / "m.csv", [row("one.ogg", transcript="one.vtt")])
    report_of(client, manifest, django_capture_on_commit_callbacks)
    batch = ImportBatch.objects.get()
    stored = Path(batch.manifest.path)
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/imports/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert not batch.manifest and not stored.exists()
    testimony = TestimonyPage.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        testimony_withdraw(testimony=testimony, reason="Asked in person.", purge=True)

    batch.refresh_from_db()
    assert batch.results == [
        {"row": 2, "outcome": "imported", "testimony": testimony.pk, "message": "purged"}
    ]


def test_while_its_rows_are_checked_the_batch_says_so_and_cannot_be_confirmed(
    folder: Path, django_user_model
) -> None:
    client = staff(django_user_model, "ana", "Archivists")
    uploaded = upload(client, write_manifest(folder / "m.csv", [row("one.ogg")]))
    batch = ImportBatch.objects.get()
    assert batch.status == "validating"  # the queue has not run: no commit in this test

    page = client.get(uploaded.url).content.decode()
    assert "Checking the manifest: row 0/1" in page
    assert f"/admin/imports/{batch.pk}/confirm/" not in page
    client.post(f"/admin/imports/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == "validating"
    assert TestimonyPage.objects.count() == 0
