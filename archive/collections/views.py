"""Collections, their exports, and permalinks to moments and clips.

Who sees a collection is decided by archive.collections.services.can_see_collection;
what each clip shows is decided by archive.access at render time. A
collection the asker may not see is "not found", never "forbidden".
"""

from __future__ import annotations

import json
import math
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from archive import access
from archive.collections import services
from archive.collections.citations import cite_moment, moment_permalink, moment_t
from archive.collections.iiif import collection_manifest
from archive.collections.packets import PacketError, packet_html, packet_pdf
from archive.models import Clip, CollectionPage, CollectionVisibility, TestimonyPage
from archive.testimonies.media_views import not_found


def _collection(request: HttpRequest, pk: int | None, share_key: UUID | None) -> CollectionPage:
    if share_key is not None:
        collection = CollectionPage.objects.filter(share_key=share_key).first()
        by_link = True
    else:
        collection = CollectionPage.objects.filter(pk=pk).first()
        by_link = False
    if collection is None or not services.can_see_collection(
        request.user, collection, by_link=by_link
    ):
        raise Http404
    return collection


def _owned(request: HttpRequest, pk: int) -> CollectionPage:
    collection = get_object_or_404(CollectionPage, pk=pk)
    if not services.is_owner(request.user, collection):
        raise Http404
    return collection


def serve_collection_page(request: HttpRequest, page: object) -> HttpResponse | None:
    """For Wagtail's before_serve_page hook: collection pages are shown only by these views.

    Wagtail would serve a collection page an editor published to anyone, with no
    visibility check; this sends it through the views that ask the policy.
    """
    from archive.models import CollectionIndexPage

    if isinstance(page, CollectionIndexPage):
        return redirect("collection-index")
    if isinstance(page, CollectionPage):
        if not services.can_see_collection(request.user, page):
            raise Http404
        return redirect("collection-detail", pk=page.pk)
    return None


def _links(collection: CollectionPage, share_key: UUID | None) -> dict[str, str]:
    if share_key is not None:
        args, prefix = [share_key], "collection-shared"
    else:
        args, prefix = [collection.pk], "collection"
    return {
        "page": reverse(f"{prefix}-detail", args=args),
        "packet": reverse(f"{prefix}-packet", args=args),
        "pdf": reverse(f"{prefix}-pdf", args=args),
        "manifest": reverse(f"{prefix}-manifest", args=args),
    }


@require_safe
def collection_index(request: HttpRequest) -> HttpResponse:
    public = CollectionPage.objects.filter(visibility=CollectionVisibility.PUBLIC).order_by("title")
    return render(
        request,
        "archive/collections/index.html",
        {"mine": services.collections_of(request.user), "public": public},
    )


@require_safe
def collection_detail(
    request: HttpRequest, pk: int | None = None, share_key: UUID | None = None
) -> HttpResponse:
    collection = _collection(request, pk, share_key)
    owner = services.is_owner(request.user, collection)
    return render(
        request,
        "archive/collections/detail.html",
        {
            "collection": collection,
            "clips": services.clip_views(collection, request.user),
            "is_owner": owner,
            "links": _links(collection, share_key),
            "share_url": request.build_absolute_uri(
                reverse("collection-shared-detail", args=[collection.share_key])
            ),
            "visibilities": CollectionVisibility.choices,
            "can_copy": request.user.is_authenticated and not owner,
        },
    )


@require_safe
def collection_packet(
    request: HttpRequest, pk: int | None = None, share_key: UUID | None = None
) -> HttpResponse:
    collection = _collection(request, pk, share_key)
    html = packet_html(
        collection=collection, viewer=request.user, absolute=request.build_absolute_uri
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def collection_pdf(
    request: HttpRequest, pk: int | None = None, share_key: UUID | None = None
) -> HttpResponse:
    collection = _collection(request, pk, share_key)
    html = packet_html(
        collection=collection, viewer=request.user, absolute=request.build_absolute_uri
    )
    try:
        pdf = packet_pdf(html=html, base_url=request.build_absolute_uri("/"))
    except PacketError as e:
        return HttpResponse(str(e), status=503, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{collection.slug}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def collection_iiif(
    request: HttpRequest, pk: int | None = None, share_key: UUID | None = None
) -> HttpResponse:
    collection = _collection(request, pk, share_key)

    def clip_media(clip: Clip) -> str:
        # A link that does not expire: each fetch asks the policy and gets a fresh signed URL.
        if share_key is not None:
            return reverse("collection-shared-clip-media", args=[share_key, clip.pk])
        return reverse("collection-clip-media", args=[collection.pk, clip.pk])

    manifest = collection_manifest(
        collection=collection,
        viewer=request.user,
        manifest_url=request.build_absolute_uri(request.path),
        absolute=request.build_absolute_uri,
        clip_media=clip_media,
    )
    response = JsonResponse(manifest, content_type="application/ld+json")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def collection_clip_media(
    request: HttpRequest, clip_id: int, pk: int | None = None, share_key: UUID | None = None
) -> HttpResponse:
    """The clip's recording for a IIIF viewer: a fresh signed media URL, as the policy allows now.

    Manifests outlive the six-hour media links; this address does not expire,
    and a withdrawal or narrowed consent stops it at once.
    """
    collection = _collection(request, pk, share_key)
    clip = get_object_or_404(Clip, pk=clip_id, collection=collection)
    view = services.clip_view(clip, request.user)
    if not view.available or not view.media_url:
        raise Http404
    response = HttpResponseRedirect(view.media_url)
    response["Cache-Control"] = "private, no-store"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def collection_create_view(request: HttpRequest) -> HttpResponse:
    try:
        collection = services.collection_create(
            owner=request.user,
            title=request.POST.get("title", ""),
            intro=request.POST.get("intro", ""),
        )
    except services.CollectionError as e:
        messages.error(request, str(e))
        return redirect("collection-index")
    return redirect("collection-detail", pk=collection.pk)


@login_required
@require_POST
def clip_add_view(request: HttpRequest) -> HttpResponse:
    """Add a moment to one of the user's collections, or to a new one ("new")."""
    testimony = TestimonyPage.objects.filter(pk=request.POST.get("testimony") or 0).first()
    back = _safe_next(request, reverse("collection-index"))
    if testimony is None:
        messages.error(request, "That testimony is not available.")
        return HttpResponseRedirect(back)
    choice = request.POST.get("collection", "new")
    try:
        with transaction.atomic():  # a refused clip leaves no new, empty collection
            collection = _add_clip(request, testimony, choice)
    except services.CollectionError as e:
        messages.error(request, str(e))
        return HttpResponseRedirect(back)
    messages.success(request, f"Added to “{collection.title}”.")
    return redirect("collection-detail", pk=collection.pk)


def _add_clip(request: HttpRequest, testimony: TestimonyPage, choice: str) -> CollectionPage:
    """The clip the form describes, in the chosen (or a new) collection. Raises CollectionError."""
    if choice == "new":
        if not services.can_clip(request.user, testimony):
            # Checked first so a refused clip leaves no empty collection behind.
            raise services.CollectionError(
                "The storyteller's consent does not allow this testimony in teaching collections."
            )
        collection = services.collection_create(
            owner=request.user, title=request.POST.get("new_title", "")
        )
    else:
        collection = CollectionPage.objects.filter(pk=choice, owner=request.user).first()
        if collection is None:
            raise services.CollectionError("Choose one of your collections.")
    services.clip_add(
        collection=collection,
        user=request.user,
        testimony=testimony,
        start=request.POST.get("start"),
        end=request.POST.get("end"),
        title=request.POST.get("title", ""),
        note=request.POST.get("note", ""),
    )
    return collection


@login_required
@require_POST
def clip_move_view(request: HttpRequest, pk: int, clip_id: int) -> HttpResponse:
    collection = _owned(request, pk)
    clip = get_object_or_404(Clip, pk=clip_id, collection=collection)
    order = list(collection.clips.order_by("sort_order", "pk").values_list("pk", flat=True))
    step = -1 if request.POST.get("direction") == "up" else 1
    services.clip_move(clip=clip, user=request.user, position=order.index(clip.pk) + step)
    return redirect("collection-detail", pk=pk)


@login_required
@require_POST
def clip_remove_view(request: HttpRequest, pk: int, clip_id: int) -> HttpResponse:
    collection = _owned(request, pk)
    clip = get_object_or_404(Clip, pk=clip_id, collection=collection)
    services.clip_remove(clip=clip, user=request.user)
    return redirect("collection-detail", pk=pk)


@login_required
@require_POST
def collection_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _owned(request, pk)
    try:
        services.collection_publish(
            collection=collection, user=request.user, visibility=request.POST.get("visibility", "")
        )
    except services.CollectionError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Visibility: {collection.get_visibility_display()}.")
    return redirect("collection-detail", pk=pk)


@login_required
@require_POST
def collection_copy_view(request: HttpRequest, pk: int) -> HttpResponse:
    source = _collection(request, pk, None)
    try:
        copy = services.collection_copy(source=source, user=request.user)
    except services.CollectionError as e:
        messages.error(request, str(e))
        return redirect("collection-index")
    return redirect("collection-detail", pk=copy.pk)


def _seconds(raw: str) -> float:
    """Seconds from ``?t=``, to the hundredth (a segment may start at 23.42)."""
    try:
        number = float(raw)
    except ValueError:
        return 0
    if not math.isfinite(number):  # inf, nan, 1e400: a typed URL, not a moment
        raise BadRequest("t must be a number of seconds.")
    value = round(number, 2)
    return value if 0 <= value < 10**7 else 0


@require_safe
def moment_permalink_view(request: HttpRequest, testimony_id: int) -> HttpResponse:
    """`/t/<id>?t=SECONDS`: the testimony page at that second, if the asker may see it."""
    testimony = TestimonyPage.objects.filter(pk=testimony_id).first()
    if testimony is None or not access.can_view(request.user, testimony, access.Part.PAGE):
        return not_found(request)
    seconds = _seconds(request.GET.get("t", "0"))
    return HttpResponseRedirect(f"{testimony.site_path}?t={moment_t(seconds)}")


@require_safe
def moment_cite_view(request: HttpRequest, testimony_id: int) -> HttpResponse:
    """CSL-JSON for `/t/<id>?t=SECONDS`, for reference managers.

    With ``all=1``, the Chicago and APA text too: "Cite this" on the testimony
    page asks for the moment the player is at, so the formatting stays here.
    """
    testimony = TestimonyPage.objects.filter(pk=testimony_id).first()
    if testimony is None or not access.can_view(request.user, testimony, access.Part.PAGE):
        raise Http404
    seconds = _seconds(request.GET.get("t", "0"))
    citation = cite_moment(
        testimony=testimony,
        user=request.user,
        start=seconds,
        url=request.build_absolute_uri(moment_permalink(testimony, seconds)),
    )
    if request.GET.get("all") == "1":
        return JsonResponse(
            {"chicago": citation.chicago, "apa": citation.apa, "csl": citation.csl},
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
    return HttpResponse(
        json.dumps([citation.csl], ensure_ascii=False, indent=2),
        content_type="application/vnd.citationstyles.csl+json; charset=utf-8",
    )


@require_safe
def clip_permalink_view(request: HttpRequest, share_key: UUID, clip_id: int) -> HttpResponse:
    """`/c/<share_key>/<clip>`: one clip, as the policy allows it now."""
    collection = _collection(request, None, share_key)
    clip = get_object_or_404(Clip, pk=clip_id, collection=collection)
    view = services.clip_view(clip, request.user)
    citation = None
    if view.available:
        citation = cite_moment(
            testimony=clip.testimony,
            user=request.user,
            start=clip.start,
            end=clip.end,
            url=request.build_absolute_uri(request.path),
        )
    return render(
        request,
        "archive/collections/clip.html",
        {
            "collection": collection,
            "item": view,
            "citation": citation,
            "links": _links(collection, share_key),
        },
    )
