"""Near spellings from an index's vocabulary: what Whisper may have misheard, or a typo.

Shared by the backends that keep their own vocabulary (SQLite,
PostgreSQL), so both offer the same candidates. A typed word of four
letters or more may differ by one edit, of eight or more by two
(Elasticsearch's ``fuzziness: AUTO``, past its shortest words). Only a word
the index says rarely is offered (:func:`rare_limit`): a misheard word is
rare where it was said, and a common neighbour ("mail" for "bail") would
only bury the answers. Backends check that the asker may see a moment
saying each candidate before using it, so none reveals restricted text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import distance, process

from archive.language import query_forms
from search import cognates

__all__ = [
    "CANDIDATES",
    "PER_WORD",
    "Vocabulary",
    "edit_budget",
    "fuzzy_wanted",
    "near_words",
    "rare_limit",
    "similar_words",
]

PER_WORD = 3  # near spellings used per typed word
CANDIDATES = 8  # checked against the index before PER_WORD are kept


def edit_budget(word: str) -> int:
    """Edits allowed between a typed word and an indexed one."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def rare_limit(documents: int) -> int:
    """At most this many visible moments may say a near spelling for it to be used."""
    return max(20, documents // 2000)


def fuzzy_wanted(frequency: int, documents: int) -> bool:
    """Near spellings are looked for when the typed word itself is rare or absent."""
    return frequency <= max(10, documents // 500)


def near_words(word: str, vocabulary: Sequence[str]) -> list[str]:
    """Indexed words within the edit budget of ``word``, closest first, not its own forms."""
    budget = edit_budget(word)
    if not budget or not vocabulary:
        return []
    own = set(query_forms(word))
    picks = process.extract(
        word,
        vocabulary,
        scorer=distance.Levenshtein.distance,
        score_cutoff=budget,
        limit=CANDIDATES * 4,
    )
    found = []
    for candidate, _distance, _index in sorted(picks, key=lambda pick: (pick[1], pick[0])):
        if candidate == word or own & set(query_forms(candidate)):
            continue
        found.append(candidate)
        if len(found) == CANDIDATES:
            break
    return found


@dataclass(frozen=True)
class Vocabulary:
    """An index's words, as a sequence (for near spellings) and a set (for cognates)."""

    words: Sequence[str] = ()
    members: frozenset[str] = field(default=frozenset(), repr=False)

    @classmethod
    def of(cls, words: Sequence[str]) -> Vocabulary:
        return cls(words, frozenset(words))


def similar_words(
    word: str,
    frequency: int,
    documents: int,
    vocabulary: Vocabulary,
    seen: Callable[[str, int], int],
) -> list[str]:
    """The indexed words a typed word also looks for: near spellings, then cognates.

    ``seen(candidate, cap)`` counts, up to ``cap``, the moments the asker
    may see that say ``candidate``; a candidate no such moment says is
    never used, so none reveals restricted text. A near spelling must
    also be rare (see the module's docstring); a cognate
    (search.cognates) may be common, as "violence" is for "violencia".
    """
    kept: list[str] = []
    if fuzzy_wanted(frequency, documents):
        rare = rare_limit(documents)
        for candidate in near_words(word, vocabulary.words):
            if 1 <= seen(candidate, rare + 1) <= rare:
                kept.append(candidate)
            if len(kept) == PER_WORD:
                break
    own = set(query_forms(word))
    found = 0
    for candidate in cognates.cognates(word, vocabulary.members, vocabulary.words):
        if candidate in kept or own & set(query_forms(candidate)):
            continue
        if seen(candidate, 1):
            kept.append(candidate)
            found += 1
        if found == cognates.PER_WORD:
            break
    return kept
