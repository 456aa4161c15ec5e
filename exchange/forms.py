"""Forms of the API client pages: shape only; the services check the rules."""
from __future__ import annotations

from django import forms

from exchange.models import Scope
from portal.forms.dates import DateOfBirthField
from portal.models import Organisation


class ApiClientForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Organisation it acts for",
        error_messages={"required": "Select the organisation the system acts for",
                        "invalid_choice": "Select the organisation the system acts for"},
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label="Name of the partner system", max_length=100,
                           error_messages={"required": "Enter the name of the partner system"})
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, label="What it may do", widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one scope"},
    )
    webhook_url = forms.URLField(label="Webhook address (optional)", required=False, max_length=500, assume_scheme="https",
                                 error_messages={"invalid": "Enter the webhook address starting https://"})
    rate_limit_per_minute = forms.IntegerField(
        label="Calls allowed a minute", initial=120, min_value=1, max_value=10000,
        error_messages={"required": "Enter how many calls a minute it may make",
                        "invalid": "Enter a whole number of calls a minute",
                        "min_value": "Enter a rate limit between 1 and 10000 calls a minute",
                        "max_value": "Enter a rate limit between 1 and 10000 calls a minute"},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
                             error_messages={"required": "Give the reason"})


class DistributionForm(forms.Form):
    title = forms.CharField(label="Title of the document series", max_length=200,
                            error_messages={"required": "Enter the title of the document series"})
    marking = forms.ModelChoiceField(
        queryset=None, label="Protective marking", widget=forms.RadioSelect,
        error_messages={"required": "Select the marking", "invalid_choice": "Select the marking"},
    )
    handling_rules = forms.CharField(
        label="Handling rules recipients must agree to", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000,
        error_messages={"required": "Enter the handling rules recipients must agree to"},
    )

    def __init__(self, *args, markings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["marking"].queryset = markings


class RecipientForm(forms.Form):
    recipient = forms.ModelChoiceField(
        queryset=None, label="Add a recipient",
        error_messages={"required": "Select the person to add", "invalid_choice": "Select the person to add"},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = candidates
        self.fields["recipient"].label_from_instance = (
            lambda m: f"{m.user.display_name}, {m.organisation.name} ({m.get_role_display().lower()})"
        )


class RoleRecipientForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=None, label="Organisation",
        error_messages={"required": "Select the organisation", "invalid_choice": "Select the organisation"},
    )
    role = forms.ChoiceField(
        choices=(), label="Role", widget=forms.RadioSelect,
        error_messages={"required": "Select the role that receives it", "invalid_choice": "Select the role that receives it"},
    )

    def __init__(self, *args, organisations, **kwargs):
        from exchange.models import RecipientRole

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["role"].choices = RecipientRole.choices


class IssueUploadForm(forms.Form):
    file = forms.FileField(label="Upload the next issue", required=False)


class AcknowledgeForm(forms.Form):
    agree = forms.BooleanField(
        label="I will keep to these handling rules", error_messages={"required": "Confirm you will keep to the handling rules"}
    )


class CohortForm(forms.Form):
    title = forms.CharField(label="Title of the cohort", max_length=200,
                            error_messages={"required": "Enter the cohort's title"})
    forum = forms.ModelChoiceField(queryset=None, label="Forum", widget=forms.RadioSelect,
                                   error_messages={"required": "Select the forum", "invalid_choice": "Select the forum"})
    marking = forms.ModelChoiceField(queryset=None, label="Protective marking", widget=forms.RadioSelect,
                                     error_messages={"required": "Select the marking",
                                                     "invalid_choice": "Select the marking"})

    def __init__(self, *args, pack, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forum"].queryset = pack.forums.order_by("order")
        self.fields["marking"].queryset = pack.marking_levels.order_by("order")


class MemberForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label="Add a member",
                                    error_messages={"required": "Select the person to add",
                                                    "invalid_choice": "Select the person to add"})

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = candidates
        self.fields["member"].label_from_instance = (
            lambda m: f"{m.user.display_name}, {m.organisation.name} ({m.get_role_display().lower()})"
        )


class PersonForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, error_messages={"required": "Enter the person's full name"})
    date_of_birth = DateOfBirthField(label="Date of birth", noun="Date of birth", required=False)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(choices=(), label="What the entry is about",
                             error_messages={"required": "Select what the entry is about"})
    text = forms.CharField(label="Your organisation's entry", widget=forms.Textarea(attrs={"rows": 3}), max_length=10000,
                           error_messages={"required": "Enter the entry"})

    def __init__(self, *args, **kwargs):
        from exchange.models import EntryKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose"), *EntryKind.choices]
