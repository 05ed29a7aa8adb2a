"""also_transcribe: the machine transcript is made beside the imported one, which stays shown."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from archive.models import TestimonyPage, TranscriptStatus
from tests.archive.import_helpers import HEADER, row, vtt, write_manifest

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_also_transcribe_runs_whisper_beside_the_imported_transcript(
    record, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    recording = record(["My family crossed the river at night."], name="river.ogg")
    vtt(tmp_path / "river.vtt", [(0.0, 3.0, "My family crossed the river at night.")])
    manifest = write_manifest(
        tmp_path / "m.csv",
        [row("river.ogg", transcript="river.vtt", also_transcribe="yes")],
        header=[*HEADER, "also_transcribe"],
    )
    assert recording.path.parent == tmp_path

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_collection", str(manifest), stdout=StringIO(), stderr=StringIO())

    page = TestimonyPage.objects.get()
    transcripts = {t.engine == "imported": t for t in page.primary_media.transcripts.all()}
    machine, imported = transcripts[False], transcripts[True]
    assert machine.status == TranscriptStatus.DONE
    assert "river" in " ".join(s.text.lower() for s in machine.segments.all())
    assert machine.provenance == "Machine transcript, may contain errors"
    assert page.current_transcript == imported
