"""Admin integration: publishing guard, withdrawal action, consent, researcher and audit views."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from archive import access
from archive.accounts.admin import offered_collections_menu_item, register_offered_collections_urls
from archive.collections.views import serve_collection_page
from archive.consent.admin_views import change_consent, withdraw_testimony
from archive.errors import ReviewPending
from archive.imports.admin_views import import_menu_item, register_import_urls
from archive.interchange.bag_admin import bag_button, register_bag_urls
from archive.interchange.spreadsheets import SafeCsvIndexView
from archive.models import AuditLogEntry, ConsentVersion, ResearcherApproval, TestimonyPage
from archive.privacy.admin_views import personal_information_button, register_privacy_urls
from archive.submissions import staff_views
from archive.testimonies.admin_access import content_guard, dark_content_reason, shown_title
from archive.testimonies.publishing import pending_coverage_check, pending_pii_check
from archive.testimonies.serving import testimony_page_guard
from archive.transcripts.admin_views import (
    edit_transcript_button,
    jobs_menu_item,
    register_transcript_admin_urls,
)
from archive.transcripts.coverage_admin import register_coverage_urls


@hooks.register("before_serve_page")
def collections_only_through_their_views(
    page: object, request: HttpRequest, serve_args: list, serve_kwargs: dict
) -> HttpResponse | None:
    # Wagtail would serve a published collection to anyone; its own views ask
    # who may see it (private, link, public) and check every clip's consent.
    return serve_collection_page(request, page.specific)


@hooks.register("before_serve_page")
def testimony_only_by_policy(
    page: object, request: HttpRequest, serve_args: list, serve_kwargs: dict
) -> HttpResponse | None:
    # A restricted testimony is a 404; a restricted one that is shown is audited.
    testimony_page_guard(request, page.specific)
    return None


@hooks.register("before_publish_page")
def refuse_publishing_without_consent(request: HttpRequest, page: object) -> HttpResponse | None:
    # The model refuses too; this turns the refusal into a message, not an error page.
    if isinstance(page, TestimonyPage):
        blocker = access.publish_blocker(page)
        if blocker:
            messages.error(request, f"“{page.title}” cannot be published: {blocker}.")
            return redirect("wagtailadmin_pages:edit", page.pk)
        try:
            pending_pii_check(page)
            pending_coverage_check(page)
        except ReviewPending as e:
            messages.error(request, str(e))
            return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_edit_page")
def open_testimony_content_by_policy(request: HttpRequest, page: object) -> HttpResponse | None:
    # The page editor shows the summary, themes and consent: testimony content.
    if isinstance(page.specific_deferred, TestimonyPage):
        return content_guard(request, page.specific, what="Page editor")
    return None


@hooks.register("construct_explorer_page_queryset")
def hide_dark_testimony_from_editors(parent_page: object, pages: object, request: HttpRequest):
    # A sealed or withdrawn testimony's title is content too: only administrators list it.
    if access.is_administrator(request.user):
        return pages
    return pages.exclude(pk__in=access.dark_testimonies(TestimonyPage.objects.all()).values("pk"))


hooks.register("register_admin_urls", register_privacy_urls)
hooks.register("register_page_header_buttons", personal_information_button)
hooks.register("register_admin_urls", register_transcript_admin_urls)
hooks.register("register_admin_urls", register_coverage_urls)
hooks.register("register_page_header_buttons", edit_transcript_button)
hooks.register("register_admin_menu_item", jobs_menu_item)
hooks.register("register_admin_urls", register_offered_collections_urls)
hooks.register("register_admin_menu_item", offered_collections_menu_item)
hooks.register("register_admin_urls", register_bag_urls)
hooks.register("register_page_header_buttons", bag_button)
hooks.register("register_admin_urls", register_import_urls)
hooks.register("register_admin_menu_item", import_menu_item)


@hooks.register("register_admin_urls")
def register_archive_admin_urls() -> list:
    return [
        path(
            "testimony/<int:page_id>/withdraw/",
            withdraw_testimony,
            name="archive_withdraw_testimony",
        ),
        path("invitations/", staff_views.invitations_admin, name="archive_invitations"),
        path(
            "testimony/<int:page_id>/consent/",
            change_consent,
            name="archive_change_consent",
        ),
        path(
            "testimony/<int:page_id>/reason/",
            dark_content_reason,
            name="archive_dark_content_reason",
        ),
    ]


class InvitationsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm("archive.add_invitation")


@hooks.register("register_admin_menu_item")
def invitations_menu_item() -> MenuItem:
    return InvitationsMenuItem(
        "Invitations", reverse("archive_invitations"), icon_name="mail", order=310
    )


@hooks.register("register_page_header_buttons")
def withdraw_button(page: object, user: object, view_name: str, next_url: str | None = None):
    if isinstance(page.specific_deferred, TestimonyPage) and access.is_staff_member(user):
        yield PageMenuItem(
            "Change consent",
            reverse("archive_change_consent", args=[page.pk]),
            icon_name="doc-full",
            priority=79,
            page=page,
        )
        yield PageMenuItem(
            "Withdraw consent",
            reverse("archive_withdraw_testimony", args=[page.pk]),
            icon_name="warning",
            priority=80,
            page=page,
        )


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Lists that may be read (by administrators and the given roles) and never written."""

    def __init__(self, model: type, *, viewers: tuple[access.Role, ...]) -> None:
        super().__init__(model)
        self.viewers = {access.Role.ADMINISTRATOR, *viewers}

    def user_has_permission(self, user: object, action: str) -> bool:
        return action == "view" and access.has_role(user, self.viewers)

    def user_has_any_permission(self, user: object, actions: list[str]) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)


# Consent versions are never edited or deleted in the admin: a change is a new
# version made by a service. The audit log is for administrators only.
register_permission_policy(
    ConsentVersion,
    ReadOnlyPolicy(ConsentVersion, viewers=(access.Role.EDITOR, access.Role.ARCHIVIST)),
)
register_permission_policy(AuditLogEntry, ReadOnlyPolicy(AuditLogEntry, viewers=()))


class ConsentVersionViewSet(ModelViewSet):
    """The consent history, read-only: a change is made as a new version by a service."""

    model = ConsentVersion
    icon = "doc-full"
    menu_label = "Consent history"
    add_to_admin_menu = True
    list_display = ["record", "version", "access_level", "withdrawn", "embargo_until", "created_at"]
    list_filter = ["access_level", "withdrawn"]
    inspect_view_enabled = True
    form_fields = ["change_note"]
    list_export = list_display
    index_view_class = SafeCsvIndexView


class ResearcherApprovalViewSet(ModelViewSet):
    model = ResearcherApproval
    icon = "user"
    menu_label = "Researcher approvals"
    add_to_admin_menu = True
    form_fields = [
        "user",
        "purpose",
        "terms_accepted_at",
        "approved_at",
        "valid_until",
        "revoked_at",
    ]
    list_display = ["user", "requested_at", "approved_at", "valid_until", "revoked_at"]


class TestimonyTitleColumn(Column):
    """The testimony's title, as testimonies.admin_access lets this administrator read it now.

    Sealed and withdrawn testimony shows as "Restricted testimony N" until
    a reason has been given for it, as in every other admin listing.
    """

    def get_cell_context_data(self, instance: AuditLogEntry, parent_context: dict) -> dict:
        context = super().get_cell_context_data(instance, parent_context)
        testimony = TestimonyPage.objects.filter(pk=instance.testimony_id).first()
        request = parent_context.get("request")
        if testimony is None:
            context["value"] = f"Deleted testimony {instance.testimony_id}"
        elif request is None:
            context["value"] = f"Restricted testimony {instance.testimony_id}"
        else:
            context["value"] = shown_title(request, testimony)
        return context


class AuditLogViewSet(ModelViewSet):
    """Views of researcher- and staff-level material, for administrators to read and export."""

    model = AuditLogEntry
    icon = "history"
    menu_label = "Audit log"
    add_to_admin_menu = True
    list_display = [
        "created_at",
        "username",
        "action",
        TestimonyTitleColumn("testimony", label="Testimony", accessor="testimony_id"),
        "access_level",
        "detail",
    ]
    list_filter = ["action", "access_level"]
    list_export = ["created_at", "username", "action", "testimony_id", "access_level", "detail"]
    index_view_class = SafeCsvIndexView
    form_fields = ["detail"]


@hooks.register("register_admin_viewset")
def register_viewsets() -> list[ModelViewSet]:
    return [
        ConsentVersionViewSet("consent_versions"),
        ResearcherApprovalViewSet("researcher_approvals"),
        AuditLogViewSet("audit_log"),
    ]
