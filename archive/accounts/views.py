"""The account pages allauth does not provide: settings, and deletion by the owner."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from archive import access
from archive.accounts import services
from archive.accounts.forms import AccountDeleteForm
from archive.accounts.verification import has_verified_email
from archive.collections.services import collections_of
from archive.models import CollectionVisibility


@login_required
@require_safe
def account_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    approvals = user.researcher_approvals.all()
    return render(
        request,
        "archive/accounts/settings.html",
        {
            "verified": has_verified_email(user),
            "role": access.role_label(user),
            "is_staff_member": access.is_staff_member(user),
            "approval": approvals.first(),
        },
    )


@login_required
def account_delete_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = collections_of(user)
    public = [c for c in mine if c.visibility == CollectionVisibility.PUBLIC]
    form = AccountDeleteForm(request.POST or None, user=user, request=request)
    staff = access.is_staff_member(user)
    if request.method == "POST" and not staff and form.is_valid():
        try:
            services.account_delete(
                user=user, public_collections=form.cleaned_data["public_collections"]
            )
        except services.AccountError as e:
            form.add_error(None, str(e))
        else:
            logout(request)
            return redirect("account-deleted")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "archive/accounts/delete.html",
        {
            "form": form,
            "is_staff_member": staff,
            "private": [c for c in mine if c.visibility != CollectionVisibility.PUBLIC],
            "public": public,
        },
        status=status,
    )


@require_safe
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "archive/accounts/deleted.html")
