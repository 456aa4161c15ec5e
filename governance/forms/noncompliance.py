"""Forms of the non-compliance and suspension pages (governance/views/noncompliance.py).
Shape only: the services check who may do what and whether the partner is one the acting
organisation may name, and their errors go back on these forms with what was typed."""
from __future__ import annotations

from django import forms

from governance.models import Finding
from portal.forms.dates import REVIEW, date_bounds
from portal.forms.retention import DATE_FORMATS

TEXT_MAX = 20_000


def _text(label: str, *, message: str = "", required: bool = True, rows: int = 6, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        strip=True,
        help_text=help_text,
        error_messages={"required": message, "max_length": f"This must be {TEXT_MAX:,} characters or fewer"},
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def place_value(place) -> str:
    return f"{place.partnership_id}:{place.organisation_id}"


def _place_choices(places) -> list[tuple[str, str]]:
    several = len({p.partnership_id for p in places}) > 1
    return [
        (place_value(p), f"{p.organisation.name} ({p.partnership.name})" if several else p.organisation.name)
        for p in places
    ]


class _PlaceForm(forms.Form):
    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {place_value(p): p for p in places}
        self.fields[self.place_field].choices = [("", "Select an organisation"), *_place_choices(list(places))]

    def chosen_place(self):
        return self.places.get(self.cleaned_data.get(self.place_field) or "")


class ReportForm(_PlaceForm):
    place_field = "concerns"
    concerns = forms.ChoiceField(
        label="Which partner organisation do you believe has failed to comply?",
        error_messages={"required": "Select the partner organisation", "invalid_choice": "Select the partner organisation"},
    )
    details = _text(
        "What happened?",
        message="Enter the full details of the failure to comply",
        rows=8,
        help_text="SSP 13.2: give full details. The partner's designated officers are told a report is waiting; "
        "the email carries only its reference.",
    )
    request_references = forms.CharField(
        label="References of the requests it concerns (optional)",
        required=False,
        max_length=500,
        help_text="For example DR-2026-000123, DR-2026-000124",
        error_messages={"max_length": "Request references must be 500 characters or fewer"},
    )


class RespondForm(forms.Form):
    finding = forms.ChoiceField(
        label="What did your investigation find?",
        choices=Finding.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether your investigation found a failure to comply",
            "invalid_choice": "Select whether your investigation found a failure to comply",
        },
    )
    response = _text("Your written response and its reasons", message="Enter your written response and its reasons")
    remedial_action = _text(
        "If there was a failure: the remedial action taken, and how the people affected are told",
        required=False,
        help_text="SSP 13.1",
    )


class OutcomeForm(forms.Form):
    outcome = _text("The investigation and its outcome", message="Enter the investigation and its outcome")


class SuspendForm(_PlaceForm):
    place_field = "organisation"
    organisation = forms.ChoiceField(
        label="Which partner organisation does your organisation stop sharing with?",
        error_messages={"required": "Select the partner organisation", "invalid_choice": "Select the partner organisation"},
    )
    reasons = _text("Why is sharing suspended?", message="Enter why sharing with this organisation is suspended")
    review_date = forms.DateField(
        label="When is the suspension to be reviewed?",
        input_formats=DATE_FORMATS,
        help_text="For example 27/3/2027",
        error_messages={
            "required": "Enter the date the suspension is to be reviewed",
            "invalid": "Enter the review date as a real date, for example 27/3/2027",
        },
        validators=[date_bounds(REVIEW, "The review date")],
        widget=forms.DateInput(format="%d/%m/%Y"),
    )


class LiftForm(forms.Form):
    reasons = _text("Why does sharing resume?", message="Enter why sharing resumes")
