"""Forms of the data-subject rights pages (governance/views/rights.py). Shape only: the rules
(the deadline's limits, who may answer, what a decision needs) are governance.services.rights'."""
from __future__ import annotations

from django import forms

from governance.models import ConsultationAnswer, Exemption, FinalDecision, ObjectionOutcome, RightKind, RightsStatus
from portal.forms.dates import REVIEW, DateOfBirthField, date_bounds
from portal.forms.retention import DATE_FORMATS

TEXT_MAX = 20_000


def _text(label: str, *, message: str = "", required: bool = True, rows: int = 5, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        strip=True,
        help_text=help_text,
        error_messages={"required": message, "max_length": f"This must be {TEXT_MAX:,} characters or fewer"},
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _date(label: str, *, required_message: str, invalid: str, help_text: str = "For example 27/3/2026", required=True):
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        error_messages={"required": required_message, "invalid": invalid},
        validators=[date_bounds(REVIEW, label)],
        widget=forms.DateInput(format="%d/%m/%Y"),
    )


class OpenForm(forms.Form):
    right = forms.ChoiceField(
        label="Which right is the person exercising?",
        choices=RightKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select which right the person is exercising",
                        "invalid_choice": "Select which right the person is exercising"},
    )
    received_on = _date(
        "When did your organisation receive the request?",
        required_message="Enter the date the request was received",
        invalid="Enter the date received as a real date, for example 27/3/2026",
    )
    request_summary = _text(
        "What does the person ask for?",
        message="Enter what the person asks for",
        help_text="Who they are is found and linked on the next step; do not copy their identity documents here.",
    )


class SearchForm(forms.Form):
    name = forms.CharField(label="Name or alias", required=False, max_length=200, strip=True,
                           error_messages={"max_length": "The name must be 200 characters or fewer"})
    date_of_birth = DateOfBirthField(
        label="Date of birth", noun="Date of birth", required=False,
        help_text="For example, 27 3 1990. Day and month the other way round are found too",
    )
    nhs_number = forms.CharField(label="NHS number (optional)", required=False, max_length=20, strip=True,
                                 error_messages={"max_length": "Enter the NHS number: 10 digits"})

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("name") and not data.get("nhs_number"):
            raise forms.ValidationError("Enter a name, an alias or an NHS number")
        return data


class LinkForm(forms.Form):
    subjects = forms.TypedMultipleChoiceField(
        label="Which of these records are about this person?",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the records that are about this person",
                        "invalid_choice": "Select records from the search results"},
    )

    def __init__(self, *args, subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].choices = [
            (s.pk, f"{s.full_name}{', born ' + s.date_of_birth.strftime('%d/%m/%Y') if s.date_of_birth else ''} ({s.holder.name})")
            for s in subjects
        ]


class ExtendForm(forms.Form):
    extended_to = _date(
        "New deadline", required_message="Enter the new deadline",
        invalid="Enter the new deadline as a real date, for example 27/3/2026",
    )
    reasons = _text("Why is the extension necessary?", message="Enter why the extension is necessary (the request is complex, or there are several)")


YES_NO = [("yes", "Yes"), ("no", "No")]


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label="May your organisation's information be released to the person?",
        choices=ConsultationAnswer.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select whether your organisation's information may be released",
                        "invalid_choice": "Select whether your organisation's information may be released"},
    )
    exemption = forms.ChoiceField(
        label="If withheld in whole or part: which exemption applies?",
        required=False, choices=[("", "None")] + list(Exemption.choices), widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the exemption that applies"},
    )
    third_party_information = forms.ChoiceField(
        label="Does the information include other people's information?",
        choices=YES_NO, widget=forms.RadioSelect,
        error_messages={"required": "Select whether the information includes other people's information",
                        "invalid_choice": "Select whether the information includes other people's information"},
    )
    # Checked by the service, with the exemption, so both problems show at once.
    reasons = _text("Your reasons", required=False)

    def third_party(self) -> bool | None:
        value = self.cleaned_data.get("third_party_information")
        return {"yes": True, "no": False}.get(value)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Final decision", choices=FinalDecision.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select the final decision", "invalid_choice": "Select the final decision"},
    )
    reasons = _text("Reasons for the decision", message="Enter the reasons for the decision")
    released = _text("What is released to the person", required=False)
    redactions = _text("What is redacted or withheld, and under which exemption", required=False)


def _subject_label(s) -> str:
    born = f", born {s.date_of_birth:%d/%m/%Y}" if s.date_of_birth else ""
    return f"{s.full_name or 'Erased record'}{born} ({s.holder.name})"


class _SubjectsForm(forms.Form):
    subjects = forms.TypedMultipleChoiceField(
        label="Which person records?", coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the person records this applies to",
                        "invalid_choice": "Select person records linked to this case"},
    )

    def __init__(self, *args, subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].choices = [(s.pk, _subject_label(s)) for s in subjects]


class EraseForm(_SubjectsForm):
    reasons = _text("Why is erasure agreed?", message="Enter why erasure is agreed and no exemption (Art 17(3)) applies",
                    help_text="Say why the grounds of Art 17(1) are met and no exemption in Art 17(3) applies.")


class RestrictForm(_SubjectsForm):
    reasons = _text("Why is processing restricted?", message="Enter why processing is restricted")


class ObjectionForm(_SubjectsForm):
    outcome = forms.ChoiceField(
        label="Is the objection upheld?", choices=ObjectionOutcome.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select whether the objection is upheld",
                        "invalid_choice": "Select whether the objection is upheld"},
    )
    reasons = _text("Reasons for the outcome", message="Enter the reasons for the outcome")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].required = False
        self.fields["subjects"].label = "If upheld: whose processing stops?"


class LiftForm(forms.Form):
    reasons = _text("Why is the restriction lifted?", message="Enter why the restriction is lifted")


class RectifyForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, strip=True,
                                error_messages={"required": "Enter the corrected name",
                                                "max_length": "The name must be 200 characters or fewer"})
    aliases = forms.CharField(label="Aliases", required=False, max_length=500, strip=True,
                              error_messages={"max_length": "Aliases must be 500 characters or fewer"})
    date_of_birth = DateOfBirthField(label="Date of birth", noun="Date of birth", required=False,
                                     help_text="For example, 27 3 1990")
    nhs_number = forms.CharField(label="NHS number", required=False, max_length=12, strip=True,
                                 error_messages={"max_length": "The NHS number must be 12 characters or fewer"})
    address = forms.CharField(label="Address", required=False, max_length=2000, strip=True, widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"max_length": "The address must be 2,000 characters or fewer"})

    FIELDS = ("full_name", "aliases", "date_of_birth", "nhs_number", "address")

    def changes_from(self, subject) -> dict:
        return {f: self.cleaned_data[f] for f in self.FIELDS if self.cleaned_data[f] != getattr(subject, f)}


class AuditSearchForm(forms.Form):
    q = forms.CharField(label="Reference or organisation", required=False, max_length=100, strip=True,
                        error_messages={"max_length": "Enter 100 characters or fewer"})
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any")] + list(RightsStatus.choices),
                               error_messages={"invalid_choice": "Select a status from the list"})
