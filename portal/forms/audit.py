"""Filter forms of the auditors' log pages. Shape only: every field optional, a date range in
order, a username that exists."""
from django import forms

from portal.accountability.registry import decision_events
from portal.models import Organisation, User
from portal.models.accountability import AccessKind


class _LogFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), required=False, empty_label="All organisations"
    )
    user = forms.CharField(
        required=False,
        max_length=150,
        label="Username",
        help_text="The username of the person who acted, as they sign in with it",
    )
    reference = forms.CharField(required=False, max_length=64, label="Reference")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput())
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput())

    def clean_user(self):
        # A text box, not a list of everyone who appears: that list would cost a scan of the log.
        username = self.cleaned_data["user"].strip()
        if not username:
            return None
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise forms.ValidationError("There is no user with that username")
        return user

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return data

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) for each filter in use, for exports."""
        if not self.is_bound or not self.is_valid():
            return []
        items = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if not value:
                continue
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                value = dict(field.choices).get(value, value)
            elif isinstance(value, User):
                value = f"{value.display_name} ({value.username})"
            items.append((str(field.label or name).capitalize(), str(value)))
        return items


class DecisionLogFilterForm(_LogFilterForm):
    action = forms.ChoiceField(required=False)
    field_order = ["organisation", "user", "action", "reference", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reference"].label = "Request reference"
        self.fields["action"].choices = [("", "All actions"), *decision_events().items()]


class AccessLogFilterForm(_LogFilterForm):
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *AccessKind.choices], label="Kind")
    field_order = ["organisation", "user", "kind", "reference", "date_from", "date_to"]
