"""import_collection: dry run, real run, re-run, per-row failures, transcripts, access."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from archive.models import ImportBatch, MediaAsset, TestimonyPage, ThemeStatus
from tests.archive.import_helpers import (
    HEADER,
    archive_counts,
    row,
    stored_files,
    tone,
    vtt,
    write_manifest,
)

pytestmark = pytest.mark.django_db


def run(manifest: Path, *extra: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_collection", str(manifest), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(manifest: Path, *extra: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_collection", str(manifest), *extra, stdout=out, stderr=err)
    return out.getvalue(), str(failure.value)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    tone(folder / "one.ogg", frequency=300)
    tone(folder / "two.ogg", frequency=500)
    vtt(folder / "one.vtt", [(0.0, 1.0, "I lost my green card."), (1.0, 2.0, "My family waited.")])
    vtt(folder / "two.vtt", [(0.0, 1.5, "The prosecutor called me.")])
    return folder


def test_dry_run_prints_every_problem_by_row_and_column_and_writes_nothing(
    media: Path, private_root: Path
) -> None:
    (media / "fake.mp3").write_bytes(b"this is not sound at all" * 50)
    (media / "empty.ogg").write_bytes(b"")
    manifest = write_manifest(
        media / "manifest.csv",
        [
            row("one.ogg", transcript="one.vtt"),
            row("two.ogg", access_level=""),  # missing consent
            row("one.ogg"),  # the same file again
            row("fake.mp3"),
            row("empty.ogg"),
            row("missing.ogg"),
            row("two.ogg", themes="nonsense-theme", recorded_on="2023-02-30"),
            row("two.ogg", recorded_on="2999-01-01"),
            row("../outside.ogg"),
            row("/etc/passwd"),
        ],
    )
    before_rows, before_files = archive_counts(), stored_files(private_root)

    out, failure = run_failing(manifest, "--dry-run")

    assert "row 3, access_level: error: missing consent" in out
    assert "row 4, file: error: duplicate row: row 2 names the same file." in out
    assert "row 5, file: error:" in out and "fake.mp3" in out
    assert "row 6, file: error: empty.ogg: the file is empty." in out
    assert "row 7, file: error: missing.ogg: no such file." in out
    assert "row 8, themes: error: unknown theme 'nonsense-theme'" in out
    assert "row 8, recorded_on: error: 2023-02-30 is not a date that exists" in out
    assert "row 9, recorded_on: error: 2999-01-01 is in the future" in out
    assert "row 10, file: error: '../outside.ogg' climbs out of the media folder" in out
    assert "row 11, file: error: '/etc/passwd' is an absolute path" in out
    assert "1 would be imported" in out and "Nothing was written." in out
    assert "have errors" in failure
    assert archive_counts() == before_rows
    assert stored_files(private_root) == before_files


def test_dry_run_names_media_already_in_the_archive_by_checksum(media: Path) -> None:
    manifest = write_manifest(media / "m.csv", [row("one.ogg", transcript="one.vtt")])
    run(manifest)
    (media / "copy.ogg").write_bytes((media / "one.ogg").read_bytes())
    again = write_manifest(media / "again.csv", [row("copy.ogg")])

    out, _ = run(again, "--dry-run")

    testimony = MediaAsset.objects.get().testimony_id
    assert "row 2, file: warning: the same recording" in out
    assert f"already in the archive as testimony {testimony}" in out
    assert "0 would be imported, 1 already in the archive" in out


def test_a_real_run_imports_with_the_given_transcript_and_no_whisper(
    media: Path, private_root: Path, search
) -> None:
    manifest = write_manifest(
        media / "m.csv",
        [
            row("one.ogg", transcript="one.vtt", publish="yes", themes="Familia; green card"),
            row("two.ogg", transcript="two.vtt", title='=HYPERLINK("http://x","y")'),
        ],
    )
    out, err = run(manifest)

    assert "2 imported, 0 skipped" in out
    assert "row 1/2" in err and "row 2/2" in err
    first = TestimonyPage.objects.get(title="Testimony of one.ogg")
    transcript = first.current_transcript
    assert transcript.engine == "imported" and transcript.model == ""
    assert transcript.provenance == "Transcript imported from one.vtt"
    assert [s.text for s in transcript.segments.order_by("index")] == [
        "I lost my green card.",
        "My family waited.",
    ]
    # Themes from the manifest are accepted; the segments are tagged as the pipeline tags them.
    accepted = set(first.theme_links.filter(status=ThemeStatus.ACCEPTED).values_list(
        "theme__slug", flat=True))  # fmt: skip
    assert {"family"} <= accepted and len(accepted) == 2
    assert transcript.segments.get(index=0).themes.exists()
    assert first.primary_media.web  # the web copy was made
    assert first.live
    # Indexed as machine transcripts are: an anonymous search finds the published moment.
    found = search("green card")
    assert {hit["testimony_id"] for hit in found["hits"]} == {first.pk}
    assert found["hits"][0]["start"] == 0.0
    # The formula is a title like any other: plain text, shown escaped, never a link.
    formula = TestimonyPage.objects.get(title='=HYPERLINK("http://x","y")')
    assert not formula.live
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.imported, batch.rows_done, batch.total_rows) == ("done", 2, 2, 2)


def test_the_public_page_says_the_transcript_was_imported(media: Path) -> None:
    manifest = write_manifest(
        media / "m.csv", [row("one.ogg", transcript="one.vtt", publish="yes")]
    )
    run(manifest)
    page = TestimonyPage.objects.get()

    html = Client().get(page.url).content.decode()

    assert "Transcript imported from one.vtt." in html
    assert "may contain errors" not in html


def test_a_rerun_skips_what_was_imported_and_finishes_the_rest(media: Path) -> None:
    manifest = write_manifest(
        media / "m.csv",
        [row("one.ogg", transcript="one.vtt"), row("two.ogg", transcript="missing.vtt")],
    )
    out, failure = run_failing(manifest)
    assert "1 imported, 0 skipped (already in the archive), 1 failed" in out
    assert "missing.vtt: no such file" in out
    vtt(media / "missing.vtt", [(0.0, 1.0, "Now it is here.")])

    out, _ = run(manifest)

    assert "1 imported, 1 skipped" in out
    assert TestimonyPage.objects.count() == 2
    assert MediaAsset.objects.count() == 2


def test_a_row_that_fails_while_importing_leaves_nothing_and_the_next_goes_on(
    media: Path, private_root: Path, monkeypatch
) -> None:
    from archive.imports import runner

    (media / "form.pdf").write_bytes(b"%PDF-1.4 signed form")
    manifest = write_manifest(
        media / "m.csv",
        [
            row("one.ogg", transcript="one.vtt", consent_form_file="form.pdf"),
            row("two.ogg", transcript="two.vtt"),
        ],
        header=[*HEADER, "consent_form_file"],
    )
    real = runner.transcript_import
    calls = []

    def failing_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OSError("disk went away while storing segments")
        return real(**kwargs)

    monkeypatch.setattr(runner, "transcript_import", failing_once)
    before = archive_counts()

    out, _ = run_failing(manifest)

    assert "1 imported, 0 skipped (already in the archive), 1 failed" in out
    after = archive_counts()
    assert after["TestimonyPage"] == before["TestimonyPage"] + 1
    assert after["Storyteller"] == before["Storyteller"] + 1
    assert after["ConsentRecord"] == before["ConsentRecord"] + 1
    # Only the second row's original and web copy are on disk: no form, no first original.
    files = stored_files(private_root)
    assert not [f for f in files if f.startswith("consent/")]
    assert len([f for f in files if f.startswith("originals/")]) == 1
    assert len([f for f in files if f.startswith("derivatives/")]) == 1


def test_consent_decides_a_researchers_row_is_never_public_and_sealed_is_never_published(
    media: Path,
) -> None:
    manifest = write_manifest(
        media / "m.csv",
        [
            row("one.ogg", transcript="one.vtt", access_level="researchers", publish="yes"),
            row("two.ogg", transcript="two.vtt", access_level="sealed", publish="yes"),
        ],
    )
    out, _ = run_failing(manifest)
    assert "row 3, publish: error: not allowed: it is sealed, and sealed testimony is never" in out

    restricted = TestimonyPage.objects.get()
    assert restricted.live  # published for approved researchers only
    assert Client().get(restricted.url).status_code == 404
    assert TestimonyPage.objects.filter(title="Testimony of two.ogg").count() == 0


def test_a_sealed_row_without_publish_stays_a_draft(media: Path) -> None:
    manifest = write_manifest(media / "m.csv", [row("one.ogg", access_level="sealed")])
    run(manifest)
    page = TestimonyPage.objects.get()
    assert not page.live
    assert page.consent.current.access_level == "sealed"
    assert page.consent.current.show_audio  # as the row said; sealed shows nothing anyway


def test_an_embargoed_row_is_imported_but_not_published(media: Path) -> None:
    manifest = write_manifest(
        media / "m.csv",
        [row("one.ogg", transcript="one.vtt", publish="yes", embargo_until="2099-01-01")],
        header=[*HEADER, "embargo_until"],
    )
    out, _ = run(manifest)
    assert "embargoed until 2099-01-01" in out
    assert not TestimonyPage.objects.get().live


def test_a_run_stopped_half_way_is_finished_by_running_it_again(media: Path, monkeypatch) -> None:
    from archive.imports import runner

    manifest = write_manifest(
        media / "m.csv",
        [row("one.ogg", transcript="one.vtt"), row("two.ogg", transcript="two.vtt")],
    )
    real = runner.row_import

    def stopped_at_the_second(row, **kwargs):
        if row.number == 3:
            raise KeyboardInterrupt("SIGTERM")
        return real(row, **kwargs)

    monkeypatch.setattr(runner, "row_import", stopped_at_the_second)
    _, failure = run_failing(manifest)
    assert "Import stopped (SIGTERM): run the same command again" in failure
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.imported, batch.rows_done) == ("failed", 1, 1)
    assert "stopped: SIGTERM" in batch.error
    assert TestimonyPage.objects.count() == 1
    monkeypatch.setattr(runner, "row_import", real)

    out, _ = run(manifest)

    assert "1 imported, 1 skipped" in out
    assert TestimonyPage.objects.count() == 2


def test_a_stop_in_the_middle_of_a_row_leaves_nothing_of_it(
    media: Path, private_root: Path, monkeypatch
) -> None:
    from archive.imports import runner

    def stopped(**kwargs):
        raise KeyboardInterrupt("SIGTERM")

    monkeypatch.setattr(runner, "transcript_import", stopped)
    manifest = write_manifest(media / "m.csv", [row("one.ogg", transcript="one.vtt")])
    before = archive_counts()

    _, failure = run_failing(manifest)

    assert "Import stopped (SIGTERM)" in failure
    after = archive_counts()
    assert after["TestimonyPage"] == before["TestimonyPage"]
    assert after["MediaAsset"] == before["MediaAsset"]
    assert not [f for f in stored_files(private_root) if f.startswith(("originals/", "consent/"))]
    assert ImportBatch.objects.get().status == "failed"


def test_media_dir_and_by_name_the_folder_and_who_recorded_the_consent(
    media: Path, tmp_path: Path, django_user_model
) -> None:
    django_user_model.objects.create_user("ana", "ana@example.org", "pw")
    elsewhere = tmp_path / "manifests"
    elsewhere.mkdir()
    manifest = write_manifest(elsewhere / "m.csv", [row("one.ogg", transcript="one.vtt")])

    run(manifest, "--media-dir", str(media), "--by", "ana")

    assert TestimonyPage.objects.get().consent.current.created_by.username == "ana"
    assert "no such folder" in run_failing(manifest, "--media-dir", str(tmp_path / "no"))[1]
    assert "no such active user" in run_failing(manifest, "--by", "nobody")[1]
