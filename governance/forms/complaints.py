"""Forms of the complaint pages: the shape of what was typed; the rules are the services'."""
from __future__ import annotations

from django import forms

from governance.models import ComplaintAbout, ComplaintOutcome
from portal.forms.dates import PAST, date_bounds

TEXT_MAX = 20_000


def _textarea(label: str, message: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=TEXT_MAX, strip=False, help_text=help_text, widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": message, "max_length": f"{label} must be {TEXT_MAX:,} characters or fewer"},
    )


class ComplaintForm(forms.Form):
    about = forms.ChoiceField(
        label="What is the complaint about?", choices=ComplaintAbout.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose what the complaint is about", "invalid_choice": "Choose an answer from the list"},
    )
    requests = forms.TypedMultipleChoiceField(
        label="Which requests does it concern?", coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text="Your organisation's requests, sent or received, the most recent first.",
        error_messages={"required": "Choose the requests the complaint concerns",
                        "invalid_choice": "Choose requests of your organisation from the list"},
    )
    summary = _textarea("What does the complaint say?", "Enter what the complaint says, without naming anyone",
                        help_text="Do not name the complainant: keep their details in your own complaints system.")
    received_on = forms.DateField(
        label="Date it was received", help_text="For example, 27/03/2026",
        error_messages={"required": "Enter the date it was received", "invalid": "Enter a real date, like 27/03/2026"},
        validators=[date_bounds(PAST, "The date it was received")],
    )
    acknowledged_on = forms.DateField(
        label="Date it was acknowledged in writing", required=False, help_text="For example, 27/03/2026",
        error_messages={"invalid": "Enter a real date, like 27/03/2026"},
        validators=[date_bounds(PAST, "The date it was acknowledged")],
    )

    def __init__(self, *args, requests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requests"].choices = [
            (r.pk, f"{r.reference}: {r.requesting_organisation.name} to {r.holding_organisation.name if r.holding_organisation else '–'}, "
                   f"{r.get_status_display().lower()}")
            for r in requests
        ]


class PartForm(forms.Form):
    findings = _textarea("What did your organisation find?", "Enter what your organisation found",
                         help_text="Investigated fairly and thoroughly (SSP 12.1): what happened and what you will do.")


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What is the outcome?", choices=ComplaintOutcome.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome", "invalid_choice": "Choose an outcome from the list"},
    )
    outcome_text = _textarea(
        "The agreed outcome and the response given", "Enter the outcome the organisations agreed and the response given",
        help_text="Include how the complainant can appeal, if appropriate (SSP 12.1).",
    )
