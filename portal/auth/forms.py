from django import forms
from django.contrib.auth import authenticate


class SignInForm(forms.Form):
    username = forms.CharField(max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(
        max_length=4096, strip=False, widget=forms.PasswordInput, error_messages={"required": "Enter your password"}
    )

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        self.user = authenticate(self.request, username=data["username"], password=data["password"])
        if self.user is None or not self.user.is_active:
            raise forms.ValidationError("Enter a correct username and password", code="invalid_login")
        return data


class OrganisationSignInForm(forms.Form):
    """The address that tells which organisation's provider signs someone in."""

    email = forms.EmailField(
        label="Your work email address",
        max_length=254,
        error_messages={
            "required": "Enter your work email address",
            "invalid": "Enter an email address in the correct format, like name@organisation.gov.uk",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "organisation")
        super().__init__(*args, **kwargs)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        max_length=20,
        error_messages={"required": "Enter the security code"},
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isalnum():
            raise forms.ValidationError("Enter the 6-digit code from your app, or one of your backup codes")
        return code


class PasswordChangeForm(forms.Form):
    """Shape only: the rules (the current password, the validators) are the service's."""

    current_password = forms.CharField(
        label="Current password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your current password"},
    )
    new_password = forms.CharField(
        label="New password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a new password"},
    )
    new_password_confirm = forms.CharField(
        label="Confirm the new password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the new password again"},
    )

    def clean(self):
        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password_confirm")
        if new and again and new != again:
            self.add_error("new_password_confirm", "The new passwords do not match")
        return data


class NotificationChoiceForm(forms.Form):
    delivery = forms.ChoiceField(
        label="How do you want to get email notifications?",
        choices=[
            ("each", "Each one as it happens"),
            ("digest", "One summary a day, at 07:30"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you want to get email notifications",
                        "invalid_choice": "Choose how you want to get email notifications"},
    )
