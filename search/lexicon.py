"""The bilingual lexicon: everyday words of the archive's subject, English beside Spanish.

The thesaurus (archive Themes) names themes; people ask in plain words, and
often in the other language: "deportado a un país que no conocía" for an
English moment, "jail phone calls" for "llamadas desde la cárcel". English
testimony has no Spanish translation to meet a Spanish question, and a
Whisper translation of Spanish testimony misses words. The lexicon
(search/lexicon.txt, one group of words of one meaning a line) closes that
gap the way the thesaurus does: a question that says one word of a group
also asks for the group's others, scored as a synonym, below the words
typed. It joins the thesaurus in search.expansion, so every backend gets
it (Elasticsearch as synonym rules).
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["LEXICON_PATH", "PREFIX", "LexiconError", "lexicon_entries", "parse_lexicon"]

LEXICON_PATH = Path(__file__).with_name("lexicon.txt")
PREFIX = "lexicon-"  # group ids, apart from theme slugs (which never start so)

Entry = tuple[str, tuple[str, ...], tuple[str, ...]]


class LexiconError(ValueError):
    """A lexicon line that is not ``English words | Spanish words``."""


def _side(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def parse_lexicon(text: str) -> list[Entry]:
    """``(group id, English words, Spanish words)`` per line of ``text``; comments skipped.

    A malformed line is an error naming it: a lexicon silently half read
    would make search quietly worse.
    """
    entries: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("|")
        if len(parts) != 2:
            raise LexiconError(f"lexicon line {number}: expected 'English words | Spanish words'")
        english, spanish = _side(parts[0]), _side(parts[1])
        if not english or not spanish:
            raise LexiconError(f"lexicon line {number}: both sides need at least one word")
        entries.append((f"{PREFIX}{number}", english, spanish))
    return entries


@functools.cache
def lexicon_entries() -> tuple[Entry, ...]:
    """The lexicon shipped with the archive, read once per process."""
    return tuple(parse_lexicon(LEXICON_PATH.read_text(encoding="utf-8")))
