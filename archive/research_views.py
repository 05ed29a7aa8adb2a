"""Registered users ask for researcher access; an archivist approves it in the admin."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from archive.models import ResearcherApproval

TERMS = (
    "I will use researcher-level testimony only for the purpose stated here; I will not "
    "identify, contact or publish anything that could identify a storyteller; I will cite "
    "clips only as the archive's permalinks allow; my access may be revoked at any time."
)


class ResearchRequestForm(forms.Form):
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        min_length=40,
        max_length=4000,
        help_text="What you are researching, for whom, and how you will use the testimony.",
    )
    accept_terms = forms.BooleanField(label="I accept the terms above")


@login_required
def research_request(request: HttpRequest) -> HttpResponse:
    pending = request.user.researcher_approvals.filter(
        approved_at__isnull=True, revoked_at__isnull=True
    ).first()
    form = ResearchRequestForm(request.POST or None)
    if request.method == "POST" and pending is None and form.is_valid():
        pending = ResearcherApproval.objects.create(
            user=request.user,
            purpose=form.cleaned_data["purpose"],
            terms_accepted_at=timezone.now(),
        )
    status = 200 if request.method == "GET" or form.is_valid() else 400
    return render(
        request,
        "archive/research_request.html",
        {"form": form, "pending": pending, "terms": TERMS},
        status=status,
    )
