"""SQLite FTS5 search backend: the embedded default, needing no service.

Layout: ``segments`` holds one row per segment (the FTS5 table reads its
text from there as external content, so nothing is stored twice),
``segment_themes`` one row per (segment, theme), and ``segments_fts`` the
full-text index, kept in step by triggers. Facets are GROUP BY queries over
the matched rowids, so every count sees exactly the access filter the hits
see.

Params: ``{"PATH": "/var/lib/testimonio/search.sqlite3"}``; ``":memory:"``
gives a private in-memory index (tests).
"""

from __future__ import annotations

import html
import sqlite3
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from search.backends.base import FacetCount, Hit, SearchResults, SearchUnavailable, SegmentDocument
from search.backends.base import SearchBackend as BaseSearchBackend
from search.query import Query

__all__ = ["SearchBackend", "fts5_match_expression"]

SCHEMA_VERSION = 1  # PRAGMA user_version set by _SCHEMA
SNIPPET_TOKENS = 16
# snippet() wraps matches in these; they are stripped from indexed text, so
# after html.escape they can only be ours.
_MARK_OPEN = "\x02"
_MARK_CLOSE = "\x03"
_ELLIPSIS = "\u2026"

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
    year INTEGER
);
CREATE INDEX IF NOT EXISTS segments_testimony ON segments (testimony_id);
CREATE INDEX IF NOT EXISTS segments_language ON segments (language, access_level);
CREATE TABLE IF NOT EXISTS segment_themes (
    segment_id INTEGER NOT NULL,
    theme TEXT NOT NULL,
    PRIMARY KEY (segment_id, theme)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS segment_themes_theme ON segment_themes (theme, segment_id);
-- rank is bm25 with text weighing 4x the title: segment text says more about
-- a moment than the testimony title repeated on every one of its segments.
CREATE VIRTUAL TABLE IF NOT EXISTS segments_fts USING fts5(
    text, title,
    content='segments', content_rowid='segment_id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS segments_fts_insert AFTER INSERT ON segments BEGIN
    INSERT INTO segments_fts (rowid, text, title)
    VALUES (new.segment_id, new.text, new.title);
END;
CREATE TRIGGER IF NOT EXISTS segments_fts_delete AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, title)
    VALUES ('delete', old.segment_id, old.text, old.title);
END;
CREATE TRIGGER IF NOT EXISTS segments_fts_update AFTER UPDATE ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, title)
    VALUES ('delete', old.segment_id, old.text, old.title);
    INSERT INTO segments_fts (rowid, text, title)
    VALUES (new.segment_id, new.text, new.title);
END;
INSERT INTO segments_fts (segments_fts, rank)
VALUES ('rank', 'bm25(4.0, 1.0)');
PRAGMA user_version = 1;
"""

_UPSERT = """
INSERT INTO segments (segment_id, testimony_id, title, url, start, "end", text, language,
                      access_level, storyteller, place, year)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (segment_id) DO UPDATE SET
    testimony_id = excluded.testimony_id, title = excluded.title, url = excluded.url,
    start = excluded.start, "end" = excluded."end", text = excluded.text,
    language = excluded.language, access_level = excluded.access_level,
    storyteller = excluded.storyteller, place = excluded.place, year = excluded.year
"""

_TEXT_CLEANUP = {_MARK_OPEN: " ", _MARK_CLOSE: " "}


def _fts5_string(token: str) -> str:
    """Quote as an FTS5 string: inside one, nothing is syntax."""
    return '"' + token.replace('"', '""') + '"'


def fts5_match_expression(query: Query) -> str | None:
    """The MATCH expression for the query's text, or None if it has no positive text.

    Built only from parsed words, each quoted, so no input raises an FTS5
    syntax error; a word the tokenizer reduces to nothing matches nothing.
    """
    positive = [_fts5_string(term) for term in query.terms]
    positive += [_fts5_string(" ".join(phrase)) for phrase in query.phrases]
    if not positive:
        return None
    expression = " AND ".join(positive)
    if query.exclusions:
        excluded = " OR ".join(_fts5_string(word) for word in query.exclusions)
        expression = f"({expression}) NOT ({excluded})"
    return expression


def _exclusion_expression(query: Query) -> str | None:
    if not query.exclusions:
        return None
    return " OR ".join(_fts5_string(word) for word in query.exclusions)


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


def _facet(rows: Sequence[tuple[str, int]]) -> tuple[FacetCount, ...]:
    return tuple(
        FacetCount(value, count) for value, count in sorted(rows, key=lambda r: (-r[1], r[0]))
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
        conn.execute("PRAGMA mmap_size = 268435456")
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version not in (0, SCHEMA_VERSION):
            raise sqlite3.DatabaseError(
                f"index schema version {version}, this code expects {SCHEMA_VERSION}; "
                "delete the file and rebuild the index"
            )
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
            )
            for doc in documents
        ]
        themes = [(doc.segment_id, theme) for doc in documents for theme in set(doc.themes)]
        with self._transaction("store segments") as conn:
            conn.executemany(
                "DELETE FROM segment_themes WHERE segment_id = ?",
                ((doc.segment_id,) for doc in documents),
            )
            conn.executemany(_UPSERT, rows)
            conn.executemany("INSERT INTO segment_themes (segment_id, theme) VALUES (?, ?)", themes)

    def _remove_testimony(self, testimony_id: int) -> None:
        with self._transaction("remove a testimony") as conn:
            conn.execute(
                "DELETE FROM segment_themes WHERE segment_id IN "
                "(SELECT segment_id FROM segments WHERE testimony_id = ?)",
                (testimony_id,),
            )
            conn.execute("DELETE FROM segments WHERE testimony_id = ?", (testimony_id,))

    def _clear(self) -> None:
        with self._transaction("clear the index") as conn:
            conn.execute("DELETE FROM segment_themes")
            conn.execute("DELETE FROM segments")
            # With external content, deleting the rows does not empty the index.
            conn.execute("INSERT INTO segments_fts (segments_fts) VALUES ('delete-all')")

    def _count(self) -> int:
        with self._connection("count segments") as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM segments").fetchone()
        return int(count)

    # -- reads --------------------------------------------------------------

    def _filters(self, query: Query, access_levels: frozenset[str]) -> tuple[str, list[object]]:
        """SQL conditions on ``s`` (segments) for access, language, themes, exclusions."""
        levels = sorted(access_levels)
        clauses = [f"s.access_level IN ({', '.join('?' * len(levels))})"]
        params: list[object] = list(levels)
        if query.languages:
            clauses.append(f"s.language IN ({', '.join('?' * len(query.languages))})")
            params.extend(query.languages)
        for theme in query.themes:
            clauses.append(
                "s.segment_id IN (SELECT segment_id FROM segment_themes WHERE theme = ?)"
            )
            params.append(theme)
        if not query.has_text and query.exclusions:
            clauses.append(
                "s.segment_id NOT IN (SELECT rowid FROM segments_fts WHERE segments_fts MATCH ?)"
            )
            params.append(_exclusion_expression(query))
        return " AND ".join(clauses), params

    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults:
        match = fts5_match_expression(query)
        where, params = self._filters(query, access_levels)
        if match is not None:
            # CROSS JOIN pins the full-text index as the outer loop; left free,
            # the planner may walk segments by language and run MATCH per row.
            source = "segments_fts CROSS JOIN segments s ON s.segment_id = segments_fts.rowid"
            where = f"segments_fts MATCH ? AND {where}"
            params = [match, *params]
            columns = (
                f"snippet(segments_fts, 0, char(2), char(3), '{_ELLIPSIS}', {SNIPPET_TOKENS}), "
                "-rank"
            )
            order = "rank, s.segment_id"
        else:
            source = "segments s"
            columns = "s.text, 0.0"
            order = "s.testimony_id, s.start, s.segment_id"

        with self._connection("search") as conn:
            languages = conn.execute(
                f"SELECT s.language, COUNT(*) FROM {source} WHERE {where} "  # noqa: S608
                "GROUP BY s.language",
                params,
            ).fetchall()
            total = sum(count for _, count in languages)
            if not total:
                return SearchResults()
            themes = conn.execute(
                f"SELECT t.theme, COUNT(*) FROM {source} "  # noqa: S608
                f"JOIN segment_themes t ON t.segment_id = s.segment_id WHERE {where} "
                "GROUP BY t.theme",
                params,
            ).fetchall()
            rows = []
            if offset < total:
                rows = conn.execute(
                    "SELECT s.testimony_id, s.segment_id, s.title, s.url, s.start, "  # noqa: S608
                    f's."end", {columns} FROM {source} WHERE {where} '
                    f"ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                ).fetchall()

        snippet = _snippet_html if match is not None else _leading_words_html
        hits = tuple(
            Hit(
                testimony_id=testimony_id,
                segment_id=segment_id,
                title=title,
                url=url,
                start=start,
                end=end,
                snippet_html=snippet(raw),
                score=float(score),
            )
            for testimony_id, segment_id, title, url, start, end, raw, score in rows
        )
        return SearchResults(
            hits=hits,
            total=total,
            facets={"theme": _facet(themes), "language": _facet(languages)},
        )
