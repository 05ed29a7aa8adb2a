"""Search backend benchmark: indexing rate, index size and query latency.

    python bench/search.py [--segments 100000 1000000] [--backend sqlite|postgres]
                           [--dir DIR [--reuse]] [--compare-with CHECKOUT]

Generates English and Spanish transcript segments from word lists (with the
thesaurus phrases of archive/themes/thesaurus.py mixed in), indexes them into a fresh backend
in a temporary folder, then times a fixed mix of 200 queries (words,
phrases, exclusions, theme filters and browses) with facets and highlights,
once as segment hits and once grouped by testimony (what the page and API
use). A second mix of 30 questions in a journalist's words (four to seven
words, stop words among them) is timed and reported on its own line.
PostgreSQL: BENCH_DATABASE_URL (default the test database); its bench table
is dropped afterwards.

``--meaning`` encodes every moment (search/meaning.py) and asks each
question by meaning too, as the archive does by default; without it the
backends run on words alone, as a benchmark of millions of moments must
(encoding runs at a few hundred moments a second on two cores).

``--compare-with CHECKOUT`` runs the same data and queries on another
checkout's search code too (for instance the code before a change, exported
with ``git archive``), each in its own process, and prints both side by side;
with ``--dir`` each keeps its index in its own folder for ``--reuse``.
Needs no Django. Figures go to stdout; nothing here is a test assertion.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# --code DIR: time another checkout's search code (see --compare-with).
_CODE = sys.argv[sys.argv.index("--code") + 1] if "--code" in sys.argv else str(ROOT)
sys.path.insert(0, _CODE)

from search.backends.base import (  # noqa: E402
    Document,
    SearchBackend,
    SegmentDocument,
    TestimonyDocument,
)
from search.query import Query, parse_query  # noqa: E402

BATCH = 5_000
SEGMENTS_PER_TESTIMONY = 150
QUERY_COUNT = 200

THEMES = [
    "secure-communities", "ice-detainer", "courthouse-arrest", "transfer-to-ice",
    "prior-removal-order", "expedited-removal", "immigration-detention", "deportation",
    "retaliatory-arrest", "dual-arrest", "arrest-after-calling-police", "plea-pressure",
    "bail-blocked-by-hold", "profiling-of-trans-women", "coerced-convictions",
    "domestic-violence", "human-trafficking", "coercion-by-older-partner", "dvsja",
    "vacatur", "family-separation", "children-and-custody", "pregnancy-in-custody",
    "nursing-infants", "contact-across-borders", "pardon-and-clemency", "vawa", "u-visa",
    "t-visa", "asylum", "appeal-of-removal", "access-to-counsel", "lgbtq",
    "southeast-asian-refugees", "latin-american-migrants", "education-in-prison",
    "work-and-caregiving", "mental-health", "community-leadership",
]  # fmt: skip

PHRASES_EN = [
    "secure communities", "fingerprints sent at booking", "ice detainer", "hold request",
    "courthouse arrest", "home arrest", "transferred to ice at release", "prior removal order",
    "expedited removal", "immigration detention", "county jail under contract",
    "deportation and exile", "retaliatory arrest", "false allegations", "mandatory arrest",
    "called the police for help", "plea deal", "immigration consequences", "could not post bail",
    "ice hold", "sex worker", "domestic violence", "human trafficking", "older partner",
    "survivors justice act", "vacating convictions", "family separation", "family court",
    "custody of my children", "gave birth in custody", "nursing my baby", "daily video calls",
    "pardon from the governor", "clemency", "vawa self petition", "u visa", "t visa",
    "asylum", "appeal of removal", "no lawyer", "unrepresented", "transgender woman",
    "men's jail", "khmer rouge", "cambodian community", "vietnamese community",
    "repatriation agreement", "ged in prison", "college degree", "mental health treatment",
    "testified before the legislature", "community leader",
]  # fmt: skip

PHRASES_ES = [
    "separación familiar", "orden de deportación", "trata de personas", "violencia doméstica",
    "arresto en represalia", "comunidades seguras", "retención de inmigración",
    "centro de detención", "sin abogado", "mis hijos", "la corte familiar", "fianza",
    "solicitud de asilo", "visa u", "visa t", "perdón del gobernador", "videollamadas diarias",
    "di a luz bajo custodia", "mujer trans", "cárcel de hombres", "antecedentes penales",
    "la migra", "me deportaron", "salud mental", "líder comunitaria",
]  # fmt: skip

WORDS_EN = """
i the and to was a my me of that it in they he she we you not for on with but so had
were what when there just because all would could then like from know said about out
no them his her at this be is one time go went got home back said told didn't couldn't
mother father brother sister son daughter husband wife children kids baby family friend
police officer judge lawyer guard officers court jail prison cell bus van plane border
country city house apartment street school church work job factory restaurant kitchen
night morning day week month year years days hours minutes later before after again
afraid scared angry tired sick hungry cold alone crying quiet safe strong hope pray
asked said called paid signed waited moved learned worked cooked cleaned drove walked
arrested detained released transferred deported charged sentenced convicted pleaded
english spanish papers paper documents letter phone call number name fingerprints
hearing case charge record visa card permit green application interview appointment
money rent bills dollars thousand hundred first second last every never always only
""".split()

WORDS_ES = """
yo el la los las y de que en un una mi me no se lo por con para pero porque cuando
era fue estaba tenía había dijo dije fuimos vino vine sabía quería podía pude nunca
madre padre hermano hermana hijo hija esposo esposa niños familia amiga amigo bebé
policía oficial juez abogado guardia corte cárcel prisión celda autobús frontera país
ciudad casa calle escuela iglesia trabajo fábrica cocina noche mañana día semana mes
año años días horas miedo sola cansada enferma hambre frío esperanza rezaba llorando
pregunté llamé pagué firmé esperé trabajé limpié manejé caminé detuvieron soltaron
trasladaron deportaron acusaron condenaron papeles documentos carta teléfono nombre
huellas audiencia caso cargo permiso solicitud entrevista cita dinero renta dólares
mil cien primera última siempre solamente otra vez después antes todavía ahora
""".split()

NAMES = """
Ana María Lucía Rosa Carmen Elena Sofía Marisol Guadalupe Yesenia Sokha Chanthy Vuong
Linh Thuy Kim Daniel José Luis Carlos Miguel Juan Pedro Samuel Tomás Andrés Ramón
""".split()

PLACES = ["New York", "Los Angeles", "Houston", "Chicago", "El Paso", "Oakland", "Lowell"]


FUNCTION_WORDS = {"en": 60, "es": 40}  # the first words of each list above
VOCABULARY_SIZE = 20_000
SYLLABLES = "ka lo mi ren sa to vu pe dri na bel cor fi gan hu jo li mar nel os pra qui".split()


class Vocabulary:
    """Words drawn with Zipf's frequencies over a realistic number of word types.

    The function words take the top ranks; the named content words are spread
    over ranks 60 to 5,000, as "lawyer" or "fingerprints" are in real speech;
    invented words fill the long tail, which real transcripts have and which
    keeps each named word from being unrealistically common.
    """

    def __init__(self, words: list[str], function_words: int, seed: int) -> None:
        rng = random.Random(seed)
        tail = {
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            for _ in range(VOCABULARY_SIZE * 2)
        }
        filler = sorted(tail - set(words))
        rng.shuffle(filler)
        ranked: list[str | None] = [None] * VOCABULARY_SIZE
        ranked[:function_words] = words[:function_words]
        content = words[function_words:]
        for index, word in enumerate(content):
            rank = int(60 * (5_000 / 60) ** (index / max(1, len(content) - 1)))
            while ranked[rank] is not None:
                rank += 1
            ranked[rank] = word
        fill = iter(filler)
        self.words = [word if word is not None else next(fill) for word in ranked]
        self.cumulative = list(
            itertools.accumulate(1.0 / (rank + 1) for rank in range(len(ranked)))
        )

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


def generate(count: int, seed: int = 7) -> Iterator[Document]:
    """``count`` segments, and one testimony document (title, summary) per testimony."""
    rng = random.Random(seed)
    vocabularies = {
        "en": Vocabulary(WORDS_EN, FUNCTION_WORDS["en"], seed=1),
        "es": Vocabulary(WORDS_ES, FUNCTION_WORDS["es"], seed=2),
    }
    phrases = {"en": PHRASES_EN, "es": PHRASES_ES}
    levels = ["public"] * 7 + ["researchers"] * 2 + ["staff"]
    testimony_id = 0
    for segment_id in range(1, count + 1):
        if (segment_id - 1) % SEGMENTS_PER_TESTIMONY == 0:
            testimony_id += 1
            language = "es" if rng.random() < 0.35 else "en"
            access_level = rng.choice(levels)
            testimony_themes = tuple(rng.sample(THEMES, rng.randint(1, 3)))
            name = rng.choice(NAMES)
            title = f"{name}: {rng.choice(phrases[language])}"
            clock = 0.0
            summary = " ".join(vocabularies[language].sample(rng, 40))
            # Place and year belong to the recording, as in search/documents.py.
            place, year = rng.choice(PLACES), rng.randint(1995, 2024)
            yield TestimonyDocument(
                testimony_id=testimony_id,
                title=title,
                url=f"/testimonies/{testimony_id}/",
                summary=f"{summary} {', '.join(rng.sample(phrases[language], 3))}.",
                language=language,
                themes=testimony_themes,
                access_level=access_level,
                storyteller=name,
                place=place,
                year=year,
            )
        words = vocabularies[language].sample(rng, rng.randint(12, 38))
        # About one segment in three names a thesaurus topic: it is what these
        # testimonies are about.
        for _ in range(rng.choice((0, 0, 0, 0, 1, 1, 2))):
            words.insert(rng.randrange(len(words) + 1), rng.choice(phrases[language]))
        sentence = " ".join(words)
        duration = round(rng.uniform(4.0, 14.0), 2)
        extra = tuple(rng.sample(THEMES, rng.choice((0, 0, 0, 1, 2))))
        yield SegmentDocument(
            segment_id=segment_id,
            testimony_id=testimony_id,
            title=title,
            url=f"/testimonies/{testimony_id}/",
            start=clock,
            end=clock + duration,
            text=sentence[0].upper() + sentence[1:] + ".",
            language=language,
            themes=tuple(dict.fromkeys(testimony_themes + extra)),
            access_level=access_level,
            storyteller=name,
            place=place,
            year=year,
        )
        clock += duration


def query_mix(seed: int = 11) -> list[tuple[Query, frozenset[str]]]:
    rng = random.Random(seed)
    content_en = WORDS_EN[FUNCTION_WORDS["en"] :]
    content_es = WORDS_ES[FUNCTION_WORDS["es"] :]
    asks = [
        frozenset({"public"}),
        frozenset({"public"}),
        frozenset({"public", "researchers"}),
        frozenset({"public", "researchers", "staff"}),
    ]
    texts: list[tuple[str, dict[str, list[str]]]] = []
    for _ in range(50):
        texts.append((rng.choice(content_en + content_es), {}))
    for _ in range(40):
        pool = rng.choice((content_en, content_es))
        texts.append((" ".join(rng.sample(pool, 2)), {}))
    for _ in range(45):
        texts.append((f'"{rng.choice(PHRASES_EN + PHRASES_ES)}"', {}))
    for _ in range(25):
        texts.append((f"{rng.choice(content_en)} -{rng.choice(content_en)}", {}))
    for _ in range(25):
        word = rng.choice(content_en + content_es)
        texts.append((word, {"themes": [rng.choice(THEMES)]}))
    for _ in range(10):
        texts.append(("", {"themes": [rng.choice(THEMES)], "languages": ["es"]}))
    for _ in range(5):
        texts.append(("bail", {"languages": ["en"]}))
    assert len(texts) == QUERY_COUNT
    rng.shuffle(texts)
    return [(parse_query(text, **filters), rng.choice(asks)) for text, filters in texts]


FUNCTION_EN = WORDS_EN[: FUNCTION_WORDS["en"]]
FUNCTION_ES = WORDS_ES[: FUNCTION_WORDS["es"]]
NATURAL_COUNT = 30


def natural_mix(seed: int = 13) -> list[tuple[Query, frozenset[str]]]:
    """Questions of four to seven words, a journalist's: content words among stop words."""
    rng = random.Random(seed)
    mixes = []
    for _ in range(NATURAL_COUNT):
        english = rng.random() < 0.65
        content = WORDS_EN[FUNCTION_WORDS["en"] :] if english else WORDS_ES[FUNCTION_WORDS["es"] :]
        function = FUNCTION_EN if english else FUNCTION_ES
        words = rng.sample(content, rng.randint(2, 4)) + rng.sample(function, rng.randint(2, 3))
        rng.shuffle(words)
        mixes.append((parse_query(" ".join(words)), frozenset({"public"})))
    return mixes


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def make_backend(name: str, folder: Path, keep: bool = False) -> SearchBackend:
    if name == "sqlite":
        from search.backends.sqlite import SearchBackend as SQLiteBackend

        return SQLiteBackend({"PATH": str(folder / "search.sqlite3"), "MEANING": _meaning()})
    if name == "postgres":
        import uuid

        from search.backends.postgres import SearchBackend as PostgresBackend

        url = os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/testimonio_search_test"
        )
        # A folder (--dir) names a table that a later --reuse run finds again.
        table = (
            f"bench_{folder.name.replace('-', '_')}" if keep else f"bench_{uuid.uuid4().hex[:8]}"
        )
        return PostgresBackend({"DATABASE_URL": url, "TABLE": table, "MEANING": _meaning()})
    raise SystemExit(f"unknown backend {name!r}; available: sqlite, postgres")


def _meaning() -> bool:
    """--meaning (inherited by --compare-with's processes): vectors and search by meaning."""
    return os.environ.get("BENCH_MEANING") == "1"


def index_size(backend: SearchBackend, folder: Path) -> int:
    """Bytes on disk: the SQLite files, or PostgreSQL's tables with their indexes."""
    table = getattr(backend, "_table_name", None)
    if table is None:
        return folder_size(folder)
    import psycopg

    with psycopg.connect(backend._conninfo) as conn:
        row = conn.execute(
            "SELECT pg_total_relation_size(%s::regclass) + pg_total_relation_size(%s::regclass)",
            (table, f"{table}_testimonies"),
        ).fetchone()
    return int(row[0]) if row else 0


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.iterdir() if path.is_file())


def run(
    count: int, backend_name: str, folder: Path, reuse: bool = False, keep: bool = False
) -> None:
    backend = make_backend(backend_name, folder, keep)
    if reuse and backend.count() == count:
        print(f"\n== {backend_name}: {count:,} segments (index reused from {folder})")
    else:
        build(backend, backend_name, count, folder)
    figures = time_queries(backend)
    print("RESULT " + json.dumps({"count": count, **figures}))
    # A PostgreSQL bench table is dropped unless it is to be reused.
    if hasattr(backend, "drop") and not keep:
        backend.drop()
    backend.close()


def build(backend: SearchBackend, backend_name: str, count: int, folder: Path) -> None:
    backend.clear()
    documents = generate(count)
    started = time.perf_counter()
    indexed = testimonies = 0
    while batch := list(itertools.islice(documents, BATCH)):
        about = [doc for doc in batch if isinstance(doc, TestimonyDocument)]
        indexed += backend.index_segments(
            [doc for doc in batch if isinstance(doc, SegmentDocument)]
        )
        testimonies += backend.index_testimonies(about)
    elapsed = time.perf_counter() - started
    # Generation happens inside the timed loop, so the rate is a lower bound.
    print(f"\n== {backend_name}: {count:,} segments, {testimonies:,} testimony documents")
    print(f"indexed {indexed:,} in {elapsed:.1f} s: {indexed / elapsed:,.0f} segments/s")
    print(f"index size {index_size(backend, folder) / 1e6:,.1f} MB")


def time_queries(backend: SearchBackend) -> dict[str, dict[str, float]]:
    queries = query_mix()
    for query, levels in queries[:10]:
        backend.search(query, access_levels=levels)
    figures = {}
    mixes = [("segments", queries), ("grouped", queries), ("natural grouped", natural_mix())]
    for mode, mix in mixes:
        timings: list[tuple[float, Query, int]] = []
        approximate = 0
        for query, levels in mix:
            start = time.perf_counter()
            if mode == "segments":
                results = backend.search(query, access_levels=levels, limit=20)
            else:
                results = backend.search_grouped(query, access_levels=levels, limit=10)
            took = (time.perf_counter() - start) * 1000
            assert all(hit.snippet_html for hit in results.hits)
            approximate += results.facets_approximate
            timings.append((took, query, results.total))
        figures[mode] = report(mode, timings, approximate)
    return figures


def report(
    mode: str, timings: list[tuple[float, Query, int]], approximate: int
) -> dict[str, float]:
    latencies = [took for took, _, _ in timings]
    figures = {
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies),
        "mean": statistics.fmean(latencies),
        "found": statistics.fmean(total for _, _, total in timings),
    }
    print(
        f"{mode}: {len(latencies)} queries: p50 {figures['p50']:.1f} ms, "
        f"p95 {figures['p95']:.1f} ms, max {figures['max']:.1f} ms, "
        f"mean {figures['mean']:.1f} ms ({approximate} with approximate facets)"
    )
    print("slowest:")
    for took, query, total in sorted(timings, key=lambda row: row[0], reverse=True)[:5]:
        shown = query.terms + tuple(" ".join(p) for p in query.phrases)
        print(
            f"  {took:7.1f} ms  total {total:>8,}  terms={shown} "
            f"not={query.exclusions} themes={query.themes} languages={query.languages}"
        )
    return figures


def compare(args: argparse.Namespace) -> None:
    """Run this checkout and ``--compare-with`` in turn, each in its own process; print both."""
    runs = {}
    for label, code in (("before", args.compare_with.resolve()), ("after", ROOT)):
        command = [sys.executable, __file__, "--code", str(code), "--backend", args.backend]
        command += ["--segments", *map(str, args.segments)]
        if args.dir:
            command += ["--dir", str(args.dir / label)]
            if args.reuse:
                command.append("--reuse")
        print(f"\n#### {label}: search code of {code}", flush=True)
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        print(done.stdout, end="", flush=True)
        runs[label] = [
            json.loads(line[len("RESULT ") :])
            for line in done.stdout.splitlines()
            if line.startswith("RESULT ")
        ]
    print("\n#### side by side (ms; 'found' is the mean number of moments a query finds)")
    print(
        f"{'segments':>10} {'mix':<16} {'before p50':>10} {'p95':>7} {'after p50':>10} {'p95':>7}"
        f" {'found before':>12} {'after':>8}"
    )
    for before, after in zip(runs["before"], runs["after"], strict=True):
        for mode in ("segments", "grouped", "natural grouped"):
            b, a = before[mode], after[mode]
            print(
                f"{before['count']:>10,} {mode:<16} {b['p50']:>10.1f} {b['p95']:>7.1f} "
                f"{a['p50']:>10.1f} {a['p95']:>7.1f} {b['found']:>12,.0f} {a['found']:>8,.0f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, nargs="+", default=[100_000])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument(
        "--dir",
        type=Path,
        help="where to build the index and keep it (PostgreSQL: a table named after it)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --dir: time the queries on the index built there by an earlier run",
    )
    parser.add_argument("--code", help="checkout whose search code to time (internal)")
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="another checkout to time on the same data and queries, side by side",
    )
    parser.add_argument(
        "--meaning",
        action="store_true",
        help="also encode every moment and search by meaning (search/meaning.py)",
    )
    args = parser.parse_args()
    if args.meaning:
        os.environ["BENCH_MEANING"] = "1"
    if args.compare_with:
        compare(args)
        return
    for count in args.segments:
        if args.dir:
            folder = args.dir / f"{args.backend}-{count}"
            folder.mkdir(parents=True, exist_ok=True)
            if not args.reuse:
                for path in folder.iterdir():
                    path.unlink()
            run(count, args.backend, folder, reuse=args.reuse, keep=True)
        else:
            with tempfile.TemporaryDirectory(prefix="testimonio-bench-") as tmp:
                run(count, args.backend, Path(tmp))


if __name__ == "__main__":
    main()
