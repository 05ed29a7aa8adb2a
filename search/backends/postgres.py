"""PostgreSQL full-text search backend, for sites on PostgreSQL without Elasticsearch.

The index is one table of its own (``TABLE``, default ``search_segments``)
with a ``tsvector`` of the segment's text under a GIN index, and a second
(``TABLE`` + ``_testimonies``) with one row per testimony whose weighted
``tsvector`` (title and storyteller A, summary B) finds the testimony itself. Words are
matched without case and accents through a text search configuration
``testimonio_fold`` (the ``simple`` parser and dictionary behind the
``unaccent`` dictionary). Where the database role may not create the
``unaccent`` extension, the backend falls back to ``simple`` over a tsvector
of text Python has folded: search still ignores accents, but a snippet then
highlights only the words written without accents.

Segments are matched as SQLite matches them, from the shared
:class:`~search.plan.MatchPlan`: Python analyses the text (archive.language)
and the table keeps tsvectors (``simple`` configuration) of the segment's
stems, its translation's stems, and its folded words (for exact phrases);
a clause is any of its alternatives in either stem vector, and a row must
satisfy ``minimum`` clauses (a sum of booleans). The shared ranking
(search/ranking.py) orders the candidates (ts_rank picks the best
RESCORE_WINDOW first when there are more), so both backends put the same
moments first. A vocabulary table gives near spellings.

Every query is built from parsed words passed as parameters to
``phraseto_tsquery``, which has no syntax, so no input can raise a tsquery
error. Highlights come from ``ts_headline`` with control-character markers
that the stored text cannot contain; the snippet is HTML-escaped before the
markers become ``<mark>``.

Params: ``{"DATABASE_URL": "postgresql://user@host/db", "TABLE": "search_segments"}``;
without ``DATABASE_URL`` Django's default database is used when it is PostgreSQL.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

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
from search.fuzzy import Vocabulary, near_words, similar_words
from search.highlight import hit_snippets
from search.plan import Clause, Form, MatchPlan
from search.query import Query, fold
from search.ranking import Statistics, ceiling, own_forms, ranked_window

__all__ = ["SearchBackend"]

_MARK_OPEN = "\x02"
_MARK_CLOSE = "\x03"
# HighlightAll: ts_headline's own fragments trim anything that is not a word
# at their edges (markup included); segments are short, and _window() cuts
# the snippet around the first match instead.
_HEADLINE_OPTIONS = f"StartSel={_MARK_OPEN}, StopSel={_MARK_CLOSE}, HighlightAll=true"
_SNIPPET_WORDS = 16
_BEFORE_MATCH = 5
_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,50}")
RESCORE_WINDOW = 100
FREQUENCY_CAP = 50_000
DOCUMENTS_SECONDS = 60.0
# Candidates read at most (as SQLite's RANK_CAP).
RANK_CAP = 3_000
_FOLD_CONFIG = "testimonio_fold"


# ts_headline's parser drops anything shaped like an HTML tag, so markup in a
# transcript is swapped for private-use stand-ins before the headline and
# escaped after it (the stand-ins are removed from stored text, so they can
# only be ours).
_STAND_INS = {"<": "\ue000", ">": "\ue001", "&": "\ue002"}
_UNSTAND = {ord(v): html.escape(k, quote=False) for k, v in _STAND_INS.items()}
_CLEAN = str.maketrans(dict.fromkeys([_MARK_OPEN, _MARK_CLOSE, "\x00", *_STAND_INS.values()], " "))


def _clean(text: str) -> str:
    return text.translate(_CLEAN)


def _window(raw: str) -> str:
    """About _SNIPPET_WORDS words around the first match, never cutting a mark in two."""
    words = raw.split()
    first = next((i for i, word in enumerate(words) if _MARK_OPEN in word), 0)
    start = max(0, first - _BEFORE_MATCH)
    end = min(len(words), start + _SNIPPET_WORDS)
    shown = words[start:end]
    if not shown:
        return ""
    opened = "".join(words[:start]).count(_MARK_OPEN) - "".join(words[:start]).count(_MARK_CLOSE)
    if opened > 0:
        shown[0] = _MARK_OPEN + shown[0]
    text = " ".join(shown)
    if text.count(_MARK_OPEN) > text.count(_MARK_CLOSE):
        text += _MARK_CLOSE
    return ("\u2026" if start else "") + text + ("\u2026" if end < len(words) else "")


def _snippet_html(raw: str) -> str:
    return (
        html.escape(_window(raw), quote=False)
        .translate(_UNSTAND)
        .replace(_MARK_OPEN, "<mark>")
        .replace(_MARK_CLOSE, "</mark>")
    )


def _leading_words_html(text: str) -> str:
    words = text.split()
    shown = " ".join(words[:_SNIPPET_WORDS]) + ("\u2026" if len(words) > _SNIPPET_WORDS else "")
    return html.escape(shown, quote=False)


# Python-analysed text, and its tsvectors (``simple``: the words as Python left them).
_ADDED_COLUMNS = (
    ("translation", "text", "''"),
    ("stems", "text", "''"),
    ("tstems", "text", "''"),
    ("stems_vector", "tsvector", "''::tsvector"),
    ("tstems_vector", "tsvector", "''::tsvector"),
    ("said_vector", "tsvector", "''::tsvector"),
    ("tsaid_vector", "tsvector", "''::tsvector"),
)
_VECTORS = ("stems_vector", "tstems_vector", "said_vector", "tsaid_vector")


def _facet(counts: Counter[str]) -> tuple[FacetCount, ...]:
    return tuple(
        FacetCount(value, count)
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if value
    )


def _conninfo(params: dict) -> str:
    url = params.get("DATABASE_URL")
    if url:
        return str(url)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    database = settings.DATABASES["default"]
    if "postgresql" not in database.get("ENGINE", ""):
        raise ImproperlyConfigured(
            "The PostgreSQL search backend needs DATABASE_URL in its SEARCH_BACKENDS entry "
            "or a PostgreSQL default database."
        )
    return psycopg.conninfo.make_conninfo(
        dbname=database.get("NAME") or "",
        user=database.get("USER") or "",
        password=database.get("PASSWORD") or "",
        host=database.get("HOST") or "",
        port=str(database.get("PORT") or ""),
    )


class SearchBackend(BaseSearchBackend):
    """PostgreSQL backend. One connection per instance, shared by threads under a lock."""

    def __init__(self, params: dict) -> None:
        super().__init__(params)
        table = str(params.get("TABLE", "search_segments"))
        if not _TABLE_NAME.fullmatch(table):
            raise ValueError(f"TABLE {table!r} must be a lower-case SQL identifier.")
        self.table = sql.Identifier(table)
        self.testimonies = sql.Identifier(f"{table}_testimonies")
        self.vocabulary = sql.Identifier(f"{table}_vocabulary")
        self._documents: tuple[float, int] | None = None
        self._words_cache: tuple[tuple[int, int], Vocabulary] = ((-1, -1), Vocabulary())
        self._table_name = table
        self._conninfo = _conninfo(params)
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._config = "simple"
        # Search by meaning (search/meaning.py): off unless asked, as it loads a model.
        self.meaning = bool(params.get("MEANING", False))
        self._vectors = meaning.VectorTable()
        self._writes = 0  # this instance's writes: its own change is seen at once
        with self._connection("open the index"):
            pass

    # -- plumbing -----------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
        self._config = self._ensure_config(conn)
        self._ensure_schema(conn)
        return conn

    @staticmethod
    def _ensure_config(conn: psycopg.Connection) -> str:
        try:
            with conn.transaction():
                conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
                exists = conn.execute(
                    "SELECT 1 FROM pg_ts_config WHERE cfgname = %s", (_FOLD_CONFIG,)
                ).fetchone()
                if not exists:
                    conn.execute(f"CREATE TEXT SEARCH CONFIGURATION {_FOLD_CONFIG} (COPY = simple)")
                    conn.execute(
                        f"ALTER TEXT SEARCH CONFIGURATION {_FOLD_CONFIG} "
                        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
                    )
        except psycopg.errors.UniqueViolation:
            return _FOLD_CONFIG  # another process created it at the same moment
        except psycopg.Error:
            # No right to create extensions here: fold in Python instead.
            return "simple"
        return _FOLD_CONFIG

    def _ensure_schema(self, conn: psycopg.Connection) -> None:
        table = self.table
        name = self._table_name
        statements = [
            sql.SQL(
                """CREATE TABLE IF NOT EXISTS {} (
                    segment_id bigint PRIMARY KEY,
                    testimony_id bigint NOT NULL,
                    title text NOT NULL,
                    url text NOT NULL,
                    start double precision NOT NULL,
                    "end" double precision NOT NULL,
                    text text NOT NULL,
                    language text NOT NULL,
                    access_level text NOT NULL,
                    storyteller text NOT NULL DEFAULT '',
                    place text NOT NULL DEFAULT '',
                    place_key text NOT NULL DEFAULT '',
                    year integer,
                    media_type text NOT NULL DEFAULT '',
                    themes text[] NOT NULL DEFAULT '{{}}',
                    document tsvector NOT NULL
                )"""
            ).format(table),
            # Added with language analysis; a table from older code gets them empty
            # (rebuild_index fills them).
            *(
                sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {} NOT NULL DEFAULT {}").format(
                    table, sql.Identifier(column), sql.SQL(kind), sql.SQL(default)
                )
                for column, kind, default in _ADDED_COLUMNS
            ),
            *(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin ({})").format(
                    sql.Identifier(f"{name}_{column}"), table, sql.Identifier(column)
                )
                for column in _VECTORS
            ),
            # The moment's vector for search by meaning (float32, little-endian), or NULL.
            sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS meaning bytea").format(table),
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (word text PRIMARY KEY, generation bigint NOT NULL)"
            ).format(self.vocabulary),
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (themes)").format(
                sql.Identifier(f"{name}_themes"), table
            ),
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (testimony_id)").format(
                sql.Identifier(f"{name}_testimony"), table
            ),
            sql.SQL(
                """CREATE TABLE IF NOT EXISTS {} (
                    testimony_id bigint PRIMARY KEY,
                    title text NOT NULL,
                    url text NOT NULL,
                    summary text NOT NULL,
                    language text NOT NULL,
                    access_level text NOT NULL,
                    place_key text NOT NULL DEFAULT '',
                    year integer,
                    media_type text NOT NULL DEFAULT '',
                    themes text[] NOT NULL DEFAULT '{{}}',
                    document tsvector NOT NULL
                )"""
            ).format(self.testimonies),
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (document)").format(
                sql.Identifier(f"{name}_testimonies_document"), self.testimonies
            ),
        ]
        with conn.transaction():
            # Two processes starting at once must not race on CREATE.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))
            for statement in statements:
                conn.execute(statement)

    @contextmanager
    def _connection(self, action: str) -> Iterator[psycopg.Connection]:
        with self._lock:
            try:
                if self._conn is None or self._conn.closed or self._conn.broken:
                    self._conn = self._connect()
                yield self._conn
            except psycopg.Error as e:
                raise SearchUnavailable(
                    f"The PostgreSQL search index could not {action}: {e}. Check that the "
                    "database server is running and reachable, then try again."
                ) from e

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _text(self, text: str) -> str:
        """Text as stored for the tsvector: folded in Python only without unaccent."""
        return text if self._config == _FOLD_CONFIG else fold(text)

    # -- writes -------------------------------------------------------------

    def _index_segments(self, documents: list[SegmentDocument]) -> None:
        statement = sql.SQL(
            """INSERT INTO {} (segment_id, testimony_id, title, url, start, "end", text,
                language, access_level, storyteller, place, place_key, year, media_type, themes,
                document, translation, stems, tstems, stems_vector, tstems_vector, said_vector,
                tsaid_vector, meaning)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                to_tsvector(%s::regconfig, %s), %s, %s, %s, to_tsvector('simple', %s),
                to_tsvector('simple', %s), to_tsvector('simple', %s), to_tsvector('simple', %s),
                %s)
            ON CONFLICT (segment_id) DO UPDATE SET
                testimony_id = EXCLUDED.testimony_id, title = EXCLUDED.title,
                url = EXCLUDED.url, start = EXCLUDED.start, "end" = EXCLUDED."end",
                text = EXCLUDED.text, language = EXCLUDED.language,
                access_level = EXCLUDED.access_level, storyteller = EXCLUDED.storyteller,
                place = EXCLUDED.place, place_key = EXCLUDED.place_key, year = EXCLUDED.year,
                media_type = EXCLUDED.media_type, themes = EXCLUDED.themes,
                document = EXCLUDED.document, translation = EXCLUDED.translation,
                stems = EXCLUDED.stems, tstems = EXCLUDED.tstems,
                stems_vector = EXCLUDED.stems_vector, tstems_vector = EXCLUDED.tstems_vector,
                said_vector = EXCLUDED.said_vector, tsaid_vector = EXCLUDED.tsaid_vector,
                meaning = EXCLUDED.meaning"""
        ).format(self.table)
        # Encoded before the connection is taken: the model is the slow part.
        vectors = (
            [meaning.to_bytes(v) for v in meaning.encode_documents(documents)]
            if self.meaning
            else [None] * len(documents)
        )
        with self._connection("store segments") as conn, conn.transaction():
            rows = []
            vocabulary: set[str] = set()
            for doc, vector in zip(documents, vectors, strict=True):
                text, title, translation = (
                    _clean(doc.text),
                    _clean(doc.title),
                    _clean(doc.translation),
                )
                said, translated = words(text), words(translation)
                vocabulary.update(said)
                vocabulary.update(translated)
                stems = " ".join(analyse(text, doc.language))
                tstems = " ".join(analyse(translation, "en"))
                rows.append(
                    (
                        doc.segment_id,
                        doc.testimony_id,
                        title,
                        doc.url,
                        float(doc.start),
                        float(doc.end),
                        text,
                        doc.language,
                        doc.access_level,
                        doc.storyteller,
                        doc.place,
                        fold(doc.place),
                        doc.year,
                        doc.media_type,
                        sorted(set(doc.themes)),
                        self._config,
                        self._text(text),
                        translation,
                        stems,
                        tstems,
                        stems,
                        tstems,
                        " ".join(said),
                        " ".join(translated),
                        vector,
                    )
                )
            with conn.cursor() as cursor:
                cursor.executemany(statement, rows)
            self._writes += 1
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (word, generation) SELECT w, txid_current() "
                    "FROM unnest(%s::text[]) w ON CONFLICT (word) DO NOTHING"
                ).format(self.vocabulary),
                (sorted(vocabulary),),
            )
        self._documents = None

    def _index_testimonies(self, documents: list[TestimonyDocument]) -> None:
        statement = sql.SQL(
            """INSERT INTO {} (testimony_id, title, url, summary, language, access_level,
                place_key, year, media_type, themes, document)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                setweight(to_tsvector(%s::regconfig, %s), 'A')
                || setweight(to_tsvector(%s::regconfig, %s), 'B'))
            ON CONFLICT (testimony_id) DO UPDATE SET
                title = EXCLUDED.title, url = EXCLUDED.url, summary = EXCLUDED.summary,
                language = EXCLUDED.language, access_level = EXCLUDED.access_level,
                place_key = EXCLUDED.place_key, year = EXCLUDED.year,
                media_type = EXCLUDED.media_type, themes = EXCLUDED.themes,
                document = EXCLUDED.document"""
        ).format(self.testimonies)
        rows = [
            (
                doc.testimony_id,
                _clean(doc.title),
                doc.url,
                _clean(doc.summary),
                doc.language,
                doc.access_level,
                fold(doc.place),
                doc.year,
                doc.media_type,
                sorted(set(doc.themes)),
                self._config,
                self._text(_clean(f"{doc.title} {doc.storyteller}")),
                self._config,
                self._text(_clean(doc.summary)),
            )
            for doc in documents
        ]
        with self._connection("store testimonies") as conn, conn.transaction():
            with conn.cursor() as cursor:
                cursor.executemany(statement, rows)

    def _remove_testimony(self, testimony_id: int) -> None:
        with self._connection("remove a testimony") as conn, conn.transaction():
            said: set[str] = set()
            for text, translation in conn.execute(
                sql.SQL("SELECT text, translation FROM {} WHERE testimony_id = %s").format(
                    self.table
                ),
                (testimony_id,),
            ):
                said.update(words(text))
                said.update(words(translation))
            for table in (self.table, self.testimonies):
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE testimony_id = %s").format(table),
                    (testimony_id,),
                )
            # A word no other segment says leaves the vocabulary with it.
            conn.execute(
                sql.SQL(
                    "DELETE FROM {vocabulary} v WHERE v.word = ANY(%s) AND NOT EXISTS ("
                    "SELECT 1 FROM {table} t WHERE t.said_vector @@ phraseto_tsquery('simple', "
                    "v.word) OR t.tsaid_vector @@ phraseto_tsquery('simple', v.word))"
                ).format(vocabulary=self.vocabulary, table=self.table),
                (sorted(said),),
            )
            self._writes += 1
        self._documents = None

    def _clear(self) -> None:
        with self._connection("clear the index") as conn:
            conn.execute(
                sql.SQL("TRUNCATE {}, {}, {}").format(self.table, self.testimonies, self.vocabulary)
            )
            self._writes += 1
        self._documents = None

    def _count(self) -> int:
        with self._connection("count segments") as conn:
            row = conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(self.table)).fetchone()
        return int(row[0]) if row else 0

    def drop(self) -> None:
        """Drop the index table (tests and decommissioning)."""
        with self._connection("drop the index") as conn:
            conn.execute(
                sql.SQL("DROP TABLE IF EXISTS {}, {}, {}").format(
                    self.table, self.testimonies, self.vocabulary
                )
            )

    # -- reads --------------------------------------------------------------

    def _tsquery(self, words: Sequence[str], joiner: str) -> tuple[sql.Composable, list[Any]]:
        parts = [sql.SQL("phraseto_tsquery(%s::regconfig, %s)") for _ in words]
        params: list[Any] = []
        for word in words:
            params.extend([self._config, self._text(word)])
        return sql.SQL("(") + sql.SQL(f" {joiner} ").join(parts) + sql.SQL(")"), params

    def _positive(self, query: Query) -> tuple[sql.Composable, list[Any]] | None:
        words = [*query.terms, *(" ".join(phrase) for phrase in query.phrases)]
        return self._tsquery(words, "&&") if words else None

    def _where(
        self, query: Query, access_levels: frozenset[str]
    ) -> tuple[sql.Composable, list[Any]]:
        """Testimony documents: every typed word (folded) in ``document``, and the filters."""
        clauses: list[sql.Composable] = [sql.SQL("access_level = ANY(%s)")]
        params: list[Any] = [sorted(access_levels)]
        positive = self._positive(query)
        if positive is not None:
            clauses.append(sql.SQL("document @@ ") + positive[0])
            params.extend(positive[1])
        if query.exclusions:
            excluded, excluded_params = self._tsquery(list(query.exclusions), "||")
            clauses.append(sql.SQL("NOT (document @@ ") + excluded + sql.SQL(")"))
            params.extend(excluded_params)
        filters, filter_params = self._filters(query)
        return sql.SQL(" AND ").join([*clauses, *filters]), [*params, *filter_params]

    @staticmethod
    def _filters(query: Query) -> tuple[list[sql.Composable], list[Any]]:
        clauses: list[sql.Composable] = []
        params: list[Any] = []
        if query.languages:
            clauses.append(sql.SQL("language = ANY(%s)"))
            params.append(list(query.languages))
        if query.themes:
            clauses.append(sql.SQL("themes @> %s"))
            params.append(list(query.themes))
        if query.media_types:
            clauses.append(sql.SQL("media_type = ANY(%s)"))
            params.append(list(query.media_types))
        if query.places:
            clauses.append(
                sql.SQL(
                    "EXISTS (SELECT 1 FROM unnest(%s::text[]) AS needle "
                    "WHERE strpos(' ' || replace(place_key, ',', ' ') || ' ', needle) > 0)"
                )
            )
            params.append(list(query.place_needles))
        if query.year_from is not None:
            clauses.append(sql.SQL("year >= %s"))
            params.append(query.year_from)
        if query.year_to is not None:
            clauses.append(sql.SQL("year <= %s"))
            params.append(query.year_to)
        return clauses, params

    # -- segments: the shared plan -------------------------------------------------

    @staticmethod
    def _any(forms: Sequence[Form]) -> tuple[sql.Composable, list[Any]]:
        """A tsquery of any of ``forms`` (each a phrase of stems; no syntax reaches it)."""
        parts = [sql.SQL("phraseto_tsquery('simple', %s)") for _ in forms]
        return sql.SQL("(") + sql.SQL(" || ").join(parts) + sql.SQL(")"), [
            " ".join(form) for form in forms
        ]

    def _stems_match(self, forms: Sequence[Form]) -> tuple[sql.Composable, list[Any]]:
        tsquery, params = self._any(forms)
        return (
            sql.SQL("(stems_vector @@ {q} OR tstems_vector @@ {q})").format(q=tsquery),
            [*params, *params],
        )

    def _said_match(self, phrase: Sequence[str]) -> tuple[sql.Composable, list[Any]]:
        text = " ".join(phrase)
        return (
            sql.SQL(
                "(said_vector @@ phraseto_tsquery('simple', %s) "
                "OR tsaid_vector @@ phraseto_tsquery('simple', %s))"
            ),
            [text, text],
        )

    def _segment_where(
        self, plan: MatchPlan, query: Query, access_levels: frozenset[str]
    ) -> tuple[sql.Composable, list[Any]]:
        """Access, the filters, the phrases, ``minimum`` of the clauses, no exclusion."""
        clauses: list[sql.Composable] = [sql.SQL("access_level = ANY(%s)")]
        params: list[Any] = [sorted(access_levels)]
        for phrase in plan.phrases:
            condition, values = self._said_match(phrase)
            clauses.append(condition)
            params.extend(values)
        if plan.clauses:
            matches = [self._stems_match(plan.alternatives(i)) for i in range(len(plan.clauses))]
            if plan.minimum >= len(matches):
                for condition, values in matches:
                    clauses.append(condition)
                    params.extend(values)
            else:
                for (condition, values), clause in zip(matches, plan.clauses, strict=True):
                    if clause.required:
                        clauses.append(condition)
                        params.extend(values)
                # The OR lets the GIN indexes find candidates; the sum counts clauses.
                clauses.append(
                    sql.SQL("(") + sql.SQL(" OR ").join(c for c, _ in matches) + sql.SQL(")")
                )
                for _, values in matches:
                    params.extend(values)
            if 1 < plan.minimum < len(matches):
                clauses.append(
                    sql.SQL("(")
                    + sql.SQL(" + ").join(sql.SQL("({})::int").format(c) for c, _ in matches)
                    + sql.SQL(") >= %s")
                )
                for _, values in matches:
                    params.extend(values)
                params.append(plan.minimum)
        if plan.exclusions:
            condition, values = self._stems_match(plan.exclusions)
            clauses.append(sql.SQL("NOT ") + condition)
            params.extend(values)
        filters, filter_params = self._filters(query)
        return sql.SQL(" AND ").join([*clauses, *filters]), [*params, *filter_params]

    def _document_count(self, conn: psycopg.Connection) -> int:
        now = time.monotonic()
        if self._documents is None or now - self._documents[0] > DOCUMENTS_SECONDS:
            row = conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(self.table)).fetchone()
            self._documents = (now, int(row[0]) if row else 0)
        return self._documents[1]

    def _bounded_count(
        self, conn: psycopg.Connection, where: sql.Composable, params: list[Any], cap: int
    ) -> int:
        row = conn.execute(
            sql.SQL("SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE {} LIMIT %s) x").format(
                self.table, where
            ),
            [*params, cap],
        ).fetchone()
        return int(row[0]) if row else 0

    def _vocabulary(self, conn: psycopg.Connection) -> Vocabulary:
        row = conn.execute(
            sql.SQL("SELECT COUNT(*), COALESCE(MAX(generation), 0) FROM {}").format(self.vocabulary)
        ).fetchone()
        key = (int(row[0]), int(row[1])) if row else (0, 0)
        if key != self._words_cache[0]:
            found = conn.execute(sql.SQL("SELECT word FROM {}").format(self.vocabulary))
            self._words_cache = (key, Vocabulary.of([word for (word,) in found]))
        return self._words_cache[1]

    def _prepare(
        self, conn: psycopg.Connection, query: Query, access_levels: frozenset[str]
    ) -> tuple[MatchPlan, Statistics]:
        """The plan with near spellings the asker may see, and the ranking's statistics."""
        plan = self.plan(query)
        documents = self._document_count(conn)
        frequency: dict[tuple[Form, ...], int] = {}
        for forms in own_forms(plan):
            if forms not in frequency:
                condition, values = self._stems_match(forms)
                frequency[forms] = self._bounded_count(conn, condition, values, FREQUENCY_CAP)

        def seen(word: str, cap: int) -> int:
            # Moments the asker may see that say the word.
            condition, values = self._said_match((word,))
            return self._bounded_count(
                conn,
                condition + sql.SQL(" AND access_level = ANY(%s)"),
                [*values, sorted(access_levels)],
                cap,
            )

        def similar(clause: Clause) -> list[str]:
            return similar_words(
                clause.word, frequency[clause.forms], documents, self._vocabulary(conn), seen
            )

        plan = plan.with_fuzzy(similar)
        statistics = Statistics(documents, tuple(frequency[f] for f in own_forms(plan)))
        return plan, statistics

    def _ranked(
        self,
        conn: psycopg.Connection,
        plan: MatchPlan,
        statistics: Statistics,
        where: sql.Composable,
        params: list[Any],
        total: int,
        need: int,
    ) -> list[tuple[int, int, float]]:
        """(testimony, segment, score), best first: the shared ranking, as SQLite's."""
        if not plan.has_text:
            rows = conn.execute(
                sql.SQL(
                    "SELECT testimony_id, segment_id FROM {} WHERE {} ORDER BY segment_id LIMIT %s"
                ).format(self.table, where),
                [*params, need],
            ).fetchall()
            return [(testimony_id, segment_id, 0.0) for testimony_id, segment_id in rows]
        if total <= RESCORE_WINDOW:
            order = sql.SQL("segment_id")
            order_params: list[Any] = []
        else:
            alternatives = [f for i in range(len(plan.clauses)) for f in plan.alternatives(i)]
            alternatives += [form for forms in plan.phrase_forms for form in forms]
            tsquery, order_params = self._any(list(dict.fromkeys(alternatives)))
            order = sql.SQL("ts_rank(stems_vector || tstems_vector, {}) DESC, segment_id").format(
                tsquery
            )
        rows = conn.execute(
            sql.SQL("SELECT segment_id, testimony_id FROM {} WHERE {} ORDER BY {} LIMIT %s").format(
                self.table, where, order
            ),
            [*params, *order_params, min(max(need, RESCORE_WINDOW), RANK_CAP)],
        ).fetchall()
        owners = dict(rows)

        def read(keys: Sequence[int]) -> dict[int, tuple[str, str]]:
            found = conn.execute(
                sql.SQL(
                    "SELECT segment_id, stems, tstems FROM {} WHERE segment_id = ANY(%s)"
                ).format(self.table),
                (list(keys),),
            )
            return {key: (stems, tstems) for key, stems, tstems in found}

        scored = ranked_window(plan, statistics, [key for key, _ in rows], read, RESCORE_WINDOW)
        return [(owners[key], key, value) for key, value in scored[:need]]

    def _segment_hits(
        self,
        conn: psycopg.Connection,
        ranked: Sequence[tuple[int, int, float]],
        plan: MatchPlan,
        access_levels: frozenset[str],
    ) -> dict[int, Hit]:
        """Hits for ``ranked``; the access level is checked once more on the row read."""
        scores = {segment_id: score for _, segment_id, score in ranked}
        if not scores:
            return {}
        rows = conn.execute(
            sql.SQL(
                'SELECT testimony_id, segment_id, title, url, start, "end", text, translation, '
                "language FROM {} WHERE segment_id = ANY(%s) AND access_level = ANY(%s)"
            ).format(self.table),
            (list(scores), sorted(access_levels)),
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

    def _totals(
        self, conn: psycopg.Connection, where: sql.Composable, params: list[Any]
    ) -> tuple[int, dict[str, tuple[FacetCount, ...]]]:
        rows = conn.execute(
            sql.SQL(
                "SELECT language, themes, place, year / 10 * 10, media_type, COUNT(*) "
                "FROM {} WHERE {} GROUP BY 1, 2, 3, 4, 5"
            ).format(self.table, where),
            params,
        ).fetchall()
        counters: dict[str, Counter[str]] = {
            name: Counter() for name in ("theme", "language", "place", "decade", "media_type")
        }
        total = 0
        for language, themes, place, decade, media_type, count in rows:
            total += count
            counters["language"][language] += count
            counters["place"][place] += count
            counters["decade"][str(decade) if decade is not None else ""] += count
            counters["media_type"][media_type] += count
            for theme in themes:
                counters["theme"][theme] += count
        return total, {name: _facet(counter) for name, counter in counters.items()}

    def _meaning(
        self,
        conn: psycopg.Connection,
        query: Query,
        plan: MatchPlan,
        access_levels: frozenset[str],
        where: sql.Composable,
        params: list[Any],
    ) -> tuple[list[tuple[int, int, float]], set[int]]:
        """(Moments near the question by meaning, nearest first; those the words found too).

        Candidates are checked on the live table, access level and every
        filter included, before any is counted or shown.
        """
        text = meaning.question(query, plan) if self.meaning else None
        if text is None:
            return [], set()
        stats = conn.execute(
            "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE relid = "
            "%s::regclass",
            (self._table_name,),
        ).fetchone()
        near = self._vectors.nearest(
            meaning.question_vector(text),
            access_levels,
            meaning.CANDIDATES * 2,
            version=(stats, self._writes),
            load=lambda: conn.execute(
                sql.SQL(
                    "SELECT segment_id, testimony_id, access_level, meaning FROM {} "
                    "WHERE meaning IS NOT NULL"
                ).format(self.table)
            ).fetchall(),
        )
        if not near:
            return [], set()
        filters, filter_params = self._filters(query)
        allowed = sql.SQL(" AND ").join(
            [sql.SQL("access_level = ANY(%s)"), sql.SQL("segment_id = ANY(%s)"), *filters]
        )
        ids = [segment_id for _, segment_id, _ in near]
        kept = {
            segment_id
            for (segment_id,) in conn.execute(
                sql.SQL("SELECT segment_id FROM {} WHERE {}").format(self.table, allowed),
                [sorted(access_levels), ids, *filter_params],
            )
        }
        by_words = {
            segment_id
            for (segment_id,) in conn.execute(
                sql.SQL("SELECT segment_id FROM {} WHERE {} AND segment_id = ANY(%s)").format(
                    self.table, where
                ),
                [*params, ids],
            )
        }
        return [row for row in near if row[1] in kept][: meaning.CANDIDATES], by_words

    def _search(
        self, query: Query, access_levels: frozenset[str], limit: int, offset: int
    ) -> SearchResults:
        with self._connection("search") as conn:
            plan, statistics = self._prepare(conn, query, access_levels)
            where, params = self._segment_where(plan, query, access_levels)
            total, facets = self._totals(conn, where, params)
            near, by_words = self._meaning(conn, query, plan, access_levels, where, params)
            extra = [row for row in near if row[1] not in by_words]
            if extra:
                facets = self._with_extra_facets(conn, facets, extra)
            grand = total + len(extra)
            if not grand or offset >= grand:
                return SearchResults(total=grand, facets=facets) if grand else SearchResults()
            if near and plan.has_text:
                words_first = (
                    self._ranked(
                        conn,
                        plan,
                        statistics,
                        where,
                        params,
                        total,
                        max(offset + limit, meaning.FUSION_DEPTH),
                    )
                    if total
                    else []
                )
                ranked = meaning.fuse(words_first, near, ceiling(statistics))[
                    offset : offset + limit
                ]
            else:
                ranked = self._ranked(conn, plan, statistics, where, params, total, offset + limit)
                ranked = ranked[offset : offset + limit]
            hits = self._segment_hits(conn, ranked, plan, access_levels)
        return SearchResults(
            hits=tuple(hits[sid] for _, sid, _ in ranked if sid in hits),
            total=grand,
            facets=facets,
            facets_approximate=plan.has_text and total > RANK_CAP,
        )

    def _with_extra_facets(
        self,
        conn: psycopg.Connection,
        facets: dict[str, tuple[FacetCount, ...]],
        extra: Sequence[tuple[int, int, float]],
    ) -> dict[str, tuple[FacetCount, ...]]:
        """``facets`` with the moments found by meaning alone counted in."""
        _, more = self._totals(
            conn, sql.SQL("segment_id = ANY(%s)"), [[segment_id for _, segment_id, _ in extra]]
        )
        merged = {}
        for name in set(facets) | set(more):
            counter: Counter[str] = Counter()
            for facet in (*facets.get(name, ()), *more.get(name, ())):
                counter[facet.value] += facet.count
            merged[name] = _facet(counter)
        return merged

    def _testimony_scores(
        self, conn: psycopg.Connection, query: Query, access_levels: frozenset[str]
    ) -> list[tuple[int, float]]:
        """(testimony, score) for testimonies whose own document matches the words, best first."""
        positive = self._positive(query)
        if positive is None:
            return []
        where, params = self._where(query, access_levels)
        statement = sql.SQL(
            "SELECT testimony_id, ts_rank(document, {words}) AS score FROM {table} "
            "WHERE {where} ORDER BY score DESC, testimony_id LIMIT %s"
        ).format(words=positive[0], table=self.testimonies, where=where)
        rows = conn.execute(statement, [*positive[1], *params, GROUP_CANDIDATES]).fetchall()
        return [(testimony_id, float(score)) for testimony_id, score in rows]

    def _testimony_matches(
        self,
        conn: psycopg.Connection,
        query: Query,
        access_levels: frozenset[str],
        scores: dict[int, float],
    ) -> dict[int, TestimonyMatch]:
        """The shown testimonies found by their document, with highlighted summaries
        (ts_headline runs for these rows only)."""
        positive = self._positive(query)
        if positive is None or not scores:
            return {}
        where, params = self._where(query, access_levels)
        statement = sql.SQL(
            "SELECT testimony_id, title, url, "
            "ts_headline(%s::regconfig, translate(summary, %s, %s), {words}, %s) "
            "FROM {table} WHERE {where} AND testimony_id = ANY(%s)"
        ).format(words=positive[0], table=self.testimonies, where=where)
        rows = conn.execute(
            statement,
            [
                self._config,
                "".join(_STAND_INS),
                "".join(_STAND_INS.values()),
                *positive[1],
                _HEADLINE_OPTIONS,
                *params,
                list(scores),
            ],
        ).fetchall()
        return {
            testimony_id: TestimonyMatch(
                testimony_id=testimony_id,
                title=title,
                url=url,
                snippet_html=_snippet_html(headline or ""),
                score=scores[testimony_id],
            )
            for testimony_id, title, url, headline in rows
        }

    def _search_grouped(
        self,
        query: Query,
        access_levels: frozenset[str],
        limit: int,
        offset: int,
        per_group: int,
    ) -> SearchResults:
        with self._connection("search") as conn:
            plan, statistics = self._prepare(conn, query, access_levels)
            where, params = self._segment_where(plan, query, access_levels)
            testimonies = self._testimony_scores(conn, query, access_levels)
            total, facets = self._totals(conn, where, params)
            near, by_words = self._meaning(conn, query, plan, access_levels, where, params)
            extra = [row for row in near if row[1] not in by_words]
            if extra:
                facets = self._with_extra_facets(conn, facets, extra)
            if not total and not testimonies and not extra:
                return SearchResults()
            candidates = (
                self._ranked(conn, plan, statistics, where, params, total, GROUP_CANDIDATES)
                if total
                else []
            )
            if near and plan.has_text:
                candidates = meaning.fuse(candidates, near, ceiling(statistics))
            page = plan_groups(candidates, limit, offset, per_group, testimonies)
            shown = {sid for ids in page.segment_ids.values() for sid in ids}
            hits = self._segment_hits(
                conn, [row for row in candidates if row[1] in shown], plan, access_levels
            )
            totals: dict[int, int] = {}
            if page.testimony_ids and total:
                in_page = sql.SQL("{} AND testimony_id = ANY(%s)").format(where)
                totals = dict(
                    conn.execute(
                        sql.SQL("SELECT testimony_id, COUNT(*) FROM {} WHERE {} GROUP BY 1").format(
                            self.table, in_page
                        ),
                        [*params, list(page.testimony_ids)],
                    ).fetchall()
                )
            for testimony_id, _segment_id, _similarity in extra:
                if testimony_id in page.testimony_ids:
                    totals[testimony_id] = totals.get(testimony_id, 0) + 1
            found = dict(testimonies)
            about = self._testimony_matches(
                conn,
                query,
                access_levels,
                {tid: found[tid] for tid in page.testimony_ids if tid in found},
            )
        groups = build_groups(page, hits, totals, about)
        return SearchResults(
            hits=tuple(hit for group in groups for hit in group.hits),
            total=total + len(extra),
            facets=facets,
            groups=groups,
            total_groups=page.total_groups,
            facets_approximate=len(candidates) >= GROUP_CANDIDATES
            or (plan.has_text and total > RANK_CAP),
        )

    def _suggest(self, word: str, access_levels: frozenset[str]) -> tuple[str, ...]:
        """Spellings from the vocabulary that a moment the asker may see says (as SQLite)."""
        key = fold(word)
        if len(key) < 3:
            return ()
        with self._connection("suggest") as conn:
            found: list[str] = []
            for candidate in near_words(key, self._vocabulary(conn).words):
                condition, values = self._said_match((candidate,))
                if self._bounded_count(
                    conn,
                    condition + sql.SQL(" AND access_level = ANY(%s)"),
                    [*values, sorted(access_levels)],
                    1,
                ):
                    found.append(candidate)
                if len(found) == 3:
                    break
        return tuple(found)
