"""Every bad input gets a clear message and leaves no row and no file behind."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from archive.consent.services import OPEN_TERMS
from archive.models import ConsentRecord, MediaAsset, Storyteller, TestimonyPage, Transcript
from archive.testimonies.ingest import TestimonyDetails, safe_display_name, testimony_ingest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def ingest_command(path: Path, **options: str) -> None:
    args = [str(path), "--title", "T", "--storyteller", "S", "--access", "public"]
    for key, value in options.items():
        args += [f"--{key}", value]
    call_command("ingest", *args, stdout=StringIO(), stderr=StringIO())


def assert_nothing_stored(private_root: Path) -> None:
    assert TestimonyPage.objects.count() == 0
    assert MediaAsset.objects.count() == 0
    assert Transcript.objects.count() == 0
    assert ConsentRecord.objects.count() == 0
    assert Storyteller.objects.count() == 0
    stored = [p for p in private_root.rglob("*") if p.is_file()] if private_root.exists() else []
    assert stored == []


def make_mp4(dest: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
         "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=3",
         "-c:v", "libx264", "-c:a", "aac", "-shortest", str(dest)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return dest


def test_ingest_rejects_an_empty_file(tmp_path, private_root):
    empty = tmp_path / "empty.ogg"
    empty.touch()

    with pytest.raises(CommandError, match="empty.ogg: the file is empty"):
        ingest_command(empty)
    assert_nothing_stored(private_root)


def test_ingest_rejects_text_file_named_mp3(tmp_path, private_root):
    fake = tmp_path / "interview.mp3"
    fake.write_text("These are my notes, not a recording.\n" * 20)

    with pytest.raises(CommandError, match="interview.mp3 is not a playable audio or video file"):
        ingest_command(fake)
    assert_nothing_stored(private_root)


def test_ingest_rejects_a_truncated_mp4(tmp_path, private_root):
    whole = make_mp4(tmp_path / "whole.mp4")
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size * 3 // 10])

    with pytest.raises(CommandError, match="truncated.mp4"):
        ingest_command(truncated)
    assert_nothing_stored(private_root)


def test_ingest_rejects_a_file_over_the_size_limit(tmp_path, private_root, settings):
    settings.TESTIMONIO_MAX_UPLOAD_BYTES = 10_000
    big = make_mp4(tmp_path / "big.mp4")
    assert big.stat().st_size > 10_000

    with pytest.raises(CommandError, match=r"big.mp4: the file is .* MB; the limit is 0.0 MB"):
        ingest_command(big)
    assert_nothing_stored(private_root)


def test_ingest_rejects_a_missing_file_and_bad_details(tmp_path, private_root):
    with pytest.raises(CommandError, match="no-such.ogg: no such file"):
        ingest_command(tmp_path / "no-such.ogg")
    clip = make_mp4(tmp_path / "clip.mp4")
    with pytest.raises(CommandError, match="two-letter ISO 639-1"):
        ingest_command(clip, language="spanish")
    assert_nothing_stored(private_root)


def test_odd_filename_is_stored_under_a_safe_generated_name(tmp_path, private_root):
    folder = tmp_path / "sub"
    folder.mkdir()
    odd = tmp_path / "ñandú — testimonio (1) ü.mp4"
    make_mp4(odd)
    details = TestimonyDetails(title="Odd name", storyteller_name="S")

    transcript = testimony_ingest(
        source=folder / ".." / odd.name,
        filename="../../../etc/ñandú — testimonio (1) ü.mp4",
        details=details,
        consent=OPEN_TERMS,
    )

    media = transcript.media
    assert media.original_filename == "ñandú — testimonio (1) ü.mp4"
    stored = Path(media.original.path).resolve()
    assert stored.is_relative_to(private_root.resolve())
    assert stored.name == "original.mp4"
    assert stored.read_bytes() == odd.read_bytes()


def test_display_names_lose_directories_and_control_characters():
    assert safe_display_name("../../etc/passwd.mp3") == "passwd.mp3"
    assert safe_display_name("..\\..\\boot.ini") == "boot.ini"
    assert safe_display_name("a\x00b\nc.ogg") == "abc.ogg"
    assert safe_display_name("..") == "recording"


def test_search_command_rejects_a_query_of_ten_thousand_characters():
    with pytest.raises(CommandError, match="the limit is 500"):
        call_command("search", "testimony " * 1000, stdout=StringIO())


def test_search_command_rejects_a_query_made_only_of_fts5_operators():
    with pytest.raises(CommandError, match="Nothing to search for"):
        call_command("search", 'AND OR NOT NEAR ( ) * ^ "" : -', stdout=StringIO())


def test_search_page_answers_hostile_queries_with_a_message_not_an_error():
    client = Client()
    long = client.get("/search/", {"q": "x" * 10_000})
    operators = client.get("/search/", {"q": "NEAR( * ^ )"})
    quotes = client.get("/search/", {"q": '"unbalanced'})

    assert long.status_code == 400
    assert "the limit is 500" in long.content.decode()
    assert operators.status_code == 400
    assert "Nothing to search for" in operators.content.decode()
    assert quotes.status_code == 200


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "AND OR *"], "Nothing to search for"),
        (["search", "word " * 2000], "the limit is 500"),
        (["ingest", "/nonexistent/x.mp3", "--title", "T", "--storyteller", "S",
          "--access", "public"], "no such file"),
    ],
)  # fmt: skip
def test_commands_exit_1_with_a_message_and_no_traceback(argv, message):
    env = {**os.environ, "TESTIMONIO_VAR_DIR": str(ROOT / "var" / "test")}
    done = subprocess.run(
        [sys.executable, "manage.py", *argv], cwd=ROOT, capture_output=True, text=True, env=env
    )

    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
