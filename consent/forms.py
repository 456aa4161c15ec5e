"""Forms of the consent pages. They check shape only (present, the right type, one of the
choices offered, not absurdly long); the rules (dates, who gave it, reasons explained, items) are
checked by consent.services, whose errors the views put back on these fields."""
from __future__ import annotations

from django import forms

from consent import services
from consent.models import GivenBy
from portal.forms.dates import FUTURE, PAST, DateBounds, DateOfBirthField, date_bounds
from portal.models import Organisation, Purpose
from portal.uploads import ACCEPT_ATTRIBUTE, ACCEPTED, max_upload_bytes, size_label

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"]
YES, NO = "yes", "no"
# Generous shape limits: the services say what is too long in words.
MAX_ITEMS_TEXT = services.MAX_ITEMS * (services.MAX_ITEM + 2)


def _too_long(label: str, max_length: int) -> dict:
    return {"max_length": f"{label} must be {max_length:,} characters or fewer"}


def _date(
    label: str,
    *,
    bounds: DateBounds,
    noun: str,
    required: bool,
    invalid: str,
    required_message: str = "",
    help_text: str = "",
):
    messages = {"invalid": invalid}
    if required_message:
        messages["required"] = required_message
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        error_messages=messages,
        help_text=help_text,
        validators=[date_bounds(bounds, noun)],
        widget=forms.DateInput(format="%Y-%m-%d"),
    )


def _text(label: str, *, max_length: int, required: bool = True, required_message: str = "", textarea=False, rows=3,
          help_text: str = ""):
    messages = _too_long(label, max_length)
    if required_message:
        messages["required"] = required_message
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages=messages,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}) if textarea else forms.TextInput(),
    )


class _NeededSometimes:
    """A field needed for some answers only: labelled without "(optional)", may be left empty
    here; the service says when it was needed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = True

    def validate(self, value):
        if value in self.empty_values:
            return
        super().validate(value)


class SometimesCharField(_NeededSometimes, forms.CharField):
    pass


class OrganisationsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class PurposesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Purpose) -> str:
        return obj.name


class ConsentRecordForm(forms.Form):
    """SSP Appendix 5, question by question. `subject` is the person chosen before the form was
    opened (hidden); without one, the person's details are typed in."""

    use_required_attribute = False

    subject = forms.IntegerField(required=False, widget=forms.HiddenInput)
    full_name = _text(
        "Full name", max_length=services.MAX_NAME,
        required_message="Enter the full name of the person the information is about",
    )
    date_of_birth = DateOfBirthField(label="Date of birth", noun="Date of birth", required=False)
    address = _text("Address", max_length=services.MAX_ADDRESS, required=False, textarea=True)

    given_by = forms.ChoiceField(
        label="Who gave the consent?",
        choices=GivenBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who gave the consent", "invalid_choice": "Select who gave the consent"},
    )
    given_by_description = SometimesCharField(
        label="How do they act for the person?",
        max_length=services.MAX_DESCRIPTION,
        help_text="Needed if someone else acting for them gave it, for example “advocate appointed by the court”.",
        error_messages=_too_long("How they act for the person", services.MAX_DESCRIPTION),
    )
    signatory_name = SometimesCharField(
        label="Name of the person who gave consent for them",
        max_length=services.MAX_NAME,
        help_text="Needed if a parent, guardian, carer or someone else gave it.",
        error_messages=_too_long("Their name", services.MAX_NAME),
    )
    signatory_address = _text(
        "Their address", max_length=services.MAX_ADDRESS, required=False, textarea=True,
        help_text="If a parent, guardian, carer or someone else gave it.",
    )
    signatory_date_of_birth = DateOfBirthField(
        label="Their date of birth", noun="Their date of birth", required=False,
        help_text="If a parent, guardian, carer or someone else gave it. For example, 27 3 1970",
    )
    reasons_explained = forms.ChoiceField(
        label="Were the reasons for asking for consent explained to them?",
        choices=[(YES, "Yes"), (NO, "No")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether the reasons for asking for consent were explained",
            "invalid_choice": "Say whether the reasons for asking for consent were explained",
        },
    )
    disclosers = OrganisationsField(
        label="Which organisations may disclose the information?",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="“I give …”: leave empty if any partner holding the information may disclose it.",
        error_messages={"invalid_choice": "Select organisations from the list", "invalid_pk_value": "Select organisations from the list"},
    )
    recipients = OrganisationsField(
        label="Which organisations may it be disclosed to?",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the organisations the information may be disclosed to",
            "invalid_choice": "Select organisations from the list",
            "invalid_pk_value": "Select organisations from the list",
        },
    )
    purposes = PurposesField(
        label="For which purposes?",
        queryset=Purpose.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the purposes the consent covers",
            "invalid_choice": "Select purposes from the list",
            "invalid_pk_value": "Select purposes from the list",
        },
    )
    information_items = _text(
        "What information does the consent apply to?",
        max_length=MAX_ITEMS_TEXT,
        textarea=True,
        rows=5,
        required_message="Enter the information this consent applies to, one item a line",
        help_text="One item a line, as written on the form, for example “Anti-social behaviour complaints about my address”.",
    )
    given_on = _date(
        "Date consent was given", bounds=PAST, noun="The date consent was given", required=True, invalid="Enter the date consent was given as a real date",
        required_message="Enter the date consent was given",
    )
    witness_name = _text(
        "Witnessed by (name)", max_length=services.MAX_NAME,
        required_message="Enter the name of the requesting officer who witnessed the consent",
    )
    witness_position = _text(
        "Witness's position", max_length=services.MAX_POSITION,
        required_message="Enter the position of the officer who witnessed the consent",
    )
    witnessed_on = _date(
        "Date witnessed", bounds=PAST, noun="The date it was witnessed", required=True, invalid="Enter the date it was witnessed as a real date",
        required_message="Enter the date the consent was witnessed",
    )
    expires_on = _date(
        "Expiry date", bounds=FUTURE, noun="The expiry date", required=False, invalid="Enter the expiry date as a real date",
        help_text="Leave empty if the consent does not expire.",
    )
    scan = forms.FileField(
        label="Scan of the signed form",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=f"A {ACCEPTED} file, up to {size_label(max_upload_bytes())}. You can add it later.",
        error_messages={"invalid": "The scan could not be read: choose the file again", "empty": "The scan is empty"},
    )

    def __init__(self, *args, pack, has_subject: bool, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name")
        self.fields["disclosers"].queryset = organisations
        self.fields["recipients"].queryset = organisations
        self.fields["purposes"].queryset = pack.purposes.order_by("order") if pack else Purpose.objects.none()
        self.has_subject = has_subject
        if has_subject:
            for name in ("full_name", "date_of_birth", "address"):
                del self.fields[name]

    @property
    def reasons_were_explained(self) -> bool | None:
        value = self.cleaned_data.get("reasons_explained")
        return None if not value else value == YES


class WithdrawForm(forms.Form):
    use_required_attribute = False

    withdrawn_on = _date(
        "When did they withdraw their consent?",
        bounds=PAST,
        noun="The date they withdrew consent",
        required=True,
        invalid="Enter the date they withdrew consent as a real date, for example 27/3/2026",
        required_message="Enter the date the consent was withdrawn",
    )
    how_communicated = _text(
        "How did they tell you?",
        max_length=services.MAX_HOW,
        textarea=True,
        required_message="Say how the person told you they withdrew their consent",
        help_text="For example: in person at the station, by phone to the housing office, in a letter dated …",
    )


class ScanForm(forms.Form):
    use_required_attribute = False

    scan = forms.FileField(
        label="Scan of the signed form",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=f"A {ACCEPTED} file, up to {size_label(max_upload_bytes())}.",
        error_messages={
            "required": "Choose the scan of the signed form",
            "invalid": "The scan could not be read: choose the file again",
            "empty": "The scan is empty",
        },
    )


class ConsentSearchForm(forms.Form):
    q = forms.CharField(label="Search by reference or the person's name", required=False, max_length=200)

    def query(self) -> str:
        if self.is_valid():
            return self.cleaned_data["q"]
        return ""
