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
* ``+word`` requires the word (in one of its forms): the strict form. Other
  words are ranked, and a moment saying most of them is found too
  (search/plan.py); ``match_all`` (the page's "all words" option) requires
  every word;
* ``AND``, ``OR``, ``NEAR`` written in capitals are taken for search-engine
  operators people bring from elsewhere and dropped; in lower case they are
  ordinary words. Every other operator character (``* ^ : ( ) { }``) is
  only a separator;
* ``field:value`` at the start of a word is a filter: ``theme:slug``,
  ``lang:es`` (or ``language:``), ``year:2012`` or ``year:2010..2015``,
  ``place:Houston`` or ``place:"New York"``, ``media:video``. Any other
  ``name:`` is refused with a message listing the known fields, since a
  silently ignored filter returns results the person did not ask for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "FIELDS",
    "MAX_QUERY_LENGTH",
    "MEDIA_TYPES",
    "Query",
    "QueryError",
    "fold",
    "parse_query",
    "parse_years",
]

MAX_QUERY_LENGTH = 500
# Distinct words (typed and excluded) in one search: past this a question is a
# paragraph, and each word costs the index a lookup.
MAX_WORDS = 32
MAX_FILTER_VALUES = 50

_THEME_SLUG = re.compile(r"[a-z0-9-]{1,100}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_YEARS = re.compile(r"(\d{1,4})?(?:(\.\.|-)(\d{1,4})?)?")
YEAR_MIN, YEAR_MAX = 1900, 2100
MAX_PLACE_LENGTH = 100
MEDIA_TYPES = frozenset({"audio", "video"})
FIELDS = ("theme", "lang", "language", "year", "place", "media")
# A quoted phrase (kept as it is) or a field filter at the start of a word;
# scanning both in one pass keeps ``"he said theme:x"`` a phrase.
_FIELD_OR_PHRASE = re.compile(r'"[^"]*"?|(?<![^\s])(-?)([A-Za-z]+):("[^"]*"?|[^\s"]*)')

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

    ``terms`` are the words to look for, ranked (search/plan.py says how
    many must match); ``required`` (``+word``, or every term with
    ``match_all``) must match; ``phrases`` must match word for word; no
    segment containing an ``exclusions`` word is returned. ``themes`` narrow the results to segments
    tagged with *every* listed theme (drill-down, so a facet count is what a
    click on it returns); ``languages`` to segments in *any* listed language.
    Words are lower-cased but keep their accents: folding is the backend's job.
    """

    terms: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    exclusions: tuple[str, ...]
    themes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    media_types: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    match_all: bool = False

    @property
    def has_text(self) -> bool:
        """True when there is something positive to match in the text."""
        return bool(self.terms or self.phrases)

    @property
    def has_years(self) -> bool:
        return self.year_from is not None or self.year_to is not None

    @property
    def has_filters(self) -> bool:
        return bool(
            self.themes or self.languages or self.places or self.media_types or self.has_years
        )

    @property
    def place_keys(self) -> tuple[str, ...]:
        """The places as backends compare them (see :func:`fold`)."""
        return tuple(dict.fromkeys(fold(place) for place in self.places))

    @property
    def place_needles(self) -> tuple[str, ...]:
        """What a place filter looks for inside a stored place, in whole words.

        ``place:"New York"`` matches "New York", "Queens, New York" and "New
        York City": backends pad the stored key with spaces, read its commas
        as spaces, and look for these (the keys, padded the same way).
        """
        return tuple(f" {key.replace(',', ' ')} " for key in self.place_keys)

    @property
    def is_empty(self) -> bool:
        """Nothing positive to match and no filter: such a query would return everything."""
        return not self.has_text and not self.has_filters


def parse_query(
    text: str,
    *,
    themes: Sequence[str] = (),
    languages: Sequence[str] = (),
    places: Sequence[str] = (),
    years: str = "",
    media_types: Sequence[str] = (),
    match_all: bool = False,
) -> Query:
    """Parse search-box text and filter values into a :class:`Query`.

    Filters come from keyword arguments (facet links, API parameters) and
    from ``field:value`` words in the text; both are merged. Raises
    :class:`QueryError` (with a message a person can act on) when the text
    is too long, when it asks for nothing (only operators, or only
    exclusions, and no filter), when a field is unknown or a filter value is
    malformed, or when a year range is impossible. Never raises anything
    else for any string.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"Your search is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}. "
            "Try a few distinctive words or a short phrase."
        )
    fields: dict[str, list[str]] = {
        name: [] for name in ("theme", "lang", "year", "place", "media")
    }
    text = _extract_fields(_clean(text), fields)
    theme_values = _validated(
        [*_as_list(themes), *(v.lower() for v in fields["theme"])], _THEME_SLUG, "theme"
    )
    language_values = _validated(
        [*_as_list(languages), *(v.lower() for v in fields["lang"])], _LANGUAGE_CODE, "language"
    )
    media_values = _validated(
        [*_as_list(media_types), *(v.lower() for v in fields["media"])], None, "media"
    )
    place_values = _places([*_as_list(places), *fields["place"]])
    year_texts = [value for value in (years, *fields["year"]) if value.strip()]
    if len(year_texts) > 1:
        raise QueryError("Give one year or one range of years, such as year:2010..2015.")
    year_from, year_to = parse_years(year_texts[0]) if year_texts else (None, None)

    terms: list[str] = []
    required: list[str] = []
    phrases: list[tuple[str, ...]] = []
    exclusions: list[str] = []
    # Splitting on the quote character alternates outside/inside; with an odd
    # number of quotes the trailing part is "inside", i.e. the rest is a phrase.
    parts = text.split('"')
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
            _parse_bare(part, terms, exclusions, required)

    distinct = len(set(terms) | set(exclusions))
    if distinct > MAX_WORDS:
        raise QueryError(
            f"Your search has {distinct} different words; the limit is {MAX_WORDS}. "
            "Keep the distinctive ones, or put the words said together in quotes."
        )
    query = Query(
        terms=_unique(terms),
        required=_unique(word for word in required if word in terms),
        match_all=bool(match_all),
        phrases=_unique(phrases),
        exclusions=_unique(exclusions),
        themes=theme_values,
        languages=language_values,
        places=place_values,
        year_from=year_from,
        year_to=year_to,
        media_types=media_values,
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


def parse_years(text: str) -> tuple[int | None, int | None]:
    """``"2012"``, ``"2010..2015"``, ``"..2015"`` or ``"2010.."`` -> (from, to), inclusive.

    Raises QueryError for anything else, for years outside 1900..2100 and for
    a range that ends before it starts (it could only ever return nothing).
    """
    cleaned = text.strip()
    match = _YEARS.fullmatch(cleaned)
    if not cleaned or not match or not (match.group(1) or match.group(3)):
        raise QueryError(
            f"Cannot read the year filter {ascii(cleaned)[:40]}: write a year such as 2012 "
            "or a range such as 2010..2015."
        )
    first = int(match.group(1)) if match.group(1) else None
    last = int(match.group(3)) if match.group(3) else None
    if not match.group(2):
        last = first
    for year in (first, last):
        if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
            raise QueryError(
                f"The year {year} is outside the archive's range ({YEAR_MIN} to {YEAR_MAX})."
            )
    if first is not None and last is not None and first > last:
        raise QueryError(
            f"The year range {first}..{last} ends before it starts; did you mean {last}..{first}?"
        )
    return first, last


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a short value such as a place name.

    Backends store and compare places in this form, so ``place:bogota``
    finds "Bogotá" in every backend alike.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(kept.split())


def _extract_fields(text: str, fields: dict[str, list[str]]) -> str:
    """Move ``name:value`` filters out of the text into ``fields``; return what is left."""

    def take(match: re.Match[str]) -> str:
        if match.group(2) is None:
            return match.group(0)  # a quoted phrase: left for the word parser
        negated, name, value = match.group(1), match.group(2).lower(), match.group(3)
        key = "lang" if name == "language" else name
        if key not in fields:
            raise QueryError(
                f"Unknown search field {ascii(name)[:40]}: the fields are theme:, lang:, "
                "year:, place: and media:. To search for the word, leave out the colon."
            )
        if negated:
            raise QueryError(
                f"A {key}: filter cannot be excluded with a minus; choose the {key} to keep."
            )
        value = value.strip('"').strip()
        if not value:
            raise QueryError(
                f"The {key}: filter needs a value, for example "
                + {
                    "theme": "theme:asylum.",
                    "lang": "lang:es.",
                    "year": "year:2010..2015.",
                    "place": 'place:"New York".',
                    "media": "media:video.",
                }[key]
            )
        fields[key].append(value)
        return " "

    return _FIELD_OR_PHRASE.sub(take, text)


def _as_list(values: Sequence[str]) -> list[str]:
    if isinstance(values, str):
        # A bare string is a sequence of characters; taking it for one value is
        # the caller's evident intent.
        return [values]
    return list(values)


def _places(values: list[str]) -> tuple[str, ...]:
    if len(values) > MAX_FILTER_VALUES:
        raise QueryError(
            f"Too many place filters ({len(values)}); choose at most {MAX_FILTER_VALUES}."
        )
    places = []
    for value in values:
        if not isinstance(value, str):
            raise QueryError(f"Unknown place filter {ascii(value)[:40]}.")
        place = " ".join(_clean(value).split())
        if not place or len(place) > MAX_PLACE_LENGTH:
            raise QueryError(
                f"A place filter must be 1 to {MAX_PLACE_LENGTH} characters, "
                'such as place:"New York".'
            )
        places.append(place)
    return _unique(places)


_HINTS = {
    "theme": "lower-case letters, digits and hyphens",
    "language": "a two-letter ISO 639-1 code such as en or es",
    "media": "audio or video",
}


def _validated(
    values: Sequence[str], pattern: re.Pattern[str] | None, what: str
) -> tuple[str, ...]:
    values = _as_list(values)
    if len(values) > MAX_FILTER_VALUES:
        raise QueryError(
            f"Too many {what} filters ({len(values)}); choose at most {MAX_FILTER_VALUES}."
        )
    for value in values:
        valid = isinstance(value, str) and (
            pattern.fullmatch(value) if pattern is not None else value in MEDIA_TYPES
        )
        if not valid:
            shown = ascii(value)[:40]
            raise QueryError(f"Unknown {what} filter {shown}: it must be {_HINTS[what]}.")
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


def _parse_bare(text: str, terms: list[str], exclusions: list[str], required: list[str]) -> None:
    negate_next = False
    for chunk in text.split():
        excluded = chunk.startswith("-")
        strict = chunk.startswith("+")
        for word in _words(chunk):
            if word == _NEGATION:
                negate_next = True
            elif word not in _DROPPED_OPERATORS:
                if excluded or negate_next:
                    exclusions.append(word.lower())
                else:
                    terms.append(word.lower())
                    if strict:
                        required.append(word.lower())
                negate_next = False


def _unique(values: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(values))
