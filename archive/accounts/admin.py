"""Admin: the public collections of deleted accounts, for archivists to adopt or delete.

Registered from archive/wagtail_hooks.py. Wagtail wraps these URLs in its
admin-access check; the services check the archivist role again.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.menu import MenuItem

from archive.accounts import services
from archive.models import CollectionPage


def offered_collections_view(request: HttpRequest) -> HttpResponse:
    if not services.may_curate(request.user):
        raise PermissionDenied
    return render(
        request,
        "archive/accounts/admin_offered.html",
        {"collections": services.offered_collections()},
    )


@require_POST
def offered_collection_action(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.may_curate(request.user):
        raise PermissionDenied
    collection = get_object_or_404(CollectionPage, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "adopt":
            services.offered_collection_adopt(collection=collection, user=request.user)
            messages.success(request, _("You now own “%s”.") % collection.title)
        elif action == "delete":
            services.offered_collection_delete(collection=collection, user=request.user)
            messages.success(request, _("“%s” was deleted.") % collection.title)
        else:
            messages.error(request, _("Choose to adopt or to delete the collection."))
    except services.AccountError as e:
        messages.error(request, str(e))
    return redirect("archive_offered_collections")


def register_offered_collections_urls() -> list[URLPattern]:
    """URLs for the register_admin_urls hook."""
    return [
        path("offered-collections/", offered_collections_view, name="archive_offered_collections"),
        path(
            "offered-collections/<int:pk>/",
            offered_collection_action,
            name="archive_offered_collection_action",
        ),
    ]


class CuratorMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return services.may_curate(request.user)


def offered_collections_menu_item() -> MenuItem:
    """The "Offered collections" item of the admin menu (register_admin_menu_item hook)."""
    return CuratorMenuItem(
        gettext_lazy("Offered collections"),
        reverse("archive_offered_collections"),
        icon_name="folder-open-inverse",
        order=320,
    )
