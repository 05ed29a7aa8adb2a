"""SQLite FTS5 search backend: the embedded default, needing no service.

Layout: ``segments`` holds one row per segment; ``segments_fts`` is the
full-text index over it (external content, kept in step by triggers) with
three columns: ``text``, ``title`` and a hidden ``tags`` column of filter
tokens (``acl_public``, ``lang_es``, ``th_ice_detainer``, ``med_video``,
``tm_42``). Putting access level, language, themes and media type in the
index lets FTS5 intersect them with the words inside one MATCH, so a
filter never costs a row lookup, and the access filter is part of every
MATCH: there is no code path that reads segments without it. User words
can never name a tag: they are matched only in ``{text title}`` and the
parser never yields an underscore. Year and place are compared on the
``segments`` row (rare, narrow filters).

A search is: an exact count of matches (FTS5 alone, no ranking), facets
over at most FACET_SAMPLE matching rows (flagged approximate and scaled
beyond that, which bounds the GROUP BY on very common words), and the page
of hits ranked by FTS5's own ``ORDER BY rank LIMIT`` with snippets computed
only for the rows shown.

Params: ``{"PATH": "/var/lib/testimonio/search.sqlite3"}``; ``":memory:"``
gives a private in-memory index (tests).
"""

from __future__ import annotations

import html
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
    build_groups,
    plan_groups,
)
from search.backends.base import SearchBackend as BaseSearchBackend
from search.query import Query, fold

__all__ = ["SearchBackend", "fts5_match_expression", "match_expression"]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # PRAGMA user_version set by _SCHEMA
SNIPPET_TOKENS = 16
# Facets are counted over at most this many matching rows; beyond it they
# are scaled estimates and SearchResults.facets_approximate is set.
FACET_SAMPLE = 2_000
# bm25 costs per matching row; for a word found in more rows than this, only
# the most recently indexed RANK_CAP matches are ranked (FTS5 applies a rowid
# range inside the index), and the results say they are approximate.
RANK_CAP = 5_000
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
    themes TEXT NOT NULL DEFAULT ' ',
    media_type TEXT NOT NULL DEFAULT '',
    place_key TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS segments_testimony ON segments (testimony_id);
-- rank is bm25 with text weighing 4x the title (segment text says more about
-- a moment than the testimony title repeated on every one of its segments);
-- the tags column weighs nothing. '_' is a token character so that a tag is
-- one token; the query parser never yields '_' in a word.
CREATE VIRTUAL TABLE IF NOT EXISTS segments_fts USING fts5(
    text, title, tags,
    content='segments', content_rowid='segment_id',
    tokenize="unicode61 remove_diacritics 2 tokenchars '_'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS segments_vocab USING fts5vocab(segments_fts, 'row');
CREATE TRIGGER IF NOT EXISTS segments_fts_insert AFTER INSERT ON segments BEGIN
    INSERT INTO segments_fts (rowid, text, title, tags)
    VALUES (new.segment_id, new.text, new.title, new.tags);
END;
CREATE TRIGGER IF NOT EXISTS segments_fts_delete AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, title, tags)
    VALUES ('delete', old.segment_id, old.text, old.title, old.tags);
END;
CREATE TRIGGER IF NOT EXISTS segments_fts_update AFTER UPDATE ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, title, tags)
    VALUES ('delete', old.segment_id, old.text, old.title, old.tags);
    INSERT INTO segments_fts (rowid, text, title, tags)
    VALUES (new.segment_id, new.text, new.title, new.tags);
END;
INSERT INTO segments_fts (segments_fts, rank)
VALUES ('rank', 'bm25(4.0, 1.0, 0.0)');
PRAGMA user_version = 2;
"""

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


def _tag(prefix: str, value: str) -> str:
    return f"{prefix}_{value.replace('-', '_')}"


def _any_tag(prefix: str, values: Sequence[str]) -> str:
    return "(" + " OR ".join(_fts5_string(_tag(prefix, value)) for value in values) + ")"


def match_expression(query: Query, access_levels: frozenset[str]) -> str:
    """The whole MATCH: the text in ``{text title}``, access and filters in ``{tags}``.

    The access levels are always part of it, so no read of the index can
    skip the access filter.
    """
    parts = ["{tags}: " + _any_tag("acl", sorted(access_levels))]
    if query.languages:
        parts.append("{tags}: " + _any_tag("lang", query.languages))
    if query.media_types:
        parts.append("{tags}: " + _any_tag("med", query.media_types))
    parts.extend("{tags}: " + _fts5_string(_tag("th", theme)) for theme in query.themes)
    positive = [_fts5_string(term) for term in query.terms]
    positive += [_fts5_string(" ".join(phrase)) for phrase in query.phrases]
    if positive:
        parts.insert(0, "{text title}: (" + " AND ".join(positive) + ")")
    expression = " AND ".join(f"({part})" for part in parts)
    if query.exclusions:
        excluded = " OR ".join(_fts5_string(word) for word in query.exclusions)
        expression = f"({expression}) NOT ({{text title}}: ({excluded}))"
    return expression


def _tags(doc: SegmentDocument) -> str:
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
    shown = " ".join(pieces)
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
            conn.executescript(
                "BEGIN IMMEDIATE;\n"
                "DROP TABLE IF EXISTS segments_fts;\n"
                "DROP TABLE IF EXISTS segment_themes;\n"
                "DROP TABLE IF EXISTS segments;\n"
                "PRAGMA user_version = 0;\n"
                "COMMIT;"
            )
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

    def _remove_testimony(self, testimony_id: int) -> None:
        with self._transaction("remove a testimony") as conn:
            conn.execute("DELETE FROM segments WHERE testimony_id = ?", (testimony_id,))

    def _compact(self) -> None:
        # FTS5 keeps deleted terms in its b-trees until segments merge;
        # 'optimize' merges them all, and secure_delete zeroes what is freed.
        with self._connection("compact the index") as conn:
            conn.execute("INSERT INTO segments_fts (segments_fts) VALUES ('optimize')")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _clear(self) -> None:
        # The index is derived data: clearing drops and recreates the tables,
        # so a rebuild also repairs an index written by older code.
        with self._connection("clear the index") as conn:
            conn.executescript(
                "BEGIN IMMEDIATE;\n"
                "DROP TABLE IF EXISTS segments_vocab;\n"
                "DROP TABLE IF EXISTS segments_fts;\n"
                "DROP TABLE IF EXISTS segment_themes;\n"
                "DROP TABLE IF EXISTS segments;\n"
                "PRAGMA user_version = 0;\n"
                f"{_SCHEMA}\nCOMMIT;"
            )

    def _count(self) -> int:
        with self._connection("count segments") as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM segments").fetchone()
        return int(count)

    # -- reads --------------------------------------------------------------

    @staticmethod
    def _row_filters(query: Query) -> tuple[str, list[object]]:
        """Conditions on the segment row (``s``) for what the tags cannot hold."""
        clauses: list[str] = []
        params: list[object] = []
        if query.year_from is not None:
            clauses.append("s.year >= ?")
            params.append(query.year_from)
        if query.year_to is not None:
            clauses.append("s.year <= ?")
            params.append(query.year_to)
        if query.places:
            keys = query.place_keys
            clauses.append(f"s.place_key IN ({', '.join('?' * len(keys))})")
            params.extend(keys)
        return " AND ".join(clauses) or "1", params

    def _totals(
        self, conn: sqlite3.Connection, match: str, query: Query
    ) -> tuple[int, dict[str, tuple[FacetCount, ...]], bool]:
        row_where, row_params = self._row_filters(query)
        if row_params:
            (total,) = conn.execute(
                "SELECT COUNT(*) FROM segments_fts CROSS JOIN segments s "  # noqa: S608
                f"ON s.segment_id = segments_fts.rowid WHERE segments_fts MATCH ? AND {row_where}",
                [match, *row_params],
            ).fetchone()
        else:
            (total,) = conn.execute(
                "SELECT COUNT(*) FROM segments_fts WHERE segments_fts MATCH ?", (match,)
            ).fetchone()
        if not total:
            return 0, {}, False
        groups = conn.execute(
            "SELECT s.language, s.themes, s.place, s.year / 10 * 10, s.media_type, COUNT(*) "  # noqa: S608
            "FROM (SELECT segments_fts.rowid AS id FROM segments_fts CROSS JOIN segments s "
            "ON s.segment_id = segments_fts.rowid "
            f"WHERE segments_fts MATCH ? AND {row_where} LIMIT ?) m "
            "CROSS JOIN segments s ON s.segment_id = m.id "
            "GROUP BY 1, 2, 3, 4, 5",
            [match, *row_params, FACET_SAMPLE],
        ).fetchall()
        sampled = sum(row[-1] for row in groups)
        approximate = sampled < total
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
        scale = total / sampled if approximate else 1.0
        facets = {name: _facet(counter, scale) for name, counter in counters.items()}
        return int(total), facets, approximate

    def _ranked_rows(
        self,
        conn: sqlite3.Connection,
        match: str,
        query: Query,
        limit: int,
        offset: int,
        *,
        snippets: bool,
        rowids: Sequence[int] = (),
        floor: int | None = None,
    ) -> list[tuple]:
        """Best first (rowid order for a browse): (testimony, segment, title, url, start,
        end, snippet or text, score)."""
        row_where, row_params = self._row_filters(query)
        ranked = query.has_text
        snippet = (
            f"snippet(segments_fts, 0, char(2), char(3), '{_ELLIPSIS}', {SNIPPET_TOKENS})"
            if ranked and snippets
            else "NULL"
        )
        order = "rank, segments_fts.rowid" if ranked else "segments_fts.rowid"
        score = "-rank" if ranked else "0.0"
        only = ""
        params: list[object] = [match, *row_params]
        if rowids:
            only = f" AND segments_fts.rowid IN ({', '.join('?' * len(rowids))})"
            params.extend(rowids)
        if floor is not None:
            only += " AND segments_fts.rowid > ?"
            params.append(floor)
        if row_params:
            # Year or place: the row must be read before ranking anyway.
            sql = (
                f'SELECT s.testimony_id, s.segment_id, s.title, s.url, s.start, s."end", '  # noqa: S608
                f"{snippet}, {score}, s.text FROM segments_fts CROSS JOIN segments s "
                "ON s.segment_id = segments_fts.rowid "
                f"WHERE segments_fts MATCH ? AND {row_where}{only} "
                f"ORDER BY {order} LIMIT ? OFFSET ?"
            )
        else:
            # FTS5 ranks and limits by itself; only the rows shown are read.
            sql = (
                'SELECT s.testimony_id, s.segment_id, s.title, s.url, s.start, s."end", '  # noqa: S608
                "m.snip, m.score, s.text FROM ("
                f"SELECT segments_fts.rowid AS id, {snippet} AS snip, {score} AS score "
                f"FROM segments_fts WHERE segments_fts MATCH ?{only} ORDER BY {order} "
                "LIMIT ? OFFSET ?) m CROSS JOIN segments s ON s.segment_id = m.id "
                "ORDER BY m.score DESC, m.id"
            )
        return conn.execute(sql, [*params, limit, offset]).fetchall()

    @staticmethod
    def _hit(row: tuple) -> Hit:
        testimony_id, segment_id, title, url, start, end, snip, score, text = row
        return Hit(
            testimony_id=testimony_id,
            segment_id=segment_id,
            title=title,
            url=url,
            start=start,
            end=end,
            snippet_html=_snippet_html(snip) if snip is not None else _leading_words_html(text),
            score=float(score),
        )

    def _testimony_totals(
        self, conn: sqlite3.Connection, match: str, query: Query, testimony_ids: Sequence[int]
    ) -> dict[int, int]:
        """Matching segments per shown testimony: its tm_ tag narrows the MATCH in the index."""
        row_where, row_params = self._row_filters(query)
        totals = {}
        for testimony_id in testimony_ids:
            narrowed = f"({match}) AND ({{tags}}: tm_{int(testimony_id)})"
            (totals[testimony_id],) = conn.execute(
                "SELECT COUNT(*) FROM segments_fts CROSS JOIN segments s "  # noqa: S608
                f"ON s.segment_id = segments_fts.rowid WHERE segments_fts MATCH ? AND {row_where}",
                [narrowed, *row_params],
            ).fetchone()
        return totals

    @staticmethod
    def _rank_floor(conn: sqlite3.Connection, match: str, query: Query, total: int) -> int | None:
        """The rowid above which the RANK_CAP newest matches lie, when there are more."""
        if not query.has_text or total <= RANK_CAP or query.places or query.has_years:
            return None
        row = conn.execute(
            "SELECT rowid FROM segments_fts WHERE segments_fts MATCH ? "
            "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (match, RANK_CAP),
        ).fetchone()
        return int(row[0]) if row else None

    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults:
        match = match_expression(query, access_levels)
        with self._connection("search") as conn:
            total, facets, approximate = self._totals(conn, match, query)
            if not total:
                return SearchResults()
            floor = self._rank_floor(conn, match, query, total)
            approximate = approximate or floor is not None
            rows = []
            if offset < total:
                rows = self._ranked_rows(
                    conn, match, query, limit, offset, snippets=True, floor=floor
                )
        return SearchResults(
            hits=tuple(self._hit(row) for row in rows),
            total=total,
            facets=facets,
            facets_approximate=approximate,
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
            total, facets, approximate = self._totals(conn, match, query)
            if not total:
                return SearchResults()
            floor = self._rank_floor(conn, match, query, total)
            candidates = self._ranked_rows(
                conn, match, query, GROUP_CANDIDATES, 0, snippets=False, floor=floor
            )
            page = plan_groups(((row[0], row[1]) for row in candidates), limit, offset, per_group)
            wanted = [sid for ids in page.segment_ids.values() for sid in ids]
            # One lookup per shown segment: FTS5 answers MATCH with rowid = ?
            # directly, where an IN list would rank every match first.
            # Snippets for the shown segments are marked here, not by FTS5:
            # a MATCH restricted to a few rowids still walks every match.
            scores = {row[1]: row[7] for row in candidates}
            rows = (
                conn.execute(
                    'SELECT testimony_id, segment_id, title, url, start, "end", text '  # noqa: S608
                    f"FROM segments WHERE segment_id IN ({', '.join('?' * len(wanted))})",
                    wanted,
                ).fetchall()
                if wanted
                else []
            )
            totals = self._testimony_totals(conn, match, query, page.testimony_ids)
        hits = {
            row[1]: Hit(
                testimony_id=row[0],
                segment_id=row[1],
                title=row[2],
                url=row[3],
                start=row[4],
                end=row[5],
                snippet_html=marked_snippet_html(row[6], query),
                score=float(scores[row[1]]),
            )
            for row in rows
        }
        groups = build_groups(page, hits, totals)
        total_groups = page.total_groups
        truncated = floor is not None or (
            len(candidates) >= GROUP_CANDIDATES and total > len(candidates)
        )
        return SearchResults(
            hits=tuple(hit for group in groups for hit in group.hits),
            total=total,
            facets=facets,
            groups=groups,
            total_groups=total_groups,
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
                    (f"({{text title}}: {_fts5_string(candidate)}) AND ({acl})",),
                ).fetchone()
                if visible:
                    found.append(candidate)
                if len(found) == 3:
                    break
        return tuple(found)
