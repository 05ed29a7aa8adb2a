"""Retrieval quality on a judged set: recall@5, MRR and nDCG@10 per backend and query class.

    python bench/relevance.py [--backends sqlite postgres elasticsearch] [--rebuild-corpus]
                              [--code DIR] [--label NAME]

The first run voices the corpus (bench/relevance/corpus*.py) with espeak-ng
and ingests every testimony through the real pipeline: ingest (with its
language, as a manifest or an invitation gives it), Whisper transcription
(the bundled model), English translation of Spanish testimony, theme
suggestions, publishing. That takes minutes of CPU; the
result (a database and media under bench/out/relevance/) is reused until
the corpus changes. Each run then indexes the archive afresh in every
backend it can reach (SQLite always; PostgreSQL at BENCH_DATABASE_URL,
default the test database on 127.0.0.1:5432; Elasticsearch when
ELASTICSEARCH_URL is set), asks every query of bench/relevance/queries.py
as an anonymous visitor, and prints the figures and the top-10 overlap
between backends.

A hit finds a judged moment when its time range overlaps one of the
moment's sentences; each moment is credited once. recall@5 counts moments
of grade 2 or 3 found in the first five hits (out of at most five), MRR the
rank of the first such hit, nDCG@10 uses gains 2^grade - 1.

``--code DIR`` runs the search code of another checkout (for instance the
code before a change) against the same cached archive. Figures go to
stdout and bench/out/relevance/results-LABEL.json; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import statistics
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "bench" / "out" / "relevance"
sys.path.insert(0, str(HERE / "relevance"))

from corpus import TESTIMONIES, corpus_hash, voice  # noqa: E402
from queries import QUERIES  # noqa: E402

ASKER = frozenset({"public"})
#: How the archive is built from the corpus; a cached build of another is made again.
#: 2: each testimony is ingested with its language.
BUILD = 2
TOP = 10


def setup_django(code: Path) -> None:
    sys.path.insert(0, str(code))
    # Celery puts the working directory first on sys.path at set-up: it must be `code`.
    os.chdir(code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["TESTIMONIO_VAR_DIR"] = str(OUT / "var")
    # The bench serves no one; its settings run with debug off like production.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    # The archive's own index of the bench database; the benchmark builds its own.
    os.environ["SEARCH_SQLITE_PATH"] = str(OUT / "var" / "search.sqlite3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


# -- building the archive -----------------------------------------------------


def build(force: bool) -> dict[str, Any]:
    manifest_path = OUT / "build.json"
    if manifest_path.exists() and not force:
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("corpus") == corpus_hash() and manifest.get("build") == BUILD:
            return manifest
        print("The corpus or the way it is built changed since the cached build: building again.")
    import shutil

    shutil.rmtree(OUT / "var", ignore_errors=True)
    shutil.rmtree(OUT / "audio", ignore_errors=True)
    (OUT / "var").mkdir(parents=True, exist_ok=True)
    return _build_archive(manifest_path)


def _build_archive(manifest_path: Path) -> dict[str, Any]:
    from datetime import date

    from django.core.management import call_command

    from archive.consent.services import ConsentTerms
    from archive.models import (
        CoverageFlag,
        FlagStatus,
        Redaction,
        RedactionStatus,
        TranscriptStatus,
    )
    from archive.privacy.redaction import redaction_dismiss
    from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
    from archive.testimonies.publishing import testimony_publish
    from archive.transcripts.coverage import coverage_flag_check
    from archive.transcripts.pipeline import transcript_process

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    testimonies: dict[str, Any] = {}
    audio_seconds = 0.0
    for number, entry in enumerate(TESTIMONIES, start=1):
        t0 = time.perf_counter()
        voiced = voice(entry, OUT / "audio" / entry["slug"])
        audio_seconds += voiced.duration
        access_level = entry.get("access", "public")
        transcript = testimony_ingest(
            source=voiced.path,
            filename=voiced.path.name,
            details=TestimonyDetails(
                title=entry["title"],
                slug=entry["slug"],
                storyteller_name="Fictional composite",
                is_pseudonym=True,
                summary=entry["summary"],
                recorded_on=date.fromisoformat(entry["recorded"]),
                place=entry["place"],
                # Known, as an import manifest's languages column or the
                # storyteller's invitation gives it: Whisper is told it.
                language=entry["language"],
            ),
            consent=ConsentTerms(
                access_level=access_level,
                show_audio=True,
                show_transcript=True,
                allow_teaching=True,
                allow_press=True,
                form_version="bench",
                form_language=entry["language"],
                method="signed_form",
            ),
        )
        transcript_process(transcript=transcript)
        for translation in transcript.translations.filter(status=TranscriptStatus.QUEUED):
            transcript_process(transcript=translation)
        testimony = transcript.media.testimony
        # The corpus is fictional: an editor would dismiss every flag.
        for flag in Redaction.objects.filter(
            segment__transcript=transcript, status=RedactionStatus.SUGGESTED
        ):
            redaction_dismiss(redaction=flag)
        # ... and, having listened, check what the coverage check flagged.
        for flag in CoverageFlag.objects.filter(
            transcript__media__testimony=testimony, status=FlagStatus.OPEN
        ):
            coverage_flag_check(flag_id=flag.pk, transcript_id=flag.transcript_id, by=None)
        testimony_publish(testimony=testimony)
        transcript.refresh_from_db()
        translations = transcript.translations.filter(status=TranscriptStatus.DONE).count()
        testimonies[entry["slug"]] = {
            "id": testimony.pk,
            "access": access_level,
            "language": transcript.language,
            "sentences": voiced.sentences,
            "duration": round(voiced.duration, 1),
            "segments": transcript.segments.count(),
            "translated": bool(translations),
        }
        print(
            f"[{number}/{len(TESTIMONIES)}] {entry['slug']}: {voiced.duration / 60:.1f} min, "
            f"{transcript.language}, {transcript.segments.count()} segments"
            f"{', translated' if translations else ''} ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    manifest = {
        "corpus": corpus_hash(),
        "build": BUILD,
        "testimonies": testimonies,
        "audio_minutes": round(audio_seconds / 60, 1),
        "build_seconds": round(time.perf_counter() - started),
    }
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


# -- asking -------------------------------------------------------------------


def backends(names: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in names:
        try:
            found[name] = make_backend(name)
        except Exception as e:  # noqa: BLE001 - a benchmark reports what it cannot reach
            print(f"{name}: skipped ({e.__class__.__name__}: {str(e)[:120]})")
    return found


def make_backend(name: str) -> Any:
    if name == "sqlite":
        from search.backends.sqlite import SearchBackend

        path = OUT / "index-sqlite.sqlite3"
        path.unlink(missing_ok=True)
        return SearchBackend({"PATH": str(path), "MEANING": _meaning()})
    if name == "postgres":
        from search.backends.postgres import SearchBackend

        url = os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/testimonio_search_test"
        )
        ensure_database(url)
        return SearchBackend(
            {"DATABASE_URL": url, "TABLE": "relevance_bench", "MEANING": _meaning()}
        )
    if name == "elasticsearch":
        url = os.environ.get("ELASTICSEARCH_URL")
        if not url:
            raise RuntimeError("ELASTICSEARCH_URL is not set")
        from search.backends.elasticsearch import SearchBackend

        return SearchBackend({"URL": url, "INDEX": "testimonio-relevance"})
    raise SystemExit(f"unknown backend {name!r}")


def _meaning() -> bool:
    """Search by meaning as the archive's settings have it (SEARCH_MEANING)."""
    from django.conf import settings

    return bool(settings.SEARCH_BACKENDS["default"].get("MEANING", False))


def ensure_database(url: str) -> None:
    """Create the bench database on first use, as the contract tests do."""
    import psycopg
    from psycopg import sql

    server, _, name = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def index_archive(backend: Any) -> int:
    from archive.models import TestimonyPage
    from search.documents import testimony_documents

    documents: list[Any] = []
    for page in TestimonyPage.objects.live().specific():
        segments, about = testimony_documents(page)
        documents += segments
        if about is not None:
            documents.append(about)
    return backend.rebuild(documents)


def ask(backend: Any, text: str) -> list[dict[str, Any]]:
    from search.query import QueryError, parse_query

    try:
        query = parse_query(text)
    except QueryError as e:
        return [{"error": str(e)}]
    results = backend.search(query, access_levels=ASKER, limit=TOP)
    return [
        {
            "testimony_id": hit.testimony_id,
            "segment_id": hit.segment_id,
            "start": hit.start,
            "end": hit.end,
            "snippet": hit.snippet_html,
        }
        for hit in results.hits
    ]


# -- scoring ------------------------------------------------------------------


def judged_moments(query: dict, manifest: dict) -> list[dict[str, Any]]:
    moments = []
    for judgment in query["judgments"]:
        testimony = manifest["testimonies"][judgment["testimony"]]
        if testimony["access"] != "public":
            continue  # the asker may not see it: nothing to find
        moments.append(
            {
                "testimony_id": testimony["id"],
                "ranges": [testimony["sentences"][n] for n in judgment["sentences"]],
                "grade": judgment["grade"],
            }
        )
    return moments


def _overlaps(hit: dict[str, Any], moment: dict[str, Any]) -> bool:
    if hit["testimony_id"] != moment["testimony_id"]:
        return False
    return any(
        min(hit["end"], end) - max(hit["start"], start) > 0.5 for start, end in moment["ranges"]
    )


def grades(hits: list[dict[str, Any]], moments: list[dict[str, Any]]) -> list[int]:
    """The grade each hit earns, crediting every judged moment once (best moment first)."""
    credited: set[int] = set()
    earned = []
    for hit in hits:
        best, index = 0, None
        for number, moment in enumerate(moments):
            if number not in credited and _overlaps(hit, moment) and moment["grade"] > best:
                best, index = moment["grade"], number
        if index is not None:
            credited.add(index)
        earned.append(best)
    return earned


def metrics(hits: list[dict[str, Any]], moments: list[dict[str, Any]]) -> dict[str, float]:
    earned = grades(hits, moments)
    relevant = sum(1 for m in moments if m["grade"] >= 2)
    found5 = sum(1 for g in earned[:5] if g >= 2)
    recall = found5 / min(5, relevant) if relevant else 1.0
    rank = next((n for n, g in enumerate(earned[:TOP], start=1) if g >= 2), None)
    dcg = sum((2**g - 1) / math.log2(n + 1) for n, g in enumerate(earned[:TOP], start=1))
    ideal = sorted((m["grade"] for m in moments), reverse=True)[:TOP]
    idcg = sum((2**g - 1) / math.log2(n + 1) for n, g in enumerate(ideal, start=1))
    return {
        "recall@5": recall,
        "mrr": 1 / rank if rank else 0.0,
        "ndcg@10": dcg / idcg if idcg else 1.0,
    }


def overlap(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> float:
    left = {(h.get("testimony_id"), h.get("segment_id")) for h in a if "error" not in h}
    right = {(h.get("testimony_id"), h.get("segment_id")) for h in b if "error" not in h}
    if not left and not right:
        return 1.0
    return len(left & right) / max(len(left), len(right))


def report(label: str, runs: dict[str, dict[str, list]], manifest: dict) -> dict[str, Any]:
    restricted = {t["id"] for t in manifest["testimonies"].values() if t["access"] != "public"}
    summary: dict[str, Any] = {"label": label, "backends": {}, "overlap": {}}
    names = ("recall@5", "mrr", "ndcg@10")
    for backend, answers in runs.items():
        by_class: dict[str, list[dict[str, float]]] = defaultdict(list)
        leaks = 0
        for query in QUERIES:
            hits = [h for h in answers[query["id"]] if "error" not in h]
            leaks += sum(1 for h in hits if h["testimony_id"] in restricted)
            scores = metrics(hits, judged_moments(query, manifest))
            by_class[query["class"]].append(scores)
            by_class["all"].append(scores)
        table = {
            cls: {name: statistics.fmean(s[name] for s in rows) for name in names}
            | {"queries": len(rows)}
            for cls, rows in by_class.items()
        }
        summary["backends"][backend] = {"classes": table, "restricted_hits": leaks}
        print(f"\n== {label}: {backend} ({len(QUERIES)} queries, asked as an anonymous visitor)")
        print(f"{'class':<12} {'queries':>7} {'recall@5':>9} {'MRR':>6} {'nDCG@10':>8}")
        order = ["all", *sorted(c for c in table if c != "all")]
        for cls in order:
            row = table[cls]
            print(
                f"{cls:<12} {row['queries']:>7} {row['recall@5']:>9.3f} {row['mrr']:>6.3f} "
                f"{row['ndcg@10']:>8.3f}"
            )
        print(f"hits from restricted testimonies: {leaks}")
    for left, right in combinations(runs, 2):
        value = statistics.fmean(
            overlap(runs[left][q["id"]], runs[right][q["id"]]) for q in QUERIES
        )
        summary["overlap"][f"{left}/{right}"] = value
        print(f"top-10 overlap {left} / {right}: {value:.3f}")
    return summary


def per_query(answers: dict[str, list], manifest: dict) -> None:
    """Each query's recall@5 and MRR, and the first hits by testimony slug: what to look at."""
    slugs = {t["id"]: slug for slug, t in manifest["testimonies"].items()}
    print(f"\n{'query':<6} {'class':<12} {'R@5':>5} {'MRR':>5}  first hits")
    for query in QUERIES:
        hits = [h for h in answers[query["id"]] if "error" not in h]
        scores = metrics(hits, judged_moments(query, manifest))
        first = ", ".join(f"{slugs.get(h['testimony_id'], '?')}@{h['start']:.0f}" for h in hits[:3])
        print(
            f"{query['id']:<6} {query['class']:<12} {scores['recall@5']:>5.2f} "
            f"{scores['mrr']:>5.2f}  {first}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres", "elasticsearch"])
    parser.add_argument("--rebuild-corpus", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose search code to run")
    parser.add_argument("--label", default="", help="names the results file")
    parser.add_argument(
        "--per-query", action="store_true", help="also print each query's figures (first backend)"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    setup_django(args.code.resolve())
    manifest = build(args.rebuild_corpus)
    print(
        f"corpus: {len(manifest['testimonies'])} testimonies, {manifest['audio_minutes']} "
        f"minutes of speech (built in {manifest['build_seconds']} s, cached in {OUT})"
    )
    if args.build_only:
        return
    runs: dict[str, dict[str, list]] = {}
    for name, backend in backends(args.backends).items():
        started = time.perf_counter()
        written = index_archive(backend)
        answers = {query["id"]: ask(backend, query["text"]) for query in QUERIES}
        print(f"{name}: {written} segments indexed, asked in {time.perf_counter() - started:.1f} s")
        runs[name] = answers
        if hasattr(backend, "drop"):
            backend.drop()
        backend.close()
    label = args.label or ("current" if args.code.resolve() == ROOT else args.code.name)
    summary = report(label, runs, manifest)
    if args.per_query and runs:
        per_query(next(iter(runs.values())), manifest)
    (OUT / f"results-{label}.json").write_text(
        json.dumps({"summary": summary, "answers": runs}, indent=1, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
