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
from archive.consent.services import ConsentTerms, consent_amend
from archive.consent.withdrawal import testimony_withdraw
from archive.errors import ConsentError
from archive.models import ConsentVersion, TestimonyPage
from archive.testimonies.admin_access import shown_title


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
    # Withdrawing narrows access: any editor may, for any testimony, at once.
    if not access.is_staff_member(request.user):
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
        {
            "testimony": testimony,
            "title": shown_title(request, testimony),
            "consent": consent,
            "form": form,
        },
    )


class ConsentChangeForm(forms.ModelForm):
    """A change of consent, made as a new version (never an edit of the old one)."""

    class Meta:
        model = ConsentVersion
        fields = [
            "access_level",
            *access.CONSENT_PERMISSIONS,
            "embargo_until",
            "form_version",
            "form_language",
            "method",
            "signed_form",
            "verbal_consent_media",
            "witness",
            "change_note",
        ]
        widgets = {"embargo_until": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_note"].required = True
        self.fields[
            "change_note"
        ].help_text = "Why consent changed, and how the storyteller said so."


def change_consent(request: HttpRequest, page_id: int) -> HttpResponse:
    testimony = get_object_or_404(TestimonyPage, pk=page_id)
    # Any editor may open the form and narrow access; consent_amend refuses an
    # editor's widening, and audits the refusal.
    if not access.is_staff_member(request.user):
        raise PermissionDenied
    current = access.effective_consent(testimony)
    if access.consent_missing_or_withdrawn(current):
        messages.error(request, "Consent was withdrawn: it cannot be changed, only given anew.")
        return redirect(reverse("wagtailadmin_pages:edit", args=[testimony.pk]))
    form = ConsentChangeForm(
        request.POST or None,
        request.FILES or None,
        initial={f: getattr(current, f) for f in ConsentTerms.__dataclass_fields__},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {field: data[field] for field in ConsentTerms.__dataclass_fields__}
        uploads = {
            field: data[field]
            for field in ("signed_form", "verbal_consent_media")
            if data.get(field)
        }
        try:
            version = consent_amend(
                record=testimony.consent,
                by=request.user,
                note=data["change_note"],
                files=uploads,
                **changes,
            )
        except ConsentError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, f"Consent version {version.version} recorded.")
            return redirect(reverse("wagtailadmin_pages:edit", args=[testimony.pk]))
    history = testimony.consent.versions.order_by("-version")
    return TemplateResponse(
        request,
        "archive/admin/consent_change.html",
        {
            "testimony": testimony,
            "title": shown_title(request, testimony),
            "current": current,
            "form": form,
            "history": history,
            "may_widen": access.may_widen_consent(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )
