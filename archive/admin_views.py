"""Admin views for consent: withdraw (and purge) in one action."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from archive import access
from archive.errors import ConsentError
from archive.models import TestimonyPage
from archive.withdrawal import testimony_withdraw


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="How the storyteller asked, and when. Kept with the consent history.",
    )
    purge = forms.BooleanField(
        required=False,
        label="Also purge the recording, transcript and index entries",
        help_text="Keeps only a tombstone with the consent history. This cannot be undone.",
    )
    confirm = forms.BooleanField(label="I confirm the storyteller asked to withdraw this testimony")


def withdraw_testimony(request: HttpRequest, page_id: int) -> HttpResponse:
    testimony = get_object_or_404(TestimonyPage, pk=page_id)
    if access.role_of(request.user) not in (access.Role.EDITOR, access.Role.ADMINISTRATOR):
        raise PermissionDenied
    consent = access.effective_consent(testimony)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            testimony_withdraw(
                testimony=testimony,
                reason=form.cleaned_data["reason"],
                by=request.user,
                purge=form.cleaned_data["purge"],
            )
        except ConsentError as e:
            messages.error(request, str(e))
        else:
            done = "withdrawn and purged" if form.cleaned_data["purge"] else "withdrawn"
            messages.success(request, f"Testimony {testimony.pk} was {done}.")
            return redirect(reverse("wagtailadmin_pages:edit", args=[testimony.pk]))
    return TemplateResponse(
        request,
        "archive/admin/withdraw.html",
        {"testimony": testimony, "consent": consent, "form": form},
    )
