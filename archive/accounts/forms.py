"""Forms of the account pages: sign-up (throttled per address), deletion, research identity."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context, ratelimit
from django import forms
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

TOO_MANY_SIGNUPS = _(
    "Too many sign-ups for this address. Check your mailbox, or try again in an hour."
)


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, throttled per email address as well as per client address.

    allauth limits sign-ups per client address only. Each sign-up sends a mail
    to the address typed (a verification link, or "you already have an account"),
    so without a limit per address anyone could flood a person's mailbox. The
    limit counts every address alike, known or not, so it reveals nothing.
    """

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        email = cleaned.get("email")
        # Counted only when the form is otherwise good, i.e. when a mail would go:
        # a person struggling with the password rules is not locked out by it.
        if email and not self.errors and context.request is not None:
            if not ratelimit.consume(context.request, action="signup_email", key=email):
                self.add_error("email", TOO_MANY_SIGNUPS)
        return cleaned


class PublicCollections(models.TextChoices):
    # The values are archive.accounts.services.OFFER and DELETE.
    OFFER = "offer", _("Offer them to the archive: an archivist may keep them public")
    DELETE = "delete", _("Delete them too")


class AccountDeleteForm(forms.Form):
    """Confirms a deletion with the password, and asks what becomes of public collections."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    public_collections = forms.ChoiceField(
        label=_("Your public collections"),
        choices=PublicCollections.choices,
        initial=PublicCollections.OFFER,
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and my private collections are deleted for good.")
    )

    def __init__(self, *args: Any, user: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # A stolen session must not be able to guess the password here without limit.
        if not ratelimit.consume(self.request, action="reauthenticate", user=self.user):
            raise forms.ValidationError(_("Too many attempts. Try again in a minute."))
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class ResearcherIdentityForm(forms.Form):
    """Who is asking for researcher access, pre-filled from the account and kept on it."""

    first_name = forms.CharField(label=_("Given name"), max_length=150)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)

    @classmethod
    def for_user(cls, user: Any, data: Any = None) -> ResearcherIdentityForm:
        return cls(data, initial={"first_name": user.first_name, "last_name": user.last_name})

    def save_to(self, user: Any) -> None:
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
