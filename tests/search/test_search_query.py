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
        ("col : val", ("col", "val")),
        ("10:30", ("10", "30")),
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


# -- field filters ---------------------------------------------------------------


def test_field_filters_in_the_text_become_query_filters() -> None:
    query = parse_query(
        'hold theme:ice-detainer lang:es year:2010..2015 place:"New York" media:video'
    )
    assert query.terms == ("hold",)
    assert query.themes == ("ice-detainer",)
    assert query.languages == ("es",)
    assert (query.year_from, query.year_to) == (2010, 2015)
    assert query.places == ("New York",)
    assert query.media_types == ("video",)


def test_field_names_and_values_are_case_insensitive_where_it_is_safe() -> None:
    query = parse_query("Theme:Asylum LANGUAGE:ES place:houston")
    assert query.themes == ("asylum",)
    assert query.languages == ("es",)
    assert query.place_keys == ("houston",)


def test_a_single_year_is_a_range_of_one() -> None:
    query = parse_query("year:2012")
    assert (query.year_from, query.year_to) == (2012, 2012)
    assert not query.is_empty


def test_open_year_ranges() -> None:
    assert (parse_query("year:..2015").year_from, parse_query("year:..2015").year_to) == (
        None,
        2015,
    )
    assert parse_query("bail", years="2010..").year_from == 2010


def test_filters_from_text_and_arguments_merge() -> None:
    query = parse_query("theme:asylum", themes=["vawa"], languages=["en"])
    assert set(query.themes) == {"asylum", "vawa"}
    assert query.languages == ("en",)


def test_a_field_inside_a_phrase_is_just_words() -> None:
    assert parse_query('"he said theme:x"').phrases == (("he", "said", "theme", "x"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year:2015..2010", "ends before it starts"),
        ("year:abc", "Cannot read the year"),
        ("year:1800", "outside the archive's range"),
        ("year:2012..3000", "outside the archive's range"),
        ("year:2012 year:2013", "one year or one range"),
        ("year:", "needs a value"),
        ("text:hold", "Unknown search field 'text'"),
        ("col:val", "Unknown search field"),
        ("-theme:asylum", "cannot be excluded"),
        ("theme:Not_A_Slug", "theme"),
        ("lang:english", "language"),
        ("media:film", "audio or video"),
        ('place:""', "needs a value"),
        ("place:" + "x" * 101, "1 to 100 characters"),
    ],
)
def test_malformed_or_impossible_filters_are_query_errors(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)


def test_impossible_year_range_from_a_parameter_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="ends before it starts"):
        parse_query("", years="2015..2010")


def test_unknown_but_well_formed_theme_in_the_text_is_fine_here() -> None:
    assert parse_query("theme:no-such-theme").themes == ("no-such-theme",)
