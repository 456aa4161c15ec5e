from django import forms

from portal.accountability.registry import decision_events
from portal.models import Organisation


class DecisionLogFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), required=False, empty_label="All organisations"
    )
    action = forms.ChoiceField(required=False)
    reference = forms.CharField(required=False, max_length=64, label="Request reference")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput())
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "All actions"), *decision_events().items()]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return data
