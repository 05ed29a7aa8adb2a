"""Load benchmark: the production server (bin/serve) under concurrent visitors.

    python bench/load.py [--clients 50] [--seconds 60] [--warmup 20] [--var DIR] [--extra 40]

Starts bin/serve (gunicorn, debug off) on a free loopback port over a var
folder of its own (`--var`, kept between runs: the demo archive is ingested
and transcribed there on the first run, plus `--extra` generated testimonies
made from the demo's transcripts so search has more to rank), then lets
`--clients` threads ask, for `--seconds`, a mix of what visitors ask: the
search page, the search API, testimony pages, transcript downloads and media
range requests (a player seeking). The first `--warmup` seconds of that mix
are not counted (each web worker loads the sentence encoder and opens its
connections as it meets its first visitors; on this machine that takes
seconds), then it prints throughput, p50/p95/p99 per kind of
request and the error count (any status >= 400 other than the expected
ones, or a failed connection). Goal on the 2-core machine: 0 errors and
search p95 under 300 ms.

The search allowance (SEARCH_API_RATE_LIMIT) is raised for the run: every
client here shares one address, and this measures capacity, not the limiter.
Figures go to stdout; nothing here is a test assertion.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "arrest",
    "deportation",
    "family separation",
    "ICE hold bail",
    "hold request kept her from posting bail",
    "detención",
    "la frontera",
    "they took my father",
    "work permit",
    "trafficking",
    "asylum interview",
    "my children",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def prepare(var: Path, extra: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "TESTIMONIO_", "DATABASE_URL", "SEARCH_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TESTIMONIO_VAR_DIR=str(var),
        SEARCH_API_RATE_LIMIT="1000000",
        LOG_LEVEL="WARNING",
    )
    subprocess.run([sys.executable, "-m", "config.secrets"], cwd=ROOT, env=env, check=True)
    manage(env, "migrate", "--noinput", "-v", "0")
    if not (var / ".bench-ready").exists():
        print("First run: loading the demo archive (transcribes it once)…", file=sys.stderr)
        manage(env, "load_demo", "--no-admin")
        if extra:
            manage(env, "shell", "-c", GENERATE.replace("EXTRA", str(extra)))
        manage(env, "rebuild_index")
        (var / ".bench-ready").write_text("ok")
    return env


# New public testimonies whose transcripts are sentences of the demo's, shuffled,
# each with a copy of a demo recording: more testimonies to rank and to page.
GENERATE = """
import random
from dataclasses import replace
from django.core.files.base import ContentFile
from archive.consent.services import OPEN_TERMS, consent_record_create
from archive.models import (ArchiveIndexPage, MediaAsset, Segment, Storyteller, TestimonyPage,
                            Transcript, TranscriptStatus)
from archive.testimonies.publishing import testimony_publish
random.seed(7)
demo = [p for p in TestimonyPage.objects.live()]
spoken = Segment.objects.filter(transcript__media__testimony__in=demo)
texts = list(spoken.values_list("text", flat=True))
source = MediaAsset.objects.filter(testimony__in=demo).exclude(web="").first()
web = source.web.read()
for n in range(EXTRA):
    teller = Storyteller.objects.create(public_name=f"Bench storyteller {n}")
    record = consent_record_create(storyteller=teller, terms=OPEN_TERMS)
    page = TestimonyPage(title=f"Bench testimony {n}", slug=f"bench-{n}", storyteller=teller,
                         consent=record, live=False, summary="Generated for bench/load.py")
    ArchiveIndexPage.objects.get().add_child(instance=page)
    page.save_revision()
    media = MediaAsset(testimony=page, sha256=source.sha256, size_bytes=len(web),
                       duration=source.duration)
    media.original.save("bench.m4a", ContentFile(web), save=False)
    media.web.save("bench-web.m4a", ContentFile(web), save=False)
    media.save()
    transcript = Transcript.objects.create(media=media, status=TranscriptStatus.DONE,
                                           language="en", engine="bench", model="none")
    for i in range(40):
        Segment.objects.create(transcript=transcript, index=i, start=i * 5.0, end=i * 5.0 + 5,
                               text=random.choice(texts))
    testimony_publish(testimony=page)
print(EXTRA)
"""


def discover(base: str) -> dict[str, list[str]]:
    """Testimony pages, transcript downloads and media links an anonymous visitor gets."""
    found: dict[str, list[str]] = {"page": [], "transcript": [], "media": []}
    index = requests.get(f"{base}/api/search/", params={"q": "the"}, timeout=30).json()
    for group in index.get("groups", []):
        found["page"].append(f"/t/{group['testimony_id']}")
        found["transcript"].append(f"/transcripts/{group['testimony_id']}.vtt")
    for page in found["page"][:10]:
        html = requests.get(base + page, timeout=30).text
        found["media"] += re.findall(r'(/media/[0-9a-f-]{36}/\?s=[^"&]+)', html)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=20, help="seconds of load not counted")
    parser.add_argument("--var", type=Path, default=ROOT / "bench" / "out" / "load" / "var")
    parser.add_argument("--extra", type=int, default=40, help="generated testimonies (first run)")
    args = parser.parse_args()

    env = prepare(args.var, args.extra)
    port = free_port()
    env.update(TESTIMONIO_BIND=f"127.0.0.1:{port}", TESTIMONIO_WORKER="0")
    log = (args.var / "serve.log").open("w")
    server = subprocess.Popen(
        [str(ROOT / "bin" / "serve")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                requests.get(base + "/", timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit((args.var / "serve.log").read_text()[-2000:])
                time.sleep(0.5)
        targets = discover(base)
        print(
            f"server: gunicorn, {env.get('WEB_CONCURRENCY', '2')} workers; "
            f"{len(targets['page'])} testimonies, {len(targets['media'])} media links",
        )
        if args.warmup > 0:
            warmed, _ = run(base, targets, args.clients, args.warmup)
            print(
                f"warm-up, not counted: {args.warmup} s, {sum(map(len, warmed.values()))} requests"
            )
        report(*run(base, targets, args.clients, args.seconds), args.clients)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


Timings = dict[str, list[tuple[float, bool]]]


def run(
    base: str, targets: dict[str, list[str]], clients: int, seconds: int
) -> tuple[Timings, float]:
    """``clients`` visitors for ``seconds``: per kind of request, (milliseconds, failed);
    and the seconds until the last request in flight answered."""
    timings: Timings = defaultdict(list)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def visitor(number: int) -> None:
        rng = random.Random(number)
        session = requests.Session()
        while time.monotonic() < stop:
            kind = rng.choices(
                ["search page", "search API", "testimony page", "transcript", "media range"],
                weights=[3, 3, 2, 1, 2],
            )[0]
            headers = {}
            if kind == "search page":
                url = f"{base}/search/?q={rng.choice(QUERIES)}"
            elif kind == "search API":
                url = f"{base}/api/search/?q={rng.choice(QUERIES)}"
            elif kind == "testimony page" and targets["page"]:
                url = base + rng.choice(targets["page"])
            elif kind == "transcript" and targets["transcript"]:
                url = base + rng.choice(targets["transcript"])
            elif kind == "media range" and targets["media"]:
                url = base + rng.choice(targets["media"])
                start = rng.randrange(0, 20_000)
                headers["Range"] = f"bytes={start}-{start + 65_535}"
            else:
                continue
            began = time.perf_counter()
            try:
                answer = session.get(url, headers=headers, timeout=30, allow_redirects=False)
                failed = answer.status_code >= 400 and answer.status_code != 416
                _ = answer.content
            except requests.RequestException:
                failed = True
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                timings[kind].append((elapsed, failed))

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, time.monotonic() - began


def report(timings: Timings, wall: float, clients: int) -> None:
    total = sum(len(t) for t in timings.values())
    errors = {kind: sum(failed for _, failed in rows) for kind, rows in timings.items()}
    print(f"{clients} clients, {wall:.0f} s: {total} requests, {total / wall:.1f} req/s, "
          f"{sum(errors.values())} errors")  # fmt: skip
    print(f"{'request':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind in sorted(timings):
        values = sorted(ms for ms, _ in timings[kind])
        q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(f"{kind:<16}{len(values):>7}{q[49]:>9.0f}{q[94]:>9.0f}{q[98]:>9.0f}{errors[kind]:>8}")


if __name__ == "__main__":
    main()
