"""search.query: what a person types becomes a Query, or a QueryError they can act on."""

from __future__ import annotations

import pytest

from search.query import MAX_QUERY_LENGTH, Query, QueryError, parse_query


def test_words_are_lowercased_and_keep_their_accents() -> None:
    query = parse_query("Separación FAMILIAR")
    assert query.terms == ("separación", "familiar")
    assert query.phrases == ()
    assert query.exclusions == ()


def test_quoted_text_is_a_phrase_of_words() -> None:
    query = parse_query('"ICE hold" bail')
    assert query.phrases == (("ice", "hold"),)
    assert query.terms == ("bail",)


def test_a_quoted_single_word_is_a_term() -> None:
    assert parse_query('"detainer"') == Query(terms=("detainer",), phrases=(), exclusions=())


def test_typographic_quotes_make_a_phrase_too() -> None:
    assert parse_query("\u201corden de deportación\u201d").phrases == (
        ("orden", "de", "deportación"),
    )


def test_unbalanced_quote_makes_the_rest_a_phrase() -> None:
    query = parse_query('bail "blocked by a hold')
    assert query.terms == ("bail",)
    assert query.phrases == (("blocked", "by", "a", "hold"),)


def test_minus_and_not_exclude_words() -> None:
    query = parse_query("detention -fugitive NOT expedited")
    assert query.terms == ("detention",)
    assert query.exclusions == ("fugitive", "expedited")


def test_excluded_phrase_is_dropped_rather_than_searched_for() -> None:
    query = parse_query('-"county jail" detention')
    assert query.phrases == ()
    assert query.terms == ("detention",)


def test_hyphen_inside_a_word_does_not_exclude() -> None:
    assert parse_query("e-mail").terms == ("e-mail",)
    assert parse_query("e-mail").exclusions == ()


def test_apostrophes_inside_a_word_keep_it_whole() -> None:
    # FTS5 and Elasticsearch split "didn't" further with their own analyzer,
    # identically for documents and queries.
    assert parse_query("I didn\u2019t know").terms == ("i", "didn't", "know")
    assert parse_query("'quoted'").terms == ("quoted",)


def test_capitalised_operators_are_dropped_and_lowercase_ones_are_words() -> None:
    assert parse_query("cats AND dogs OR birds").terms == ("cats", "dogs", "birds")
    assert parse_query("and or not near").terms == ("and", "or", "not", "near")


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("NEAR(a b)", ("a", "b")),
        ("col:val", ("col", "val")),
        ("^x* +y {z}", ("x", "y", "z")),
        ("'); DROP TABLE segments;--", ("drop", "table", "segments")),
        ("tab\tnew\nline", ("tab", "new", "line")),
        ("zero\u200bwidth", ("zerowidth",)),
    ],
)
def test_search_syntax_from_elsewhere_is_only_separators(text: str, terms: tuple[str]) -> None:
    assert parse_query(text).terms == terms


def test_decomposed_accents_are_composed() -> None:
    assert parse_query("separacio\u0301n").terms == ("separación",)


def test_repeated_words_are_kept_once() -> None:
    assert parse_query("hold hold HOLD").terms == ("hold",)


def test_too_long_query_says_how_long_and_what_to_do() -> None:
    with pytest.raises(QueryError) as excinfo:
        parse_query("x" * 10_000)
    assert str(excinfo.value) == (
        "Your search is 10000 characters long; the limit is 500. "
        "Try a few distinctive words or a short phrase."
    )
    assert parse_query("x" * MAX_QUERY_LENGTH).terms == ("x" * MAX_QUERY_LENGTH,)


@pytest.mark.parametrize("text", ['AND OR * ( ) "" -', "", "   ", '""', "NOT", "😀 ✨", "\x00\x01"])
def test_nothing_to_search_for_is_a_query_error(text: str) -> None:
    with pytest.raises(QueryError, match="Nothing to search for"):
        parse_query(text)


def test_only_exclusions_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="Only exclusions"):
        parse_query("-fugitive -removal")


def test_filters_alone_are_a_browse() -> None:
    query = parse_query("", themes=["family-separation"], languages=["es"])
    assert query.themes == ("family-separation",)
    assert query.languages == ("es",)
    assert not query.is_empty


def test_exclusions_with_a_filter_are_allowed() -> None:
    query = parse_query("-fugitive", themes=["detention"])
    assert query.exclusions == ("fugitive",)
    assert not query.is_empty


@pytest.mark.parametrize("theme", ["Family", "a b", "", "x;drop", "ü", "a" * 101])
def test_malformed_theme_slug_is_rejected(theme: str) -> None:
    with pytest.raises(QueryError, match="theme"):
        parse_query("hold", themes=[theme])


@pytest.mark.parametrize("language", ["EN", "eng", "e", "", "e1"])
def test_malformed_language_code_is_rejected(language: str) -> None:
    with pytest.raises(QueryError, match="language"):
        parse_query("hold", languages=[language])


def test_unknown_but_well_formed_theme_is_fine_here() -> None:
    assert parse_query("hold", themes=["no-such-theme"]).themes == ("no-such-theme",)


def test_query_error_is_a_value_error() -> None:
    assert issubclass(QueryError, ValueError)
