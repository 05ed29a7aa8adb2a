"""Shared by the import tests: write manifests, count what the archive holds."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

HEADER = [
    "file",
    "title",
    "storyteller",
    "recorded_on",
    "place",
    "languages",
    "summary",
    "themes",
    "access_level",
    "show_audio",
    "show_transcript",
    "consent_form_version",
    "transcript",
    "publish",
]


def write_manifest(
    path: Path, rows: list[dict[str, str]], *, header: list[str] | None = None, **options
) -> Path:
    header = header or HEADER
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", **options)
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in header})
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


def row(file: str, **values: str) -> dict[str, str]:
    base = {
        "file": file,
        "title": f"Testimony of {file}",
        "storyteller": "Ana P.",
        "recorded_on": "2024-05-01",
        "place": "Tucson",
        "languages": "en",
        "summary": "A summary.",
        "themes": "family",
        "access_level": "public",
        "show_audio": "yes",
        "show_transcript": "yes",
        "consent_form_version": "2026-1",
    }
    base.update(values)
    return base


def tone(path: Path, seconds: float = 2.0, frequency: int = 440) -> Path:
    """A distinct short recording (each frequency gives its own SHA-256)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"sine=frequency={frequency}:duration={seconds}", "-c:a", "libopus", "-b:a", "24k",
         str(path)],
        check=True,
    )  # fmt: skip
    return path


def vtt(path: Path, lines: list[tuple[float, float, str]]) -> Path:
    def stamp(seconds: float) -> str:
        whole = int(seconds)
        return f"00:{whole // 60:02d}:{whole % 60:02d}.{int(round((seconds - whole) * 1000)):03d}"

    body = "WEBVTT\n\n" + "\n".join(
        f"{stamp(start)} --> {stamp(end)}\n{text}\n" for start, end, text in lines
    )
    path.write_text(body, encoding="utf-8")
    return path


def archive_counts() -> dict[str, int]:
    from archive.models import (
        ConsentRecord,
        ConsentVersion,
        ImportBatch,
        MediaAsset,
        Segment,
        Storyteller,
        TestimonyPage,
        TestimonyTheme,
        Transcript,
    )

    return {
        model.__name__: model.objects.count()
        for model in (
            TestimonyPage,
            Storyteller,
            ConsentRecord,
            ConsentVersion,
            MediaAsset,
            Transcript,
            Segment,
            TestimonyTheme,
            ImportBatch,
        )
    }


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
