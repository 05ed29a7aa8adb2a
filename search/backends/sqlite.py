"""SQLite FTS5 search backend: the embedded default, needing no service.

Layout: ``segments`` holds one row per segment; ``segments_fts`` is the
full-text index over it (external content, kept in step by triggers) with
the columns ``text`` and ``translation`` (what was said and its English
machine translation, folded by FTS5, for exact phrases), ``stems`` and
``tstems`` (the same, analysed in Python by archive.language: the segment's
language, English for the translation) and a hidden ``tags`` column of
filter tokens (``acl_public``, ``lang_es``, ``th_ice_detainer``,
``med_video``, ``tm_42``). ``testimonies`` and ``testimonies_fts`` do the
same for one document per testimony (title, summary, storyteller's public
name), so a word in a title finds the testimony once rather than every one
of its segments. ``vocabulary`` lists every indexed word, for near
spellings. User words can never name a tag: they are matched only in the
text columns and the analyser never yields an underscore.

A question becomes the shared :class:`~search.plan.MatchPlan`: each clause
is an OR of its stems, synonyms and near spellings in the stem columns;
when every clause must match they are ANDed into the MATCH, otherwise the
MATCH holds their OR and a rowid condition counts how many each row says
(``minimum``). The access level and the filters are tags inside the MATCH,
so FTS5 intersects them with the words and no row is read to filter. One
walk of that MATCH gives the exact count and the matching rowids (past
COUNT_WALK, a COUNT and runs of rowids spread over the index); facets
are counted over at most FACET_SAMPLE of those rows (flagged approximate
and scaled beyond that); at most RANK_CAP of them are ranked: by the shared
Python ranking (search/ranking.py) when they are at most RESCORE_WINDOW,
else by bm25 first and the shared ranking for the best RESCORE_WINDOW. The
row read for display checks the access level once more; no read shows a
segment without it. Snippets are marked in Python for the rows shown only.

Params: ``{"PATH": "/var/lib/testimonio/search.sqlite3"}``; ``":memory:"``
gives a private in-memory index (tests); ``THESAURUS`` (see base).
"""

from __future__ import annotations

import html
import json
import logging
import sqlite3
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from archive.language import analyse, words
from search import meaning
from search.backends.base import (
    GROUP_CANDIDATES,
    FacetCount,
    Hit,
    SearchResults,
    SearchUnavailable,
    SegmentDocument,
    TestimonyDocument,
    TestimonyMatch,
    build_groups,
    plan_groups,
)
from search.backends.base import SearchBackend as BaseSearchBackend
from search.fuzzy import Vocabulary, similar_words
from search.highlight import hit_snippets
from search.plan import Clause, Form, MatchPlan
from search.query import Query, fold
from search.ranking import Statistics, ceiling, own_forms, ranked_window

__all__ = ["SearchBackend", "match_expression", "segment_match"]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 4  # PRAGMA user_version set at the end of _SCHEMA
SUMMARY_TOKENS = 32
# Candidates ranked by the shared Python ranking; past this bm25 picks them.
RESCORE_WINDOW = 100
# Frequencies (for the ranking's idf) are counted up to this many moments.
FREQUENCY_CAP = 50_000
# How long the count of indexed moments (the ranking's N) is reused.
DOCUMENTS_SECONDS = 60.0
# Facets are counted over at most this many matching rows; beyond it they
# are scaled estimates and SearchResults.facets_approximate is set.
FACET_SAMPLE = 1_000
# bm25 costs per matching row; for a word found in more rows than this, only
# RANK_CAP matches spread evenly over the archive (old and new testimony
# alike) are ranked, and the results say they are approximate.
RANK_CAP = 3_000
# Up to this many matches are counted by fetching their rowids (one walk
# gives the count and the ranked candidates). Past it the total is a lower
# bound (the matches walked), said so by SearchResults.total_exact, as
# Elasticsearch's track_total_hits does past 10,000: an exact COUNT(*) of a
# word said in tens of thousands of moments cost more than all the rest of
# the search (bench/search.py --segments 1000000). The candidates are then
# WALK_RUNS runs of matches, each starting at an evenly spaced point of the
# index, so old and new testimony are both ranked. Walking 50,000 rowids for
# a common word cost more than ranking it (grouped p95: 60 to 64 ms with a
# walk of 50,000, 53 to 58 ms with 10,000 in runs).
COUNT_WALK = 10_000
WALK_RUNS = 5
# Markers stripped from indexed text, so after html.escape they can only be ours.
_MARK_OPEN = "\x02"
_MARK_CLOSE = "\x03"
_ELLIPSIS = "\u2026"
_TABLES = ("segments_vocab", "segments_fts", "segment_themes", "segments", "testimonies_fts",
           "testimonies", "vocabulary", "meaning", "meta")  # fmt: skip

_SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (
    segment_id INTEGER PRIMARY KEY,
    testimony_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    start REAL NOT NULL,
    "end" REAL NOT NULL,
    text TEXT NOT NULL,
    language TEXT NOT NULL,
    access_level TEXT NOT NULL,
    storyteller TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    year INTEGER,
    themes TEXT NOT NULL DEFAULT ' ',
    media_type TEXT NOT NULL DEFAULT '',
    place_key TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    translation TEXT NOT NULL DEFAULT '',
    stems TEXT NOT NULL DEFAULT '',
    tstems TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS segments_testimony ON segments (testimony_id);
-- The tags column weighs nothing in bm25. '_' is a token character so that
-- a tag is one token; the analyser never yields '_' in a word.
CREATE VIRTUAL TABLE IF NOT EXISTS segments_fts USING fts5(
    text, translation, stems, tstems, tags, content='segments', content_rowid='segment_id',
    tokenize="unicode61 remove_diacritics 2 tokenchars '_'"
);
CREATE TRIGGER IF NOT EXISTS segments_fts_insert AFTER INSERT ON segments BEGIN
    INSERT INTO segments_fts (rowid, text, translation, stems, tstems, tags)
    VALUES (new.segment_id, new.text, new.translation, new.stems, new.tstems, new.tags);
END;
CREATE TRIGGER IF NOT EXISTS segments_fts_delete AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, translation, stems, tstems, tags)
    VALUES ('delete', old.segment_id, old.text, old.translation, old.stems, old.tstems, old.tags);
END;
CREATE TRIGGER IF NOT EXISTS segments_fts_update AFTER UPDATE ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, translation, stems, tstems, tags)
    VALUES ('delete', old.segment_id, old.text, old.translation, old.stems, old.tstems, old.tags);
    INSERT INTO segments_fts (rowid, text, translation, stems, tstems, tags)
    VALUES (new.segment_id, new.text, new.translation, new.stems, new.tstems, new.tags);
END;
INSERT INTO segments_fts (segments_fts, rank) VALUES ('rank', 'bm25(1.0, 0.8, 1.0, 0.8, 0.0)');
-- Every folded word indexed, for near spellings; 'generation' tells a
-- process that its copy in memory is stale.
CREATE TABLE IF NOT EXISTS vocabulary (word TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0);

CREATE TABLE IF NOT EXISTS testimonies (
    testimony_id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    summary TEXT NOT NULL,
    storyteller TEXT NOT NULL DEFAULT '',
    place_key TEXT NOT NULL DEFAULT '',
    year INTEGER,
    tags TEXT NOT NULL DEFAULT ''
);
CREATE VIRTUAL TABLE IF NOT EXISTS testimonies_fts USING fts5(
    title, summary, storyteller, tags,
    content='testimonies', content_rowid='testimony_id',
    tokenize="unicode61 remove_diacritics 2 tokenchars '_'"
);
CREATE TRIGGER IF NOT EXISTS testimonies_fts_insert AFTER INSERT ON testimonies BEGIN
    INSERT INTO testimonies_fts (rowid, title, summary, storyteller, tags)
    VALUES (new.testimony_id, new.title, new.summary, new.storyteller, new.tags);
END;
CREATE TRIGGER IF NOT EXISTS testimonies_fts_delete AFTER DELETE ON testimonies BEGIN
    INSERT INTO testimonies_fts (testimonies_fts, rowid, title, summary, storyteller, tags)
    VALUES ('delete', old.testimony_id, old.title, old.summary, old.storyteller, old.tags);
END;
CREATE TRIGGER IF NOT EXISTS testimonies_fts_update AFTER UPDATE ON testimonies BEGIN
    INSERT INTO testimonies_fts (testimonies_fts, rowid, title, summary, storyteller, tags)
    VALUES ('delete', old.testimony_id, old.title, old.summary, old.storyteller, old.tags);
    INSERT INTO testimonies_fts (rowid, title, summary, storyteller, tags)
    VALUES (new.testimony_id, new.title, new.summary, new.storyteller, new.tags);
END;
-- A title word says more about a testimony than one in its summary.
INSERT INTO testimonies_fts (testimonies_fts, rank) VALUES ('rank', 'bm25(2.0, 1.0, 2.0, 0.0)');
PRAGMA user_version = 4;
"""

# Moment vectors for search by meaning (search/meaning.py), when MEANING is on.
# Created on every start, so an index written before them gains the table; a
# segment's vector leaves with it, and 'meaning' in meta tells a process
# that its copy in memory is stale.
_MEANING_SCHEMA = """
CREATE TABLE IF NOT EXISTS meaning (segment_id INTEGER PRIMARY KEY, vector BLOB NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('meaning', 0);
CREATE TRIGGER IF NOT EXISTS meaning_delete AFTER DELETE ON segments BEGIN
    DELETE FROM meaning WHERE segment_id = old.segment_id;
END;
"""

_DROP_ALL = "".join(f"DROP TABLE IF EXISTS {table};\n" for table in _TABLES)

_UPSERT = """
INSERT INTO segments (segment_id, testimony_id, title, url, start, "end", text, language,
                      access_level, storyteller, place, year, themes, media_type, place_key, tags,
                      translation, stems, tstems)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (segment_id) DO UPDATE SET
    testimony_id = excluded.testimony_id, title = excluded.title, url = excluded.url,
    start = excluded.start, "end" = excluded."end", text = excluded.text,
    language = excluded.language, access_level = excluded.access_level,
    storyteller = excluded.storyteller, place = excluded.place, year = excluded.year,
    themes = excluded.themes, media_type = excluded.media_type,
    place_key = excluded.place_key, tags = excluded.tags, translation = excluded.translation,
    stems = excluded.stems, tstems = excluded.tstems
"""

_UPSERT_TESTIMONY = """
INSERT INTO testimonies (testimony_id, title, url, summary, storyteller, place_key, year, tags)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (testimony_id) DO UPDATE SET
    title = excluded.title, url = excluded.url, summary = excluded.summary,
    storyteller = excluded.storyteller, place_key = excluded.place_key, year = excluded.year,
    tags = excluded.tags
"""

_TEXT_CLEANUP = {_MARK_OPEN: " ", _MARK_CLOSE: " "}


def _fts5_string(token: str) -> str:
    """Quote as an FTS5 string: inside one, nothing is syntax."""
    return '"' + token.replace('"', '""') + '"'


# The columns a typed word is matched in, per table.
SEGMENT_TEXT = "{text}"
TESTIMONY_TEXT = "{title summary storyteller}"
# Where a clause's stems are looked for, and where exact phrases are.
STEM_COLUMNS = "{stems tstems}"
SAID_COLUMNS = "{text translation}"


def _positive(query: Query) -> list[str]:
    return [_fts5_string(term) for term in query.terms] + [
        _fts5_string(" ".join(phrase)) for phrase in query.phrases
    ]


def _without_exclusions(expression: str, query: Query, columns: str) -> str:
    if not query.exclusions:
        return expression
    excluded = " OR ".join(_fts5_string(word) for word in query.exclusions)
    return f"({expression}) NOT ({columns}: ({excluded}))"


def _tag(prefix: str, value: str) -> str:
    return f"{prefix}_{value.replace('-', '_')}"


def _any_tag(prefix: str, values: Sequence[str]) -> str:
    return "(" + " OR ".join(_fts5_string(_tag(prefix, value)) for value in values) + ")"


def _filters(query: Query, access_levels: frozenset[str]) -> list[str]:
    """Access first, then the filters the tags hold: always part of every MATCH."""
    parts = ["{tags}: " + _any_tag("acl", sorted(access_levels))]
    if query.languages:
        parts.append("{tags}: " + _any_tag("lang", query.languages))
    if query.media_types:
        parts.append("{tags}: " + _any_tag("med", query.media_types))
    parts.extend("{tags}: " + _fts5_string(_tag("th", theme)) for theme in query.themes)
    return parts


def match_expression(
    query: Query, access_levels: frozenset[str], columns: str = TESTIMONY_TEXT
) -> str:
    """The MATCH for testimony documents: every typed word in ``columns``, access and filters.

    The access levels are always part of it, so no count or browse can skip
    the access filter.
    """
    parts = _filters(query, access_levels)
    positive = _positive(query)
    if positive:
        parts.insert(0, f"{columns}: (" + " AND ".join(positive) + ")")
    expression = " AND ".join(f"({part})" for part in parts)
    return _without_exclusions(expression, query, columns)


def _any(forms: Sequence[Form]) -> str:
    """Any of ``forms``: each quoted, so nothing typed is FTS5 syntax."""
    return "(" + " OR ".join(_fts5_string(" ".join(form)) for form in forms) + ")"


def _clause(plan: MatchPlan, index: int) -> str:
    return f"{STEM_COLUMNS}: {_any(plan.alternatives(index))}"


def _anything(plan: MatchPlan) -> str | None:
    """The typed words' own forms and the phrases: what bm25 orders many candidates by.

    Synonyms are left out (their phrases of common words make bm25 dear);
    moments found only through one follow, and the shared ranking decides.
    """
    parts = []
    alternatives = [form for clause in plan.clauses for form in clause.forms]
    if alternatives:
        parts.append(f"{STEM_COLUMNS}: {_any(list(dict.fromkeys(alternatives)))}")
    parts.extend(f"{SAID_COLUMNS}: {_fts5_string(' '.join(p))}" for p in plan.phrases)
    return " OR ".join(f"({part})" for part in parts) or None


def segment_match(
    plan: MatchPlan,
    query: Query,
    access_levels: frozenset[str],
    frequencies: Sequence[int] = (),
) -> tuple[str, list[str]]:
    """(The MATCH for segments, the clause expressions a row must say ``minimum`` of).

    When every clause is needed they are ANDed into the MATCH and the list is
    empty; when one is enough, the MATCH holds their OR. Otherwise a row
    saying none of the n - minimum + 1 rarest clauses (by ``frequencies``)
    cannot say ``minimum`` of them, so the MATCH holds the OR of those only
    and the backend counts, for its rows, the clauses of the list.
    """
    parts = _filters(query, access_levels)
    parts.extend(f"{SAID_COLUMNS}: {_fts5_string(' '.join(p))}" for p in plan.phrases)
    counted: list[str] = []
    if plan.clauses:
        clauses = [_clause(plan, index) for index in range(len(plan.clauses))]
        required = [c for c, clause in zip(clauses, plan.clauses, strict=True) if clause.required]
        if plan.minimum >= len(clauses):
            parts.extend(clauses)
        elif plan.minimum <= 1:
            parts.extend(required)
            parts.append(" OR ".join(f"({c})" for c in clauses))
        else:
            parts.extend(required)
            order = sorted(
                range(len(clauses)), key=lambda i: frequencies[i] if i < len(frequencies) else 0
            )
            rarest = sorted(order[: len(clauses) - plan.minimum + 1])
            parts.append(" OR ".join(f"({clauses[i]})" for i in rarest))
            counted = clauses
    expression = " AND ".join(f"({part})" for part in parts)
    if plan.exclusions:
        expression = f"({expression}) NOT ({STEM_COLUMNS}: {_any(plan.exclusions)})"
    return expression, counted


def _tags(doc: SegmentDocument | TestimonyDocument) -> str:
    tags = [_tag("acl", doc.access_level), _tag("lang", doc.language), f"tm_{doc.testimony_id}"]
    if doc.media_type:
        tags.append(_tag("med", doc.media_type))
    tags.extend(_tag("th", theme) for theme in sorted(set(doc.themes)))
    return " ".join(tags)


def _clean_text(text: str) -> str:
    """Compose accents (as the query parser does) and remove the snippet markers."""
    text = unicodedata.normalize("NFC", text)
    if _MARK_OPEN in text or _MARK_CLOSE in text:
        text = text.translate(str.maketrans(_TEXT_CLEANUP))
    return text


def _snippet_html(raw: str) -> str:
    return (
        html.escape(raw, quote=False).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")
    )


def _spread(rowids: Sequence[int], count: int) -> Sequence[int]:
    """At most ``count`` of ``rowids``, evenly spaced, so no part of the archive is left out."""
    if len(rowids) <= count:
        return rowids
    step = len(rowids) / count
    return [rowids[int(index * step)] for index in range(count)]


def _theme_set(themes: Sequence[str]) -> str:
    """Themes as one delimited string (`` a b ``), split again for facet counts."""
    for theme in themes:
        if not theme or any(char.isspace() for char in theme):
            raise ValueError(f"Theme slug {theme!r} is empty or contains whitespace.")
    return " " + " ".join(sorted(set(themes))) + " "


def _facet(counts: Counter[str], scale: float = 1.0) -> tuple[FacetCount, ...]:
    return tuple(
        FacetCount(value, max(1, round(count * scale)))
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if value
    )


class SearchBackend(BaseSearchBackend):
    """SQLite FTS5 backend. One connection per instance, shared by threads under a lock."""

    def __init__(self, params: dict) -> None:
        super().__init__(params)
        self.path = str(params.get("PATH", ":memory:"))
        self._lock = threading.Lock()
        self._documents: tuple[float, int] | None = None
        self._vocabulary: tuple[int, Vocabulary] = (-1, Vocabulary())
        # Search by meaning (search/meaning.py): off unless asked, as it loads a model.
        self.meaning = bool(params.get("MEANING", False))
        self._vectors = meaning.VectorTable()
        try:
            if self.path != ":memory:" and not self.path.startswith("file:"):
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, uri=True
            )
            self._configure()
        except (OSError, sqlite3.Error) as e:
            raise SearchUnavailable(
                f"Cannot open the search index at {self.path}: {e}. Check that the folder "
                "exists and is writable by the web and worker processes."
            ) from e

    def _configure(self) -> None:
        conn = self._conn
        # Web and worker processes share the file: readers must not block the
        # writer, and a writer waits rather than failing at once.
        conn.execute("PRAGMA busy_timeout = 5000")
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA mmap_size = 1073741824")
        # Freed pages are zeroed, so removed testimony leaves no bytes behind.
        conn.execute("PRAGMA secure_delete = ON")
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version not in (0, SCHEMA_VERSION):
            # The index is derived data: start it afresh rather than refuse to run.
            logger.warning(
                "Search index %s has schema version %s, this code expects %s: recreated "
                "empty; run `python manage.py rebuild_index` to fill it.",
                self.path,
                version,
                SCHEMA_VERSION,
            )
            conn.executescript(f"BEGIN IMMEDIATE;\n{_DROP_ALL}PRAGMA user_version = 0;\nCOMMIT;")
            version = 0
        if version == 0:
            conn.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\nCOMMIT;")
        conn.executescript(f"BEGIN IMMEDIATE;\n{_MEANING_SCHEMA}\nCOMMIT;")

    # -- plumbing -----------------------------------------------------------

    @contextmanager
    def _connection(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as e:
                raise SearchUnavailable(
                    f"The search index at {self.path} could not {action}: {e}. "
                    "If this persists, rebuild the search index."
                ) from e

    @contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._connection(action) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- writes -------------------------------------------------------------

    def _index_segments(self, documents: list[SegmentDocument]) -> None:
        rows = []
        vocabulary: set[str] = set()
        for doc in documents:
            text, translation = _clean_text(doc.text), _clean_text(doc.translation)
            said, translated = words(text), words(translation)
            vocabulary.update(said)
            vocabulary.update(translated)
            rows.append(
                (
                    doc.segment_id,
                    doc.testimony_id,
                    _clean_text(doc.title),
                    doc.url,
                    float(doc.start),
                    float(doc.end),
                    text,
                    doc.language,
                    doc.access_level,
                    doc.storyteller,
                    doc.place,
                    doc.year,
                    _theme_set(doc.themes),
                    doc.media_type,
                    fold(doc.place),
                    _tags(doc),
                    translation,
                    " ".join(analyse(text, doc.language)),
                    " ".join(analyse(translation, "en")),
                )
            )
        # Encoded before the write lock is taken: the model is the slow part.
        vectors = meaning.encode_documents(documents) if self.meaning else ()
        with self._transaction("store segments") as conn:
            conn.executemany(_UPSERT, rows)
            if self.meaning:
                conn.executemany(
                    "INSERT OR REPLACE INTO meaning (segment_id, vector) VALUES (?, ?)",
                    [
                        (doc.segment_id, meaning.to_bytes(vector))
                        for doc, vector in zip(documents, vectors, strict=True)
                    ],
                )
                conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'meaning'")
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO vocabulary (word) VALUES (?)",
                [(word,) for word in sorted(vocabulary)],
            )
            if conn.total_changes != before:
                conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
        self._documents = None

    def _index_testimonies(self, documents: list[TestimonyDocument]) -> None:
        rows = [
            (
                doc.testimony_id,
                _clean_text(doc.title),
                doc.url,
                _clean_text(doc.summary),
                _clean_text(doc.storyteller),
                fold(doc.place),
                doc.year,
                _tags(doc),
            )
            for doc in documents
        ]
        with self._transaction("store testimonies") as conn:
            conn.executemany(_UPSERT_TESTIMONY, rows)

    def _remove_testimony(self, testimony_id: int) -> None:
        with self._transaction("remove a testimony") as conn:
            said: set[str] = set()
            for text, translation in conn.execute(
                "SELECT text, translation FROM segments WHERE testimony_id = ?", (testimony_id,)
            ):
                said.update(words(text))
                said.update(words(translation))
            conn.execute("DELETE FROM segments WHERE testimony_id = ?", (testimony_id,))
            conn.execute("DELETE FROM testimonies WHERE testimony_id = ?", (testimony_id,))
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'meaning'")
            # A word no other segment says leaves the vocabulary with it: near
            # spellings must not keep a withdrawn testimony's words.
            gone = [
                (word,)
                for word in sorted(said)
                if conn.execute(
                    "SELECT 1 FROM segments_fts WHERE segments_fts MATCH ? LIMIT 1",
                    (f"{SAID_COLUMNS}: {_fts5_string(word)}",),
                ).fetchone()
                is None
            ]
            if gone:
                conn.executemany("DELETE FROM vocabulary WHERE word = ?", gone)
                conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
        self._documents = None

    def _compact(self) -> None:
        # FTS5 keeps deleted terms in its b-trees until segments merge;
        # 'optimize' merges them all, and secure_delete zeroes what is freed.
        with self._connection("compact the index") as conn:
            conn.execute("INSERT INTO segments_fts (segments_fts) VALUES ('optimize')")
            conn.execute("INSERT INTO testimonies_fts (testimonies_fts) VALUES ('optimize')")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _clear(self) -> None:
        # The index is derived data: clearing drops and recreates the tables,
        # so a rebuild also repairs an index written by older code.
        self._documents = None
        with self._connection("clear the index") as conn:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{_DROP_ALL}PRAGMA user_version = 0;\n{_SCHEMA}\n"
                f"{_MEANING_SCHEMA}\nCOMMIT;"
            )

    def _count(self) -> int:
        with self._connection("count segments") as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM segments").fetchone()
        return int(count)

    # -- reads --------------------------------------------------------------

    @staticmethod
    def _place_and_years(query: Query, alias: str = "s") -> tuple[str, list[object]]:
        """Conditions on the row for what the tags cannot hold (rare, narrow filters)."""
        clauses: list[str] = []
        params: list[object] = []
        if query.year_from is not None:
            clauses.append(f"{alias}.year >= ?")
            params.append(query.year_from)
        if query.year_to is not None:
            clauses.append(f"{alias}.year <= ?")
            params.append(query.year_to)
        if query.places:
            needles = query.place_needles
            padded = f"(' ' || replace({alias}.place_key, ',', ' ') || ' ')"
            clauses.append("(" + " OR ".join(f"instr({padded}, ?) > 0" for _ in needles) + ")")
            params.extend(needles)
        return " AND ".join(clauses) or "1", params

    @staticmethod
    def _conditions(query: Query) -> tuple[str, list[object], bool]:
        """(SQL conditions, their params, whether they read the segments row)."""
        where, params = SearchBackend._place_and_years(query)
        return where, params, bool(params)

    def _matching(
        self,
        conn: sqlite3.Connection,
        match: str,
        conditions: tuple[str, list[object], bool],
        counted: Sequence[str] = (),
        minimum: int = 0,
    ) -> tuple[int, list[int], bool]:
        """(how many segments match, their rowids in order: all of them up to
        COUNT_WALK, whether that count is exact).

        Past COUNT_WALK (a very common word) the count is of the rowids
        walked, a lower bound, and they are runs spread over the index
        (:meth:`_walk`). With ``counted`` clauses, each is intersected with
        each run inside FTS5 and a row must say ``minimum`` of them.
        """
        total, runs, exact = self._walk(conn, match, conditions)
        if not counted:
            return total, [rowid for run in runs for rowid in run], exact
        # Each clause alone over each run's span: the rows it counts for are then
        # looked up among the walked ones, which matched the whole MATCH (access
        # included), so a row outside them counts for nothing. Repeating the whole
        # MATCH inside each clause's cost twice as much (four to seven word questions).
        says: Counter[int] = Counter()
        for run in runs:
            for clause in counted:
                says.update(
                    rowid
                    for (rowid,) in conn.execute(
                        "SELECT rowid FROM segments_fts WHERE segments_fts MATCH ? "
                        "AND rowid BETWEEN ? AND ?",
                        (clause, run[0], run[-1]),
                    )
                )
        kept = [rowid for run in runs for rowid in run if says[rowid] >= minimum]
        return len(kept), kept, exact

    def _walk(
        self, conn: sqlite3.Connection, match: str, conditions: tuple[str, list[object], bool]
    ) -> tuple[int, list[list[int]], bool]:
        """(how many segments match, matching rowids in ascending runs, whether that is all).

        Up to COUNT_WALK matches, one run holds them all; past it, WALK_RUNS
        runs spread over the index, and the count is of the distinct rowids
        walked: a lower bound, never an extrapolation (which would count
        rows the asker may not see into the span).
        """
        where, params, needs_row = conditions
        join = "CROSS JOIN segments s ON s.segment_id = f.rowid " if needs_row else ""
        walk = (
            f"SELECT f.rowid FROM segments_fts f {join}"  # noqa: S608
            f"WHERE segments_fts MATCH ? AND {where} AND f.rowid >= ? ORDER BY f.rowid LIMIT ?"
        )
        first = [rowid for (rowid,) in conn.execute(walk, [match, *params, 0, COUNT_WALK + 1])]
        if len(first) <= COUNT_WALK:
            return len(first), [first] if first else [], True
        share = max(1, COUNT_WALK // WALK_RUNS)
        # Two subqueries: SQLite answers a lone MIN or MAX from the key, both at once by a scan.
        low, high = conn.execute(
            "SELECT (SELECT MIN(segment_id) FROM segments), (SELECT MAX(segment_id) FROM segments)"
        ).fetchone()
        runs = [first[:share]]
        for number in range(1, WALK_RUNS):
            start = max(low + (high - low) * number // WALK_RUNS, runs[-1][-1] + 1)
            run = [rowid for (rowid,) in conn.execute(walk, [match, *params, start, share])]
            if run:
                runs.append(run)
        beyond = sum(1 for run in runs[1:] for rowid in run if rowid > first[-1])
        return len(first) + beyond, runs, False

    @staticmethod
    def _facets(
        conn: sqlite3.Connection, total: int, sample: Sequence[int]
    ) -> tuple[dict[str, tuple[FacetCount, ...]], bool]:
        """Facet counts over ``sample`` (matching rowids), scaled to ``total`` when it is less."""
        groups = conn.execute(
            "SELECT language, themes, place, year / 10 * 10, media_type, COUNT(*) "
            "FROM segments WHERE segment_id IN (SELECT value FROM json_each(?)) "
            "GROUP BY 1, 2, 3, 4, 5",
            (json.dumps(list(sample)),),
        ).fetchall()
        counters: dict[str, Counter[str]] = {
            name: Counter() for name in ("theme", "language", "place", "decade", "media_type")
        }
        for language, theme_set, place, decade, media_type, count in groups:
            counters["language"][language] += count
            counters["place"][place] += count
            counters["decade"][str(decade) if decade is not None else ""] += count
            counters["media_type"][media_type] += count
            for theme in theme_set.split():
                counters["theme"][theme] += count
        approximate = len(sample) < total
        scale = total / len(sample) if approximate and sample else 1.0
        return {name: _facet(counter, scale) for name, counter in counters.items()}, approximate

    # -- the plan: statistics and near spellings ---------------------------------

    def _document_count(self, conn: sqlite3.Connection) -> int:
        """Moments indexed (the ranking's N), re-counted at most every DOCUMENTS_SECONDS."""
        now = time.monotonic()
        if self._documents is None or now - self._documents[0] > DOCUMENTS_SECONDS:
            (count,) = conn.execute("SELECT COUNT(*) FROM segments").fetchone()
            self._documents = (now, int(count))
        return self._documents[1]

    @staticmethod
    def _bounded_count(conn: sqlite3.Connection, match: str, cap: int) -> int:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM segments_fts WHERE segments_fts MATCH ? LIMIT ?)",
            (match, cap),
        ).fetchone()
        return int(count)

    def _words(self, conn: sqlite3.Connection) -> Vocabulary:
        """The vocabulary, kept in memory until another write changes it."""
        (generation,) = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        if generation != self._vocabulary[0]:
            self._vocabulary = (
                generation,
                Vocabulary.of([word for (word,) in conn.execute("SELECT word FROM vocabulary")]),
            )
        return self._vocabulary[1]

    def _prepare(
        self, conn: sqlite3.Connection, query: Query, access_levels: frozenset[str]
    ) -> tuple[MatchPlan, Statistics]:
        """The plan with near spellings the asker may see, and the ranking's statistics."""
        plan = self.plan(query)
        documents = self._document_count(conn)
        frequency: dict[tuple[Form, ...], int] = {}
        for forms in own_forms(plan):
            if forms not in frequency:
                frequency[forms] = self._bounded_count(
                    conn, f"{STEM_COLUMNS}: {_any(forms)}", FREQUENCY_CAP
                )
        acl = "{tags}: " + _any_tag("acl", sorted(access_levels))

        def seen(word: str, cap: int) -> int:
            # Moments the asker may see that say the word.
            return self._bounded_count(
                conn, f"({SAID_COLUMNS}: {_fts5_string(word)}) AND ({acl})", cap
            )

        def similar(clause: Clause) -> list[str]:
            return similar_words(
                clause.word, frequency[clause.forms], documents, self._words(conn), seen
            )

        plan = plan.with_fuzzy(similar)
        statistics = Statistics(documents, tuple(frequency[f] for f in own_forms(plan)))
        return plan, statistics

    # -- ranking ---------------------------------------------------------------

    @staticmethod
    def _stems(conn: sqlite3.Connection, keys: Sequence[int]) -> dict[int, tuple[str, str]]:
        return {
            segment_id: (stems, tstems)
            for segment_id, stems, tstems in conn.execute(
                "SELECT segment_id, stems, tstems FROM segments "  # noqa: S608
                f"WHERE segment_id IN ({', '.join('?' * len(keys))})",
                list(keys),
            )
        }

    def _ranked(
        self,
        conn: sqlite3.Connection,
        plan: MatchPlan,
        statistics: Statistics,
        candidates: Sequence[int],
        limit: int,
        offset: int,
    ) -> list[tuple[int, int, float]]:
        """(testimony, segment, score) of ``candidates``, best first.

        ``candidates`` are rowids that matched the whole MATCH, access filter
        included. Up to RESCORE_WINDOW of them are ranked by the shared
        ranking alone; more are first ordered by bm25 over a MATCH of the
        words alone (cheaper than with the tags), and the best rescored.
        """
        if not candidates:
            return []
        need = offset + limit
        if len(candidates) <= RESCORE_WINDOW:
            ordered: Sequence[int] = candidates
        else:
            anything = _anything(plan)
            if anything is None:
                raise ValueError("A browse has nothing to rank: use _browse.")
            # '+rowid' keeps SQLite from running the MATCH once per candidate.
            ranked_first = [
                rowid
                for (rowid,) in conn.execute(
                    "SELECT rowid FROM segments_fts WHERE segments_fts MATCH ? "
                    "AND rowid BETWEEN ? AND ? AND +rowid IN (SELECT value FROM json_each(?)) "
                    "ORDER BY rank, rowid LIMIT ?",
                    [
                        anything,
                        min(candidates),
                        max(candidates),
                        json.dumps(list(candidates)),
                        max(need, RESCORE_WINDOW),
                    ],
                )
            ]
            first = set(ranked_first)
            ordered = ranked_first + [c for c in candidates if c not in first]
        scored = ranked_window(
            plan, statistics, ordered, lambda keys: self._stems(conn, keys), RESCORE_WINDOW
        )[offset:need]
        keys = [key for key, _ in scored]
        owners = dict(
            conn.execute(
                "SELECT segment_id, testimony_id FROM segments "  # noqa: S608
                f"WHERE segment_id IN ({', '.join('?' * len(keys))})",
                keys,
            ).fetchall()
        )
        return [(owners[key], key, value) for key, value in scored if key in owners]

    def _browse(
        self,
        conn: sqlite3.Connection,
        match: str,
        conditions: tuple[str, list[object], bool],
        limit: int,
        offset: int,
    ) -> list[tuple[int, int, float]]:
        """(testimony, segment, 0.0) in rowid order for filters without words."""
        where, params, _ = conditions
        return conn.execute(
            "SELECT s.testimony_id, f.rowid, 0.0 FROM segments_fts f "  # noqa: S608
            "CROSS JOIN segments s ON s.segment_id = f.rowid "
            f"WHERE segments_fts MATCH ? AND {where} ORDER BY f.rowid LIMIT ? OFFSET ?",
            [match, *params, limit, offset],
        ).fetchall()

    @staticmethod
    def _hits(
        conn: sqlite3.Connection,
        ranked: Sequence[tuple[int, int, float]],
        plan: MatchPlan | None,
        access_levels: frozenset[str],
    ) -> dict[int, Hit]:
        """Hits by segment id for ``ranked``, snippets marked in Python for these rows only.

        The access level is checked once more on the row: the last read
        before anything is shown states it too.
        """
        scores = {segment_id: score for _, segment_id, score in ranked}
        if not scores:
            return {}
        rows = conn.execute(
            'SELECT testimony_id, segment_id, title, url, start, "end", text, translation, '  # noqa: S608
            f"language FROM segments WHERE segment_id IN ({', '.join('?' * len(scores))}) "
            f"AND access_level IN ({', '.join('?' * len(access_levels))})",
            [*scores, *sorted(access_levels)],
        ).fetchall()
        hits = {}
        for testimony_id, segment_id, title, url, start, end, text, translation, language in rows:
            said, translated = hit_snippets(text, translation, language, plan)
            hits[segment_id] = Hit(
                testimony_id=testimony_id,
                segment_id=segment_id,
                title=title,
                url=url,
                start=start,
                end=end,
                snippet_html=said,
                score=float(scores[segment_id]),
                translation_html=translated,
            )
        return hits

    def _testimony_totals(
        self,
        conn: sqlite3.Connection,
        match: str,
        conditions: tuple[str, list[object], bool],
        testimony_ids: Sequence[int],
        matched: Sequence[int],
        complete: bool,
    ) -> dict[int, int]:
        """Matching segments per shown testimony.

        With every matching rowid at hand (``complete``), the
        shown testimonies' segments are intersected with them; otherwise each
        testimony is counted inside its rowid range (FTS5 seeks to it), its
        tm_ tag keeping the count exact.
        """
        if not testimony_ids:
            return {}
        marks = ", ".join("?" * len(testimony_ids))
        if complete:
            found = set(matched)
            totals = dict.fromkeys(testimony_ids, 0)
            for testimony_id, segment_id in conn.execute(
                f"SELECT testimony_id, segment_id FROM segments WHERE testimony_id IN ({marks})",  # noqa: S608
                list(testimony_ids),
            ):
                totals[testimony_id] += segment_id in found
            return totals
        where, params, _ = conditions
        ranges = conn.execute(
            "SELECT testimony_id, MIN(segment_id), MAX(segment_id) FROM segments "  # noqa: S608
            f"WHERE testimony_id IN ({marks}) GROUP BY testimony_id",
            list(testimony_ids),
        ).fetchall()
        totals = dict.fromkeys(testimony_ids, 0)
        for testimony_id, low, high in ranges:
            narrowed = f"({match}) AND ({{tags}}: tm_{int(testimony_id)})"
            (totals[testimony_id],) = conn.execute(
                "SELECT COUNT(*) FROM segments_fts f CROSS JOIN segments s "  # noqa: S608
                "ON s.segment_id = f.rowid WHERE segments_fts MATCH ? "
                f"AND f.rowid BETWEEN ? AND ? AND {where}",
                [narrowed, low, high, *params],
            ).fetchone()
        return totals

    def _testimony_scores(
        self, conn: sqlite3.Connection, query: Query, access_levels: frozenset[str]
    ) -> list[tuple[int, float]]:
        """(testimony, score) for testimonies whose own document matches the words, best first."""
        if not query.has_text:
            return []
        more, params = self._place_and_years(query, "t")
        join = "CROSS JOIN testimonies t ON t.testimony_id = f.rowid " if params else ""
        return conn.execute(
            f"SELECT f.rowid, -f.rank FROM testimonies_fts f {join}"  # noqa: S608
            f"WHERE testimonies_fts MATCH ? AND {more} ORDER BY f.rank LIMIT ?",
            [match_expression(query, access_levels, TESTIMONY_TEXT), *params, GROUP_CANDIDATES],
        ).fetchall()

    @staticmethod
    def _testimony_matches(
        conn: sqlite3.Connection,
        query: Query,
        access_levels: frozenset[str],
        scores: dict[int, float],
    ) -> dict[int, TestimonyMatch]:
        """The shown testimonies found by their document, with highlighted summaries.

        One lookup each: FTS5 answers MATCH with ``rowid = ?`` directly, and
        snippet() then runs for the rows shown only.
        """
        match = match_expression(query, access_levels, TESTIMONY_TEXT)
        snippet = f"snippet(testimonies_fts, 1, char(2), char(3), '{_ELLIPSIS}', {SUMMARY_TOKENS})"
        found = {}
        for testimony_id, score in scores.items():
            row = conn.execute(
                f"SELECT t.title, t.url, {snippet} FROM testimonies_fts "  # noqa: S608
                "CROSS JOIN testimonies t ON t.testimony_id = testimonies_fts.rowid "
                "WHERE testimonies_fts MATCH ? AND testimonies_fts.rowid = ?",
                (match, testimony_id),
            ).fetchone()
            if row is not None:
                title, url, snip = row
                found[testimony_id] = TestimonyMatch(
                    testimony_id=testimony_id,
                    title=title,
                    url=url,
                    snippet_html=_snippet_html(snip or ""),
                    score=score,
                )
        return found

    def _segments(
        self, conn: sqlite3.Connection, query: Query, access_levels: frozenset[str]
    ) -> tuple[MatchPlan, Statistics, str, list[str], tuple[str, list[object], bool]]:
        plan, statistics = self._prepare(conn, query, access_levels)
        match, counted = segment_match(plan, query, access_levels, statistics.frequencies)
        return plan, statistics, match, counted, self._conditions(query)

    def _meaning(
        self,
        conn: sqlite3.Connection,
        query: Query,
        plan: MatchPlan,
        access_levels: frozenset[str],
        conditions: tuple[str, list[object], bool],
        matched: Sequence[int],
    ) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]:
        """(Moments near the question by meaning, nearest first; those of them the words missed).

        Each candidate the words did not find is checked on the live index,
        access level and every filter in one MATCH on its own rowid (FTS5
        answers that directly).
        """
        text = meaning.question(query, plan) if self.meaning else None
        if text is None:
            return [], []
        (version,) = conn.execute("SELECT value FROM meta WHERE key = 'meaning'").fetchone()
        near = self._vectors.nearest(
            meaning.question_vector(text),
            access_levels,
            meaning.CANDIDATES * 2,
            version=version,
            load=lambda: conn.execute(
                "SELECT m.segment_id, s.testimony_id, s.access_level, m.vector "
                "FROM meaning m JOIN segments s ON s.segment_id = m.segment_id"
            ),
        )
        if not near:
            return [], []
        found = set(matched)
        where, params, needs_row = conditions
        join = "CROSS JOIN segments s ON s.segment_id = f.rowid " if needs_row else ""
        allowed = " AND ".join(f"({part})" for part in _filters(query, access_levels))
        kept = []
        for testimony_id, segment_id, similarity in near:
            if segment_id in found:
                kept.append((testimony_id, segment_id, similarity))
                continue
            row = conn.execute(
                f"SELECT 1 FROM segments_fts f {join}"  # noqa: S608
                f"WHERE segments_fts MATCH ? AND f.rowid = ? AND {where}",
                [allowed, segment_id, *params],
            ).fetchone()
            if row is not None:
                kept.append((testimony_id, segment_id, similarity))
            if len(kept) >= meaning.CANDIDATES:
                break
        return kept, [row for row in kept if row[1] not in found]

    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults:
        with self._connection("search") as conn:
            plan, statistics, match, counted, conditions = self._segments(
                conn, query, access_levels
            )
            total, matched, exact = self._matching(conn, match, conditions, counted, plan.minimum)
            near, missed = self._meaning(conn, query, plan, access_levels, conditions, matched)
            extra = [segment_id for _, segment_id, _ in missed]
            if not total and not extra:
                return SearchResults()
            facets, approximate = self._facets(
                conn, total + len(extra), [*_spread(matched, FACET_SAMPLE), *extra]
            )
            if not plan.has_text:
                ranked = self._browse(conn, match, conditions, limit, offset)
            elif near:
                words_first = (
                    self._ranked(
                        conn,
                        plan,
                        statistics,
                        _spread(matched, RANK_CAP),
                        max(offset + limit, meaning.FUSION_DEPTH),
                        0,
                    )
                    if total
                    else []
                )
                ranked = meaning.fuse(words_first, near, ceiling(statistics))[
                    offset : offset + limit
                ]
            else:
                ranked = self._ranked(
                    conn, plan, statistics, _spread(matched, RANK_CAP), limit, offset
                )
            hits = self._hits(conn, ranked, plan, access_levels)
        return SearchResults(
            hits=tuple(hits[segment_id] for _, segment_id, _ in ranked if segment_id in hits),
            total=total + len(extra),
            total_exact=exact,
            facets=facets,
            facets_approximate=approximate or not exact or (plan.has_text and total > RANK_CAP),
        )

    def _search_grouped(
        self,
        query: Query,
        access_levels: frozenset[str],
        limit: int,
        offset: int,
        per_group: int,
    ) -> SearchResults:
        with self._connection("search") as conn:
            plan, statistics, match, counted, conditions = self._segments(
                conn, query, access_levels
            )
            testimonies = self._testimony_scores(conn, query, access_levels)
            total, matched, exact = self._matching(conn, match, conditions, counted, plan.minimum)
            near, extra = self._meaning(conn, query, plan, access_levels, conditions, matched)
            if not total and not testimonies and not extra:
                return SearchResults()
            facets, approximate = (
                self._facets(
                    conn,
                    total + len(extra),
                    [*_spread(matched, FACET_SAMPLE), *(r[1] for r in extra)],
                )
                if total or extra
                else ({}, False)
            )
            if not plan.has_text:
                candidates = self._browse(conn, match, conditions, GROUP_CANDIDATES, 0)
            else:
                candidates = (
                    self._ranked(
                        conn, plan, statistics, _spread(matched, RANK_CAP), GROUP_CANDIDATES, 0
                    )
                    if total
                    else []
                )
                if near:
                    candidates = meaning.fuse(candidates, near, ceiling(statistics))
            page = plan_groups(candidates, limit, offset, per_group, testimonies)
            shown = {sid for ids in page.segment_ids.values() for sid in ids}
            hits = self._hits(
                conn, [row for row in candidates if row[1] in shown], plan, access_levels
            )
            totals = self._testimony_totals(
                # Past the walk, a row a minimum-should-match rule must be checked on was
                # checked only if walked: such groups count the walked rows, a lower bound.
                conn,
                match,
                conditions,
                page.testimony_ids,
                matched,
                exact or bool(counted),
            )
            for testimony_id, _segment_id, _similarity in extra:
                if testimony_id in totals:
                    totals[testimony_id] += 1
            found = dict(testimonies)
            about = self._testimony_matches(
                conn,
                query,
                access_levels,
                {tid: found[tid] for tid in page.testimony_ids if tid in found},
            )
        groups = build_groups(page, hits, totals, about)
        # Grouping saw only the best-ranked candidates: totals of groups are then estimates.
        truncated = (
            not exact
            or (plan.has_text and total > RANK_CAP)
            or (len(candidates) >= GROUP_CANDIDATES and total > len(candidates))
        )
        return SearchResults(
            hits=tuple(hit for group in groups for hit in group.hits),
            total=total + len(extra),
            total_exact=exact,
            facets=facets or SearchResults().facets,
            groups=groups,
            total_groups=page.total_groups,
            facets_approximate=approximate or truncated,
        )

    def _suggest(self, word: str, access_levels: frozenset[str]) -> tuple[str, ...]:
        from rapidfuzz import distance, process

        key = fold(word)
        if len(key) < 3 or "_" in key:
            return ()
        with self._connection("suggest") as conn:
            # Words sharing the first letter: a first letter is rarely the one mistyped.
            vocabulary = [w for w in self._words(conn).words if w[:1] == key[:1] and w != key]
            picks = process.extract(
                key, vocabulary, scorer=distance.Levenshtein.distance, score_cutoff=2, limit=10
            )
            acl = "{tags}: " + _any_tag("acl", sorted(access_levels))
            found: list[str] = []
            for candidate, _distance, _index in sorted(picks, key=lambda p: (p[1], p[0])):
                # Only a word the asker could find is offered.
                visible = conn.execute(
                    "SELECT 1 FROM segments_fts WHERE segments_fts MATCH ? LIMIT 1",
                    (f"({SAID_COLUMNS}: {_fts5_string(candidate)}) AND ({acl})",),
                ).fetchone()
                if visible:
                    found.append(candidate)
                if len(found) == 3:
                    break
        return tuple(found)
