"""Forms of the retention pages (portal/views/retention.py). Shape only: present, the right type,
one of the choices offered. The rules (a new review date after the current one, a marking of the
protocol in force, a reference the organisation holds) are portal.retention.services', whose
errors the views put back on these forms with what was typed."""

from __future__ import annotations

from django import forms

from portal.forms.dates import REVIEW, date_bounds
from portal.models import LegalHoldReason, MarkingLevel, RetentionRecordKind
from portal.protocols.selectors import current_protocol_packs, organisation_protocol_pack

# Dates are typed day/month/year like everywhere else in the portal (components/field.html renders
# a DateInput as a text box); the other formats are for people who type them another way.
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"]
REASON_MAX = 2000
WITHIN_CHOICES = [("7", "7 days"), ("14", "14 days"), ("30", "30 days"), ("90", "90 days"), ("365", "a year")]
DEFAULT_WITHIN = 30


def _date(label: str, *, required_message: str, invalid: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        error_messages={"required": required_message, "invalid": invalid},
        validators=[date_bounds(REVIEW, label)],
        widget=forms.DateInput(format="%d/%m/%Y"),
    )


def _reason(label: str, *, message: str, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX,
        strip=True,
        error_messages={"required": message, "max_length": f"The reason must be {REASON_MAX} characters or fewer"},
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _marking_choices(organisation=None) -> list[tuple[str, str]]:
    pack = organisation_protocol_pack(organisation) if organisation is not None else current_protocol_packs().first()
    levels = MarkingLevel.objects.filter(pack=pack).order_by("order") if pack else []
    return [(level.code, level.name) for level in levels]


class DueFilterForm(forms.Form):
    """The due list's filters. Anything not offered falls back to the defaults (see `filters`)."""

    within = forms.TypedChoiceField(
        label="Review date within",
        choices=WITHIN_CHOICES,
        coerce=int,
        required=False,
        empty_value=DEFAULT_WITHIN,
        help_text="Overdue copies are always included",
        error_messages={"invalid_choice": "Choose how far ahead to look"},
    )
    kind = forms.ChoiceField(
        label="Kind of record",
        choices=[("", "All kinds"), *RetentionRecordKind.choices],
        required=False,
        error_messages={"invalid_choice": "Choose a kind of record"},
    )

    def filters(self) -> tuple[int, str]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["within"] or DEFAULT_WITHIN, self.cleaned_data["kind"]
        return DEFAULT_WITHIN, ""


class ExtendForm(forms.Form):
    new_review_date = _date(
        "New review date",
        required_message="Enter the new review date",
        invalid="Enter the new review date as a real date, for example 27/3/2030",
    )
    reason = _reason("Why is the copy kept longer?", message="Enter why the copy is kept longer")


class PolicyForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of record",
        choices=[("", "Choose a kind of record"), *RetentionRecordKind.choices],
        error_messages={"required": "Choose a kind of record", "invalid_choice": "Choose a kind of record"},
    )
    marking_code = forms.ChoiceField(
        label="Marking level",
        required=False,
        help_text="Leave as 'Any marking' for a policy that covers every level",
        error_messages={"invalid_choice": "Choose a marking level of the protocol in force"},
    )
    days = forms.IntegerField(
        label="Keep for (days)",
        min_value=0,
        max_value=36500,
        error_messages={
            "required": "Enter how many days the records are kept",
            "invalid": "Enter the number of days as a whole number, for example 365",
            "min_value": "Enter a number of days between 0 and 36500",
            "max_value": "Enter a number of days between 0 and 36500",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
    )
    reason = _reason("Why is the policy changing?", message="Enter why the policy is changing")

    def __init__(self, *args, organisation=None, **kwargs):
        """The marking levels offered are those of the organisation's protocol in force."""
        super().__init__(*args, **kwargs)
        self.fields["marking_code"].choices = [("", "Any marking"), *_marking_choices(organisation)]


class ReasonForm(forms.Form):
    """A reason and nothing else: removing a policy, lifting a hold."""

    reason = _reason("Reason", message="Enter the reason")

    def __init__(self, *args, label: str = "Reason", message: str = "Enter the reason", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].error_messages["required"] = message


class HoldReferenceForm(forms.Form):
    request_reference = forms.CharField(
        label="Reference of the request",
        max_length=20,
        help_text="The disclosure request's reference, for example DR-2026-0042",
        error_messages={
            "required": "Enter the reference of the request to hold",
            "max_length": "A request reference is 20 characters or fewer",
        },
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
    )

    def clean_request_reference(self):
        return self.cleaned_data["request_reference"].strip().upper()


REQUEST_SCOPE = "request"


class HoldScopeForm(forms.Form):
    """Step 2: what the hold covers (the whole request, or one of its subjects), why and until
    when it is reviewed. `subjects` are the data subjects offered, as (pk, name)."""

    scope = forms.ChoiceField(
        label="What does the hold cover?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the hold covers", "invalid_choice": "Choose what the hold covers"},
    )
    reason_kind = forms.ChoiceField(
        label="Reason for the hold",
        choices=LegalHoldReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the reason for the hold",
            "invalid_choice": "Choose the reason for the hold",
        },
    )
    reason = _reason("Details of the reason", message="Enter the details of the reason for the hold")
    review_date = _date(
        "Review the hold on",
        required_message="Enter the date the hold is to be reviewed",
        invalid="Enter the review date as a real date, for example 27/3/2027",
    )

    def __init__(self, *args, reference: str, subjects: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            (REQUEST_SCOPE, f"Everything about request {reference}"),
            *((f"subject-{pk}", f"Everything about {name}") for pk, name in subjects),
        ]

    def subject_id(self) -> int | None:
        scope = self.cleaned_data["scope"]
        return None if scope == REQUEST_SCOPE else int(scope.removeprefix("subject-"))


class OrganisationChooserForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=None,
        label="Organisation",
        empty_label="Choose an organisation",
        error_messages={"invalid_choice": "Choose an organisation", "required": "Choose an organisation"},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
