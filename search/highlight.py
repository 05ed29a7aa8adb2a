"""Snippets marked in Python, the same way for every backend that analyses text in Python.

A word is marked when one of its stems (in the text's language) is a stem
the question looked for (a word's forms, a synonym, a near spelling), or
when it is a word of an exact phrase. The snippet is about SNIPPET_WORDS
words from just before the first mark; the text is HTML-escaped, so only
our ``<mark>`` is markup.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from archive.language import analyse, words
from search.plan import MatchPlan

__all__ = ["SNIPPET_WORDS", "hit_snippets", "leading_words_html", "marked_html"]

SNIPPET_WORDS = 16
_BEFORE = 4
_ELLIPSIS = "\u2026"
_TOKEN = re.compile(r"[^\W_]+")


def leading_words_html(text: str) -> str:
    """The first words, for a browse or a moment found only through its translation."""
    found = text.split()
    shown = " ".join(found[:SNIPPET_WORDS])
    if len(found) > SNIPPET_WORDS:
        shown += _ELLIPSIS
    return html.escape(shown, quote=False)


@lru_cache(maxsize=65_536)
def _analysed(token: str, language: str) -> tuple[str, str] | None:
    """(folded word, stem) of a run of letters; snippets repeat the same words."""
    folded = words(token)
    if not folded:
        return None
    return folded[0], analyse(token, language)[0]


def _wanted(token: str, language: str, stems: frozenset[str], phrase_words: set[str]) -> bool:
    found = _analysed(token, language)
    return found is not None and (found[0] in phrase_words or found[1] in stems)


def marked_html(text: str, language: str, plan: MatchPlan) -> tuple[str, bool]:
    """(The snippet HTML, whether anything in it is marked)."""
    stems = plan.marked_stems()
    phrase_words = {word for phrase in plan.phrases for word in phrase}
    if not stems and not phrase_words:
        return leading_words_html(text), False
    found = text.split()
    marks = [
        any(_wanted(token, language, stems, phrase_words) for token in _TOKEN.findall(word))
        for word in found
    ]
    if True not in marks:
        return leading_words_html(text), False
    start = max(0, marks.index(True) - _BEFORE)
    end = min(len(found), start + SNIPPET_WORDS)
    pieces = []
    for word, marked in zip(found[start:end], marks[start:end], strict=True):
        if not marked:
            pieces.append(html.escape(word, quote=False))
            continue
        out, position = [], 0
        for match in _TOKEN.finditer(word):
            out.append(html.escape(word[position : match.start()], quote=False))
            token = html.escape(match.group(0), quote=False)
            hit = _wanted(match.group(0), language, stems, phrase_words)
            out.append(f"<mark>{token}</mark>" if hit else token)
            position = match.end()
        out.append(html.escape(word[position:], quote=False))
        pieces.append("".join(out))
    # Neighbouring marked words (a phrase) read as one highlight.
    shown = " ".join(pieces).replace("</mark> <mark>", " ")
    return (_ELLIPSIS if start else "") + shown + (_ELLIPSIS if end < len(found) else ""), True


def hit_snippets(
    text: str, translation: str, language: str, plan: MatchPlan | None
) -> tuple[str, str]:
    """(Snippet of what was said, snippet of its machine translation or "").

    What was said comes first, marked where it matched (else its first
    words); the translation beside it is marked where it matched.
    """
    if plan is None or not plan.has_text:
        return leading_words_html(text), leading_words_html(translation) if translation else ""
    said, _ = marked_html(text, language, plan)
    translated = marked_html(translation, "en", plan)[0] if translation else ""
    return said, translated
