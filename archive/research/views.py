"""Registered users ask for researcher access; an archivist approves it in the admin."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archive.accounts.forms import ResearcherIdentityForm
from archive.accounts.verification import has_verified_email
from archive.models import ResearcherApproval

TERMS = _(
    "I will use researcher-level testimony only for the purpose stated here; I will not "
    "identify, contact or publish anything that could identify a storyteller; I will cite "
    "clips only as the archive's permalinks allow; my access may be revoked at any time."
)


class ResearchRequestForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 5}),
        min_length=40,
        max_length=4000,
        help_text=_("What you are researching, for whom, and how you will use the testimony."),
    )
    accept_terms = forms.BooleanField(label=_("I accept the terms above"))


@login_required
def research_request(request: HttpRequest) -> HttpResponse:
    user = request.user
    pending = user.researcher_approvals.filter(
        approved_at__isnull=True, revoked_at__isnull=True
    ).first()
    # The archivist answers by email: an unverified address cannot ask.
    verified = has_verified_email(user)
    data = request.POST if request.method == "POST" else None
    identity = ResearcherIdentityForm.for_user(user, data)
    form = ResearchRequestForm(data)
    sent = False
    if data is not None and verified and pending is None:
        if identity.is_valid() and form.is_valid():
            with transaction.atomic():
                identity.save_to(user)
                pending = ResearcherApproval.objects.create(
                    user=user,
                    purpose=form.cleaned_data["purpose"],
                    terms_accepted_at=timezone.now(),
                )
            sent = True
    if data is None or sent or pending is not None:
        status = 200
    else:
        status = 403 if not verified else 400
    return render(
        request,
        "archive/research_request.html",
        {
            "form": form,
            "identity": identity,
            "pending": pending,
            "terms": TERMS,
            "verified": verified,
            "email": user.email,
        },
        status=status,
    )
