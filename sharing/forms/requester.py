"""Forms of the requester's part: disputing a decision and deciding a dispute (SSP 9.2).
They check shape only (present, not too long, printable); who may dispute what, and when, is
checked by sharing.services.disputes."""
from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from sharing.services.disputes import TEXT_MAX_LENGTH

TEXTAREA = "govuk-textarea"


def _printable(label: str):
    def validate(value: str) -> None:
        # NUL is refused by Django's own validator; the other control characters here (tab,
        # new line and carriage return are kept: people paste them).
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x00" for ch in value):
            raise ValidationError(f"{label} must not contain control characters", code="control_characters")

    return validate


def _long_text(*, label: str, short: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX_LENGTH,
        error_messages={
            "required": required,
            "max_length": f"{short} must be {TEXT_MAX_LENGTH:,} characters or fewer",
            "null_characters_not_allowed": f"{short} must not contain control characters",
        },
        validators=[_printable(short)],
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": 6}),
    )


class DisputeForm(forms.Form):
    grounds = _long_text(
        label="Why do you dispute this decision?",
        short="Your grounds",
        required="Enter why you dispute the decision",
    )


class DisputeDecisionForm(forms.Form):
    UPHOLD = "uphold"
    OVERTURN = "overturn"

    outcome = forms.ChoiceField(
        label="What is your decision on the dispute?",
        choices=[
            (UPHOLD, "Uphold the decision"),
            (OVERTURN, "Overturn the decision and return the request to the responder to release"),
        ],
        error_messages={
            "required": "Select whether you uphold or overturn the decision",
            "invalid_choice": "Select whether you uphold or overturn the decision",
        },
        widget=forms.RadioSelect,
    )
    reasons = _long_text(
        label="Reasons for your decision",
        short="Your reasons",
        required="Enter the reasons for your decision",
    )

    @property
    def upheld(self) -> bool:
        return self.cleaned_data["outcome"] == self.UPHOLD


class DisputeViewForm(forms.Form):
    view = _long_text(
        label="Your view of the dispute",
        short="Your view",
        required="Enter your view of the dispute",
    )
