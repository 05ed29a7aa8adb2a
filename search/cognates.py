"""Cognates: the English word a Spanish one resembles, and back ("deportación", "deportation").

Spanish and English share thousands of Latin words that differ by a regular
ending: -ción/-tion, -dad/-ty, -encia/-ence, -ico/-ic, -oso/-ous, -ado/-ed.
A journalist asking "certificación de la fiscalía" about an English moment
that says "certification", or "legislature" about a Spanish one that says
"legislatura", meets it through these endings where the bilingual lexicon
(search.lexicon) has no group. The rules below only propose spellings;
:func:`cognates` keeps those the index's own vocabulary holds (an exact
word, or one edit away for long words), so a proposal that is no word
costs nothing and nothing is invented. Backends then check, as for near
spellings, that the asker may see a moment saying it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rapidfuzz import distance, process

from archive.language import fold

__all__ = ["PER_WORD", "cognates", "proposals"]

PER_WORD = 2  # cognates used per typed word
MIN_LENGTH = 5  # shorter words have too many look-alikes

# (Spanish ending, English ending), longest first within each family.
_ENDINGS: tuple[tuple[str, str], ...] = (
    ("ciones", "tions"),
    ("cion", "tion"),
    ("siones", "sions"),
    ("sion", "sion"),
    ("dades", "ties"),
    ("dad", "ty"),
    ("encias", "ences"),
    ("encia", "ence"),
    ("ancias", "ances"),
    ("ancia", "ance"),
    ("entes", "ents"),
    ("ente", "ent"),
    ("antes", "ants"),
    ("ante", "ant"),
    ("icos", "ics"),
    ("icas", "ics"),
    ("ico", "ic"),
    ("ica", "ic"),
    ("osos", "ous"),
    ("osas", "ous"),
    ("oso", "ous"),
    ("osa", "ous"),
    ("ivos", "ives"),
    ("ivas", "ives"),
    ("ivo", "ive"),
    ("iva", "ive"),
    ("istas", "ists"),
    ("ista", "ist"),
    ("ismo", "ism"),
    ("mente", "ly"),
    ("orios", "ories"),
    ("orio", "ory"),
    ("arios", "aries"),
    ("ario", "ary"),
    ("ados", "ated"),
    ("adas", "ated"),
    ("ado", "ated"),
    ("ada", "ated"),
    ("ado", "ed"),
    ("ada", "ed"),
    ("idos", "ed"),
    ("ido", "ed"),
    ("ida", "ed"),
    ("ales", "als"),
    ("uras", "ures"),
    ("ura", "ure"),
    ("ias", "ies"),
    ("ia", "y"),
    ("ar", "ate"),
    ("ar", ""),
    ("er", ""),
    ("ir", ""),
    ("os", "s"),
    ("as", "s"),
    ("es", "s"),
    ("o", ""),
    ("a", ""),
    ("e", ""),
)


def _swap(word: str, endings: Sequence[tuple[str, str]]) -> list[str]:
    found = []
    for ending, other in endings:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 3:
            found.append(stem + other)
    return found


def proposals(word: str) -> list[str]:
    """Spellings ``word`` may have in the other language (folded), most regular first.

    Both ways, as a short question does not say its language: Spanish to
    English by the endings, English to Spanish by the same endings read
    backwards; a Spanish "es" before a consonant cluster falls away in
    English ("estado", "state"; "escuela", "school" is beyond any rule).
    """
    word = fold(word)
    if len(word) < MIN_LENGTH or not word.isalpha():
        return []
    found = _swap(word, _ENDINGS)
    found += _swap(word, [(english, spanish) for spanish, english in _ENDINGS if english])
    if word.startswith("es") and len(word) > 3 and word[2] not in "aeiou":
        found += [word[1:], *_swap(word[1:], _ENDINGS)]
    return [candidate for candidate in dict.fromkeys(found) if candidate != word]


def cognates(word: str, vocabulary: Collection[str], words: Sequence[str] = ()) -> list[str]:
    """Indexed words that are cognates of ``word``: proposals the vocabulary holds.

    ``vocabulary`` answers membership; ``words`` (the same words as a
    sequence, when the caller has it) lets a long proposal meet a word one
    edit away ("gobernador" -> "gobernor" -> "governor").
    """
    word = fold(word)
    found: list[str] = []
    for candidate in proposals(word):
        if candidate in vocabulary:
            found.append(candidate)
        elif words and len(candidate) >= 7:
            pick = process.extractOne(
                candidate, words, scorer=distance.Levenshtein.distance, score_cutoff=1
            )
            if pick is not None:
                found.append(pick[0])
    return [candidate for candidate in dict.fromkeys(found) if candidate != word][: PER_WORD * 2]
