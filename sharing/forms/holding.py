"""Forms of the holding organisation's pages: inbox filters, assignment, return for more
information, the key-questions flowchart, advice, sub judice consultation and the decision.
They check shape only (present, the right type, not too long); the rules are the services'
(sharing/services/review.py, sharing/services/decide.py)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from portal.forms.dates import PAST, date_bounds
from portal.models import FlowchartAnswer
from portal.uploads import ACCEPT_ATTRIBUTE
from sharing.models import FactOrOpinion, Outcome, SubJudiceConsultation
from sharing.selectors import INBOX_FILTERS
from sharing.services.review import confirmations_missing

TEXTAREA = "govuk-textarea"
SHORT_TEXT = 5000
LONG_TEXT = 10000
ITEM_TEXT = 20000


def _textarea(
    label: str, *, required: bool = True, max_length: int = SHORT_TEXT, rows: int = 5, message: str = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages={
            "required": message or f"Enter {label[0].lower() + label[1:]}",
            "max_length": f"{label} must be {max_length:,} characters or fewer",
        },
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": rows}),
    )


class InboxFilterForm(forms.Form):
    """GET filters. Anything unexpected falls back to the defaults: the inbox never refuses."""

    show = forms.ChoiceField(label="Show", choices=list(INBOX_FILTERS.items()), required=False)
    sort = forms.ChoiceField(
        label="Sort by due date",
        choices=[("due", "Soonest first"), ("-due", "Latest first")],
        required=False,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    def values(self) -> tuple[str, str]:
        if self.is_valid():
            return self.cleaned_data.get("show") or "open", self.cleaned_data.get("sort") or "due"
        return "open", "due"


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label="Who should review this request?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the officer to assign this request to",
            "invalid_choice": "Select the officer to assign this request to",
        },
    )

    def __init__(self, *args, officers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            (m.user_id, f"{m.user.display_name} ({m.get_role_display().lower()})") for m in officers
        ]


class ReturnForm(forms.Form):
    text = _textarea(
        "What more information do you need?",
        max_length=SHORT_TEXT,
        message="Enter what more information you need",
    )


class FlowchartAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=FlowchartAnswer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes, no or not sure", "invalid_choice": "Select yes, no or not sure"},
    )
    note = _textarea("Note", required=False, rows=3)
    safeguarding_concern = forms.BooleanField(
        label="I have a concern that a child is at risk of significant harm or an adult of serious harm",
        required=False,
    )

    def __init__(self, *args, question: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].label = question


class FlowchartOutcomeForm(forms.Form):
    confirmations = forms.MultipleChoiceField(
        label="Before you share, confirm that you will",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Select only the points listed"},
    )
    reasons = _textarea(
        "Reasons for your decision", max_length=LONG_TEXT, message="Enter the reasons for your decision"
    )
    justification = _textarea(
        "Justification",
        required=False,
        max_length=LONG_TEXT,
        message="Enter your justification for relying on consent or on the public interest",
    )

    def __init__(self, *args, confirmations=(), share: bool = True, needs_justification: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if share:
            # Every point is required (SSP Appendix 4): the label has no "(optional)", and the one
            # error names what is still to confirm.
            field = self.fields["confirmations"]
            field.choices = [(item["code"], item["text"]) for item in confirmations]
            field.required = True
            field.error_messages["required"] = confirmations_missing([text for _, text in field.choices])
        else:
            del self.fields["confirmations"]
        if needs_justification:
            self.fields["justification"].required = True
        else:
            del self.fields["justification"]

    def clean_confirmations(self):
        chosen = set(self.cleaned_data.get("confirmations") or [])
        missing = [text for code, text in self.fields["confirmations"].choices if code not in chosen]
        if missing:
            raise forms.ValidationError(confirmations_missing(missing))
        return [code for code, _ in self.fields["confirmations"].choices]


class SeekAdviceForm(forms.Form):
    question = _textarea("What do you need advice on?", max_length=SHORT_TEXT, message="Enter what you need advice on")


class AdviceForm(forms.Form):
    advice = _textarea("Your advice", max_length=SHORT_TEXT, rows=6, message="Enter your advice")


class TimeInput(forms.TimeInput):
    input_type = "time"


class SubJudiceForm(forms.Form):
    consulted_name = forms.CharField(
        label="Name of the person consulted",
        max_length=200,
        error_messages={
            "required": "Enter the name of the person consulted",
            "max_length": "The name must be 200 characters or fewer",
        },
        widget=forms.TextInput(attrs={"class": "govuk-input", "autocomplete": "off"}),
    )
    consulted_role = forms.ChoiceField(
        label="Who did you consult?",
        choices=SubJudiceConsultation.ConsultedRole.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether you consulted the investigating officer or the CPS",
            "invalid_choice": "Select whether you consulted the investigating officer or the CPS",
        },
    )
    consulted_on = forms.DateField(
        label="Date of the consultation",
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"],
        error_messages={
            "required": "Enter the date of the consultation",
            "invalid": "Enter the date of the consultation as a real date, for example 27/3/2024",
        },
        validators=[date_bounds(PAST, "The date of the consultation")],
        widget=forms.DateInput(format="%Y-%m-%d"),
    )
    consulted_time = forms.TimeField(
        label="Time of the consultation",
        input_formats=["%H:%M", "%H:%M:%S", "%H.%M"],
        error_messages={
            "required": "Enter the time of the consultation",
            "invalid": "Enter the time of the consultation as hours and minutes, for example 14:30",
        },
        widget=TimeInput(format="%H:%M", attrs={"class": "govuk-input govuk-input--width-5"}),
    )
    outcome = _textarea("What did they say?", max_length=SHORT_TEXT, message="Enter the outcome of the consultation")

    def consulted_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("consulted_on")
        time = self.cleaned_data.get("consulted_time")
        if day is None or time is None:
            return None
        try:
            return timezone.make_aware(datetime.datetime.combine(day, time))
        except (ValueError, OverflowError):
            return None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files; what they are is checked by portal.uploads.validate_upload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, "accept": ACCEPT_ATTRIBUTE}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [f for f in files if f is not None and getattr(f, "name", "")]


class _NeededForSomeOutcomes:
    """A field that some outcomes need and others do not: it is labelled without "(optional)",
    may be left empty here, and the service says when it was needed (e.g. a marking to release)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = True

    def validate(self, value):
        if value in self.empty_values:
            return
        super().validate(value)


class ConditionalChoiceField(_NeededForSomeOutcomes, forms.TypedChoiceField):
    pass


class ConditionalCharField(_NeededForSomeOutcomes, forms.CharField):
    pass


class DecideForm(forms.Form):
    use_required_attribute = False

    outcome = forms.ChoiceField(
        label="What is your decision?",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select release in full, release in part or decline",
            "invalid_choice": "Select release in full, release in part or decline",
        },
    )
    reasons = _textarea(
        "Reasons for your decision", max_length=LONG_TEXT, rows=6, message="Enter the reasons for your decision"
    )
    withheld = ConditionalCharField(
        label="What is withheld and why",
        max_length=LONG_TEXT,
        error_messages={"max_length": f"What is withheld and why must be {LONG_TEXT:,} characters or fewer"},
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": 4}),
    )
    marking = ConditionalChoiceField(
        label="Protective marking",
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select a protective marking from the list"},
    )
    attachments = MultipleFileField(label="Attachments", required=False)

    def __init__(self, *args, markings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["marking"].choices = [
            (level.pk, level.name if level.internet_allowed else f"{level.name} (only on a secure network)")
            for level in markings
        ]


class ReleaseItemForm(forms.Form):
    text = forms.CharField(
        label="Information released",
        max_length=ITEM_TEXT,
        required=True,
        error_messages={
            "required": "Enter the information for this item",
            "max_length": f"An item must be {ITEM_TEXT:,} characters or fewer",
        },
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": 4}),
    )
    fact_or_opinion = forms.ChoiceField(
        label="Is this fact or opinion?",
        choices=FactOrOpinion.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether this item is fact or opinion",
            "invalid_choice": "Select fact or opinion",
        },
    )
    originating_organisation = forms.TypedChoiceField(
        label="Which organisation does it come from?",
        coerce=int,
        error_messages={
            "required": "Select the organisation this item comes from",
            "invalid_choice": "Select the organisation this item comes from",
        },
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["originating_organisation"].choices = list(organisations)


MAX_ITEM_ROWS = 50

ReleaseItemFormSet = forms.formset_factory(
    ReleaseItemForm, extra=1, max_num=MAX_ITEM_ROWS, absolute_max=MAX_ITEM_ROWS, validate_max=True
)
# The same rows shown again as typed ("add another item"): no blank row beyond those given.
ReleaseItemRowsFormSet = forms.formset_factory(
    ReleaseItemForm, extra=0, max_num=MAX_ITEM_ROWS, absolute_max=MAX_ITEM_ROWS, validate_max=True
)
