"""Response headers and session rules that depend on who is asking where.

Django's SecurityMiddleware sets one policy for every page; these two cannot be
one policy: the microphone belongs to the storyteller's recording page only,
and a staff session (which opens restricted testimony) must not outlive an
unattended desk, while a visitor's session may.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found

from archive import access

# URL names of the pages where a storyteller records with the browser.
RECORDING_PAGES = frozenset({"submit-record"})
CLOSED = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
RECORDING = (
    "camera=(self), microphone=(self), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

LAST_SEEN_KEY = "testimonio_staff_last_seen"


class PermissionsPolicyMiddleware:
    """Permissions-Policy: no camera or microphone except on recording pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        recording = match is not None and match.url_name in RECORDING_PAGES
        response.headers.setdefault("Permissions-Policy", RECORDING if recording else CLOSED)
        return response


class StaffIdleTimeoutMiddleware:
    """Sign staff out after TESTIMONIO_STAFF_IDLE_SECONDS without a request.

    Measured from the last request rather than the sign-in, so someone working
    is never cut off; the next request after the idle time is a signed-out one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        limit = int(getattr(settings, "TESTIMONIO_STAFF_IDLE_SECONDS", 0))
        if limit > 0 and user is not None and access.opens_admin(user):
            now = int(time.time())
            last = request.session.get(LAST_SEEN_KEY)
            if isinstance(last, int) and now - last > limit:
                logout(request)
            else:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class OutOfRangeIdMiddleware:
    """An id past the database's integer range names nothing: answer 404, not 500.

    SQLite refuses to bind an integer beyond 64 bits (OverflowError) where
    PostgreSQL simply finds no row; every `<int:...>` route, Wagtail's admin
    included, reaches the database with whatever digits were typed, so this
    is decided once here rather than in each view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OverflowError):
            return None
        return page_not_found(request, Http404("No such item."))
