"""User query text -> a backend-neutral :class:`Query`.

This is the only place that reads what a person typed into the search box.
Backends receive a :class:`Query` and never the raw text, so no input can
reach FTS5 or Elasticsearch as syntax: every backend quotes each word it is
given. Nothing here imports Django or the archive, so it is testable alone.

The little language:

* words are runs of Unicode letters and digits (combining accents stay with
  their letter); an apostrophe or hyphen *between* two word characters keeps
  the word whole (``didn't``, ``jean-pierre``), and a backend's analyzer may
  split it further (FTS5 then matches the pieces as adjacent tokens);
* ``"an exact phrase"``; an unbalanced quote makes the rest of the text a
  phrase;
* ``-word`` or ``NOT word`` excludes a word; ``-"a phrase"`` is dropped
  (a Query has no phrase exclusion, and searching for it would return what
  the person wanted gone);
* ``AND``, ``OR``, ``NEAR`` written in capitals are taken for search-engine
  operators people bring from elsewhere and dropped; in lower case they are
  ordinary words. Every other operator character (``* ^ : ( ) { } +``) is
  only a separator.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["MAX_QUERY_LENGTH", "Query", "QueryError", "parse_query"]

MAX_QUERY_LENGTH = 500
MAX_FILTER_VALUES = 50

_THEME_SLUG = re.compile(r"[a-z0-9-]{1,100}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")

# Typographic quotes come from phone keyboards and word processors; they mean
# the same thing as the ASCII one.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_WORD_JOINERS = frozenset("'\u2019-")
_DROPPED_OPERATORS = frozenset({"AND", "OR", "NEAR"})
_NEGATION = "NOT"

_T = TypeVar("_T")


class QueryError(ValueError):
    """The search text cannot be used; the message tells the person what to change."""


@dataclass(frozen=True)
class Query:
    """What to look for, independent of any backend.

    ``terms`` must all match (in the segment text or the testimony title);
    ``phrases`` must match word for word; no segment containing an
    ``exclusions`` word is returned. ``themes`` narrow the results to segments
    tagged with *every* listed theme (drill-down, so a facet count is what a
    click on it returns); ``languages`` to segments in *any* listed language.
    Words are lower-cased but keep their accents: folding is the backend's job.
    """

    terms: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    exclusions: tuple[str, ...]
    themes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @property
    def has_text(self) -> bool:
        """True when there is something positive to match in the text."""
        return bool(self.terms or self.phrases)

    @property
    def has_filters(self) -> bool:
        return bool(self.themes or self.languages)

    @property
    def is_empty(self) -> bool:
        """Nothing positive to match and no filter: such a query would return everything."""
        return not self.has_text and not self.has_filters


def parse_query(text: str, *, themes: Sequence[str] = (), languages: Sequence[str] = ()) -> Query:
    """Parse search-box text and filter values into a :class:`Query`.

    Raises :class:`QueryError` (with a message a person can act on) when the
    text is too long, when it asks for nothing (only operators, or only
    exclusions, and no filter), or when a filter value is malformed. Never
    raises anything else for any string.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"Your search is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}. "
            "Try a few distinctive words or a short phrase."
        )
    theme_values = _validated(themes, _THEME_SLUG, "theme")
    language_values = _validated(languages, _LANGUAGE_CODE, "language")

    terms: list[str] = []
    phrases: list[tuple[str, ...]] = []
    exclusions: list[str] = []
    # Splitting on the quote character alternates outside/inside; with an odd
    # number of quotes the trailing part is "inside", i.e. the rest is a phrase.
    parts = _clean(text).split('"')
    for index, part in enumerate(parts):
        if index % 2:
            if _ends_with_minus(parts[index - 1]):
                # -"a phrase" asks to leave the phrase out, which a Query cannot
                # express; searching for it instead would return just what the
                # person wanted gone.
                continue
            words = tuple(word.lower() for word in _words(part))
            if len(words) == 1:
                terms.append(words[0])
            elif words:
                phrases.append(words)
        else:
            _parse_bare(part, terms, exclusions)

    query = Query(
        terms=_unique(terms),
        phrases=_unique(phrases),
        exclusions=_unique(exclusions),
        themes=theme_values,
        languages=language_values,
    )
    if query.is_empty:
        if query.exclusions:
            raise QueryError(
                "Only exclusions: a search needs at least one word or phrase to look for "
                "besides the -words to leave out, or a theme or language to browse."
            )
        raise QueryError(
            'Nothing to search for: type a word or a "phrase in quotes". '
            "Operators such as AND, OR, * or brackets are not needed."
        )
    return query


def _validated(values: Sequence[str], pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    if isinstance(values, str):
        # A bare string is a sequence of characters; taking it for one value is
        # the caller's evident intent.
        values = (values,)
    if len(values) > MAX_FILTER_VALUES:
        raise QueryError(
            f"Too many {what} filters ({len(values)}); choose at most {MAX_FILTER_VALUES}."
        )
    for value in values:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            shown = ascii(value)[:40]
            hint = (
                "lower-case letters, digits and hyphens"
                if what == "theme"
                else "a two-letter ISO 639-1 code such as en or es"
            )
            raise QueryError(f"Unknown {what} filter {shown}: it must be {hint}.")
    return _unique(values)


def _clean(text: str) -> str:
    """Drop control and format characters, unify quotes, compose accents.

    Control characters and separators become spaces (a newline separates two
    words); format characters (zero-width joiners, soft hyphens, bidi controls)
    vanish so that they cannot split or disguise a word.
    """
    chars = []
    for char in unicodedata.normalize("NFC", text.translate(_QUOTES)):
        category = unicodedata.category(char)
        if category == "Cc" or category[0] == "Z":
            chars.append(" ")
        elif category in ("Cf", "Cs", "Co", "Cn"):
            continue
        else:
            chars.append(char)
    return "".join(chars)


def _ends_with_minus(text: str) -> bool:
    chunks = text.split()
    if not chunks:
        return False
    return chunks[-1] == _NEGATION or (chunks[-1] == "-" and text.endswith("-"))


def _is_word_start(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM"


def _words(text: str) -> Iterable[str]:
    """Yield the words of ``text`` as written; everything else separates words."""
    word: list[str] = []
    length = len(text)
    for index, char in enumerate(text):
        if word and _is_word_char(char):
            word.append(char)
        elif not word and _is_word_start(char):
            word.append(char)
        elif (
            word
            and char in _WORD_JOINERS
            and index + 1 < length
            and _is_word_start(text[index + 1])
        ):
            word.append("'" if char == "\u2019" else char)
        elif word:
            yield "".join(word)
            word = []
    if word:
        yield "".join(word)


def _parse_bare(text: str, terms: list[str], exclusions: list[str]) -> None:
    negate_next = False
    for chunk in text.split():
        excluded = chunk.startswith("-")
        for word in _words(chunk):
            if word == _NEGATION:
                negate_next = True
            elif word not in _DROPPED_OPERATORS:
                (exclusions if excluded or negate_next else terms).append(word.lower())
                negate_next = False


def _unique(values: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(values))
