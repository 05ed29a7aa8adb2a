"""An OAI-PMH 2.0 repository (Dublin Core) so aggregators can harvest the public archive.

What is exposed is decided by archive.access: published testimony an
anonymous visitor may open (visible_testimonies), and, as deleted records
with no text at all, testimony once public that no longer is
(formerly_public_testimonies). Names are the storyteller's public name or
pseudonym only: a harvested copy lives on elsewhere, out of consent's reach.

XML is built with xml.etree, which escapes every value; characters XML 1.0
cannot carry are dropped first. Resumption tokens are signed (django.core.
signing), so a harvester cannot forge one to reach other filters or rows.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from wagtail.models import PageLogEntry

from archive import access
from archive.models import CollectionPage, TestimonyPage, Theme
from archive.models.collections import CollectionVisibility
from archive.models.consent import ConsentVersion
from archive.models.testimony import ThemeStatus

if TYPE_CHECKING:
    from django.db.models import QuerySet

PAGE_SIZE = 50
TOKEN_MAX_AGE = timedelta(hours=24)
TOKEN_SALT = "archive.interchange.oai"  # noqa: S105 (a signing salt, not a secret)
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
DATESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
METADATA_PREFIX = "oai_dc"

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

PREFIXES = {"": OAI_NS, "oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}


def _register_prefixes() -> None:
    """ElementTree's prefixes are one registry for the whole process, and other libraries
    (WeasyPrint's PDF metadata) register their own: set ours again before each answer."""
    for prefix, uri in PREFIXES.items():
        ET.register_namespace(prefix, uri)


_register_prefixes()

# Characters XML 1.0 cannot hold at all, even escaped.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

# Which arguments each verb takes: (required, optional, exclusive).
_LIST_ARGS = ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken")
VERB_ARGUMENTS: dict[str, tuple[set[str], set[str], str | None]] = {
    "Identify": (set(), set(), None),
    "ListMetadataFormats": (set(), {"identifier"}, None),
    "ListSets": (set(), set(), "resumptionToken"),
    "ListIdentifiers": _LIST_ARGS,
    "ListRecords": _LIST_ARGS,
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), None),
}


class OaiError(Exception):
    """A request the protocol answers with an <error code="..."> element."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Header:
    """One record's header: what ListIdentifiers shows and every record starts with."""

    pk: int
    datestamp: datetime
    deleted: bool


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _text(value: object) -> str:
    return _ILLEGAL_XML.sub("", str(value))


def _sub(parent: ET.Element, ns: str, tag: str, text: object = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _q(ns, tag), {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def datestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(DATESTAMP_FORMAT)


def repository_id() -> str:
    return getattr(settings, "TESTIMONIO_OAI_REPOSITORY_ID", "testimonio")


def oai_identifier(pk: int) -> str:
    return f"oai:{repository_id()}:testimony/{pk}"


def _pk_from_identifier(identifier: str) -> int | None:
    prefix = f"oai:{repository_id()}:testimony/"
    tail = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
    return int(tail) if tail.isascii() and tail.isdigit() and len(tail) < 12 else None


# ---------------------------------------------------------------- what is exposed


def _with_datestamps(pages: QuerySet[TestimonyPage]) -> list[tuple[int, datetime]]:
    """(pk, datestamp): the latest publication, unpublication, consent change or purge."""
    latest = ConsentVersion.objects.filter(record=OuterRef("consent")).order_by("-version")
    # Unpublishing changes no field of the page; Wagtail's log holds when it happened.
    unpublished = PageLogEntry.objects.filter(
        page=OuterRef("pk"), action="wagtail.unpublish"
    ).order_by("-timestamp")
    rows = pages.annotate(
        consent_changed=Subquery(latest.values("created_at")[:1]),
        unpublished_at=Subquery(unpublished.values("timestamp")[:1]),
    ).values_list("pk", "last_published_at", "consent_changed", "purged_at", "unpublished_at")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return [(pk, max(m for m in moments if m) if any(moments) else epoch) for pk, *moments in rows]


def _visible() -> QuerySet[TestimonyPage]:
    return access.visible_testimonies(None, TestimonyPage.objects.all())


def _deleted() -> QuerySet[TestimonyPage]:
    return access.formerly_public_testimonies(TestimonyPage.objects.all())


def _public_collections() -> QuerySet[CollectionPage]:
    # Collections are never live in Wagtail; a public one is what anyone may see
    # (archive.collections.services.can_see_collection).
    return CollectionPage.objects.filter(visibility=CollectionVisibility.PUBLIC).order_by("slug")


def _theme_spec(theme: Theme, by_pk: dict[int, Theme]) -> str:
    slugs = [theme.slug]
    seen = {theme.pk}
    parent = by_pk.get(theme.parent_id) if theme.parent_id else None
    while parent is not None and parent.pk not in seen:
        slugs.append(parent.slug)
        seen.add(parent.pk)
        parent = by_pk.get(parent.parent_id) if parent.parent_id else None
    return "theme:" + ":".join(reversed(slugs))


def sets() -> list[tuple[str, str]]:
    """(setSpec, setName) for every set: each theme (nested by family) and public collection."""
    themes = list(Theme.objects.all())
    by_pk = {theme.pk: theme for theme in themes}
    found = [("theme", "Themes"), ("collection", "Public collections")]
    found += sorted((_theme_spec(t, by_pk), f"{t.name} / {t.name_es}") for t in themes)
    found += [(f"collection:{c.slug}", c.title) for c in _public_collections()]
    return found


def _set_members(spec: str) -> QuerySet[TestimonyPage]:
    """The visible testimonies in set `spec`. Raises OaiError for a set that does not exist."""
    visible = _visible()
    if spec == "theme":
        return visible.filter(theme_links__status=ThemeStatus.ACCEPTED).distinct()
    if spec == "collection":
        return visible.filter(clips__collection__in=_public_collections()).distinct()
    if spec.startswith("collection:"):
        collection = _public_collections().filter(slug=spec.removeprefix("collection:")).first()
        if collection is not None:
            return visible.filter(clips__collection=collection).distinct()
    elif spec.startswith("theme:"):
        themes = list(Theme.objects.all())
        by_pk = {theme.pk: theme for theme in themes}
        specs = {_theme_spec(t, by_pk): t for t in themes}
        if spec in specs:
            # A family's set holds the testimony of every theme below it, as OAI sets nest.
            family = [t.pk for s, t in specs.items() if s == spec or s.startswith(spec + ":")]
            return visible.filter(
                theme_links__theme__in=family, theme_links__status=ThemeStatus.ACCEPTED
            ).distinct()
    raise OaiError("noRecordsMatch", f"There is no set “{spec}” in this repository.")


def headers(
    *, start: datetime | None = None, end: datetime | None = None, spec: str | None = None
) -> list[Header]:
    """Every record header in harvest order (datestamp, then id), filtered.

    Deleted records are in every set: once purged, a testimony's themes and
    clips are gone, and a harvester of any set may hold a copy.
    """
    live = _visible() if spec is None else _set_members(spec)
    found = [Header(pk, moment, False) for pk, moment in _with_datestamps(live)]
    found += [Header(pk, moment, True) for pk, moment in _with_datestamps(_deleted())]
    found = [
        h
        for h in found
        if (start is None or h.datestamp.replace(microsecond=0) >= start)
        and (end is None or h.datestamp.replace(microsecond=0) <= end)
    ]
    return sorted(found, key=lambda h: (h.datestamp, h.pk))


def header_for(identifier: str) -> Header | None:
    """The header of one record, or None if it is not exposed (restricted ones are not known)."""
    pk = _pk_from_identifier(identifier)
    if pk is None:
        return None
    for queryset, deleted in ((_visible(), False), (_deleted(), True)):
        rows = _with_datestamps(queryset.filter(pk=pk))
        if rows:
            return Header(pk, rows[0][1], deleted)
    return None


# ---------------------------------------------------------------- XML


def _envelope(request: HttpRequest, args: dict[str, str] | None) -> ET.Element:
    root = ET.Element(_q(OAI_NS, "OAI-PMH"))
    root.set(_q(XSI_NS, "schemaLocation"), f"{OAI_NS} {OAI_SCHEMA}")
    _sub(root, OAI_NS, "responseDate", datestamp(timezone.now()))
    _sub(root, OAI_NS, "request", base_url(request), **(args or {}))
    return root


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(request.path)


def _header(parent: ET.Element, header: Header, spec_of: dict[int, list[str]]) -> None:
    attrs = {"status": "deleted"} if header.deleted else {}
    element = _sub(parent, OAI_NS, "header", **attrs)
    _sub(element, OAI_NS, "identifier", oai_identifier(header.pk))
    _sub(element, OAI_NS, "datestamp", datestamp(header.datestamp))
    for spec in spec_of.get(header.pk, []):
        _sub(element, OAI_NS, "setSpec", spec)


def _set_specs(pks: list[int]) -> dict[int, list[str]]:
    """The sets each of the visible testimonies `pks` belongs to."""
    themes = list(Theme.objects.all())
    by_pk = {theme.pk: theme for theme in themes}
    found: dict[int, set[str]] = {}
    links = TestimonyPage.objects.filter(
        pk__in=pks, theme_links__status=ThemeStatus.ACCEPTED
    ).values_list("pk", "theme_links__theme")
    for pk, theme_pk in links:
        spec = _theme_spec(by_pk[theme_pk], by_pk)
        parts = spec.split(":")
        found.setdefault(pk, set()).update(":".join(parts[:n]) for n in range(1, len(parts) + 1))
    clips = TestimonyPage.objects.filter(
        pk__in=pks, clips__collection__in=_public_collections()
    ).values_list("pk", "clips__collection__slug")
    for pk, slug in clips:
        found.setdefault(pk, set()).update({"collection", f"collection:{slug}"})
    return {pk: sorted(specs) for pk, specs in found.items()}


def _dublin_core(parent: ET.Element, page: TestimonyPage, request: HttpRequest) -> None:
    metadata = _sub(parent, OAI_NS, "metadata")
    dc = _sub(metadata, OAI_DC_NS, "dc")
    dc.set(_q(XSI_NS, "schemaLocation"), f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    _sub(dc, DC_NS, "title", page.title)
    # The public name or pseudonym only, whatever consent allows on the site.
    _sub(dc, DC_NS, "creator", page.storyteller.public_name)
    for theme in page.accepted_themes.order_by("name"):
        _sub(dc, DC_NS, "subject", theme.name)
        if theme.name_es and theme.name_es != theme.name:
            _sub(dc, DC_NS, "subject", theme.name_es)
    if page.summary:
        _sub(dc, DC_NS, "description", page.summary)
    _sub(dc, DC_NS, "publisher", getattr(settings, "WAGTAIL_SITE_NAME", "Testimonio"))
    if page.recorded_on:
        _sub(dc, DC_NS, "date", page.recorded_on.isoformat())
    _sub(dc, DC_NS, "type", "Sound")
    _sub(dc, DC_NS, "type", "oral history")
    _sub(dc, DC_NS, "identifier", request.build_absolute_uri(page.site_path))
    for code in page.language_codes:
        _sub(dc, DC_NS, "language", code)
    if page.place:
        _sub(dc, DC_NS, "coverage", page.place)
    _sub(dc, DC_NS, "rights", "Shared with the storyteller's consent; see the testimony page.")


def _records(parent: ET.Element, found: list[Header], request: HttpRequest, *, full: bool) -> None:
    live_pks = [h.pk for h in found if not h.deleted]
    spec_of = _set_specs(live_pks)
    pages = {}
    if full:
        pages = {p.pk: p for p in _visible().filter(pk__in=live_pks).select_related("storyteller")}
    for header in found:
        if not full:
            _header(parent, header, spec_of)
            continue
        record = _sub(parent, OAI_NS, "record")
        _header(record, header, spec_of)
        page = pages.get(header.pk)
        if page is not None and not header.deleted:
            _dublin_core(record, page, request)


# ---------------------------------------------------------------- arguments


def _parse_date(value: str, *, end: bool) -> tuple[datetime, str]:
    if _SECOND.match(value):
        granularity = "second"
        fmt = DATESTAMP_FORMAT
    elif _DAY.match(value):
        granularity = "day"
        fmt = "%Y-%m-%d"
    else:
        raise OaiError("badArgument", f"“{value}” is not a date (YYYY-MM-DD or {GRANULARITY}).")
    try:
        moment = datetime.strptime(value, fmt).replace(tzinfo=UTC)  # noqa: DTZ007
    except ValueError:
        raise OaiError("badArgument", f"“{value}” is not a date that exists.") from None
    if granularity == "day" and end:
        moment += timedelta(days=1, seconds=-1)
    return moment, granularity


def _range(args: dict[str, str]) -> tuple[datetime | None, datetime | None]:
    start = _parse_date(args["from"], end=False) if "from" in args else None
    end = _parse_date(args["until"], end=True) if "until" in args else None
    if start and end:
        if start[1] != end[1]:
            raise OaiError("badArgument", "“from” and “until” must have the same granularity.")
        if start[0] > end[0]:
            raise OaiError("badArgument", "“from” is later than “until”.")
    return (start[0] if start else None), (end[0] if end else None)


def _arguments(request: HttpRequest) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, checked against the protocol."""
    query = request.POST if request.method == "POST" else request.GET
    verbs = query.getlist("verb")
    if len(verbs) != 1 or verbs[0] not in VERB_ARGUMENTS:
        shown = verbs[0] if len(verbs) == 1 else ("no verb" if not verbs else "a repeated verb")
        raise OaiError("badVerb", f"“{shown}” is not an OAI-PMH verb.")
    verb = verbs[0]
    required, optional, exclusive = VERB_ARGUMENTS[verb]
    args: dict[str, str] = {}
    for key in query:
        if key == "verb":
            continue
        values = query.getlist(key)
        if len(values) != 1:
            raise OaiError("badArgument", f"The argument “{key}” is repeated.")
        if key not in required | optional and key != exclusive:
            raise OaiError("badArgument", f"{verb} takes no argument “{key}”.")
        args[key] = values[0]
    if exclusive and exclusive in args:
        if len(args) > 1:
            raise OaiError("badArgument", f"“{exclusive}” must be the only argument.")
        return verb, args
    missing = sorted(required - set(args))
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument “{missing[0]}”.")
    return verb, args


def _check_prefix(prefix: str) -> None:
    if prefix != METADATA_PREFIX:
        raise OaiError(
            "cannotDisseminateFormat", f"Only “{METADATA_PREFIX}” is offered, not “{prefix}”."
        )


# ---------------------------------------------------------------- verbs


def _identify(root: ET.Element, request: HttpRequest, args: dict[str, str]) -> None:
    element = _sub(root, OAI_NS, "Identify")
    _sub(element, OAI_NS, "repositoryName", getattr(settings, "WAGTAIL_SITE_NAME", "Testimonio"))
    _sub(element, OAI_NS, "baseURL", base_url(request))
    _sub(element, OAI_NS, "protocolVersion", "2.0")
    # The protocol wants a bare address, and DEFAULT_FROM_EMAIL may carry a display name.
    configured = getattr(settings, "TESTIMONIO_OAI_ADMIN_EMAIL", "") or settings.DEFAULT_FROM_EMAIL
    _sub(element, OAI_NS, "adminEmail", parseaddr(configured)[1] or configured)
    found = headers()
    earliest = found[0].datestamp if found else datetime(1970, 1, 1, tzinfo=UTC)
    _sub(element, OAI_NS, "earliestDatestamp", datestamp(earliest))
    _sub(element, OAI_NS, "deletedRecord", "persistent")
    _sub(element, OAI_NS, "granularity", GRANULARITY)


def _list_metadata_formats(root: ET.Element, request: HttpRequest, args: dict[str, str]) -> None:
    if "identifier" in args and header_for(args["identifier"]) is None:
        raise OaiError("idDoesNotExist", f"No record “{args['identifier']}” in this repository.")
    element = _sub(root, OAI_NS, "ListMetadataFormats")
    fmt = _sub(element, OAI_NS, "metadataFormat")
    _sub(fmt, OAI_NS, "metadataPrefix", METADATA_PREFIX)
    _sub(fmt, OAI_NS, "schema", OAI_DC_SCHEMA)
    _sub(fmt, OAI_NS, "metadataNamespace", OAI_DC_NS)


def _list_sets(root: ET.Element, request: HttpRequest, args: dict[str, str]) -> None:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "ListSets answers in one response; no token is valid.")
    element = _sub(root, OAI_NS, "ListSets")
    for spec, name in sets():
        entry = _sub(element, OAI_NS, "set")
        _sub(entry, OAI_NS, "setSpec", spec)
        _sub(entry, OAI_NS, "setName", name)


def _read_token(token: str, verb: str) -> dict[str, object]:
    try:
        state = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise OaiError("badResumptionToken", "This resumption token has expired.") from None
    except signing.BadSignature:
        raise OaiError("badResumptionToken", "This resumption token is not valid.") from None
    if not isinstance(state, dict) or state.get("verb") != verb:
        raise OaiError("badResumptionToken", f"This resumption token is not for {verb}.")
    return state


def _list(root: ET.Element, request: HttpRequest, args: dict[str, str], *, verb: str) -> None:
    if "resumptionToken" in args:
        state = _read_token(args["resumptionToken"], verb)
        filters = {k: v for k, v in dict(state.get("args", {})).items() if isinstance(v, str)}
        offset = int(state.get("offset", 0))
    else:
        filters, offset = args, 0
    _check_prefix(filters.get("metadataPrefix", ""))
    start, end = _range(filters)
    found = headers(start=start, end=end, spec=filters.get("set"))
    if not found:
        raise OaiError("noRecordsMatch", "No record matches these arguments.")
    if offset < 0 or offset >= len(found):
        raise OaiError("badResumptionToken", "This resumption token is past the list's end.")
    element = _sub(root, OAI_NS, verb)
    _records(element, found[offset : offset + PAGE_SIZE], request, full=verb == "ListRecords")
    following = offset + PAGE_SIZE
    if following < len(found) or offset > 0:
        token = ""
        attrs = {"completeListSize": str(len(found)), "cursor": str(offset)}
        if following < len(found):
            token = signing.dumps(
                {"verb": verb, "args": filters, "offset": following}, salt=TOKEN_SALT
            )
            attrs["expirationDate"] = datestamp(timezone.now() + TOKEN_MAX_AGE)
        _sub(element, OAI_NS, "resumptionToken", token, **attrs)


def _get_record(root: ET.Element, request: HttpRequest, args: dict[str, str]) -> None:
    _check_prefix(args["metadataPrefix"])
    header = header_for(args["identifier"])
    if header is None:
        raise OaiError("idDoesNotExist", f"No record “{args['identifier']}” in this repository.")
    element = _sub(root, OAI_NS, "GetRecord")
    _records(element, [header], request, full=True)


def _serialise(root: ET.Element) -> HttpResponse:
    _register_prefixes()
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


@csrf_exempt  # OAI-PMH allows POST from harvesters, which carry no CSRF token; nothing is written
@require_http_methods(["GET", "POST"])
def endpoint(request: HttpRequest) -> HttpResponse:
    """The one OAI-PMH URL: every verb, every error, as the protocol's XML."""
    try:
        verb, args = _arguments(request)
    except OaiError as error:
        # For badVerb and badArgument the request element carries no attributes.
        root = _envelope(request, None)
        _sub(root, OAI_NS, "error", error.message, code=error.code)
        return _serialise(root)
    root = _envelope(request, {"verb": verb, **args})
    handlers = {
        "Identify": _identify,
        "ListMetadataFormats": _list_metadata_formats,
        "ListSets": _list_sets,
        "GetRecord": _get_record,
        "ListIdentifiers": lambda r, q, a: _list(r, q, a, verb="ListIdentifiers"),
        "ListRecords": lambda r, q, a: _list(r, q, a, verb="ListRecords"),
    }
    try:
        handlers[verb](root, request, args)
    except OaiError as error:
        echoed = None if error.code == "badArgument" else {"verb": verb, **args}
        root = _envelope(request, echoed)
        _sub(root, OAI_NS, "error", error.message, code=error.code)
    return _serialise(root)
