"""The seed thesaurus: complete, bilingual, well-formed. Pure data, no database."""

import re
from collections import defaultdict
from dataclasses import FrozenInstanceError

import pytest

from archive.themes.thesaurus import THESAURUS, ThemeSeed


def by_slug() -> dict[str, ThemeSeed]:
    """Every seed theme keyed by its slug."""
    return {theme.slug: theme for theme in THESAURUS}


def children_of(slug: str | None) -> tuple[ThemeSeed, ...]:
    """The themes whose parent is ``slug`` (``None`` gives the top-level groups)."""
    return tuple(theme for theme in THESAURUS if theme.parent == slug)


GROUPS = {
    "enforcement-pipeline": [
        "secure-communities",
        "ice-detainer",
        "courthouse-and-home-arrests",
        "transfer-to-ice",
        "prior-removal-order",
        "expedited-removal",
        "immigration-detention",
        "deportation-and-exile",
    ],
    "criminal-legal-system": [
        "retaliatory-arrest",
        "dual-and-mandatory-arrest",
        "arrest-after-calling-police",
        "plea-pressure",
        "bail-blocked-by-hold",
        "profiling-of-trans-women",
        "coerced-convictions",
    ],
    "survivors": [
        "domestic-violence",
        "human-trafficking",
        "coercion-by-older-partner",
        "sentencing-relief",
        "vacating-convictions",
    ],
    "family": [
        "family-separation",
        "children-and-custody",
        "pregnancy-in-custody",
        "nursing-infants",
        "contact-across-borders",
    ],
    "relief-and-remedies": [
        "pardon-and-clemency",
        "vawa-self-petition",
        "u-visa",
        "t-visa",
        "asylum",
        "appeal-of-removal",
        "access-to-counsel",
    ],
    "communities": [
        "lgbtq-and-transgender",
        "southeast-asian-refugees",
        "latin-american-migrants",
    ],
    "life-and-repair": [
        "education-in-prison",
        "work-and-caregiving",
        "mental-health",
        "community-leadership",
    ],
}

REQUIRED_SPANISH = {
    "separación familiar": "family-separation",
    "orden de deportación": "prior-removal-order",
    "trata de personas": "human-trafficking",
    "violencia doméstica": "domestic-violence",
    "arresto en represalia": "retaliatory-arrest",
    "comunidades seguras": "secure-communities",
}

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def test_top_level_groups_are_the_seven_from_the_design():
    assert {t.slug for t in children_of(None)} == set(GROUPS)


@pytest.mark.parametrize(("group", "slug"), [(g, s) for g, slugs in GROUPS.items() for s in slugs])
def test_every_design_theme_is_present_under_its_group(group, slug):
    themes = by_slug()
    assert slug in themes, f"missing theme {slug}"
    assert themes[slug].parent == group


def test_trafficking_children_if_present_sit_under_human_trafficking():
    themes = by_slug()
    for slug in ("sex-trafficking", "labour-trafficking"):
        if slug in themes:
            assert themes[slug].parent == "human-trafficking"


def test_slugs_are_unique_and_valid():
    slugs = [t.slug for t in THESAURUS]
    assert len(slugs) == len(set(slugs))
    for slug in slugs:
        assert SLUG_RE.match(slug), slug
        assert len(slug) <= 50


def test_parents_exist_and_come_before_their_children():
    seen: set[str] = set()
    for theme in THESAURUS:
        if theme.parent is not None:
            assert theme.parent in seen, f"{theme.slug}: parent {theme.parent} not earlier"
        seen.add(theme.slug)


@pytest.mark.parametrize("theme", THESAURUS, ids=lambda t: t.slug)
def test_every_theme_has_names_description_and_bilingual_terms(theme: ThemeSeed):
    assert theme.name_en.strip() and theme.name_es.strip()
    assert len(theme.description) >= 40
    assert theme.description.rstrip().endswith(".")
    for terms in (theme.terms_en, theme.terms_es):
        assert isinstance(terms, tuple)
        assert 3 <= len(terms) <= 8, theme.slug
        assert len(set(terms)) == len(terms), f"duplicate term in {theme.slug}"
        for term in terms:
            assert term == term.strip().lower(), f"{theme.slug}: {term!r} not lowercase/trimmed"
            assert "  " not in term
            assert len(term) >= 3, f"{theme.slug}: {term!r} too short"


def test_a_term_identifies_one_theme_per_language():
    for attr in ("terms_en", "terms_es"):
        owners: dict[str, list[str]] = defaultdict(list)
        for theme in THESAURUS:
            for term in getattr(theme, attr):
                owners[term].append(theme.slug)
        shared = {term: slugs for term, slugs in owners.items() if len(slugs) > 1}
        assert not shared, f"{attr} shared between themes: {shared}"


@pytest.mark.parametrize(("term", "slug"), sorted(REQUIRED_SPANISH.items()))
def test_required_spanish_terms_are_present(term, slug):
    assert term in by_slug()[slug].terms_es


def test_seeds_are_frozen():
    theme = THESAURUS[0]
    with pytest.raises(FrozenInstanceError):
        theme.slug = "changed"  # type: ignore[misc]


def test_by_slug_covers_the_whole_thesaurus():
    themes = by_slug()
    assert len(themes) == len(THESAURUS)
    assert all(themes[t.slug] is t for t in THESAURUS)
