"""Two-factor sign-in for staff (django-otp, time-based codes from an authenticator app).

Staff open sealed and restricted testimony; a stolen password alone must not
be enough. When TESTIMONIO_STAFF_TWO_FACTOR is on, a staff member's admin
requests go to a one-time code first: set up once (the secret shown as a QR
code and as text), then asked for at each sign-in. Visitors and registered
educators are not asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from io import BytesIO

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from archive import access

logger = logging.getLogger(__name__)
DEVICE_NAME = "Authenticator app"


def must_use_second_factor(user) -> bool:
    return bool(getattr(settings, "TESTIMONIO_STAFF_TWO_FACTOR", False)) and access.opens_admin(
        user
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label=gettext_lazy("Six-digit code from your authenticator app"),
        error_messages={"invalid": gettext_lazy("Type the six digits your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/admin/"
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if safe else "/admin/"


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Pair an authenticator app: show the secret, confirm it with one code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('two-factor-verify')}?next={_next(request)}")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": DEVICE_NAME}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _allowed(device, form):
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            logger.info("Staff user %s set up two-factor sign-in", request.user.pk)
            return redirect(_next(request))
        form.add_error("code", _("That code is not the one your app shows now. Try the next one."))
    svg = BytesIO()
    segno.make(device.config_url, error="m").save(svg, kind="svg", scale=4, xmldecl=False)
    return render(
        request,
        "archive/accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": svg.getvalue().decode(),
            "secret": _base32(device),
            "next": _next(request),
        },
    )


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
    if not devices.exists():
        return redirect(f"{reverse('two-factor-setup')}?next={_next(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and all(_allowed(d, form) for d in devices):
        for device in devices:
            if device.verify_token(form.cleaned_data["code"].strip()):
                otp_login(request, device)
                return redirect(_next(request))
        logger.warning("A wrong two-factor code for staff user %s", request.user.pk)
        form.add_error("code", _("That code is not right. Type the one your app shows now."))
    return render(
        request, "archive/accounts/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


def _allowed(device: TOTPDevice, form: CodeForm) -> bool:
    """django-otp slows guessing: after a wrong code the next is refused for a while."""
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        form.add_error("code", _("Too many wrong codes: wait a few seconds, then try again."))
    return allowed


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode().rstrip("=")


class StaffTwoFactorMiddleware:
    """Send a staff member without a verified code from the admin to the code page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            request.path.startswith(("/admin/", "/django-admin/"))
            and not request.path.startswith(("/admin/login/", "/admin/logout/"))
            and user is not None
            and user.is_authenticated
            and must_use_second_factor(user)
            and not user.is_verified()
        ):
            return redirect(f"{reverse('two-factor-verify')}?next={request.get_full_path()}")
        return self.get_response(request)
