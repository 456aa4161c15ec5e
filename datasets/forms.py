"""Forms of the dataset pages: shape only (present, the right type, a choice offered). The rules
(who may submit which dataset, the period, the file's content) are datasets.services'."""
from __future__ import annotations

import datetime

from django import forms

from portal.forms.retention import DATE_FORMATS

MONTH_FORMATS = ["%m/%Y", "%Y-%m", "%m %Y", "%B %Y", "%b %Y"]


def _date(label: str, *, required: str) -> forms.DateField:
    return forms.DateField(
        label=label, input_formats=DATE_FORMATS, widget=forms.DateInput(format="%d/%m/%Y"),
        error_messages={"required": required, "invalid": f"{label} must be a real date, like 31/01/2026"},
    )


class SubmissionForm(forms.Form):
    dataset = forms.ChoiceField(label="Dataset", error_messages={"required": "Choose the dataset you are submitting", "invalid_choice": "Choose a dataset from the list"})
    period_start = _date("First day of the period", required="Enter the first day of the period")
    period_end = _date("Last day of the period", required="Enter the last day of the period")
    file = forms.FileField(
        label="File (CSV UTF-8 or Excel .xlsx)",
        error_messages={"required": "Choose the file to submit", "empty": "The file is empty"},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, datasets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [("", "Choose a dataset")] + [(spec.code, spec.name) for spec in datasets]


class MonthField(forms.DateField):
    def __init__(self, label: str, **kwargs):
        super().__init__(
            label=label, required=False, input_formats=MONTH_FORMATS, widget=forms.DateInput(format="%m/%Y"),
            error_messages={"invalid": f"{label} must be a month, like 01/2026"}, **kwargs,
        )


class AggregateFilterForm(forms.Form):
    """The hotspot and trend pages' choices: which dataset and which months."""

    dataset = forms.ChoiceField(label="Dataset", error_messages={"required": "Choose a dataset", "invalid_choice": "Choose a dataset from the list"})
    first_month = MonthField("From (month)")
    last_month = MonthField("To (month)")

    def __init__(self, *args, datasets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(spec.code, spec.name) for spec in datasets]

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_month"), cleaned.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", "The last month must be the same as or after the first")
        if first and last and (last - first) > datetime.timedelta(days=366 * 5):
            self.add_error("last_month", "Choose at most five years")
        return cleaned


class TrendFilterForm(AggregateFilterForm):
    district = forms.ChoiceField(label="Area (postcode district)", required=False)
    category = forms.ChoiceField(label="Category", required=False)

    def __init__(self, *args, districts, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "All areas")] + [(d, d) for d in districts]
        self.fields["category"].choices = [("", "All categories")] + list(categories)


class FeedTokenForm(forms.Form):
    name = forms.CharField(
        label="What will use this token", max_length=120,
        error_messages={"required": "Enter what will use the token, e.g. the partnership's Power BI workspace",
                        "max_length": "The name must be 120 characters or fewer"},
    )
