"""The door every admin view of testimony content goes through.

archive.access decides (editors and archivists up to staff level;
administrators for sealed and withdrawn content with a stated reason); this
module carries the decision out for a request: it audits the view, asks an
administrator for the reason, remembers it for a short while in their
session, and refuses everyone else.
"""

from __future__ import annotations

import time

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from wagtail.admin.auth import require_admin_access

from archive import access
from archive.audit import audit_admin_view, audit_event
from archive.models import AuditAction, TestimonyPage

SESSION_KEY = "archive_dark_content_grants"
# A stated reason opens sealed or withdrawn content for this long, in this session only.
GRANT_SECONDS = 15 * 60

REFUSED_MESSAGE = (
    "This testimony is sealed or its consent was withdrawn: its content is open to "
    "administrators only, with a stated reason."
)


def content_guard(
    request: HttpRequest, testimony: TestimonyPage, *, what: str
) -> HttpResponse | None:
    """None when the view may show `what` of `testimony` (the view is audited); else a response.

    Raises PermissionDenied for staff the policy refuses: the refusal is audited.
    """
    decision = access.admin_access(request.user, testimony)
    if decision is access.AdminAccess.ALLOWED:
        audit_admin_view(
            user=request.user, testimony=testimony, action=AuditAction.ADMIN_VIEW, detail=what
        )
        return None
    if decision is access.AdminAccess.REASON_REQUIRED:
        reason = _granted_reason(request, testimony)
        if reason is not None:
            audit_event(
                user=request.user,
                testimony=testimony,
                action=AuditAction.ADMIN_VIEW,
                detail=f"{what}. Reason: {reason}",
            )
            return None
        url = reverse("archive_dark_content_reason", args=[testimony.pk])
        return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
    if access.is_staff_member(request.user):
        audit_event(
            user=request.user, testimony=testimony, action=AuditAction.ADMIN_REFUSED, detail=what
        )
    raise PermissionDenied(REFUSED_MESSAGE)


def may_show(request: HttpRequest, testimony: TestimonyPage) -> bool:
    """May a listing show this testimony's title to this staff member now (no audit, no prompt)?"""
    decision = access.admin_access(request.user, testimony)
    if decision is access.AdminAccess.ALLOWED:
        return True
    return (
        decision is access.AdminAccess.REASON_REQUIRED
        and _granted_reason(request, testimony) is not None
    )


def shown_title(request: HttpRequest, testimony: TestimonyPage) -> str:
    """The title where this staff member may read it; otherwise only the testimony's number."""
    return (
        testimony.title if may_show(request, testimony) else f"Restricted testimony {testimony.pk}"
    )


def _granted_reason(request: HttpRequest, testimony: TestimonyPage) -> str | None:
    grant = request.session.get(SESSION_KEY, {}).get(str(testimony.pk))
    if not grant or grant.get("until", 0) < time.time():
        return None
    return grant.get("reason")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        max_length=800,
        help_text="Why you need to open this material now. It is written to the audit log.",
    )


@require_admin_access
def dark_content_reason(request: HttpRequest, page_id: int) -> HttpResponse:
    """Ask an administrator why they open sealed or withdrawn content, log it, then let them in."""
    testimony = get_object_or_404(TestimonyPage, pk=page_id)
    if access.admin_access(request.user, testimony) is not access.AdminAccess.REASON_REQUIRED:
        raise PermissionDenied(REFUSED_MESSAGE)
    next_url = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("wagtailadmin_home")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"].strip()
        grants = request.session.get(SESSION_KEY, {})
        grants[str(testimony.pk)] = {"reason": reason, "until": time.time() + GRANT_SECONDS}
        request.session[SESSION_KEY] = grants
        audit_event(
            user=request.user,
            testimony=testimony,
            action=AuditAction.SEALED_OPENED,
            detail=reason,
        )
        return redirect(next_url)
    return TemplateResponse(
        request,
        "archive/admin/dark_content_reason.html",
        {"testimony": testimony, "form": form, "next": next_url, "minutes": GRANT_SECONDS // 60},
        status=400 if request.method == "POST" else 200,
    )
