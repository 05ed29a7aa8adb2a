"""Cognates: proposals by regular endings, kept only where the index holds the word."""

from __future__ import annotations

import pytest

from search.cognates import cognates, proposals
from search.fuzzy import Vocabulary, similar_words


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        ("certificacion", "certification"),
        ("violencia", "violence"),
        ("domestica", "domestic"),
        ("custodia", "custody"),
        ("deportado", "deported"),
        ("legislatura", "legislature"),
    ],
)
def test_regular_endings_propose_the_other_languages_word(spanish: str, english: str) -> None:
    assert english in proposals(spanish)
    assert spanish in proposals(english) or english.endswith("ed")


def test_a_typed_word_is_folded_first() -> None:
    assert "certification" in proposals("Certificación")


def test_short_words_and_numbers_propose_nothing() -> None:
    assert proposals("casa") == []
    assert proposals("2019a") == []


def test_only_words_the_index_holds_are_kept() -> None:
    vocabulary = Vocabulary.of(["violence", "certification", "communities", "court"])
    assert cognates("violencia", vocabulary.members, vocabulary.words) == ["violence"]
    # One edit away, for long words: "comunities" (the rule) meets "communities".
    assert cognates("comunidades", vocabulary.members, vocabulary.words) == ["communities"]
    assert cognates("gobernador", vocabulary.members, vocabulary.words) == []


def test_a_cognate_is_used_only_where_the_asker_may_see_it() -> None:
    vocabulary = Vocabulary.of(["violence", "education"])
    visible = {"education": 3}
    found = similar_words("violencia", 50, 1000, vocabulary, lambda w, cap: visible.get(w, 0))
    assert found == []
    visible["violence"] = 40  # common, unlike a near spelling: still used
    found = similar_words("violencia", 50, 1000, vocabulary, lambda w, cap: visible.get(w, 0))
    assert found == ["violence"]
