"""How a parsed question becomes what an index looks for: clauses, expansions, a minimum.

Every backend that matches in Python-analysed text (SQLite, PostgreSQL)
works from the same :class:`MatchPlan`, so they find and rank the same
moments. A plan has one :class:`Clause` per typed word that carries meaning
(stop words dropped), each looked up by its stems (in the question's
language, or in English and Spanish when the question does not tell); the
thesaurus :class:`Expansion` phrases that stand for some of those words;
exact phrases; excluded stems; and ``minimum``, how many clauses a moment
must match (:func:`minimum_should_match`). A ``+word`` or the "all words" option makes a clause
required: its own word forms must be there, not only a synonym.

A question of stop words alone ("to be or not to be") is looked up word
for word instead, every word required, rather than refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from archive.language import guess_language, is_stop_word, query_forms, words
from search.expansion import MAX_PHRASES, Term, Thesaurus
from search.query import Query

__all__ = [
    "Clause",
    "Expansion",
    "MatchPlan",
    "minimum_should_match",
    "plan_query",
]

Form = tuple[str, ...]  # a stem, or the stems of a word written with a hyphen or apostrophe


def minimum_should_match(clauses: int) -> int:
    """How many of ``clauses`` typed words a moment must match.

    A journalist's question is in their words, not the storyteller's, and a
    moment is a sentence or two: it rarely says more than two of the
    question's words. So up to three words, one is enough; four to seven,
    two; longer questions, a quarter of them. Ranking puts the moments that
    say more of the question, rarer words and closer together, first;
    ``+word`` (or "all words") makes a word required. Elasticsearch gets the
    same number (search/backends/elasticsearch.py).
    """
    if clauses <= 3:
        return min(clauses, 1)
    if clauses <= 7:
        return 2
    return clauses // 4


@dataclass(frozen=True)
class Clause:
    """One typed word: the stems that match it, and spellings near it found in the index."""

    word: str
    forms: tuple[Form, ...]
    required: bool = False
    fuzzy: tuple[Form, ...] = ()
    fuzzy_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Expansion:
    """Thesaurus phrases (stems) that stand for the clauses ``clauses`` (of one theme).

    ``translations`` are those of ``phrases`` in the other language than the
    term the question said: the same words across the language line, not
    another way of saying them, so ranking weighs them above a synonym.
    """

    theme: str
    clauses: tuple[int, ...]
    phrases: tuple[Form, ...]
    translations: tuple[Form, ...] = ()
    english: tuple[str, ...] = ()  # the English terms' words, when the term said was Spanish


@dataclass(frozen=True)
class MatchPlan:
    clauses: tuple[Clause, ...]
    phrases: tuple[tuple[str, ...], ...]  # folded words, matched exactly in what was said
    phrase_forms: tuple[tuple[Form, ...], ...]  # each phrase's stems, for ranking
    exclusions: tuple[Form, ...]
    expansions: tuple[Expansion, ...]
    minimum: int
    literal: bool = False
    language: str | None = None

    @property
    def has_text(self) -> bool:
        return bool(self.clauses or self.phrases)

    def expansions_of(self, index: int) -> tuple[Form, ...]:
        """Every thesaurus phrase standing (also) for clause ``index``."""
        return self._standing_for(index, lambda expansion: expansion.phrases)

    def translations_of(self, index: int) -> tuple[Form, ...]:
        """The thesaurus phrases standing for clause ``index`` in the other language."""
        return self._standing_for(index, lambda expansion: expansion.translations)

    def _standing_for(
        self, index: int, forms: Callable[[Expansion], Sequence[Form]]
    ) -> tuple[Form, ...]:
        return tuple(
            dict.fromkeys(
                form
                for expansion in self.expansions
                if index in expansion.clauses
                for form in forms(expansion)
            )
        )

    def english_gloss(self) -> str:
        """A Spanish question in English words where the thesaurus and lexicon give them
        ("violencia doméstica y arresto" -> "domestic violence arrest"), the other words as
        typed; "" when they give none. Read by the English sentence encoder
        (search.meaning), as a Spanish moment is read through its translation."""
        if self.language != "es":
            return ""
        said: list[str] = []
        glossed = False
        for index, clause in enumerate(self.clauses):
            covering = [e for e in self.expansions if index in e.clauses and e.english]
            if not covering:
                said.append(clause.word)
                continue
            widest = max(covering, key=lambda e: len(e.clauses))
            if widest.clauses[0] == index:
                said.append(widest.english[0])
                glossed = True
        return " ".join(said) if glossed else ""

    def alternatives(self, index: int) -> tuple[Form, ...]:
        """What satisfies clause ``index``: its forms, or (unless required) a synonym or near
        spelling."""
        clause = self.clauses[index]
        if clause.required:
            return clause.forms
        return tuple(dict.fromkeys((*clause.forms, *self.expansions_of(index), *clause.fuzzy)))

    def marked_stems(self) -> frozenset[str]:
        """Stems worth highlighting: the words asked for, their synonyms and near spellings.

        Stop words inside a synonym ("a country I had never seen") are not
        marked on their own; the typed words always are.
        """
        stems: set[str] = set()
        for index in range(len(self.clauses)):
            for form in self.alternatives(index):
                stems.update(s for s in form if not _common(s))
        for forms in self.phrase_forms:
            for form in forms:
                stems.update(s for s in form if not _common(s))
        for clause in self.clauses:
            for form in clause.forms:
                stems.update(form)
        return frozenset(stems)

    def with_fuzzy(self, similar: Callable[[Clause], Sequence[str]]) -> MatchPlan:
        """The plan with each clause's near spellings and cognates, as the backend's
        vocabulary offers them.

        ``similar`` returns indexed words close to the clause's word that the
        asker may see (search.fuzzy.similar_words); each is then looked up by
        its stems, as typed words are.
        """
        if self.literal:
            return self
        clauses = []
        for clause in self.clauses:
            if clause.required:
                clauses.append(clause)
                continue
            found = [word for word in similar(clause) if word != clause.word]
            # An indexed word may be of either language, whatever the question's is
            # (a cognate is of the other one): it is looked up by its stems in both.
            forms = tuple(
                form
                for word in found
                for form in ((stem,) for stem in query_forms(word))
                if form not in clause.forms
            )
            clauses.append(
                replace(clause, fuzzy=tuple(dict.fromkeys(forms)), fuzzy_words=tuple(found))
            )
        return replace(self, clauses=tuple(clauses))


LIKENESS = 60  # rapidfuzz token_sort_ratio of a term and its likely translation


def _closest_first(term: Term, english: Sequence[Term]) -> tuple[str, ...]:
    """The English terms' words, the one spelt most like ``term`` first: of a theme's
    terms, the likeliest translation ("orden de protección": "order of protection", not the
    theme's name "domestic violence"), as Spanish and English share most Latin words."""
    said = " ".join(term.words)
    texts = [" ".join(other.words) for other in english]

    def likeness(text: str) -> float:
        # Below LIKENESS the spellings share no word: the theme's own order stands.
        ratio = fuzz.token_sort_ratio(said, text)
        return ratio if ratio >= LIKENESS else 0.0

    return tuple(sorted(texts, key=lambda text: -likeness(text)))


def _common(stem: str) -> bool:
    return is_stop_word(stem, "en") or is_stop_word(stem, "es")


def _forms(tokens: Sequence[str], language: str | None) -> tuple[Form, ...]:
    """A word's stems (a word of several tokens is a phrase of their stems)."""
    per_token = [query_forms(token, language) for token in tokens]
    width = max(len(options) for options in per_token)
    forms = [
        tuple(options[min(n, len(options) - 1)] for options in per_token) for n in range(width)
    ]
    return tuple(dict.fromkeys(forms))


def plan_query(query: Query, thesaurus: Thesaurus) -> MatchPlan:
    """The plan for ``query``: clauses, expansions from ``thesaurus``, the minimum to match."""
    split = [(term, tuple(words(term))) for term in query.terms]
    split = [(term, tokens) for term, tokens in split if tokens]
    every_token = [token for _, tokens in split for token in tokens]
    language = guess_language(every_token)
    required = set(query.required) | (set(query.terms) if query.match_all else set())

    content = [
        (term, tokens)
        for term, tokens in split
        if not all(is_stop_word(token, language) for token in tokens)
    ]
    literal = not content and not query.phrases and bool(split)
    if literal:
        # Stop words only: look them up as typed, all of them.
        content = split
        required |= {term for term, _ in split}

    clauses = tuple(
        Clause(word=term, forms=_forms(tokens, language), required=term in required)
        for term, tokens in content
    )

    expansions: list[Expansion] = []
    if not literal and clauses:
        # Positions of every token of the question, and the clause each belongs to.
        owner: list[int | None] = []
        content_terms = {term: index for index, (term, _) in enumerate(content)}
        for term, tokens in split:
            owner.extend([content_terms.get(term)] * len(tokens))
        budget = MAX_PHRASES
        taken: set[Form] = set()
        for match in thesaurus.matches(every_token):
            covered = tuple(sorted({i for i in owner[match.start : match.end] if i is not None}))
            if not covered or budget <= 0:
                continue
            # A synonym may be another clause's own word ("posting bail" -> "bail"):
            # it still stands for the clause it does not spell.
            phrases = tuple(other.stems for other in match.others if other.stems not in taken)[
                :budget
            ]
            if phrases:
                taken.update(phrases)
                budget -= len(phrases)
                crossing = tuple(
                    other.stems
                    for other in match.others
                    if other.language != match.term.language and other.stems in phrases
                )
                # Every English term of the theme, one spelt as the Spanish ("arresto",
                # "arrest") too: an expansion leaves that out, the words already match it.
                english = (
                    _closest_first(
                        match.term,
                        [t for t in thesaurus.theme_terms(match.term.theme) if t.language == "en"],
                    )
                    if match.term.language == "es"
                    else ()
                )
                expansions.append(Expansion(match.term.theme, covered, phrases, crossing, english))

    phrases = tuple(
        tuple(token for word in phrase for token in words(word)) for phrase in query.phrases
    )
    phrases = tuple(phrase for phrase in phrases if phrase)
    exclusions = tuple(
        dict.fromkeys(
            form
            for word in query.exclusions
            if (tokens := words(word))
            for form in _forms(tokens, language)
        )
    )
    minimum = minimum_should_match(len(clauses))
    minimum = max(minimum, sum(clause.required for clause in clauses))
    return MatchPlan(
        clauses=clauses,
        phrases=phrases,
        phrase_forms=tuple(_forms(phrase, language) for phrase in phrases),
        exclusions=exclusions,
        expansions=tuple(expansions),
        minimum=minimum,
        literal=literal,
        language=language,
    )
