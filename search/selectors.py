"""Searching as a given user: the one path pages, the API and commands share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from archive import access
from archive.models import Theme
from search.backends import get_backend
from search.backends.base import SearchResults
from search.query import Query, parse_query

PAGE_SIZE = 20
GROUP_PAGE_SIZE = 10
BEST_MOMENTS = 3
# "Show all N moments" of one testimony: as many as a group may hold.
ALL_MOMENTS = 50
# Function words a misspelling is never "corrected" to: "ice hold" is not "i had".
_NOT_SUGGESTED = frozenset(
    "a an and are as at be but by de del did do el en es for from had has have he her his i"
    " in is it la las lo los me mi my no of on or our she so that the their them they this to"
    " un una was we were what when who with y yo you".split()
)
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
MEDIA_NAMES = {"audio": "Audio", "video": "Video"}


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Filters:
    """What a person can set beside the words: from the query string or the command line."""

    themes: Sequence[str] = ()
    languages: Sequence[str] = ()
    places: Sequence[str] = ()
    years: str = ""
    media_types: Sequence[str] = ()
    # "All words": every typed word required (in one of its forms), as +word does.
    match_all: bool = False

    def __bool__(self) -> bool:
        """Whether any filter narrows the search (the "all words" option is not a filter)."""
        return any((self.themes, self.languages, self.places, self.years, self.media_types))

    def query(self, text: str) -> Query:
        """The text and these filters as one Query. Raises QueryError for unusable input."""
        return parse_query(
            text,
            themes=self.themes,
            languages=self.languages,
            places=self.places,
            years=self.years,
            media_types=self.media_types,
            match_all=self.match_all,
        )


NO_FILTERS = Filters()


def search_segments(
    *,
    text: str,
    user: access.User | None,
    filters: Filters = NO_FILTERS,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> SearchResults:
    """Segment hits `user` may see. Raises QueryError for unusable text, SearchUnavailable."""
    page = max(1, page)
    return get_backend().search(
        filters.query(text),
        access_levels=access.access_levels(user),
        limit=page_size,
        offset=(page - 1) * page_size,
    )


def search_testimonies(
    *,
    text: str,
    user: access.User | None,
    filters: Filters = NO_FILTERS,
    page: int = 1,
    page_size: int = GROUP_PAGE_SIZE,
    per_group: int = BEST_MOMENTS,
) -> SearchResults:
    """A page of testimonies `user` may see, each with its best moments.

    When nothing matches (no moment, no testimony), offers spellings of the
    words that the asker could find (``suggestions``). Raises QueryError for
    unusable text, SearchUnavailable.
    """
    query = filters.query(text)
    levels = access.access_levels(user)
    backend = get_backend()
    results = backend.search_grouped(
        query,
        access_levels=levels,
        limit=page_size,
        offset=(max(1, page) - 1) * page_size,
        per_group=per_group,
    )
    if results.total or results.total_groups or not query.terms:
        return results
    suggestions = []
    for term in query.terms:
        spelled = [
            word
            for word in backend.suggest(term, access_levels=levels)
            if _plausible_spelling(term, word)
        ]
        suggestions.append(spelled[0] if spelled else term)
    if suggestions == list(query.terms):
        return results
    return replace(results, suggestions=(" ".join(suggestions),))


def _plausible_spelling(typed: str, word: str) -> bool:
    """Would a person who typed `typed` likely have meant `word`?

    Never a function word, never a word much shorter, and for short words
    one slip at most (a swap counts as one): "hold" is not a misspelt "had".
    """
    from rapidfuzz.distance import OSA

    if word.casefold() in _NOT_SUGGESTED or len(word) < 3 or len(word) < len(typed) - 1:
        return False
    return len(typed) > 4 or OSA.distance(typed.casefold(), word.casefold()) <= 1


def unknown_themes(query: Query) -> list[str]:
    """The theme filters of `query` that name no theme in the thesaurus, to tell the asker."""
    known = set(Theme.objects.filter(slug__in=query.themes).values_list("slug", flat=True))
    return [slug for slug in query.themes if slug not in known]


def facet_options(results: SearchResults) -> dict[str, list[FacetOption]]:
    """Facet counts with labels a person can read (theme names, language names, decades)."""
    names = dict(
        Theme.objects.filter(
            slug__in=[facet.value for facet in results.facets.get("theme", ())]
        ).values_list("slug", "name")
    )
    labels = {
        "theme": names,
        "language": LANGUAGE_NAMES,
        "media_type": MEDIA_NAMES,
        "decade": {f.value: f"{f.value}s" for f in results.facets.get("decade", ())},
    }
    return {
        name: [
            FacetOption(f.value, labels.get(name, {}).get(f.value, f.value), f.count)
            for f in counts
        ]
        for name, counts in results.facets.items()
    }
