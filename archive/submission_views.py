"""The storyteller's side: an invitation link -> consent, one choice a screen -> record or
choose a file -> resumable upload (archive.uploads) -> what happens next and a private
withdrawal link.

Every page speaks the invitation's language (translation.override), whatever
the browser says: the archivist chose it with the storyteller.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from archive.consent import ConsentTerms, consent_record_create, consent_withdraw
from archive.errors import ConsentError
from archive.invitations import (
    InvitationError,
    InvitationExpired,
    InvitationUsed,
    invitation_consent,
    invitation_open,
    token_hash,
)
from archive.models import AccessLevel, ConsentMethod, Invitation, Storyteller, Upload
from archive.models.submissions import UploadStatus
from archive.uploads import (
    CHUNK_MAX_BYTES,
    UploadError,
    rate_limit,
    upload_append,
    upload_create,
)
from archive.withdrawal import testimony_withdraw

FORM_VERSION = "web-2026-1"
_SESSION_ANSWERS = "testimonio-submit-%s"
_SESSION_WITHDRAW = "testimonio-withdraw"

# An upload started before the invitation expired may still finish this long after.
UPLOAD_GRACE = timedelta(days=2)

YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def _radio(label: Any, choices: list[tuple[str, Any]], help_text: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices, widget=forms.RadioSelect, help_text=help_text
    )


class AccessForm(forms.Form):
    access_level = _radio(
        gettext_lazy("Who may listen to your testimony?"),
        [
            (AccessLevel.PUBLIC, gettext_lazy("Anyone, on the archive's website.")),
            (
                AccessLevel.RESEARCHERS,
                gettext_lazy("Only researchers the archive has checked and approved."),
            ),
            (AccessLevel.STAFF, gettext_lazy("Only the people who work at the archive.")),
            (
                AccessLevel.SEALED,
                gettext_lazy("No one for now. The archive keeps it safe and shows it to no one."),
            ),
        ],
    )


class NameForm(forms.Form):
    name_choice = _radio(
        gettext_lazy("Which name should the archive show with your testimony?"),
        [
            ("pseudonym", gettext_lazy("A made-up name (a pseudonym). This is safer.")),
            ("real", gettext_lazy("My real name.")),
        ],
    )
    public_name = forms.CharField(
        label=gettext_lazy("The name to show"),
        max_length=200,
        help_text=gettext_lazy("You can change the name we suggest."),
    )

    def clean_public_name(self) -> str:
        name = self.cleaned_data["public_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please write a name."))
        return name


class MediaForm(forms.Form):
    media = _radio(
        gettext_lazy("Will you record sound only, or video?"),
        [
            ("audio", gettext_lazy("Sound only. No one will see me.")),
            ("video", gettext_lazy("Video. People who may watch it will see my face.")),
        ],
    )


class TranscriptForm(forms.Form):
    show_transcript = _radio(
        gettext_lazy("May the archive show the written words of your testimony?"),
        YES_NO,
        gettext_lazy("A computer writes down what you say, so people can read and search it."),
    )


class TeachingForm(forms.Form):
    allow_teaching = _radio(
        gettext_lazy("May teachers use parts of your testimony in their classes?"), YES_NO
    )


class PressForm(forms.Form):
    allow_press = _radio(gettext_lazy("May journalists quote your testimony in the news?"), YES_NO)


class EmbargoForm(forms.Form):
    embargo = _radio(
        gettext_lazy("Should the archive wait before showing your testimony?"),
        [
            ("no", gettext_lazy("No, it does not need to wait.")),
            ("until", gettext_lazy("Yes, show it to no one until a date I choose.")),
        ],
    )
    embargo_until = forms.DateField(
        label=gettext_lazy("Date (year-month-day)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("embargo") == "until":
            until = data.get("embargo_until")
            today = timezone.localdate()
            if until is None:
                self.add_error("embargo_until", _("Please choose the date."))
            elif until <= today:
                self.add_error("embargo_until", _("Please choose a date after today."))
            elif until.year > today.year + 100:
                self.add_error("embargo_until", _("Please choose a date in the next 100 years."))
        else:
            data["embargo_until"] = None
        return data


@dataclass(frozen=True)
class Step:
    name: str
    form: type[forms.Form]
    title: Any


STEPS = [
    Step("access", AccessForm, gettext_lazy("Who may listen")),
    Step("name", NameForm, gettext_lazy("Your name")),
    Step("media", MediaForm, gettext_lazy("Sound or video")),
    Step("transcript", TranscriptForm, gettext_lazy("Written words")),
    Step("teaching", TeachingForm, gettext_lazy("Teaching")),
    Step("press", PressForm, gettext_lazy("The news")),
    Step("embargo", EmbargoForm, gettext_lazy("Waiting")),
]
_STEP_INDEX = {step.name: index for index, step in enumerate(STEPS)}


def invited(*, allow_used: bool = False, grace: timedelta = timedelta(0)) -> Callable:
    """Open the invitation in the URL, in its language; a clear page when it cannot be used."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                invitation = invitation_open(token, allow_used=allow_used, grace=grace)
            except InvitationError as e:
                with translation.override(translation.get_language_from_request(request)):
                    return _invalid(request, e)
            with translation.override(invitation.language):
                return view(request, invitation, token, *args, **kwargs)

        return wrapper

    return decorate


def _invalid(request: HttpRequest, error: InvitationError) -> HttpResponse:
    if isinstance(error, InvitationExpired):
        message = _("This invitation has expired. Please ask the archive for a new link.")
    elif isinstance(error, InvitationUsed):
        message = _(
            "This invitation was already used to send a testimony. Each link works once. "
            "If you want to send another, please ask the archive for a new link."
        )
    else:
        message = _("This link is not a valid invitation. Please check that it was copied whole.")
    if _wants_json(request):
        return JsonResponse({"error": message}, status=error.status)
    return render(request, "archive/submit/invalid.html", {"message": message}, status=error.status)


def _wants_json(request: HttpRequest) -> bool:
    return "/uploads/" in request.path


def _answers(request: HttpRequest, invitation: Invitation) -> dict[str, dict[str, Any]]:
    return request.session.get(_SESSION_ANSWERS % invitation.pk, {})


def _first_missing(answers: dict[str, Any]) -> Step | None:
    return next((step for step in STEPS if step.name not in answers), None)


def _step_url(token: str, step: Step) -> str:
    return reverse("submit-consent", args=[token, step.name])


@require_http_methods(["GET"])
@invited()
def start(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    consent = invitation_consent(invitation)
    return render(
        request,
        "archive/submit/start.html",
        {
            "invitation": invitation,
            "token": token,
            "consent_given": consent is not None and not consent.withdrawn,
            "first_step": _step_url(token, STEPS[0]),
        },
    )


@require_http_methods(["GET", "POST"])
@invited()
def consent_step(request: HttpRequest, invitation: Invitation, token: str, step: str) -> Any:
    if invitation_consent(invitation) is not None:
        return redirect("submit-record", token)
    if step not in _STEP_INDEX:
        return render(
            request,
            "archive/submit/invalid.html",
            {"message": _("This page does not exist.")},
            status=404,
        )
    index = _STEP_INDEX[step]
    current = STEPS[index]
    answers = _answers(request, invitation)
    missing = _first_missing(answers)
    if missing is not None and _STEP_INDEX[missing.name] < index:
        return redirect(_step_url(token, missing))

    initial = answers.get(current.name) or (
        {"public_name": invitation.storyteller_name, "name_choice": "pseudonym"}
        if current.name == "name"
        else {}
    )
    form = current.form(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        answers[current.name] = _serialise(form.cleaned_data)
        request.session[_SESSION_ANSWERS % invitation.pk] = answers
        if request.GET.get("from") == "summary" and _first_missing(answers) is None:
            return redirect("submit-summary", token)
        if index + 1 < len(STEPS):
            return redirect(_step_url(token, STEPS[index + 1]))
        return redirect("submit-summary", token)
    back = _step_url(token, STEPS[index - 1]) if index else reverse("submit-start", args=[token])
    return render(
        request,
        "archive/submit/step.html",
        {
            "form": form,
            "step": current,
            "number": index + 1,
            "total": len(STEPS),
            "back": back,
            "token": token,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@invited()
def summary(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    if invitation_consent(invitation) is not None:
        return redirect("submit-record", token)
    answers = _answers(request, invitation)
    missing = _first_missing(answers)
    if missing is not None:
        return redirect(_step_url(token, missing))
    terms, name, is_pseudonym = _terms(answers, invitation)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return render(
                request,
                "archive/submit/summary.html",
                _summary_context(token, terms, name, is_pseudonym, error=True),
                status=400,
            )
        try:
            with transaction.atomic():
                storyteller = Storyteller.objects.create(
                    public_name=name,
                    is_pseudonym=is_pseudonym,
                    real_name="" if is_pseudonym else name,
                )
                consent_record_create(storyteller=storyteller, terms=terms)
                invitation.storyteller = storyteller
                invitation.save(update_fields=["storyteller"])
        except ConsentError:
            # Only a form bug can get here: every answer was validated on its screen.
            request.session.pop(_SESSION_ANSWERS % invitation.pk, None)
            return redirect(_step_url(token, STEPS[0]))
        request.session.pop(_SESSION_ANSWERS % invitation.pk, None)
        return redirect("submit-record", token)
    return render(
        request,
        "archive/submit/summary.html",
        _summary_context(token, terms, name, is_pseudonym),
    )


def _summary_context(
    token: str, terms: ConsentTerms, name: str, is_pseudonym: bool, error: bool = False
) -> dict[str, Any]:
    access = dict(AccessForm.base_fields["access_level"].choices)[terms.access_level]
    yes, no = _("Yes"), _("No")
    rows = [
        ("access", _("Who may listen"), access),
        (
            "name",
            _("Your name"),
            (_("%(name)s (a pseudonym)") if is_pseudonym else _("%(name)s (your real name)"))
            % {"name": name},
        ),
        ("media", _("Sound or video"), _("Video") if terms.show_video else _("Sound only")),
        ("transcript", _("Written words shown"), yes if terms.show_transcript else no),
        ("teaching", _("Used in teaching"), yes if terms.allow_teaching else no),
        ("press", _("Quoted in the news"), yes if terms.allow_press else no),
        (
            "embargo",
            _("Waiting"),
            _("Shown to no one until %(date)s") % {"date": terms.embargo_until.isoformat()}
            if terms.embargo_until
            else _("No waiting"),
        ),
    ]
    return {
        "rows": [
            {
                "label": label,
                "value": value,
                "change": reverse("submit-consent", args=[token, s]) + "?from=summary",
            }
            for s, label, value in rows
        ],
        "back": reverse("submit-consent", args=[token, STEPS[-1].name]),
        "error": error,
        "token": token,
    }


def _terms(answers: dict[str, Any], invitation: Invitation) -> tuple[ConsentTerms, str, bool]:
    video = answers["media"]["media"] == "video"
    is_pseudonym = answers["name"]["name_choice"] != "real"
    until = answers["embargo"].get("embargo_until")
    terms = ConsentTerms(
        access_level=answers["access"]["access_level"],
        show_audio=True,
        show_video=video,
        show_face=video,
        show_transcript=answers["transcript"]["show_transcript"] == "yes",
        show_real_name=not is_pseudonym,
        allow_teaching=answers["teaching"]["allow_teaching"] == "yes",
        allow_press=answers["press"]["allow_press"] == "yes",
        embargo_until=date.fromisoformat(until) if until else None,
        form_version=FORM_VERSION,
        form_language=invitation.language,
        method=ConsentMethod.IN_APP,
    )
    return terms, answers["name"]["public_name"], is_pseudonym


def _serialise(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


@require_http_methods(["GET"])
@invited()
def record(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    consent = invitation_consent(invitation)
    if consent is None:
        return redirect("submit-start", token)
    current = consent.current
    strings = {
        "recording": _("Recording…"),
        "paused": _("Paused"),
        "resume": _("Continue recording"),
        "chooseAgain": _(
            "A file was being sent when the page closed. Choose the same file again and press "
            "Send: it continues where it stopped."
        ),
        "stopped": _("Recording finished. Listen to it, then send it or record again."),
        "noMic": _(
            "The browser could not use the microphone or camera. You can choose a file instead."
        ),
        "unsupported": _("This browser cannot record. You can choose a file instead."),
        "sending": _("Sending… %(percent)s%%"),
        "offline": _("The connection was lost. It will continue by itself when it is back."),
        "resuming": _("Continuing where it stopped…"),
        "processing": _("Checking the recording…"),
        "failed": _("It could not be sent:"),
        "done": _("Sent."),
        "noFile": _("Record or choose a file first."),
    }
    return render(
        request,
        "archive/submit/record.html",
        {
            "token": token,
            "video": bool(current and current.show_video),
            "uploads_url": reverse("submit-uploads", args=[token]),
            # 1 MiB: small enough that a dropped phone connection loses little.
            "chunk_size": min(
                CHUNK_MAX_BYTES, getattr(settings, "TESTIMONIO_UPLOAD_CHUNK_BYTES", 1024**2)
            ),
            "strings": strings,
        },
    )


def _api_error(error: UploadError | str, status: int | None = None) -> JsonResponse:
    message = str(error)
    response = JsonResponse(
        {"error": message, "offset": getattr(error, "offset", None)},
        status=status or getattr(error, "status", 400),
    )
    if getattr(error, "offset", None) is not None:
        response["Upload-Offset"] = str(error.offset)
    if response.status_code == 429:
        response["Retry-After"] = "60"
    return response


@require_http_methods(["POST"])
@invited()
def uploads(request: HttpRequest, invitation: Invitation, token: str) -> JsonResponse:
    try:
        rate_limit(invitation)
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as e:
            raise UploadError(_("The request is not valid JSON.")) from e
        if not isinstance(body, dict):
            raise UploadError(_("The request is not valid JSON."))
        upload = upload_create(
            invitation=invitation,
            filename=body.get("filename"),
            size=body.get("size"),
            sha256=body.get("sha256"),
        )
    except UploadError as e:
        return _api_error(e)
    url = reverse("submit-upload", args=[token, upload.key])
    response = JsonResponse(
        {"key": str(upload.key), "offset": 0, "size": upload.size, "url": url}, status=201
    )
    response["Location"] = url
    response["Upload-Offset"] = "0"
    return response


@require_http_methods(["HEAD", "GET", "PATCH"])
@invited(allow_used=True, grace=UPLOAD_GRACE)
def upload(request: HttpRequest, invitation: Invitation, token: str, key: str) -> HttpResponse:
    found = Upload.objects.filter(invitation=invitation, key=key).first()
    if found is None:
        return _api_error(_("There is no such upload."), status=404)
    if request.method in ("HEAD", "GET"):
        return _upload_state(request, found)
    if invitation.used_at is not None and found.status == UploadStatus.RECEIVING:
        return _invalid(request, InvitationUsed())
    try:
        rate_limit(invitation)
        offset = _int_header(request, "HTTP_UPLOAD_OFFSET", _("The Upload-Offset header"))
        length = _int_header(request, "CONTENT_LENGTH", _("The Content-Length header"))
        finished = upload_append(upload=found, offset=offset, stream=request, length=length)
    except UploadError as e:
        return _api_error(e)
    if finished.upload.offset < finished.upload.size:
        response = HttpResponse(status=204)
        response["Upload-Offset"] = str(finished.upload.offset)
        return response
    if finished.withdrawal_token:
        tokens = request.session.get(_SESSION_WITHDRAW, {})
        tokens[str(found.key)] = finished.withdrawal_token
        request.session[_SESSION_WITHDRAW] = tokens
    return _upload_state(request, finished.upload)


def _upload_state(request: HttpRequest, found: Upload) -> HttpResponse:
    body: dict[str, Any] = {
        "offset": found.offset,
        "size": found.size,
        "status": str(found.status),
    }
    status = 200
    if found.status in (UploadStatus.FAILED, UploadStatus.EXPIRED):
        body["error"] = found.error
        status = 422 if request.method == "PATCH" else 200
    if found.status == UploadStatus.INGESTED:
        body["next"] = reverse("submit-done", args=[found.key])
    response = HttpResponse(status=200) if request.method == "HEAD" else JsonResponse(body)
    response.status_code = status
    response["Upload-Offset"] = str(found.offset)
    response["Upload-Length"] = str(found.size)
    response["Upload-Status"] = str(found.status)
    response["Cache-Control"] = "no-store"
    return response


def _int_header(request: HttpRequest, name: str, label: str) -> int:
    value = request.META.get(name, "")
    if not value.isdigit():
        raise UploadError(_("%(header)s must be a whole number.") % {"header": label})
    return int(value)


@require_http_methods(["GET"])
def done(request: HttpRequest, key: str) -> HttpResponse:
    found = Upload.objects.select_related("invitation").filter(key=key).first()
    token = request.session.get(_SESSION_WITHDRAW, {}).get(str(key))
    if found is None or token is None or token_hash(token) != found.withdrawal_token_hash:
        # Only the browser that sent the recording may see its withdrawal link.
        with translation.override(translation.get_language_from_request(request)):
            return render(
                request,
                "archive/submit/invalid.html",
                {"message": _("This page is only shown once, to the person who sent it.")},
                status=404,
            )
    with translation.override(found.invitation.language):
        link = request.build_absolute_uri(reverse("submit-withdraw", args=[token]))
        return render(request, "archive/submit/done.html", {"withdraw_link": link})


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
        if found.consent.withdrawn:
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


# --- The archivist's side (Wagtail admin; registered in archive.wagtail_hooks) ----


class InvitationForm(forms.Form):
    storyteller_name = forms.CharField(
        max_length=200,
        help_text="The name or pseudonym you know them by; they choose what to show.",
    )
    language = forms.ChoiceField(choices=settings.LANGUAGES, initial="es")
    days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=90, initial=14)
    note = forms.CharField(max_length=200, required=False)


def invitations_admin(request: HttpRequest) -> HttpResponse:
    """Create an invitation and show its link once; list the recent ones with their state."""
    from django.core.exceptions import PermissionDenied

    from archive.invitations import invitation_create

    if not request.user.has_perm("archive.add_invitation"):
        raise PermissionDenied
    form = InvitationForm(request.POST if request.method == "POST" else None)
    link = ""
    if request.method == "POST" and form.is_valid():
        invitation, token = invitation_create(
            storyteller_name=form.cleaned_data["storyteller_name"],
            language=form.cleaned_data["language"],
            expires_in=timedelta(days=form.cleaned_data["days"]),
            by=request.user,
            note=form.cleaned_data["note"],
        )
        link = request.build_absolute_uri(reverse("submit-start", args=[token]))
        form = InvitationForm()
    now = timezone.now()
    recent = [
        {
            "invitation": invitation,
            "state": "used"
            if invitation.used_at
            else "expired"
            if invitation.expires_at <= now
            else "open",
            "uploads": list(invitation.uploads.all()),
        }
        for invitation in Invitation.objects.prefetch_related("uploads")[:50]
    ]
    return render(
        request,
        "archive/submit/admin_invitations.html",
        {"form": form, "link": link, "recent": recent},
        status=400 if request.method == "POST" and form.errors else 200,
    )
