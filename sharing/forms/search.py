"""The search of the request lists (the inbox, My requests): by reference, status and the person
a request is about. A reference and a status may go in the URL; a name or a date of birth never
does (portal/searches.py): `personal()` says which criteria must stay in the session."""
from __future__ import annotations

from django import forms

from portal.forms.dates import DateOfBirthField
from portal.text import text_problem
from sharing.models import Status

INPUT = "govuk-input"


class RequestSearchForm(forms.Form):
    reference = forms.CharField(
        label="Reference", required=False, max_length=40,
        error_messages={"max_length": "A reference is at most 40 characters"},
        widget=forms.TextInput(attrs={"class": f"{INPUT} govuk-input--width-20", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label="Name of the person it is about", required=False, max_length=200,
        help_text="Part of a name or other name is enough",
        error_messages={"max_length": "A name is at most 200 characters"},
        widget=forms.TextInput(attrs={"class": f"{INPUT} govuk-!-width-two-thirds", "autocomplete": "off"}),
    )
    date_of_birth = DateOfBirthField(label="Their date of birth", noun="Their date of birth", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All statuses"), *Status.choices],
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    def _text(self, field: str, label: str) -> str:
        text, problem = text_problem(self.cleaned_data[field], label=label, max_length=200)
        if problem:
            raise forms.ValidationError(problem)
        return " ".join(text.split())

    def clean_reference(self) -> str:
        return self._text("reference", "The reference")

    def clean_name(self) -> str:
        return self._text("name", "The name")

    @classmethod
    def from_criteria(cls, criteria: dict) -> RequestSearchForm:
        """An unbound form showing the search in force."""
        return cls(initial={key: value for key, value in criteria.items() if value})

    def criteria(self) -> dict:
        """Every criterion given, as JSON values (the date as an ISO string)."""
        data = self.cleaned_data
        given = {
            "reference": data.get("reference", ""),
            "status": data.get("status", ""),
            "name": data.get("name", ""),
            "date_of_birth": data["date_of_birth"].isoformat() if data.get("date_of_birth") else "",
        }
        return {key: value for key, value in given.items() if value}

    @staticmethod
    def personal(criteria: dict) -> bool:
        return bool(criteria.get("name") or criteria.get("date_of_birth"))


def criteria_from_url(params) -> dict:
    """The criteria a URL may carry (reference, status), checked like the form checks them;
    anything else in the URL is ignored."""
    form = RequestSearchForm({"reference": params.get("reference", ""), "status": params.get("status", "")})
    if not form.is_valid():
        return {}
    return form.criteria()
