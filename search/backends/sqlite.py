"""SQLite FTS5 search backend: the embedded default, needing no service.

Layout: ``segments`` holds one row per segment; ``segments_fts`` is the
full-text index over it (external content, kept in step by triggers) with
two columns: ``text`` and a hidden ``tags`` column of filter tokens
(``acl_public``, ``lang_es``, ``th_ice_detainer``, ``med_video``,
``tm_42``). ``testimonies`` and ``testimonies_fts`` do the same for one
document per testimony (title, summary, storyteller's public name), so a
word in a title finds the testimony once rather than every one of its
segments. User words can never name a tag: they are matched only in the
text columns and the parser never yields an underscore.

The access level and the filters are tags inside the MATCH, so FTS5
intersects them with the words and no row is read to filter. A search is
one walk of that MATCH, which gives the exact count and the matching rowids
(:meth:`SearchBackend._matching`); facets over at most FACET_SAMPLE of those
rows (flagged approximate and scaled beyond that); and bm25 ranking of at
most RANK_CAP of them. Ranking MATCHes the words alone, restricted to those
rowids: bm25 reads every phrase of its MATCH, and the tags (``acl_public``
is in most rows) made it four times dearer. So the access filter decides
every rowid that can be ranked, and the row read for display checks the
access level once more; no read shows a segment without it. Snippets are
marked in Python for the rows shown only.

Params: ``{"PATH": "/var/lib/testimonio/search.sqlite3"}``; ``":memory:"``
gives a private in-memory index (tests).
"""

from __future__ import annotations

import html
import json
import logging
import re
import sqlite3
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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
from search.query import Query, fold

__all__ = ["SearchBackend", "fts5_match_expression", "match_expression"]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # PRAGMA user_version set at the end of _SCHEMA
SNIPPET_TOKENS = 16
SUMMARY_TOKENS = 32
# Facets are counted over at most this many matching rows; beyond it they
# are scaled estimates and SearchResults.facets_approximate is set.
FACET_SAMPLE = 1_000
# bm25 costs per matching row; for a word found in more rows than this, only
# RANK_CAP matches spread evenly over the archive (old and new testimony
# alike) are ranked, and the results say they are approximate.
RANK_CAP = 3_000
# Up to this many matches are counted by fetching their rowids (one walk
# gives the count and the ranked candidates); more are counted by COUNT(*).
COUNT_WALK = 50_000
# Markers stripped from indexed text, so after html.escape they can only be ours.
_MARK_OPEN = "\x02"
_MARK_CLOSE = "\x03"
_ELLIPSIS = "\u2026"
_TABLES = ("segments_vocab", "segments_fts", "segment_themes", "segments", "testimonies_fts",
           "testimonies")  # fmt: skip

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
    tags TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS segments_testimony ON segments (testimony_id);
-- The tags column weighs nothing in bm25. '_' is a token character so that
-- a tag is one token; the query parser never yields '_' in a word.
CREATE VIRTUAL TABLE IF NOT EXISTS segments_fts USING fts5(
    text, tags, content='segments', content_rowid='segment_id',
    tokenize="unicode61 remove_diacritics 2 tokenchars '_'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS segments_vocab USING fts5vocab(segments_fts, 'row');
CREATE TRIGGER IF NOT EXISTS segments_fts_insert AFTER INSERT ON segments BEGIN
    INSERT INTO segments_fts (rowid, text, tags) VALUES (new.segment_id, new.text, new.tags);
END;
CREATE TRIGGER IF NOT EXISTS segments_fts_delete AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, tags)
    VALUES ('delete', old.segment_id, old.text, old.tags);
END;
CREATE TRIGGER IF NOT EXISTS segments_fts_update AFTER UPDATE ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, tags)
    VALUES ('delete', old.segment_id, old.text, old.tags);
    INSERT INTO segments_fts (rowid, text, tags) VALUES (new.segment_id, new.text, new.tags);
END;
INSERT INTO segments_fts (segments_fts, rank) VALUES ('rank', 'bm25(1.0, 0.0)');

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
PRAGMA user_version = 3;
"""

_DROP_ALL = "".join(f"DROP TABLE IF EXISTS {table};\n" for table in _TABLES)

_UPSERT = """
INSERT INTO segments (segment_id, testimony_id, title, url, start, "end", text, language,
                      access_level, storyteller, place, year, themes, media_type, place_key, tags)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (segment_id) DO UPDATE SET
    testimony_id = excluded.testimony_id, title = excluded.title, url = excluded.url,
    start = excluded.start, "end" = excluded."end", text = excluded.text,
    language = excluded.language, access_level = excluded.access_level,
    storyteller = excluded.storyteller, place = excluded.place, year = excluded.year,
    themes = excluded.themes, media_type = excluded.media_type,
    place_key = excluded.place_key, tags = excluded.tags
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


def _positive(query: Query) -> list[str]:
    return [_fts5_string(term) for term in query.terms] + [
        _fts5_string(" ".join(phrase)) for phrase in query.phrases
    ]


def _without_exclusions(expression: str, query: Query, columns: str) -> str:
    if not query.exclusions:
        return expression
    excluded = " OR ".join(_fts5_string(word) for word in query.exclusions)
    return f"({expression}) NOT ({columns}: ({excluded}))"


def fts5_match_expression(query: Query, columns: str = SEGMENT_TEXT) -> str | None:
    """The MATCH for the query's words alone, or None if it has no positive text.

    Built only from parsed words, each quoted, so no input raises an FTS5
    syntax error; a word the tokenizer reduces to nothing matches nothing.
    Used to rank, with access and filters checked on the row.
    """
    positive = _positive(query)
    if not positive:
        return None
    return _without_exclusions(f"{columns}: ({' AND '.join(positive)})", query, columns)


def _tag(prefix: str, value: str) -> str:
    return f"{prefix}_{value.replace('-', '_')}"


def _any_tag(prefix: str, values: Sequence[str]) -> str:
    return "(" + " OR ".join(_fts5_string(_tag(prefix, value)) for value in values) + ")"


def match_expression(
    query: Query, access_levels: frozenset[str], columns: str = SEGMENT_TEXT
) -> str:
    """The whole MATCH: the words in ``columns``, access and filters in ``{tags}``.

    The access levels are always part of it, so no count, facet or browse
    can skip the access filter.
    """
    parts = ["{tags}: " + _any_tag("acl", sorted(access_levels))]
    if query.languages:
        parts.append("{tags}: " + _any_tag("lang", query.languages))
    if query.media_types:
        parts.append("{tags}: " + _any_tag("med", query.media_types))
    parts.extend("{tags}: " + _fts5_string(_tag("th", theme)) for theme in query.themes)
    positive = _positive(query)
    if positive:
        parts.insert(0, f"{columns}: (" + " AND ".join(positive) + ")")
    expression = " AND ".join(f"({part})" for part in parts)
    return _without_exclusions(expression, query, columns)


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


def _leading_words_html(text: str) -> str:
    """Snippet for a filter-only browse, where there is nothing to highlight."""
    words = text.split()
    shown = " ".join(words[:SNIPPET_TOKENS])
    if len(words) > SNIPPET_TOKENS:
        shown += _ELLIPSIS
    return html.escape(shown, quote=False)


_TOKEN = re.compile(r"[\w]+")


def marked_snippet_html(text: str, query: Query) -> str:
    """A snippet marked in Python the way FTS5 tokenizes: folded words equal to a query word.

    Used where asking FTS5 for snippet() would cost a walk over every match.
    """
    wanted = {
        token
        for word in (*query.terms, *(w for phrase in query.phrases for w in phrase))
        for token in _TOKEN.findall(fold(word))
    }
    if not wanted:
        return _leading_words_html(text)
    words = text.split()
    marks = [any(t in wanted for t in _TOKEN.findall(fold(word))) for word in words]
    first = marks.index(True) if True in marks else 0
    start = max(0, first - 4)
    end = min(len(words), start + SNIPPET_TOKENS)
    pieces = []
    for word, marked in zip(words[start:end], marks[start:end], strict=True):
        pieces.append(_mark_word(word, wanted) if marked else html.escape(word, quote=False))
    # Neighbouring marked words (a phrase) read as one highlight, as FTS5's snippet() gives.
    shown = " ".join(pieces).replace("</mark> <mark>", " ")
    return (_ELLIPSIS if start else "") + shown + (_ELLIPSIS if end < len(words) else "")


def _mark_word(word: str, wanted: set[str]) -> str:
    """Mark the matching runs of letters inside a whitespace-delimited word."""
    out = []
    position = 0
    for match in _TOKEN.finditer(word):
        out.append(html.escape(word[position : match.start()], quote=False))
        token = html.escape(match.group(0), quote=False)
        out.append(f"<mark>{token}</mark>" if fold(match.group(0)) in wanted else token)
        position = match.end()
    out.append(html.escape(word[position:], quote=False))
    return "".join(out)


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
        rows = [
            (
                doc.segment_id,
                doc.testimony_id,
                _clean_text(doc.title),
                doc.url,
                float(doc.start),
                float(doc.end),
                _clean_text(doc.text),
                doc.language,
                doc.access_level,
                doc.storyteller,
                doc.place,
                doc.year,
                _theme_set(doc.themes),
                doc.media_type,
                fold(doc.place),
                _tags(doc),
            )
            for doc in documents
        ]
        with self._transaction("store segments") as conn:
            conn.executemany(_UPSERT, rows)

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
            conn.execute("DELETE FROM segments WHERE testimony_id = ?", (testimony_id,))
            conn.execute("DELETE FROM testimonies WHERE testimony_id = ?", (testimony_id,))

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
        with self._connection("clear the index") as conn:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{_DROP_ALL}PRAGMA user_version = 0;\n{_SCHEMA}\nCOMMIT;"
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
            keys = query.place_keys
            clauses.append(f"{alias}.place_key IN ({', '.join('?' * len(keys))})")
            params.extend(keys)
        return " AND ".join(clauses) or "1", params

    def _matching(
        self, conn: sqlite3.Connection, match: str, query: Query
    ) -> tuple[int, list[int]]:
        """(how many segments match, their rowids in order: all of them up to COUNT_WALK).

        One walk answers both for up to COUNT_WALK matches; beyond that (a
        very common word) an exact COUNT walks again rather than fetch them all.
        """
        where, params = self._place_and_years(query)
        join = "CROSS JOIN segments s ON s.segment_id = f.rowid " if params else ""
        rowids = [
            rowid
            for (rowid,) in conn.execute(
                f"SELECT f.rowid FROM segments_fts f {join}"  # noqa: S608
                f"WHERE segments_fts MATCH ? AND {where} ORDER BY f.rowid LIMIT ?",
                [match, *params, COUNT_WALK + 1],
            )
        ]
        if len(rowids) <= COUNT_WALK:
            return len(rowids), rowids
        (total,) = conn.execute(
            f"SELECT COUNT(*) FROM segments_fts f {join}"  # noqa: S608
            f"WHERE segments_fts MATCH ? AND {where}",
            [match, *params],
        ).fetchone()
        return int(total), rowids

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

    def _ranked(
        self,
        conn: sqlite3.Connection,
        query: Query,
        candidates: Sequence[int],
        limit: int,
        offset: int,
    ) -> list[tuple[int, int, float]]:
        """(testimony, segment, score) of ``candidates``, best first.

        ``candidates`` are rowids that matched the whole MATCH, access filter
        included; they are ranked by a MATCH of the words alone. bm25 reads
        every phrase of its MATCH, and a tag phrase such as ``acl_public``
        (in most rows) made ranking four times dearer even for a few rows.
        The testimony of a segment is read only for the rows returned.
        """
        if not candidates:
            return []
        text = fts5_match_expression(query)
        if text is None:
            raise ValueError("A browse has nothing to rank: use _browse.")
        # '+rowid' keeps SQLite from running the MATCH once per candidate.
        ranked = conn.execute(
            "SELECT m.id, m.score, s.testimony_id FROM ("
            "SELECT rowid AS id, -rank AS score, rank FROM segments_fts "
            "WHERE segments_fts MATCH ? AND rowid BETWEEN ? AND ? "
            "AND +rowid IN (SELECT value FROM json_each(?)) "
            "ORDER BY rank, rowid LIMIT ? OFFSET ?) m "
            "CROSS JOIN segments s ON s.segment_id = m.id ORDER BY m.rank, m.id",
            [text, min(candidates), max(candidates), json.dumps(list(candidates)), limit, offset],
        ).fetchall()
        return [(testimony_id, rowid, score) for rowid, score, testimony_id in ranked]

    def _browse(
        self, conn: sqlite3.Connection, match: str, query: Query, limit: int, offset: int
    ) -> list[tuple[int, int, float]]:
        """(testimony, segment, 0.0) in rowid order for filters without words."""
        where, params = self._place_and_years(query)
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
        query: Query,
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
            'SELECT testimony_id, segment_id, title, url, start, "end", text '  # noqa: S608
            f"FROM segments WHERE segment_id IN ({', '.join('?' * len(scores))}) "
            f"AND access_level IN ({', '.join('?' * len(access_levels))})",
            [*scores, *sorted(access_levels)],
        ).fetchall()
        return {
            segment_id: Hit(
                testimony_id=testimony_id,
                segment_id=segment_id,
                title=title,
                url=url,
                start=start,
                end=end,
                snippet_html=marked_snippet_html(text, query),
                score=float(scores[segment_id]),
            )
            for testimony_id, segment_id, title, url, start, end, text in rows
        }

    def _testimony_totals(
        self,
        conn: sqlite3.Connection,
        match: str,
        query: Query,
        testimony_ids: Sequence[int],
        matched: Sequence[int],
        total: int,
    ) -> dict[int, int]:
        """Matching segments per shown testimony.

        With every matching rowid at hand (``matched`` holds ``total``), the
        shown testimonies' segments are intersected with them; otherwise each
        testimony is counted inside its rowid range (FTS5 seeks to it), its
        tm_ tag keeping the count exact.
        """
        if not testimony_ids:
            return {}
        marks = ", ".join("?" * len(testimony_ids))
        if len(matched) == total:
            found = set(matched)
            totals = dict.fromkeys(testimony_ids, 0)
            for testimony_id, segment_id in conn.execute(
                f"SELECT testimony_id, segment_id FROM segments WHERE testimony_id IN ({marks})",  # noqa: S608
                list(testimony_ids),
            ):
                totals[testimony_id] += segment_id in found
            return totals
        where, params = self._place_and_years(query)
        ranges = conn.execute(
            "SELECT testimony_id, MIN(segment_id), MAX(segment_id) FROM segments "  # noqa: S608
            f"WHERE testimony_id IN ({marks}) GROUP BY testimony_id",
            list(testimony_ids),
        ).fetchall()
        totals = dict.fromkeys(testimony_ids, 0)
        for testimony_id, low, high in ranges:
            narrowed = f"({match}) AND ({{tags}}: tm_{int(testimony_id)})"
            (totals[testimony_id],) = conn.execute(
                "SELECT COUNT(*) FROM segments_fts CROSS JOIN segments s "  # noqa: S608
                "ON s.segment_id = segments_fts.rowid WHERE segments_fts MATCH ? "
                f"AND segments_fts.rowid BETWEEN ? AND ? AND {where}",
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

    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults:
        match = match_expression(query, access_levels)
        with self._connection("search") as conn:
            total, matched = self._matching(conn, match, query)
            if not total:
                return SearchResults()
            facets, approximate = self._facets(conn, total, matched[:FACET_SAMPLE])
            if not query.has_text:
                ranked = self._browse(conn, match, query, limit, offset)
            else:
                ranked = self._ranked(conn, query, _spread(matched, RANK_CAP), limit, offset)
            hits = self._hits(conn, ranked, query, access_levels)
        return SearchResults(
            hits=tuple(hits[segment_id] for _, segment_id, _ in ranked if segment_id in hits),
            total=total,
            facets=facets,
            facets_approximate=approximate or (query.has_text and total > RANK_CAP),
        )

    def _search_grouped(
        self,
        query: Query,
        access_levels: frozenset[str],
        limit: int,
        offset: int,
        per_group: int,
    ) -> SearchResults:
        match = match_expression(query, access_levels)
        with self._connection("search") as conn:
            testimonies = self._testimony_scores(conn, query, access_levels)
            total, matched = self._matching(conn, match, query)
            if not total and not testimonies:
                return SearchResults()
            facets, approximate = (
                self._facets(conn, total, matched[:FACET_SAMPLE]) if total else ({}, False)
            )
            if not query.has_text:
                candidates = self._browse(conn, match, query, GROUP_CANDIDATES, 0)
            else:
                candidates = self._ranked(
                    conn, query, _spread(matched, RANK_CAP), GROUP_CANDIDATES, 0
                )
            page = plan_groups(candidates, limit, offset, per_group, testimonies)
            shown = {sid for ids in page.segment_ids.values() for sid in ids}
            hits = self._hits(
                conn, [row for row in candidates if row[1] in shown], query, access_levels
            )
            totals = self._testimony_totals(conn, match, query, page.testimony_ids, matched, total)
            found = dict(testimonies)
            about = self._testimony_matches(
                conn,
                query,
                access_levels,
                {tid: found[tid] for tid in page.testimony_ids if tid in found},
            )
        groups = build_groups(page, hits, totals, about)
        # Grouping saw only the best-ranked candidates: totals of groups are then estimates.
        truncated = (query.has_text and total > RANK_CAP) or (
            len(candidates) >= GROUP_CANDIDATES and total > len(candidates)
        )
        return SearchResults(
            hits=tuple(hit for group in groups for hit in group.hits),
            total=total,
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
        # Words sharing the first letter: the vocabulary read stays a small
        # range of the index, and a first letter is rarely the one mistyped.
        prefix = key[0]
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        with self._connection("suggest") as conn:
            words = [
                term
                for (term,) in conn.execute(
                    "SELECT term FROM segments_vocab WHERE term >= ? AND term < ?",
                    (prefix, upper),
                )
                if "_" not in term and term != key
            ]
            picks = process.extract(
                key, words, scorer=distance.Levenshtein.distance, score_cutoff=2, limit=10
            )
            acl = "{tags}: " + _any_tag("acl", sorted(access_levels))
            found: list[str] = []
            for candidate, _distance, _index in sorted(picks, key=lambda p: (p[1], p[0])):
                # Only a word the asker could find is offered.
                visible = conn.execute(
                    "SELECT 1 FROM segments_fts WHERE segments_fts MATCH ? LIMIT 1",
                    (f"({SEGMENT_TEXT}: {_fts5_string(candidate)}) AND ({acl})",),
                ).fetchone()
                if visible:
                    found.append(candidate)
                if len(found) == 3:
                    break
        return tuple(found)
