"""The admin's "Preservation bag" action on a testimony and on a collection.

The bag is written to the staff folder TESTIMONIO_BAG_DIR on the archive's
own disk, not sent to the browser: originals run to gigabytes (a download
would be a second, zipped copy made inside a request), preservation systems
collect bags from a folder, and a copy on a staff member's laptop is one
nobody can find again when a storyteller withdraws. The page says where the
bag is. Who may make one is archive.access.bag_refusal's answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from wagtail.admin.ui.menus.pages import PageMenuItem

from archive import access
from archive.interchange.bags import BagError, collection_bag_create, testimony_bag_create
from archive.models import CollectionPage, TestimonyPage
from archive.testimonies.admin_access import shown_title


def bag_destination(kind: str, pk: int) -> Path:
    """A new folder under the staff bag folder, named by what it holds and when (UTC)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return Path(settings.TESTIMONIO_BAG_DIR) / f"{kind}-{pk}-{stamp}"


def _bag_page(
    request: HttpRequest,
    page: TestimonyPage | CollectionPage,
    kind: str,
    make: Callable[[Path], str],
    shown: dict[str, Any],
) -> HttpResponse:
    """The bag page of ``page``; a POST runs ``make`` (the bag's folder -> what to tell)."""
    back = reverse("wagtailadmin_pages:edit", args=[page.pk])
    if request.method == "POST":
        try:
            told = make(bag_destination(kind, page.pk))
        except BagError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, told)
        return redirect(back)
    return TemplateResponse(
        request,
        "archive/admin/bag.html",
        {
            "what": f"{kind} {page.pk}",
            "folder": settings.TESTIMONIO_BAG_DIR,
            "back": back,
            **shown,
        },
    )


def testimony_bag(request: HttpRequest, page_id: int) -> HttpResponse:
    if not access.is_staff_member(request.user):  # before the lookup: no id is confirmed
        raise PermissionDenied
    testimony = get_object_or_404(TestimonyPage, pk=page_id)

    def make(dest: Path) -> str:
        made = testimony_bag_create(testimony=testimony, dest=dest, user=request.user)
        return f"Preservation bag written and validated: {made.path}"

    return _bag_page(
        request,
        testimony,
        "testimony",
        make,
        {
            "title": shown_title(request, testimony),
            "refusal": access.bag_refusal(request.user, testimony),
        },
    )


def collection_bag(request: HttpRequest, page_id: int) -> HttpResponse:
    if not access.is_staff_member(request.user):  # before the lookup: no id is confirmed
        raise PermissionDenied
    collection = get_object_or_404(CollectionPage, pk=page_id)

    def make(dest: Path) -> str:
        made = collection_bag_create(collection=collection, dest=dest, user=request.user)
        left = f" {len(made.left_out)} testimonies left out and marked." if made.left_out else ""
        return f"Preservation bag written and validated: {made.path}.{left}"

    return _bag_page(
        request,
        collection,
        "collection",
        make,
        {"title": collection.title, "refusal": None, "collection": True},
    )


def register_bag_urls() -> list[URLPattern]:
    """URLs for the register_admin_urls hook."""
    return [
        path("testimony/<int:page_id>/bag/", testimony_bag, name="archive_testimony_bag"),
        path("collection/<int:page_id>/bag/", collection_bag, name="archive_collection_bag"),
    ]


def bag_button(
    page: Any, user: Any, view_name: str, next_url: str | None = None
) -> Iterator[PageMenuItem]:
    """The "Preservation bag" item of a testimony's or collection's header menu."""
    if not access.is_staff_member(user):
        return
    specific = page.specific_deferred
    if isinstance(specific, TestimonyPage):
        url = reverse("archive_testimony_bag", args=[page.pk])
    elif isinstance(specific, CollectionPage):
        url = reverse("archive_collection_bag", args=[page.pk])
    else:
        return
    yield PageMenuItem("Preservation bag", url, icon_name="download", priority=85, page=page)
