"""The bilingual lexicon: read strictly, and joined to the thesaurus's expansion."""

from __future__ import annotations

import pytest

from search.expansion import seed_thesaurus
from search.lexicon import PREFIX, LexiconError, lexicon_entries, parse_lexicon
from search.plan import plan_query
from search.query import parse_query


def test_a_line_is_english_words_then_spanish_words() -> None:
    entries = parse_lexicon("# a comment\n\njail, prison | cárcel, prisión\n")
    assert entries == [(f"{PREFIX}3", ("jail", "prison"), ("cárcel", "prisión"))]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("jail, prison\n", 1),
        ("ok | bien\njail | cárcel | prisión\n", 2),
        ("# comment\n | cárcel\n", 2),
        ("jail | , \n", 1),
    ],
)
def test_a_malformed_line_is_an_error_naming_it(text: str, line: int) -> None:
    with pytest.raises(LexiconError, match=f"line {line}:"):
        parse_lexicon(text)


def test_the_shipped_lexicon_reads_and_has_both_languages() -> None:
    entries = lexicon_entries()
    assert len(entries) > 100
    assert all(english and spanish for _, english, spanish in entries)


def _expanded(text: str) -> set[str]:
    plan = plan_query(parse_query(text), seed_thesaurus())
    return {" ".join(phrase) for expansion in plan.expansions for phrase in expansion.phrases}


def test_a_spanish_word_asks_for_its_english_group_and_back() -> None:
    assert "fingerprint" in _expanded("huellas")
    assert "carcel" in _expanded("jail")


def test_one_phrase_per_distinct_stems() -> None:
    plan = plan_query(parse_query("indulto"), seed_thesaurus())
    phrases = [phrase for expansion in plan.expansions for phrase in expansion.phrases]
    assert len(phrases) == len(set(phrases))
