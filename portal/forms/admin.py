"""Forms for the partnership admin's pages. They check the shape of what was typed (present,
the right type, the right length); the rules (unique names, password strength, who may end
which membership) are checked by portal.services.accounts, whose errors the views show here."""

from __future__ import annotations

from django import forms

from portal.forms.dates import PAST, date_bounds
from portal.models import Organisation, OrganisationKind, StatutoryStanding
from portal.roles import Role

INPUT = "govuk-input"
SELECT = "govuk-select"
TEXTAREA = "govuk-textarea"


def _text(label: str, *, required: bool = True, max_length: int = 200, width: str = "", **kwargs) -> forms.CharField:
    css = f"{INPUT} govuk-input--width-{width}" if width else INPUT
    kwargs.setdefault("error_messages", {"required": f"Enter {label[0].lower() + label[1:]}"})
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.TextInput(attrs={"class": css}),
        **kwargs,
    )


def _select(label: str, choices, *, error: str, empty: str = "Select an option") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", empty), *choices],
        error_messages={"required": error, "invalid_choice": error},
        widget=forms.Select(attrs={"class": SELECT}),
    )


def _too_long(label: str, max_length: int) -> dict:
    return {"max_length": f"{label} must be {max_length} characters or fewer"}


class OrganisationForm(forms.Form):
    name = _text("Name", error_messages={"required": "Enter the organisation's name", **_too_long("Name", 200)})
    kind = _select("Kind of organisation", OrganisationKind.choices, error="Select the kind of organisation")
    standing = _select(
        "Statutory standing", StatutoryStanding.choices, error="Select the organisation's statutory standing"
    )
    ico_registration = _text(
        "ICO registration number",
        required=False,
        max_length=20,
        width="10",
        error_messages=_too_long("ICO registration number", 20),
    )
    signed_protocol_on = forms.DateField(
        label="Date it signed the information sharing protocol",
        required=False,
        # The page shows a browser date picker, which sends ISO dates; the others are for people
        # typing into a browser without one.
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"],
        error_messages={"invalid": "Enter the date it signed as a real date, for example 27/3/2024"},
        validators=[date_bounds(PAST, "The date it signed")],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"class": f"{INPUT} govuk-input--width-10"}),
    )
    safeguarding_route = forms.CharField(
        label="How its staff raise a safeguarding concern",
        required=False,
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": 4}),
    )

    @classmethod
    def initial_from(cls, organisation: Organisation) -> dict:
        return {name: getattr(organisation, name) for name in cls.base_fields}


class PartnershipJoinForm(forms.Form):
    """An organisation already in the portal (a partner of another partnership) joins the admin's."""

    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Select an organisation",
        error_messages={
            "required": "Select the organisation that joins the partnership",
            "invalid_choice": "Select an organisation from the list",
        },
        widget=forms.Select(attrs={"class": SELECT}),
    )
    standing = OrganisationForm.base_fields["standing"]
    signed_protocol_on = OrganisationForm.base_fields["signed_protocol_on"]

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            partnership_places__partnership=partnership
        ).order_by("name")


class SuspendSharingForm(forms.Form):
    reason = forms.CharField(
        label="Why is sharing with this organisation suspended?",
        max_length=2000,
        error_messages={"required": "Enter why sharing with this organisation is suspended"},
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": 4}),
    )


class UserDetailsForm(forms.Form):
    username = _text(
        "Username",
        max_length=150,
        width="20",
        error_messages={"required": "Enter a username", **_too_long("Username", 150)},
    )
    first_name = _text("First name", max_length=150, error_messages={"required": "Enter the first name"})
    last_name = _text("Last name", max_length=150, error_messages={"required": "Enter the last name"})
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"class": INPUT, "autocomplete": "off", "spellcheck": "false"}),
    )
    job_title = _text("Job title", required=False, error_messages=_too_long("Job title", 200))

    @classmethod
    def initial_from(cls, user) -> dict:
        return {name: getattr(user, name) for name in UserDetailsForm.base_fields}


def _password_field(label: str, required_message: str) -> forms.CharField:
    # Passwords are never sent back to the browser, even when the form is shown again.
    return forms.CharField(
        label=label,
        strip=False,
        max_length=4096,
        error_messages={"required": required_message},
        widget=forms.PasswordInput(attrs={"class": INPUT, "autocomplete": "new-password"}),
    )


class UserCreateForm(UserDetailsForm):
    password = _password_field("Password", "Enter a password")


class PasswordForm(forms.Form):
    password = _password_field("New password", "Enter a new password")
    password_confirm = _password_field("Confirm the new password", "Enter the new password again")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", "The passwords do not match")
        return data


class MembershipAddForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.order_by("name"),
        empty_label="Select an organisation",
        error_messages={"required": "Select an organisation", "invalid_choice": "Select an organisation"},
        widget=forms.Select(attrs={"class": SELECT}),
    )
    role = _select("Role", Role.choices, error="Select a role", empty="Select a role")

    def __init__(self, *args, partnership, **kwargs):
        """Roles are given in the admin's partnership's organisations only."""
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            partnership_places__partnership=partnership
        ).order_by("name")


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=255, error_messages={"required": "Enter the username to unlock"})
    # Where the button was pressed: the user's page, or (empty) the list of locked accounts.
    user = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class UserSearchForm(forms.Form):
    q = forms.CharField(label="Search by username, name or email", required=False, max_length=200)
