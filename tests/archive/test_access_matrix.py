"""Every role x access level x embargo x withdrawal x surface: a canary never leaks.

Each testimony carries a unique canary word in its title, summary, transcript
and the storyteller's real name. For every role we fetch every surface and
assert the canary appears exactly where archive.access allows it.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from archive import access
from archive.consent.services import consent_amend, consent_withdraw
from archive.models import ResearcherApproval, TestimonyPage
from archive.testimonies.signing import media_url

pytestmark = pytest.mark.django_db

LEVELS = ["public", "researchers", "staff", "sealed"]
STATES = ["open", "embargoed", "withdrawn"]
# The policy, written out independently of archive.access: which levels each
# role may see when consent is open (not embargoed, not withdrawn).
MAY_SEE = {
    "anonymous": {"public"},
    "registered": {"public"},
    "researcher": {"public", "researchers"},
    "lapsed_researcher": {"public"},
    "editor": {"public", "researchers", "staff"},
    "administrator": {"public", "researchers", "staff"},
}
ROLES = list(MAY_SEE)


def make_user(role: str):
    User = get_user_model()
    if role == "anonymous":
        return None
    user = User.objects.create_user(role, f"{role}@example.org", "pw")
    if role in ("researcher", "lapsed_researcher"):
        until = timezone.localdate() + timedelta(days=30 if role == "researcher" else -1)
        ResearcherApproval.objects.create(
            user=user,
            purpose="Study",
            terms_accepted_at=timezone.now(),
            approved_at=timezone.now(),
            valid_until=until,
        )
    elif role == "editor":
        user.is_staff = True
        user.save()
    elif role == "administrator":
        user.is_staff = user.is_superuser = True
        user.save()
    return user


@pytest.fixture
def archive(make_testimony):
    """Twelve testimonies: each access level in each consent state."""
    built = {}
    for level in LEVELS:
        for state in STATES:
            canary = f"Canary{level.title()}{state.title()}"
            testimony = make_testimony(canary, access_level=level, publish=level != "sealed")
            if level == "sealed":
                # Sealed testimony can no longer be published; a page made live
                # around that rule (by hand in the database) must still show nothing.
                TestimonyPage.objects.filter(pk=testimony.pk).update(live=True)
                testimony = TestimonyPage.objects.get(pk=testimony.pk)
            if state == "embargoed":
                consent_amend(
                    record=testimony.consent,
                    embargo_until=timezone.localdate() + timedelta(days=90),
                    note="Embargo requested.",
                )
            elif state == "withdrawn":
                consent_withdraw(record=testimony.consent, reason="Asked by phone.")
            built[level, state] = testimony
    return built


def surfaces(client: Client, testimony, user) -> dict[str, str]:
    """Every response body a person could get about `testimony`."""
    media = testimony.primary_media
    canary = testimony.title.split()[-1]
    bodies = {
        "page": client.get(testimony.site_path),
        "page_at_t": client.get(testimony.site_path, {"t": "1"}),
        "media": client.get(media_url(media, user)),
        # Lowercase query: the page echoes it, hits show the canary's own case.
        "search": client.get("/search/", {"q": canary.lower()}),
        "api": client.get("/api/search/", {"q": canary.lower()}),
        "index": client.get("/"),
        "sitemap": client.get("/sitemap.xml"),
        "feed": client.get("/feed/"),
    }
    for fmt in ("vtt", "srt", "txt", "json"):
        bodies[f"transcript.{fmt}"] = client.get(f"/transcripts/{testimony.pk}.{fmt}")
    texts = {
        name: b"".join(r.streaming_content).decode(errors="replace")
        if r.streaming
        else r.content.decode(errors="replace")
        for name, r in bodies.items()
    }
    texts["media_status"] = str(bodies["media"].status_code)
    return texts


@pytest.mark.parametrize("role", ROLES)
def test_canary_of_restricted_testimony_never_reaches_a_role_that_may_not_see_it(
    role, archive, settings
):
    settings.SEARCH_API_RATE_LIMIT = 10_000
    user = make_user(role)
    client = Client()
    if user is not None:
        client.force_login(user)

    for (level, state), testimony in archive.items():
        canary = testimony.title.split()[-1]
        visible = state == "open" and level in MAY_SEE[role]
        anonymous_may = state == "open" and level == "public"
        # These consents allow audio and transcript (OPEN_TERMS) but never the real name.
        allowed = {
            access.Part.PAGE: visible,
            access.Part.AUDIO: visible,
            access.Part.TRANSCRIPT: visible,
        }
        bodies = surfaces(client, testimony, user)
        word = re.compile(re.escape(canary), re.IGNORECASE)

        expected = {
            "page": allowed[access.Part.PAGE],
            "page_at_t": allowed[access.Part.PAGE],
            "search": allowed[access.Part.TRANSCRIPT],
            "api": allowed[access.Part.TRANSCRIPT],
            "index": allowed[access.Part.PAGE],
            # Public surfaces list only what an anonymous visitor may see.
            "sitemap": anonymous_may,
            "feed": anonymous_may,
        }
        for fmt in ("vtt", "srt", "txt", "json"):
            expected[f"transcript.{fmt}"] = allowed[access.Part.TRANSCRIPT]
        exact = re.compile(re.escape(canary))
        for surface, may_see in expected.items():
            pattern = exact if surface in ("search", "api") else word
            found = bool(pattern.search(bodies[surface]))
            assert found == may_see, f"{role} / {canary} / {surface}: found={found}"
        # The real name is never allowed by these consents, so it never shows.
        for surface, body in bodies.items():
            assert f"Realname{canary}" not in body, f"{role} / {canary} / {surface}: real name"
        expected_status = "200" if allowed[access.Part.AUDIO] else "404"
        assert bodies["media_status"] == expected_status, f"{role} / {canary}: media"


def test_the_matrix_is_deny_by_default():
    # Sealed, withdrawn and embargoed are dark to every role; nobody holds sealed.
    for role in access.Role:
        assert "sealed" not in access.LEVELS_BY_ROLE[role]
        assert not access.decide(role, None, access.Part.PAGE, live=True)


def test_open_public_testimony_is_visible_to_everyone(archive):
    testimony = archive["public", "open"]
    for role in ROLES:
        user = make_user(role) if role != "anonymous" else None
        assert access.can_view(user, testimony, access.Part.PAGE), role


# -- the ways search reaches a moment: synonyms, near spellings, suggestions ----


def _typo(canary: str) -> str:
    """The canary with one letter dropped: found by a near spelling, or suggested."""
    return canary[:-2] + canary[-1]


@pytest.fixture
def spoken_archive(archive):
    """The matrix archive, each testimony also saying a thesaurus phrase and its canary."""
    from archive.models import Segment
    from search.indexing import index_testimony

    for testimony in archive.values():
        canary = testimony.title.split()[-1]
        transcript = testimony.current_transcript
        Segment.objects.create(
            transcript=transcript,
            index=2,
            start=2.0,
            end=3.0,
            text=f"They put an immigration hold on me, said {canary}.",
        )
        index_testimony(testimony)
    return archive


def _search_bodies(client: Client, text: str) -> dict[str, str]:
    return {
        "search": client.get("/search/", {"q": text}).content.decode(),
        "api": client.get("/api/search/", {"q": text}).content.decode(),
    }


@pytest.mark.parametrize("role", ROLES)
def test_no_synonym_near_spelling_strict_word_or_suggestion_reveals_a_hidden_canary(
    role, spoken_archive, settings
):
    settings.SEARCH_API_RATE_LIMIT = 10_000
    user = make_user(role)
    client = Client()
    if user is not None:
        client.force_login(user)
    # A thesaurus synonym ("ICE detainer" -> "immigration hold") and a natural question
    # reach every testimony's new moment at once; the canaries show only where allowed.
    shared = {
        question: _search_bodies(client, question)
        # ... and the bilingual lexicon, a Spanish question for the English moment.
        for question in (
            "ICE detainer",
            "who put an ICE hold on her and why",
            "solicitud de retención",
        )
    }
    for (level, state), testimony in spoken_archive.items():
        canary = testimony.title.split()[-1]
        visible = state == "open" and level in MAY_SEE[role]
        exact = re.compile(re.escape(canary))
        for question, bodies in shared.items():
            for surface, body in bodies.items():
                found = bool(exact.search(body))
                assert found == visible, f"{role} / {canary} / {question} / {surface}"
        # The canary with a Spanish ending: its cognate (search/cognates.py) is the canary.
        for question in (
            _typo(canary),
            f"+{canary.lower()}",
            f"{_typo(canary)} immigration",
            f"{canary.lower()}o",
        ):
            for surface, body in _search_bodies(client, question).items():
                found = bool(exact.search(body))
                assert found == visible, f"{role} / {canary} / {question} / {surface}"


@pytest.fixture
def meaning_on(settings):
    """Search by meaning on, as the archive runs by default (tests run on words alone)."""
    from search.backends import reset_backends

    settings.SEARCH_BACKENDS = {"default": {**settings.SEARCH_BACKENDS["default"], "MEANING": True}}
    reset_backends()
    yield
    reset_backends()


@pytest.mark.parametrize("role", ["anonymous", "researcher", "editor"])
def test_search_by_meaning_reveals_no_hidden_canary(role, meaning_on, spoken_archive, settings):
    settings.SEARCH_API_RATE_LIMIT = 10_000
    user = make_user(role)
    client = Client()
    if user is not None:
        client.force_login(user)
    # Paraphrases of "They put an immigration hold on me": found by meaning, with
    # few or none of the words, for every testimony at once.
    for question in (
        "kept in custody for deportation officers",
        "held for immigration agents after my release",
        # Spanish, asked by meaning in its thesaurus English ("ICE detainer ...").
        "me dejaron con una orden de retención al salir",
    ):
        bodies = _search_bodies(client, question)
        for (level, state), testimony in spoken_archive.items():
            canary = testimony.title.split()[-1]
            visible = state == "open" and level in MAY_SEE[role]
            exact = re.compile(re.escape(canary))
            for surface, body in bodies.items():
                found = bool(exact.search(body))
                assert found == visible, f"{role} / {canary} / {question} / {surface}"
