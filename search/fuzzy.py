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

from collections.abc import Sequence

from rapidfuzz import distance, process

from archive.language import query_forms

__all__ = ["CANDIDATES", "PER_WORD", "edit_budget", "fuzzy_wanted", "near_words", "rare_limit"]

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
