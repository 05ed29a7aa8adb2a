"""The storyteller's consent questions, one a screen, in the invitation's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.models import AccessLevel

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

STEP_INDEX = {step.name: index for index, step in enumerate(STEPS)}
