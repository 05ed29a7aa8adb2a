"""The storyteller's side: an invitation link -> consent, one choice a screen -> record or
choose a file -> resumable upload (upload_api, uploads) -> what happens next and a private
withdrawal link (withdrawal_link). The questions are in forms; the archivist's side is
staff_views.

Every page speaks the invitation's language (translation.override), whatever
the browser says: the archivist chose it with the storyteller.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from archive import access
from archive.consent.services import ConsentTerms, consent_record_create
from archive.errors import ConsentError
from archive.models import ConsentMethod, Invitation, Storyteller, Upload
from archive.submissions.forms import STEP_INDEX, STEPS, AccessForm, Step
from archive.submissions.invitations import (
    invitation_consent,
    token_hash,
)
from archive.submissions.invited import SESSION_WITHDRAW, invited
from archive.submissions.uploads import (
    CHUNK_MAX_BYTES,
)

FORM_VERSION = "web-2026-1"


def _answers(request: HttpRequest, invitation: Invitation) -> dict[str, dict[str, Any]]:
    """The answers given so far, kept with the invitation: any browser with the link resumes."""
    return dict(invitation.consent_answers or {})


def _keep_answers(invitation: Invitation, answers: dict[str, dict[str, Any]]) -> None:
    invitation.consent_answers = answers
    invitation.save(update_fields=["consent_answers"])


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
            "consent_given": not access.consent_missing_or_withdrawn(consent),
            "first_step": _step_url(token, STEPS[0]),
        },
    )


@require_http_methods(["GET", "POST"])
@invited()
def consent_step(request: HttpRequest, invitation: Invitation, token: str, step: str) -> Any:
    if invitation_consent(invitation) is not None:
        return redirect("submit-record", token)
    if step not in STEP_INDEX:
        return render(
            request,
            "archive/submit/invalid.html",
            {"message": _("This page does not exist.")},
            status=404,
        )
    index = STEP_INDEX[step]
    current = STEPS[index]
    answers = _answers(request, invitation)
    missing = _first_missing(answers)
    if missing is not None and STEP_INDEX[missing.name] < index:
        return redirect(_step_url(token, missing))

    initial = answers.get(current.name) or (
        {"public_name": invitation.storyteller_name, "name_choice": "pseudonym"}
        if current.name == "name"
        else {}
    )
    form = current.form(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        answers[current.name] = _serialise(form.cleaned_data)
        _keep_answers(invitation, answers)
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
                invitation.consent_answers = {}
                invitation.save(update_fields=["storyteller", "consent_answers"])
        except ConsentError:
            # Only a form bug can get here: every answer was validated on its screen.
            _keep_answers(invitation, {})
            return redirect(_step_url(token, STEPS[0]))
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


@require_http_methods(["GET"])
def done(request: HttpRequest, key: str) -> HttpResponse:
    found = Upload.objects.select_related("invitation").filter(key=key).first()
    token = request.session.get(SESSION_WITHDRAW, {}).get(str(key))
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
