"""An aggregator harvests the archive over OAI-PMH and gets public testimony only.

Harvested with sickle, a real OAI-PMH client, over a live server. Every
response's raw XML is kept and searched for the canary words of restricted,
sealed, withdrawn testimony and of real names: none may appear anywhere.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import requests
from defusedxml.ElementTree import fromstring
from sickle import Sickle
from sickle.oaiexceptions import IdDoesNotExist, NoRecordsMatch
from wagtail.models import PageLogEntry

from archive.consent.services import consent_amend
from archive.consent.withdrawal import testimony_withdraw
from archive.interchange import oai
from archive.models import (
    CollectionIndexPage,
    CollectionPage,
    TestimonyPage,
    TestimonyTheme,
    Theme,
    ThemeStatus,
)
from archive.models.collections import Clip, CollectionVisibility
from archive.models.consent import AccessLevel

NS = {"oai": oai.OAI_NS, "dc": oai.DC_NS}
# Words that must never leave the archive through the endpoint.
CANARIES = (
    "Ocelot",
    "Narwhal",
    "Axolotl",
    "Quokka",
    "Wombat",
    "Marmot",
    "Puffin",
    "Realname",
    "Private week",
)


@pytest.fixture
def archive(make_testimony):
    """Two public testimonies, one of each restricted kind, one withdrawn and purged."""
    public = make_testimony("Kestrel", show_real_name=True)
    other = make_testimony("Heron")
    make_testimony("Ocelot", access_level=AccessLevel.RESEARCHERS)
    make_testimony("Narwhal", access_level=AccessLevel.STAFF)
    make_testimony("Axolotl", publish=False, access_level=AccessLevel.SEALED)
    gone = make_testimony("Quokka")
    testimony_withdraw(testimony=gone, reason="The storyteller asked.", purge=True)
    # Never public, then withdrawn: harvesters never knew it, so it is no deleted record either.
    hidden = make_testimony("Wombat", access_level=AccessLevel.RESEARCHERS)
    testimony_withdraw(testimony=hidden, reason="The storyteller asked.")
    # Public, then narrowed to researchers: gone for harvesters, without its text.
    narrowed = make_testimony("Marmot")
    consent_amend(record=narrowed.consent, access_level=AccessLevel.RESEARCHERS, note="Narrowed.")
    # Public, then only unpublished: gone for harvesters too.
    unpublished = make_testimony("Puffin")
    unpublished.unpublish()
    # A title an attacker might write: it must come out as text.
    hostile = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script> & co'
    TestimonyPage.objects.filter(pk=other.pk).update(title=hostile)

    theme = Theme.objects.filter(parent__isnull=False).select_related("parent").first()
    TestimonyTheme.objects.create(testimony=public, theme=theme, status=ThemeStatus.ACCEPTED)
    index = CollectionIndexPage.objects.get()
    shown = index.add_child(
        instance=CollectionPage(title="Week 3", slug="week-3", visibility="public", live=False)
    )
    hidden = index.add_child(
        instance=CollectionPage(
            title="Private week", slug="private-week", visibility=CollectionVisibility.PRIVATE
        )
    )
    for collection in (shown, hidden):
        Clip.objects.create(collection=collection, testimony=other, start=0, end=1, title="A")
    return {
        "public": public,
        "other": other,
        "gone": gone,
        "hidden": hidden,
        "narrowed": narrowed,
        "unpublished": unpublished,
        "hostile": hostile,
        "theme": theme,
    }


class Harvester:
    """sickle with every raw response kept, so tests can search all of them."""

    def __init__(self, base: str) -> None:
        self.base = f"{base}/oai/"
        self.responses: list[str] = []
        self.sickle = Sickle(self.base, hooks={"response": self._keep})

    def _keep(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self.responses.append(response.text)

    def assert_no_canary(self) -> None:
        everything = "\n".join(self.responses)
        assert everything
        for word in CANARIES:
            assert word not in everything, word


def _id(page: TestimonyPage) -> str:
    return oai.oai_identifier(page.pk)


# One transactional test per story: each empties the database when it ends.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_harvester_gets_public_testimony_with_deletions_and_nothing_else(
    live_server, archive, monkeypatch
):
    monkeypatch.setattr(oai, "PAGE_SIZE", 3)  # five records: two pages
    harvest = Harvester(live_server.url)

    identify = harvest.sickle.Identify()
    assert identify.protocolVersion == "2.0"
    assert identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.baseURL.endswith("/oai/")
    assert identify.adminEmail == "noreply@localhost"  # the bare address, no display name

    # Harvesters may POST their requests too (and carry no CSRF token).
    assert Sickle(harvest.base, http_method="POST").Identify().protocolVersion == "2.0"

    formats = list(harvest.sickle.ListMetadataFormats())
    assert [f.metadataPrefix for f in formats] == ["oai_dc"]

    records = list(harvest.sickle.ListRecords(metadataPrefix="oai_dc"))
    # More than one page: sickle followed the resumption token.
    assert sum("<resumptionToken" in r for r in harvest.responses) == 2
    by_id = {r.header.identifier: r for r in records}
    assert set(by_id) == {
        _id(archive["public"]),
        _id(archive["other"]),
        _id(archive["gone"]),
        _id(archive["narrowed"]),
        _id(archive["unpublished"]),
    }
    for key in ("narrowed", "unpublished"):
        assert by_id[_id(archive[key])].header.deleted
        assert not hasattr(by_id[_id(archive[key])], "metadata")

    public = by_id[_id(archive["public"])]
    assert public.metadata["title"] == ["Testimony Kestrel"]
    # The pseudonym, never the real name, even where the site may show it.
    assert public.metadata["creator"] == ["Pseudonym estrel"]
    assert public.metadata["identifier"][0].endswith("/kestrel/")
    theme = archive["theme"]
    assert f"theme:{theme.parent.slug}:{theme.slug}" in public.header.setSpecs
    assert f"theme:{theme.parent.slug}" in public.header.setSpecs

    hostile = by_id[_id(archive["other"])]
    assert hostile.metadata["title"] == [archive["hostile"]]  # text, as written
    assert "<script>" not in "".join(harvest.responses)  # escaped in the raw XML
    assert "collection:week-3" in hostile.header.setSpecs

    gone = by_id[_id(archive["gone"])]
    assert gone.header.deleted
    assert not hasattr(gone, "metadata")  # sickle found no <metadata> to read
    assert gone.xml.find(f"{{{oai.OAI_NS}}}metadata") is None
    assert "Withdrawn testimony" not in "".join(harvest.responses)

    identifiers = list(harvest.sickle.ListIdentifiers(metadataPrefix="oai_dc"))
    assert {h.identifier for h in identifiers} == set(by_id)
    assert [h.deleted for h in identifiers if h.identifier == _id(archive["gone"])] == [True]

    record = harvest.sickle.GetRecord(identifier=_id(archive["public"]), metadataPrefix="oai_dc")
    assert record.metadata["title"] == ["Testimony Kestrel"]
    deleted = harvest.sickle.GetRecord(identifier=_id(archive["gone"]), metadataPrefix="oai_dc")
    assert deleted.header.deleted

    # Restricted testimony is not known to exist: the same answer as a made-up id.
    exposed = [archive[key].pk for key in ("public", "other", "gone", "narrowed", "unpublished")]
    unknown = TestimonyPage.objects.exclude(pk__in=exposed)
    assert {"Ocelot", "Narwhal", "Axolotl", "Wombat"} <= {p.title.split()[-1] for p in unknown}
    for page in unknown:
        with pytest.raises(IdDoesNotExist):
            harvest.sickle.GetRecord(identifier=_id(page), metadataPrefix="oai_dc")
    with pytest.raises(IdDoesNotExist):
        harvest.sickle.GetRecord(
            identifier="oai:testimonio:testimony/999999", metadataPrefix="oai_dc"
        )

    harvest.assert_no_canary()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sets_and_date_ranges_select_records(live_server, archive):
    harvest = Harvester(live_server.url)
    theme = archive["theme"]

    specs = {s.setSpec: s.setName for s in harvest.sickle.ListSets()}
    assert "collection:week-3" in specs
    assert "collection:private-week" not in specs
    assert f"theme:{theme.parent.slug}:{theme.slug}" in specs
    assert specs[f"theme:{theme.parent.slug}:{theme.slug}"] == f"{theme.name} / {theme.name_es}"

    def harvested(**args: str) -> set[str]:
        try:
            items = harvest.sickle.ListIdentifiers(metadataPrefix="oai_dc", **args)
            return {h.identifier for h in items if not h.deleted}
        except NoRecordsMatch:
            return set()

    assert harvested(set=f"theme:{theme.parent.slug}") == {_id(archive["public"])}
    assert harvested(set=f"theme:{theme.parent.slug}:{theme.slug}") == {_id(archive["public"])}
    assert harvested(set="collection:week-3") == {_id(archive["other"])}
    assert harvested(set="collection:private-week") == set()

    now = datetime.now(UTC)
    day = now.strftime("%Y-%m-%d")
    assert harvested(**{"from": day, "until": day}) == {
        _id(archive["public"]),
        _id(archive["other"]),
    }
    later = (now + timedelta(hours=1)).strftime(oai.DATESTAMP_FORMAT)
    earlier = (now - timedelta(hours=1)).strftime(oai.DATESTAMP_FORMAT)
    assert harvested(**{"from": later}) == set()
    assert harvested(until=earlier) == set()
    assert len(harvested(**{"from": earlier, "until": later})) == 2

    # The datestamp follows the last publication: republished later, harvested again.
    moved = now + timedelta(days=3)
    TestimonyPage.objects.filter(pk=archive["public"].pk).update(last_published_at=moved)
    since = (now + timedelta(days=2)).strftime("%Y-%m-%d")
    assert harvested(**{"from": since}) == {_id(archive["public"])}

    # A later unpublication moves a deleted record's datestamp, so harvesters by date see it.
    def deleted_since(day: str) -> set[str]:
        items = harvest.sickle.ListIdentifiers(metadataPrefix="oai_dc", **{"from": day})
        return {h.identifier for h in items if h.deleted}

    assert _id(archive["unpublished"]) not in deleted_since(since)
    PageLogEntry.objects.filter(page=archive["unpublished"], action="wagtail.unpublish").update(
        timestamp=moved
    )
    assert deleted_since(since) == {_id(archive["unpublished"])}

    harvest.assert_no_canary()


def _error(client, query: str) -> tuple[str, ET.Element]:
    response = client.get(f"/oai/?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = fromstring(response.content)
    error = root.find("oai:error", NS)
    assert error is not None, response.content
    return error.get("code"), root


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "badVerb"),
        ("verb=Harvest", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=Identify&extra=1", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-30", "badArgument"),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-01-01T00:00:00Z",
            "badArgument",
        ),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-01&until=2026-01-01", "badArgument"),
        ("verb=ListRecords&resumptionToken=x&metadataPrefix=oai_dc", "badArgument"),
        ("verb=GetRecord&identifier=oai:testimonio:testimony/1", "badArgument"),
        ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
        (
            "verb=GetRecord&identifier=oai:testimonio:testimony/1&metadataPrefix=mods",
            "cannotDisseminateFormat",
        ),
        (
            "verb=GetRecord&identifier=oai:testimonio:testimony/999999&metadataPrefix=oai_dc",
            "idDoesNotExist",
        ),
        ("verb=GetRecord&identifier=nonsense&metadataPrefix=oai_dc", "idDoesNotExist"),
        ("verb=ListMetadataFormats&identifier=oai:testimonio:testimony/999999", "idDoesNotExist"),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=1990-01-01&until=1990-12-31",
            "noRecordsMatch",
        ),
        ("verb=ListIdentifiers&metadataPrefix=oai_dc&set=theme:no-such-theme", "noRecordsMatch"),
        ("verb=ListRecords&resumptionToken=forged", "badResumptionToken"),
        ("verb=ListSets&resumptionToken=anything", "badResumptionToken"),
    ],
)
def test_every_bad_request_gets_the_protocols_error_code(client, query, code):
    found, root = _error(client, query)
    assert found == code
    request = root.find("oai:request", NS)
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}  # the protocol says: no arguments echoed back


@pytest.mark.django_db
def test_an_expired_or_foreign_token_is_a_bad_resumption_token(client, make_testimony, monkeypatch):
    for canary in ("Alpaca", "Bison", "Coyote"):
        make_testimony(canary)
    monkeypatch.setattr(oai, "PAGE_SIZE", 2)
    first = fromstring(client.get("/oai/?verb=ListIdentifiers&metadataPrefix=oai_dc").content)
    token = first.find("oai:ListIdentifiers/oai:resumptionToken", NS)
    assert token.get("completeListSize") == "3" and token.get("cursor") == "0"
    # The token answers its own verb only.
    code, _ = _error(client, f"verb=ListRecords&resumptionToken={token.text}")
    assert code == "badResumptionToken"
    # A day and more later it has expired.
    later = datetime.now(UTC) + oai.TOKEN_MAX_AGE + timedelta(minutes=1)
    monkeypatch.setattr("django.core.signing.time.time", lambda: later.timestamp())
    code, _ = _error(client, f"verb=ListIdentifiers&resumptionToken={token.text}")
    assert code == "badResumptionToken"


@pytest.mark.django_db
def test_an_empty_archive_answers_identify_and_no_records(client):
    root = fromstring(client.get("/oai/?verb=Identify").content)
    assert root.findtext("oai:Identify/oai:deletedRecord", namespaces=NS) == "persistent"
    code, _ = _error(client, "verb=ListRecords&metadataPrefix=oai_dc")
    assert code == "noRecordsMatch"


@pytest.mark.django_db
def test_characters_xml_cannot_hold_are_dropped_and_the_response_stays_well_formed(
    client, make_testimony
):
    page = make_testimony("Gecko")
    TestimonyPage.objects.filter(pk=page.pk).update(summary="Bell\x07 and tab\x0b & <b>bold</b>")
    response = client.get("/oai/?verb=ListRecords&metadataPrefix=oai_dc")
    root = fromstring(response.content)  # would raise on a stray control character
    summary = root.findtext(".//dc:description", namespaces=NS)
    assert summary == "Bell and tab & <b>bold</b>"
    assert b"&lt;b&gt;bold" in response.content


@pytest.mark.django_db
def test_the_answer_keeps_its_own_prefixes_whatever_else_registered_some(client) -> None:
    """ElementTree's prefixes are process-wide; a PDF library's registrations must not
    turn the OAI-PMH default namespace into ns0: prefixes."""
    ET.register_namespace("", "http://example.org/other")
    ET.register_namespace("dc", "http://example.org/not-dublin-core")
    try:
        body = client.get("/oai/", {"verb": "Identify"}).content.decode()
    finally:
        oai._register_prefixes()  # leave the process as the archive keeps it
    assert '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"' in body
    assert "ns0:" not in body
