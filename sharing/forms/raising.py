"""Forms of the requesting officer's journey. They check the shape of what was typed (present,
the right type, not too long, one of the choices offered); the rules (a gateway the holding
organisation may rely on, dates in the past or future, what is needed before submitting) are
checked by sharing.services.raising, whose errors the views put back on these forms.

Choices come from the request's own protocol pack, and the legal gateways offered are only
those the holding organisation's kind may rely on (SSP Appendix 1): anything else posted is an
invalid choice here, and refused again by the service.
"""

from __future__ import annotations

from django import forms

from portal.forms.dates import NEEDED_BY, DateBounds, DateOfBirthField, date_bounds
from portal.models import LawfulBasisCategory, Organisation, PartnershipMember, SubjectRole
from sharing.models import DisclosureRequest, Urgency, YesNo
from sharing.services import raising as services

TEXTAREA = "govuk-textarea"
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"]
# Beyond this many partners a select is easier to use than radios.
MAX_RADIOS = 10


def _too_long(label: str, max_length: int) -> dict:
    return {"max_length": f"{label} must be {max_length:,} characters or fewer"}


def _textarea(label: str, *, max_length: int, required: bool, required_message: str = "", rows: int = 5):
    messages = _too_long(label, max_length)
    if required_message:
        messages["required"] = required_message
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages=messages,
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": rows}),
    )


def _date(
    label: str, *, bounds: DateBounds, noun: str, required: bool, invalid: str, required_message: str = ""
) -> forms.DateField:
    messages = {"invalid": invalid}
    if required_message:
        messages["required"] = required_message
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        error_messages=messages,
        validators=[date_bounds(bounds, noun)],
        widget=forms.DateInput(format="%Y-%m-%d"),
    )


def _yes_no(label: str, *, error: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YesNo.choices,
        coerce=lambda value: value == YesNo.YES,
        empty_value=None,
        error_messages={"required": error, "invalid_choice": error},
        widget=forms.RadioSelect,
    )


def _yes_no_initial(value: bool | None) -> str | None:
    return None if value is None else (YesNo.YES if value else YesNo.NO)


class HoldingChoiceField(forms.ModelChoiceField):
    """A holding organisation in one partnership: a `PartnershipMember`. Named with its
    partnership when the requester takes part in more than one, so the protocol is chosen with it."""

    def __init__(self, *args, **kwargs):
        self.several_partnerships = False
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: PartnershipMember) -> str:
        name = obj.organisation.name
        if self.several_partnerships:
            name = f"{name} ({obj.partnership.name})"
        # Said up front, so nobody fills in a request that will be refused (SSP 13.3).
        if obj.sharing_suspended:
            return f"{name} (sharing suspended)"
        if not obj.has_signed:
            return f"{name} (has not signed the protocol)"
        return name


class RaiseStartForm(forms.Form):
    holding_organisation = HoldingChoiceField(
        label="Which organisation holds the information?",
        queryset=PartnershipMember.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Select the organisation that holds the information",
            "invalid_choice": "Select the organisation that holds the information",
        },
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, requesting_organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["holding_organisation"]
        partnerships = PartnershipMember.objects.filter(organisation=requesting_organisation).values("partnership")
        field.queryset = (
            PartnershipMember.objects.filter(partnership__in=partnerships)
            .exclude(organisation=requesting_organisation)
            .select_related("organisation", "partnership")
            .order_by("organisation__name", "partnership__name")
        )
        field.several_partnerships = len({member.partnership_id for member in field.queryset}) > 1
        if field.queryset.count() > MAX_RADIOS:
            field.empty_label = "Select an organisation"
            field.widget = forms.Select()
            field.widget.choices = field.choices


class SubjectForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=services.MAX_NAME,
        error_messages={"required": "Enter the person's full name", **_too_long("Full name", services.MAX_NAME)},
    )
    aliases = forms.CharField(
        label="Other names they are known by",
        required=False,
        max_length=services.MAX_ALIASES,
        error_messages=_too_long("Other names", services.MAX_ALIASES),
    )
    date_of_birth = DateOfBirthField(label="Date of birth", noun="Date of birth", required=False)
    address = _textarea("Address", max_length=services.MAX_ADDRESS, required=False, rows=3)
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=20,
        error_messages={"max_length": "Enter a valid NHS number: 10 digits, like 943 476 5919"},
    )
    role = forms.ChoiceField(
        label="What is their role in the matter?",
        choices=SubjectRole.choices,
        error_messages={"required": "Select the person's role", "invalid_choice": "Select the person's role"},
        widget=forms.RadioSelect,
    )

    def clean_nhs_number(self) -> str:
        value = services.nhs_number_normalise(self.cleaned_data["nhs_number"])
        if value and not services.nhs_number_is_valid(value):
            raise forms.ValidationError("Enter a valid NHS number: 10 digits, like 943 476 5919")
        return value

    @classmethod
    def initial_from(cls, link) -> dict:
        subject = link.subject
        return {
            "full_name": subject.full_name,
            "aliases": subject.aliases,
            "date_of_birth": subject.date_of_birth,
            "address": subject.address,
            "nhs_number": subject.nhs_number,
            "role": link.role,
        }


class ThirdPartiesForm(forms.Form):
    third_parties = _textarea("Third parties named", max_length=services.MAX_THIRD_PARTIES, required=False, rows=4)


class NamedChoiceField(forms.ModelChoiceField):
    """Choices from the protocol pack, shown by their names rather than their codes."""

    def label_from_instance(self, obj) -> str:
        return obj.name


class LawfulBasesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.reference}: {obj.name}"


# Which lawful bases must be chosen, said next to each group (checked at submit).
LAWFUL_BASIS_HINTS = {
    LawfulBasisCategory.ART6: "Select at least one.",
    LawfulBasisCategory.ART9: "Needed when the request involves special category data (for example health).",
    LawfulBasisCategory.DPA_SCH1: "Needed when the request involves criminal offence data.",
}


class PurposeForm(forms.Form):
    purpose = NamedChoiceField(
        label="What is the purpose of the request?",
        queryset=None,
        empty_label=None,
        error_messages={
            "required": "Select the purpose of the request",
            "invalid_choice": "Select the purpose of the request",
        },
        widget=forms.RadioSelect,
    )
    forum = NamedChoiceField(
        label="Forum",
        queryset=None,
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Select a forum from the list"},
    )
    legal_gateway = NamedChoiceField(
        label="Legal gateway",
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, request: DisclosureRequest, **kwargs):
        super().__init__(*args, **kwargs)
        pack = request.protocol_pack
        holding = request.holding_organisation
        self.fields["purpose"].queryset = pack.purposes.order_by("order")
        self.fields["forum"].queryset = pack.forums.order_by("order")
        gateway = self.fields["legal_gateway"]
        gateway.queryset = services.gateways_for(pack=pack, holding=holding)
        gateway.label = f"Which legal gateway allows {holding.name} to share it?"
        message = f"Select a legal gateway that {holding.name} may rely on"
        gateway.error_messages = {**gateway.error_messages, "required": message, "invalid_choice": message}
        self.basis_fields: list[tuple[str, str, str]] = []  # (field name, legend, hint)
        bases = list(pack.lawful_bases.order_by("order"))
        for category in LawfulBasisCategory:
            if not any(b.category == category for b in bases):
                continue
            name = f"lawful_bases_{category.value}"
            self.fields[name] = LawfulBasesField(
                label=category.label,
                queryset=pack.lawful_bases.filter(category=category).order_by("order"),
                required=False,
                error_messages={
                    "invalid_choice": "Select lawful bases from the list",
                    "invalid_pk_value": "Select lawful bases from the list",
                    "invalid_list": "Select lawful bases from the list",
                },
                widget=forms.CheckboxSelectMultiple,
            )
            self.basis_fields.append((name, category.label, LAWFUL_BASIS_HINTS.get(category, "")))

    @classmethod
    def initial_from(cls, request: DisclosureRequest) -> dict:
        initial = {"purpose": request.purpose_id, "forum": request.forum_id, "legal_gateway": request.legal_gateway_id}
        for basis in request.lawful_bases.all():
            initial.setdefault(f"lawful_bases_{basis.category}", []).append(basis.pk)
        return initial

    def lawful_bases(self) -> list:
        chosen = []
        for name, _legend, _hint in self.basis_fields:
            chosen.extend(self.cleaned_data.get(name) or [])
        return chosen

    def basis_groups(self) -> list[tuple]:
        return [(self[name], legend, hint) for name, legend, hint in self.basis_fields]


class InformationForm(forms.Form):
    information_requested = _textarea(
        "What information are you asking for?",
        max_length=services.MAX_INFORMATION,
        required=True,
        required_message="Enter exactly what information you are asking for",
        rows=8,
    )
    special_category = _yes_no(
        "Does it involve special category data, such as health, ethnicity or sexual life?",
        error="Select yes if the request involves special category data",
    )
    criminal_offence_data = _yes_no(
        "Does it involve criminal offence data?", error="Select yes if the request involves criminal offence data"
    )
    victim_witness_information = _yes_no(
        "Does it involve information about victims or witnesses?",
        error="Select yes if the request involves information about victims or witnesses",
    )
    sub_judice = _yes_no(
        "Is the matter under investigation or prosecution?",
        error="Select yes if the matter is under investigation or prosecution",
    )

    @classmethod
    def initial_from(cls, request: DisclosureRequest) -> dict:
        return {
            "information_requested": request.information_requested,
            "special_category": _yes_no_initial(request.special_category),
            "criminal_offence_data": _yes_no_initial(request.criminal_offence_data),
            "victim_witness_information": _yes_no_initial(request.victim_witness_information),
            "sub_judice": _yes_no_initial(request.sub_judice),
        }


class UrgencyForm(forms.Form):
    urgency = forms.ChoiceField(
        label="How urgent is the request?",
        choices=Urgency.choices,
        error_messages={
            "required": "Select how urgent the request is",
            "invalid_choice": "Select how urgent the request is",
        },
        widget=forms.RadioSelect,
    )
    needed_by = _date(
        "When do you need the information by?",
        bounds=NEEDED_BY,
        noun="The date you need it by",
        required=True,
        invalid="Enter the date you need it by as a real date, for example 27/3/2030",
        required_message="Enter the date you need the information by",
    )

    @classmethod
    def initial_from(cls, request: DisclosureRequest) -> dict:
        return {"urgency": request.urgency or None, "needed_by": request.needed_by}


class ChecklistForm(forms.Form):
    """All the pack's Appendix 2 questions on one page: a yes/no and a reason for each. Leaving a
    question unanswered is allowed here (the draft is saved); an answer without its reason, or a
    reason without an answer, is not."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"answer_{question.pk}"] = forms.ChoiceField(
                label=f"{question.number}. {question.text}",
                choices=YesNo.choices,
                required=False,
                error_messages={"invalid_choice": f"Answer question {question.number} yes or no"},
                widget=forms.RadioSelect,
            )
            self.fields[f"reason_{question.pk}"] = forms.CharField(
                label="Your reason",
                required=False,
                max_length=services.MAX_REASON,
                error_messages=_too_long(f"Your reason for question {question.number}", services.MAX_REASON),
                widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": 3}),
            )

    @staticmethod
    def initial_from(answers) -> dict:
        initial = {}
        for answer in answers:
            initial[f"answer_{answer.question_id}"] = answer.answer
            initial[f"reason_{answer.question_id}"] = answer.reason
        return initial

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            answer_name, reason_name = f"answer_{question.pk}", f"reason_{question.pk}"
            if answer_name in self.errors or reason_name in self.errors:
                continue
            answer, reason = cleaned.get(answer_name), (cleaned.get(reason_name) or "").strip()
            if answer and not reason:
                self.add_error(reason_name, f"Give your reason for your answer to question {question.number}")
            elif reason and not answer:
                self.add_error(answer_name, f"Answer question {question.number} yes or no")
        return cleaned

    def answers(self) -> dict[int, tuple[str, str]]:
        """question id -> (answer, reason), for the questions answered."""
        chosen = {}
        for question in self.questions:
            answer = self.cleaned_data.get(f"answer_{question.pk}")
            if answer:
                chosen[question.pk] = (answer, self.cleaned_data.get(f"reason_{question.pk}", ""))
        return chosen

    def rows(self) -> list[tuple]:
        return [(q, self[f"answer_{q.pk}"], self[f"reason_{q.pk}"]) for q in self.questions]


class WithdrawForm(forms.Form):
    reason = _textarea(
        "Why are you withdrawing the request?",
        max_length=services.MAX_REASON,
        required=True,
        required_message="Enter why you are withdrawing the request",
        rows=4,
    )


class AnswerForm(forms.Form):
    answer = _textarea(
        "Your answer",
        max_length=services.MAX_ANSWER,
        required=True,
        required_message="Enter the information you were asked for",
        rows=8,
    )
