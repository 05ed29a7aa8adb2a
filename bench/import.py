"""Bulk import benchmark: rows a second, and peak memory, for import_collection.

    python bench/import.py [--rows 200] [--validate-rows 1000]

Builds a throwaway archive in a temporary folder (its own SQLite database,
migrated, private media), generates --rows short distinct recordings (two
seconds of tone each, Opus) with a WebVTT transcript each, and imports their
manifest as `import_collection` does: validation (ffprobe, SHA-256, transcript
parse) then one transaction per row (original, web copy, consent, themes,
imported transcript with theme tagging and personal-information flags).
Whisper is not run. Then a --validate-rows manifest naming files that do not
exist is validated only (the dry run), and its time printed. Peak memory is
the process's maximum resident size (spaCy's pipeline for the personal-
information check is most of it); --tracemalloc adds Python's traced peak.
Figures go to stdout; nothing here is a test assertion.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _django import setup as _setup  # noqa: E402

HEADER = ["file", "title", "storyteller", "recorded_on", "languages", "themes", "access_level",
          "show_audio", "show_transcript", "consent_form_version", "transcript"]  # fmt: skip


def _media(folder: Path, rows: int) -> float:
    started = time.perf_counter()
    for n in range(rows):
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
             f"sine=frequency={200 + n}:duration=2", "-c:a", "libopus", "-b:a", "24k",
             str(folder / f"r{n:04d}.ogg")],
            check=True,
        )  # fmt: skip
        (folder / f"r{n:04d}.vtt").write_text(
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nMy family waited for the green card.\n\n"
            f"00:00:01.000 --> 00:00:02.000\nRecording number {n}.\n"
        )
    return time.perf_counter() - started


def _manifest(path: Path, rows: int, *, prefix: str = "r") -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow([f"{prefix}{n:04d}.ogg", f"Bench testimony {n}", f"Teller {n}",
                             "2024-01-02", "en", "family", "public", "yes", "yes", "2026-1",
                             f"{prefix}{n:04d}.vtt"])  # fmt: skip
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--validate-rows", type=int, default=1000)
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="Also trace Python allocations (peak figure; slows the import itself down).",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="testimonio-bench-import-") as tmp:
        work = Path(tmp)
        _setup(work / "var")
        from archive.imports.batches import batch_create, batch_run
        from archive.imports.manifest import manifest_read
        from archive.imports.validation import manifest_validate

        folder = work / "media"
        folder.mkdir()
        made = _media(folder, args.rows)
        print(f"generated {args.rows} recordings with transcripts in {made:.1f} s")

        if args.tracemalloc:
            tracemalloc.start()
        started = time.perf_counter()
        manifest = manifest_read(_manifest(folder / "manifest.csv", args.rows))
        report = manifest_validate(manifest, media_dir=folder)
        validated = time.perf_counter() - started
        batch = batch_create(report=report, media_dir=folder)
        results = batch_run(batch=batch, report=report)
        elapsed = time.perf_counter() - started
        imported = sum(1 for r in results if r.outcome == "imported")
        traced = ""
        if args.tracemalloc:
            traced = (
                f", peak traced Python memory {tracemalloc.get_traced_memory()[1] / 1024**2:.1f} MB"
            )
            tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"import: {imported}/{args.rows} rows in {elapsed:.1f} s "
            f"({imported / elapsed:.2f} rows/s; validation {validated:.1f} s of it), "
            f"peak resident memory so far {rss:.0f} MB{traced}"
        )

        started = time.perf_counter()
        rerun = manifest_validate(manifest, media_dir=folder)
        again = batch_run(batch=batch_create(report=rerun, media_dir=folder), report=rerun)
        skipped = sum(1 for r in again if r.outcome == "skipped")
        print(
            f"re-run: {skipped}/{len(again)} rows skipped by SHA-256 in "
            f"{time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        big = manifest_read(_manifest(work / "big.csv", args.validate_rows, prefix="absent"))
        checked = manifest_validate(big, media_dir=folder)
        seconds = time.perf_counter() - started
        print(
            f"validation only: {args.validate_rows} rows without media in {seconds:.2f} s "
            f"({len(checked.problems)} problems reported)"
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"process peak resident memory: {rss:.0f} MB")


if __name__ == "__main__":
    main()
