"""Preservation bag benchmark: how long one testimony's BagIt bag takes, and its size.

    python bench/bags.py [--megabytes 50 500] [--segments 2000]

Builds a throwaway archive in a temporary folder (its own SQLite database,
migrated, and private media), adds a testimony whose original is N MB of
random bytes with a web copy a tenth of its size and a transcript of
--segments segments, then times testimony_bag_create: copying with SHA-256,
bagit's SHA-256 and SHA-512 manifests, and bagit's full validation before the
bag is moved into place. Prints seconds, MB/s of payload and this process's
peak memory (bagit's manifests are made in a child process, not counted).
Figures go to stdout; nothing here is a test assertion.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _django import setup as _setup  # noqa: E402


def _random_file(path: Path, megabytes: float) -> None:
    with path.open("wb") as out:
        left = int(megabytes * 1024 * 1024)
        while left > 0:
            chunk = min(left, 4 * 1024 * 1024)
            out.write(os.urandom(chunk))
            left -= chunk


def _testimony(work: Path, megabytes: float, segments: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files import File

    from archive.consent.services import OPEN_TERMS, consent_record_create
    from archive.models import (
        ArchiveIndexPage,
        MediaAsset,
        Segment,
        Storyteller,
        TestimonyPage,
        Transcript,
        TranscriptStatus,
    )

    storyteller = Storyteller.objects.create(public_name="Bench B.")
    record = consent_record_create(storyteller=storyteller, terms=OPEN_TERMS)
    page = TestimonyPage(
        title=f"Bench {megabytes} MB", slug=f"bench-{time.time_ns()}", storyteller=storyteller,
        consent=record, live=False,
    )  # fmt: skip
    ArchiveIndexPage.objects.get().add_child(instance=page)
    original, web = work / "original.m4a", work / "web.m4a"
    _random_file(original, megabytes)
    _random_file(web, megabytes / 10)
    media = MediaAsset(testimony=page, sha256="", size_bytes=original.stat().st_size, duration=60.0)
    with original.open("rb") as a, web.open("rb") as b:
        media.original.save("original.m4a", File(a), save=False)
        media.web.save("web.m4a", File(b), save=False)
    media.save()
    transcript = Transcript.objects.create(media=media, status=TranscriptStatus.DONE, language="en")
    Segment.objects.bulk_create(
        Segment(transcript=transcript, index=n, start=n * 2.0, end=n * 2.0 + 2.0,
                text=f"Segment {n}: what was said at this moment, in a sentence or two.")
        for n in range(segments)
    )  # fmt: skip
    user = get_user_model().objects.create_user(f"bench-{time.time_ns()}")
    user.groups.add(Group.objects.get(name="Editors"))
    return page, user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, nargs="+", default=[50.0, 500.0])
    parser.add_argument("--segments", type=int, default=2000)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="testimonio-bench-bags-"))
    try:
        _setup(var)
        from archive.interchange.bags import testimony_bag_create

        print(f"{'original MB':>11}  {'payload MB':>10}  {'seconds':>8}  {'MB/s':>7}  peak RSS MB")
        for megabytes in args.megabytes:
            testimony, user = _testimony(var, megabytes, args.segments)
            dest = var / "bags" / f"bag-{megabytes}"
            started = time.perf_counter()
            made = testimony_bag_create(testimony=testimony, dest=dest, user=user)
            seconds = time.perf_counter() - started
            payload = int(made.payload_oxum.split(".")[0]) / 1024 / 1024
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{megabytes:>11.0f}  {payload:>10.1f}  {seconds:>8.2f}  "
                f"{payload / seconds:>7.1f}  {peak:>11.0f}"
            )
            shutil.rmtree(dest)
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
