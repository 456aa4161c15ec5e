"""Forms of the basis of a release (SSP 6): the consent relied on, the public-interest override
and its approval. They check shape only (present, one of the choices offered, not too long,
printable); the rules are in sharing/services/consent_reliance.py and sharing/services/override.py."""
from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from portal.text import TEXT_MAX_LENGTH
from sharing.models import ConsentPosition, NotSoughtReason

TEXTAREA = "govuk-textarea"


def _printable(label: str):
    def validate(value: str) -> None:
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x00" for ch in value):
            raise ValidationError(f"{label} must not contain control characters", code="control_characters")

    return validate


def long_text(*, label: str, short: str, required: str = "", rows: int = 5) -> forms.CharField:
    """A textarea of up to TEXT_MAX_LENGTH printable characters (`required` empty: optional)."""
    return forms.CharField(
        label=label,
        required=bool(required),
        max_length=TEXT_MAX_LENGTH,
        error_messages={
            "required": required,
            "max_length": f"{short} must be {TEXT_MAX_LENGTH:,} characters or fewer",
            "null_characters_not_allowed": f"{short} must not contain control characters",
        },
        validators=[_printable(short)],
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": rows}),
    )


def _choice(label: str, message: str, *, required: bool = True, multiple: bool = False, coerce=int):
    if multiple:
        return forms.TypedMultipleChoiceField(
            label=label,
            coerce=coerce,
            required=required,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": message, "invalid_choice": message, "invalid_list": message},
        )
    return forms.TypedChoiceField(
        label=label,
        coerce=coerce,
        required=required,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )


class ConsentChoiceForm(forms.Form):
    consent = _choice("Which consent record does this release rely on?", "Select the consent record relied on")

    def __init__(self, *args, consents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].choices = [
            (c.pk, f"{c.reference}: {c.subject.full_name}, given {c.given_on:%d %B %Y} ({c.state_label.lower()})")
            for c in consents
        ]


class ConsentItemsForm(forms.Form):
    """The consent's own information items, offered by position in its list."""

    information_items = _choice(
        "Which of the information this consent applies to covers what you will release?",
        "Select the information covered by this consent that you will release",
        multiple=True,
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.fields["information_items"].choices = [(index, item) for index, item in enumerate(self.items)]

    def chosen_items(self) -> list[str]:
        return [self.items[index] for index in self.cleaned_data["information_items"]]


class OverrideForm(forms.Form):
    """SSP 6.2–6.4. The Art 9 and Schedule 1 fields are only there when the request involves
    special category or criminal-offence data."""

    consent_position = _choice(
        "What is the position on consent?", "Select whether consent was not sought or was refused", coerce=str
    )
    not_sought_reason = _choice(
        "If consent was not sought, why not?", "Select why consent was not sought", required=False, coerce=str
    )
    consent_explanation = long_text(
        label="Explain the position on consent",
        short="The explanation",
    )
    grounds = _choice(
        "Which public-interest grounds apply?",
        "Select the public-interest grounds that apply",
        multiple=True,
    )
    art6_condition = _choice("UK GDPR Article 6 condition", "Select the Article 6 condition")
    art9_condition = _choice(
        "UK GDPR Article 9 condition", "Select the Article 9 condition: special category data is involved"
    )
    dpa_sch1_condition = _choice(
        "DPA 2018 Schedule 1 condition",
        "Select the DPA 2018 Schedule 1 condition: criminal-offence data is involved",
    )
    proportionality = long_text(
        label="Why is this much information, to these people, proportionate?",
        short="The proportionality case",
        required="Explain why this much information, to these people, is proportionate",
    )
    risk_of_not_sharing = long_text(
        label="What is the risk of not sharing?",
        short="The risk of not sharing",
        required="Enter the risk of not sharing",
    )
    alternatives_considered = long_text(
        label="Which less intrusive alternatives did you consider, and why are they not enough?",
        short="The alternatives considered",
        required="Enter the less intrusive alternatives you considered",
    )

    def __init__(self, *args, grounds=(), art6=(), art9=None, dpa_sch1=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_position"].choices = ConsentPosition.choices
        self.fields["not_sought_reason"].choices = NotSoughtReason.choices
        self.fields["grounds"].choices = [(g.pk, g.name) for g in grounds]
        self.fields["art6_condition"].choices = [(b.pk, f"{b.reference}: {b.name}") for b in art6]
        for name, bases in (("art9_condition", art9), ("dpa_sch1_condition", dpa_sch1)):
            if bases is None:
                del self.fields[name]
            else:
                self.fields[name].choices = [(b.pk, f"{b.reference}: {b.name}") for b in bases]


class OverrideDecisionForm(forms.Form):
    APPROVE = "approve"
    REJECT = "reject"

    outcome = forms.ChoiceField(
        label="Do you approve this override?",
        choices=[
            (APPROVE, "Approve: the information may be released in the public interest"),
            (REJECT, "Reject: send it back to the responder with my reasons"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether you approve or reject the override",
            "invalid_choice": "Select whether you approve or reject the override",
        },
    )
    reasons = long_text(
        label="Reasons for your decision", short="Your reasons", required="Enter the reasons for your decision"
    )

    @property
    def approved(self) -> bool:
        return self.cleaned_data["outcome"] == self.APPROVE
