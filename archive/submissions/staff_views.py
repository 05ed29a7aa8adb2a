"""The archivist's side: invitations made in the Wagtail admin.

Registered in archive.wagtail_hooks.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from archive.models import Invitation


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

    from archive.submissions.invitations import invitation_create

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
