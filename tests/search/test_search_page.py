"""The search page as a journalist reads it: filters shown and removable, honest hints."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from search.backends import get_backend
from search.backends.base import SegmentDocument, TestimonyDocument

pytestmark = pytest.mark.django_db


def doc(segment_id: int, testimony_id: int, text: str, **extra) -> SegmentDocument:
    fields = {
        "title": f"Testimony {testimony_id}",
        "url": f"/t{testimony_id}/",
        "start": 10.0 * segment_id,
        "end": 10.0 * segment_id + 5,
        "language": "en",
        "themes": ("ice-detainer",),
        "access_level": "public",
        "place": "Queens, New York",
        "year": 2012,
        "media_type": "audio",
        **extra,
    }
    return SegmentDocument(segment_id=segment_id, testimony_id=testimony_id, text=text, **fields)


@pytest.fixture(autouse=True)
def indexed() -> None:
    cache.clear()
    get_backend().index_segments(
        [
            *(doc(n, 1, f"The hold lasted week {n}.") for n in range(1, 7)),
            doc(20, 2, "I had nothing, and he said I had to wait.", place="Houston"),
        ]
    )


def page(**params: str | list[str]) -> str:
    response = Client().get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_place_from_the_help_finds_a_longer_place_name() -> None:
    html = page(q='hold place:"New York"')
    assert "6 moments in 1 testimony" in html


def test_an_unknown_theme_is_said_to_be_unknown() -> None:
    html = page(q="hold theme:nonexistent")
    assert "There is no theme “nonexistent”" in html
    assert "There is no theme" not in page(q="hold theme:ice-detainer")


def test_active_facets_are_shown_and_each_removes_alone() -> None:
    html = page(q="hold", theme="ice-detainer", place="Queens, New York")

    assert 'class="active-filters"' in html
    assert "Theme: ICE detainer" in html or "Theme: " in html
    assert "Place: Queens, New York" in html
    removes = [part.split('"', 1)[0] for part in html.split('class="remove-filter" href="?')[1:]]
    assert len(removes) == 2
    assert any("theme=" not in link and "place=" in link for link in removes)
    assert any("place=" not in link and "theme=" in link for link in removes)
    assert 'class="active-filters"' not in page(q="hold")


def test_every_moment_of_a_testimony_can_be_shown() -> None:
    html = page(q="hold")
    assert "6 moments in this testimony" in html
    assert html.count('class="hit"') == 3
    link = html.split('class="all-moments" href="?', 1)[1].split('"', 1)[0].replace("&amp;", "&")

    expanded = Client().get(f"/search/?{link}").content.decode()

    assert expanded.count('class="hit"') == 6
    assert 'class="all-moments"' not in expanded


def test_no_spelling_suggestion_when_a_testimony_was_found() -> None:
    get_backend().index_testimonies(
        [
            TestimonyDocument(
                testimony_id=3, title="The hlod", url="/t3/", summary="", storyteller="",
                language="en", themes=(), access_level="public", place="", year=None,
                media_type="audio",
            )
        ]
    )  # fmt: skip
    html = page(q="hlod")

    assert "0 moments in 1 testimony" in html
    assert "Did you mean" not in html


def test_a_misspelling_is_still_corrected_when_nothing_is_found() -> None:
    assert 'Did you mean <a href="?q=hold">hold</a>?' in page(q="hlod")


@pytest.mark.parametrize(("typed", "word", "offered"), [
    ("ice", "i", False), ("hold", "had", False), ("hav", "had", False),
    ("hlod", "hold", True), ("detension", "detention", True),
])  # fmt: skip
def test_a_spelling_is_never_a_function_word_or_a_stretch(typed, word, offered) -> None:
    from search.selectors import _plausible_spelling

    assert _plausible_spelling(typed, word) is offered
    if not offered:
        html = page(q=typed)
        assert f">{word}</a>?" not in html
