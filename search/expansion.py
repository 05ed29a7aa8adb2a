"""Thesaurus expansion: a question that says one of a theme's terms also asks for the others.

"ICE hold" is a term of the theme *ICE detainer / hold request*; a question
containing it also looks for "detainer", "hold request", "orden de
retención" and the rest of that theme's English and Spanish terms. Terms
and questions are compared by their stems (archive.language), so "posting
bail" meets the term "post bail". The expansion is computed here once, for
SQLite and PostgreSQL alike (Elasticsearch gets the same terms as a synonym
graph filter, :func:`synonym_rules`), and it is bounded: at most
MAX_PER_MATCH other terms per matched term and MAX_PHRASES in all.

The terms come from the Theme rows editors keep (:func:`archive_thesaurus`,
re-read after an edit and at most every CACHE_SECONDS), or from the seed
thesaurus where there is no database (:func:`seed_thesaurus`: benchmarks,
tests of the backends alone).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from archive.language import analyse, stem, words
from search.lexicon import lexicon_entries

__all__ = [
    "MAX_PER_MATCH",
    "MAX_PHRASES",
    "Term",
    "TermMatch",
    "Thesaurus",
    "archive_thesaurus",
    "forget_archive_thesaurus",
    "seed_thesaurus",
    "synonym_rules",
]

MAX_PER_MATCH = 12
MAX_PHRASES = 32
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Term:
    """One thesaurus term: its theme, language, folded words and stems in that language."""

    theme: str
    language: str
    text: str
    words: tuple[str, ...]
    stems: tuple[str, ...]


@dataclass(frozen=True)
class TermMatch:
    """A term found in a question: the words it spans (``start``, ``end``) and its others."""

    term: Term
    start: int
    end: int
    others: tuple[Term, ...]


def _term_texts(value: str) -> list[str]:
    """A theme name such as "ICE detainer / hold request" is two terms."""
    return [part.strip() for part in value.replace("/", "\n").splitlines() if part.strip()]


@dataclass(frozen=True)
class Thesaurus:
    """Every theme's terms, looked up by their first stem."""

    terms: tuple[Term, ...] = ()
    _by_first: dict[tuple[str, str], tuple[Term, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, Sequence[str], Sequence[str]]]) -> Thesaurus:
        """``(slug, English terms, Spanish terms)`` per theme; names may be among the terms."""
        terms: list[Term] = []
        seen: set[tuple[str, str, tuple[str, ...]]] = set()
        for slug, english, spanish in entries:
            for language, texts in (("en", english), ("es", spanish)):
                for raw in texts:
                    for text in _term_texts(raw):
                        found = tuple(words(text))
                        key = (slug, language, found)
                        if not found or key in seen:
                            continue
                        seen.add(key)
                        stems = tuple(analyse(text, language))
                        terms.append(Term(slug, language, text, found, stems))
        index: dict[tuple[str, str], list[Term]] = {}
        for term in terms:
            index.setdefault((term.language, term.stems[0]), []).append(term)
        return cls(tuple(terms), {key: tuple(value) for key, value in index.items()})

    def theme_terms(self, theme: str) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.theme == theme)

    def _others(self, term: Term) -> tuple[Term, ...]:
        """The theme's other terms, one per distinct stems ("pardon" and "pardoned" are one)."""
        seen = {term.stems}
        others = []
        for other in self.theme_terms(term.theme):
            if other.stems not in seen:
                seen.add(other.stems)
                others.append(other)
        return tuple(others[:MAX_PER_MATCH])

    def matches(self, tokens: Sequence[str]) -> list[TermMatch]:
        """The terms a question's folded words contain, longest first, each with its others.

        Each word is stemmed in each term's language, so an English term
        and a Spanish one are both found in a question of unknown language.
        """
        stems = {code: [stem(token, code) for token in tokens] for code in ("en", "es")}
        found: list[TermMatch] = []
        for start in range(len(tokens)):
            for code, sequence in stems.items():
                for term in self._by_first.get((code, sequence[start]), ()):
                    end = start + len(term.stems)
                    if tuple(sequence[start:end]) == term.stems:
                        found.append(TermMatch(term, start, end, self._others(term)))
        found.sort(key=lambda match: (-(match.end - match.start), match.start))
        return found


def synonym_rules(thesaurus: Thesaurus, language: str) -> list[str]:
    """One Solr-format equivalence rule per theme, for Elasticsearch's synonym_graph filter."""
    rules = []
    themes = dict.fromkeys(term.theme for term in thesaurus.terms)
    for theme in themes:
        texts = [
            # Commas and arrows are the rule syntax; the folded words need neither.
            " ".join(term.words)
            for term in thesaurus.theme_terms(theme)
            if term.language == language
        ]
        texts = list(dict.fromkeys(texts))
        if len(texts) > 1:
            rules.append(", ".join(texts))
    return rules


def _name(name: str, group: bool) -> list[str]:
    """A theme's name is one of its terms, unless it names a group of themes.

    "Family" or "Survivors" label a branch of the thesaurus; taken as terms
    they would expand every question that says "family".
    """
    return [] if group else [name]


def seed_thesaurus() -> Thesaurus:
    """The thesaurus as the data migration seeds it (archive.themes.thesaurus), names included,
    with the bilingual lexicon (search.lexicon)."""
    global _seed
    if _seed is None:
        from archive.themes.thesaurus import THESAURUS

        groups = {seed.parent for seed in THESAURUS if seed.parent}
        _seed = Thesaurus.from_entries(
            [
                *(
                    (
                        seed.slug,
                        (*_name(seed.name_en, seed.slug in groups), *seed.terms_en),
                        (*_name(seed.name_es, seed.slug in groups), *seed.terms_es),
                    )
                    for seed in THESAURUS
                ),
                *lexicon_entries(),
            ]
        )
    return _seed


_seed: Thesaurus | None = None
_cached: tuple[float, Thesaurus] | None = None
_lock = threading.Lock()


def archive_thesaurus() -> Thesaurus:
    """The thesaurus as editors keep it now (Theme rows), re-read at most every CACHE_SECONDS,
    with the bilingual lexicon (search.lexicon).

    An edit in this process takes effect at once (forget_archive_thesaurus
    runs on every Theme save); other processes see it within CACHE_SECONDS.
    """
    global _cached
    with _lock:
        if _cached is not None and time.monotonic() - _cached[0] < CACHE_SECONDS:
            return _cached[1]
    from archive.models import Theme

    rows = list(Theme.objects.values_list("slug", "name", "name_es", "terms_en", "terms_es", "pk"))
    groups = set(Theme.objects.filter(parent__isnull=False).values_list("parent_id", flat=True))
    thesaurus = Thesaurus.from_entries(
        [
            *(
                (
                    slug,
                    [*_name(name, pk in groups), *terms_en.splitlines()],
                    [*_name(name_es, pk in groups), *terms_es.splitlines()],
                )
                for slug, name, name_es, terms_en, terms_es, pk in rows
            ),
            *lexicon_entries(),
        ]
    )
    with _lock:
        _cached = (time.monotonic(), thesaurus)
    return thesaurus


def forget_archive_thesaurus(**_: object) -> None:
    """Drop the cached thesaurus (a Theme was saved or deleted)."""
    global _cached
    with _lock:
        _cached = None
