"""Forms of onward disclosure (SSP Appendix 2 q5; SDP 5.1): asking the originator, and the
originator's decision. Shape only; the rules are in sharing/services/onward.py."""
from __future__ import annotations

from django import forms

from sharing.forms.override import _choice, long_text


class OnwardRequestForm(forms.Form):
    items = _choice(
        "Which items do you want to share onward?", "Select the items you want to share onward", multiple=True
    )
    to_organisation = _choice(
        "Which organisation do you want to share them with?", "Select the organisation you want to share the items with"
    )
    purpose = _choice("For what purpose?", "Select the purpose from this request's protocol")
    reasons = long_text(
        label="Why do they need it?",
        short="Your reasons",
        required="Enter why you need to share the items",
    )

    def __init__(self, *args, items=(), organisations=(), purposes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [
            (item.pk, f"{item.get_fact_or_opinion_display()}: {item.text[:300]}{'…' if len(item.text) > 300 else ''}")
            for item in items
        ]
        # The widget first: a field copies its choices into the widget it has when they are set.
        self.fields["to_organisation"].widget = forms.Select(attrs={"class": "govuk-select"})
        self.fields["to_organisation"].choices = [("", "Choose an organisation")] + [
            (org.pk, org.name) for org in organisations
        ]
        self.fields["purpose"].choices = [(p.pk, p.name) for p in purposes]


class OnwardDecisionForm(forms.Form):
    APPROVE = "approve"
    DECLINE = "decline"

    outcome = forms.ChoiceField(
        label="Do you allow these items to be shared onward?",
        choices=[
            (APPROVE, "Approve: the recipient may share these items with that organisation, for that purpose"),
            (DECLINE, "Decline: nothing may be shared onward"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether you approve or decline",
            "invalid_choice": "Select whether you approve or decline",
        },
    )
    reasons = long_text(
        label="Reasons for your decision", short="Your reasons", required="Enter the reasons for your decision"
    )

    @property
    def approved(self) -> bool:
        return self.cleaned_data["outcome"] == self.APPROVE
