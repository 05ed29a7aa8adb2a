"""Every storyteller page opens its invitation first, in the invitation's language.

A link that cannot be used (unknown, expired, used) gets a clear page, or a
JSON error for the upload API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from archive.submissions.invitations import (
    InvitationError,
    InvitationExpired,
    InvitationUsed,
    invitation_open,
)

SESSION_WITHDRAW = "testimonio-withdraw"


def invited(*, allow_used: bool = False, grace: timedelta = timedelta(0)) -> Callable:
    """Open the invitation in the URL, in its language; a clear page when it cannot be used."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                invitation = invitation_open(token, allow_used=allow_used, grace=grace)
            except InvitationError as e:
                with translation.override(translation.get_language_from_request(request)):
                    return invalid_invitation(request, e)
            with translation.override(invitation.language):
                return view(request, invitation, token, *args, **kwargs)

        return wrapper

    return decorate


def invalid_invitation(request: HttpRequest, error: InvitationError) -> HttpResponse:
    if isinstance(error, InvitationExpired):
        message = _("This invitation has expired. Please ask the archive for a new link.")
    elif isinstance(error, InvitationUsed):
        message = _(
            "This invitation was already used to send a testimony. Each link works once. "
            "If you want to send another, please ask the archive for a new link."
        )
    else:
        message = _("This link is not a valid invitation. Please check that it was copied whole.")
    if wants_json(request):
        return JsonResponse({"error": message}, status=error.status)
    return render(request, "archive/submit/invalid.html", {"message": message}, status=error.status)


def wants_json(request: HttpRequest) -> bool:
    return "/uploads/" in request.path
