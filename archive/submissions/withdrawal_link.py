"""The storyteller's private withdrawal link: withdraw consent, and the testimony with it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from archive import access
from archive.consent.services import consent_withdraw
from archive.consent.withdrawal import testimony_withdraw
from archive.models import Upload
from archive.submissions.invitations import (
    token_hash,
)


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    found = (
        Upload.objects.select_related("invitation", "consent", "testimony")
        .filter(withdrawal_token_hash=token_hash(token))
        .exclude(withdrawal_token_hash="")
        .first()
        if token and len(token) <= 200
        else None
    )
    if found is None or found.consent is None:
        with translation.override(translation.get_language_from_request(request)):
            return render(
                request,
                "archive/submit/invalid.html",
                {"message": _("This withdrawal link is not valid.")},
                status=404,
            )
    with translation.override(found.invitation.language):
        if access.consent_missing_or_withdrawn(found.consent.current):
            return render(request, "archive/submit/withdrawn.html", {"already": True})
        if request.method == "POST":
            if request.POST.get("confirm") != "yes":
                return render(request, "archive/submit/withdraw.html", {"error": True}, status=400)
            reason = request.POST.get("reason", "")[:2000]
            if found.testimony is not None:
                testimony_withdraw(testimony=found.testimony, reason=reason)
            else:
                consent_withdraw(record=found.consent, reason=reason)
            return render(request, "archive/submit/withdrawn.html", {"already": False})
        return render(request, "archive/submit/withdraw.html", {})
