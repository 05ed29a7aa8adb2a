"""SQLite FTS5 search backend: the embedded default, needing no service.

Layout: ``segments`` holds one row per segment (the FTS5 table reads its
text from there as external content, so nothing is stored twice; its
``themes`` column is the slugs space-delimited, `` a b ``), ``segment_themes``
one row per (segment, theme) so a theme browse can start from an index, and
``segments_fts`` the full-text index, kept in step by triggers.

A search is two statements over the same WHERE clause: one GROUP BY
(language, theme set) that yields the total and both facets in a single pass
over the matched rows, and one ranked, limited page of hits. Every number
therefore sees exactly the access filter the hits see.

Params: ``{"PATH": "/var/lib/testimonio/search.sqlite3"}``; ``":memory:"``
gives a private in-memory index (tests).
"""

from __future__ import annotations

import html
import sqlite3
import threading
import unicodedata
from collections import Counter
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
    year INTEGER,
    themes TEXT NOT NULL DEFAULT ' '
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
                      access_level, storyteller, place, year, themes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (segment_id) DO UPDATE SET
    testimony_id = excluded.testimony_id, title = excluded.title, url = excluded.url,
    start = excluded.start, "end" = excluded."end", text = excluded.text,
    language = excluded.language, access_level = excluded.access_level,
    storyteller = excluded.storyteller, place = excluded.place, year = excluded.year,
    themes = excluded.themes
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


def _theme_set(themes: Sequence[str]) -> str:
    """Themes as one delimited string, so ``instr(themes, ' slug ')`` tests membership."""
    for theme in themes:
        if not theme or any(char.isspace() for char in theme):
            raise ValueError(f"Theme slug {theme!r} is empty or contains whitespace.")
    return " " + " ".join(sorted(set(themes))) + " "


def _facet(counts: Counter[str]) -> tuple[FacetCount, ...]:
    return tuple(
        FacetCount(value, count)
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
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
                _theme_set(doc.themes),
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
        # The index is derived data: clearing drops and recreates the tables,
        # so a rebuild also repairs an index written by older code.
        with self._connection("clear the index") as conn:
            conn.executescript(
                "BEGIN IMMEDIATE;\n"
                "DROP TABLE IF EXISTS segments_fts;\n"
                "DROP TABLE IF EXISTS segment_themes;\n"
                "DROP TABLE IF EXISTS segments;\n"
                f"{_SCHEMA}\nCOMMIT;"
            )

    def _count(self) -> int:
        with self._connection("count segments") as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM segments").fetchone()
        return int(count)

    # -- reads --------------------------------------------------------------

    def _filters(
        self, query: Query, access_levels: frozenset[str], *, browse: bool
    ) -> tuple[str, list[object]]:
        """SQL conditions on ``s`` (segments) for access, language, themes, exclusions."""
        levels = sorted(access_levels)
        clauses = [f"s.access_level IN ({', '.join('?' * len(levels))})"]
        params: list[object] = list(levels)
        if query.languages:
            clauses.append(f"s.language IN ({', '.join('?' * len(query.languages))})")
            params.extend(query.languages)
        for index, theme in enumerate(query.themes):
            if browse and index == 0:
                # The browse starts from this theme's index entries (see _search).
                clauses.append("t0.theme = ?")
            else:
                clauses.append("instr(s.themes, ?) > 0")
                theme = f" {theme} "
            params.append(theme)
        if browse and query.exclusions:
            clauses.append(
                "s.segment_id NOT IN (SELECT rowid FROM segments_fts WHERE segments_fts MATCH ?)"
            )
            params.append(_exclusion_expression(query))
        return " AND ".join(clauses), params

    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults:
        match = fts5_match_expression(query)
        where, params = self._filters(query, access_levels, browse=match is None)
        # CROSS JOIN pins the outer loop: the full-text index for a text search
        # (left free, the planner may walk segments by language and run MATCH
        # per row), the first theme's index entries for a theme browse.
        if match is not None:
            source = "segments_fts CROSS JOIN segments s ON s.segment_id = segments_fts.rowid"
            where = f"segments_fts MATCH ? AND {where}"
            params = [match, *params]
            columns = (
                f"snippet(segments_fts, 0, char(2), char(3), '{_ELLIPSIS}', {SNIPPET_TOKENS}), "
                "-rank"
            )
            order = "rank, s.segment_id"
        elif query.themes:
            source = "segment_themes t0 CROSS JOIN segments s ON s.segment_id = t0.segment_id"
            columns = "s.text, 0.0"
            order = "s.segment_id"
        else:
            source = "segments s"
            columns = "s.text, 0.0"
            order = "s.segment_id"

        with self._connection("search") as conn:
            groups = conn.execute(
                f"SELECT s.language, s.themes, COUNT(*) FROM {source} WHERE {where} "  # noqa: S608
                "GROUP BY s.language, s.themes",
                params,
            ).fetchall()
            total = sum(count for _, _, count in groups)
            if not total:
                return SearchResults()
            rows = []
            if offset < total:
                rows = conn.execute(
                    "SELECT s.testimony_id, s.segment_id, s.title, s.url, s.start, "  # noqa: S608
                    f's."end", {columns} FROM {source} WHERE {where} '
                    f"ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                ).fetchall()

        languages: Counter[str] = Counter()
        themes: Counter[str] = Counter()
        for language, theme_set, count in groups:
            languages[language] += count
            for theme in theme_set.split():
                themes[theme] += count
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
