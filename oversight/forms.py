"""The monitoring report's filters: shape only (a period that exists, a range in order, codes
from the pack in force)."""
from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from portal.models import Organisation, ProtocolPack
from portal.text import text_problem

PERIODS = [
    ("last_12_months", "The last 12 months"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("this_year", "This year"),
    ("last_year", "Last year"),
    ("range", "Dates I choose"),
]
ORGANISATION_AS = [("either", "As requester or holder"), ("requester", "As requester"), ("holder", "As holder")]


def _quarter_start(day: date) -> date:
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def _month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def period_dates(period: str, *, today: date | None = None) -> tuple[date, date]:
    """First and last day (inclusive) of a named period."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    if period == "this_month":
        return month, today
    if period == "last_month":
        start = _month_before(today)
        return start, month - timedelta(days=1)
    if period == "this_quarter":
        return _quarter_start(today), today
    if period == "last_quarter":
        this_start = _quarter_start(today)
        start = _quarter_start(this_start - timedelta(days=1))
        return start, this_start - timedelta(days=1)
    if period == "this_year":
        return today.replace(month=1, day=1), today
    if period == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    # the last 12 months: the 11 whole months before this one and this month so far
    start = month
    for _ in range(11):
        start = _month_before(start)
    return start, today


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, initial="last_12_months", required=False, label="Period")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput())
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput())
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False, empty_label="All organisations")
    organisation_as = forms.ChoiceField(choices=ORGANISATION_AS, required=False, label="The organisation's part")
    forum = forms.ChoiceField(required=False, label="Forum")
    purpose = forms.ChoiceField(required=False, label="Purpose")
    gateway = forms.ChoiceField(required=False, label="Legal gateway")
    marking = forms.ChoiceField(required=False, label="Marking of the release")

    def __init__(self, *args, organisations, pack: ProtocolPack | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        items = {
            "forum": pack.forums.order_by("order").values_list("code", "name") if pack else [],
            "purpose": pack.purposes.order_by("order").values_list("code", "name") if pack else [],
            "gateway": pack.legal_gateways.order_by("order").values_list("code", "name") if pack else [],
            "marking": pack.marking_levels.order_by("order").values_list("code", "name") if pack else [],
        }
        alls = {"forum": "All forums", "purpose": "All purposes", "gateway": "All gateways", "marking": "All markings"}
        for name, choices in items.items():
            self.fields[name].choices = [("", alls[name]), *[(code, label[:120]) for code, label in choices]]

    def clean(self):
        data = super().clean()
        period = data.get("period") or "last_12_months"
        data["period"] = period
        if period == "range":
            if not data.get("date_from") and "date_from" not in self.errors:
                self.add_error("date_from", "Enter the first day of the period")
            if not data.get("date_to") and "date_to" not in self.errors:
                self.add_error("date_to", "Enter the last day of the period")
            if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
                self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        data["organisation_as"] = data.get("organisation_as") or "either"
        return data

    def dates(self) -> tuple[date, date]:
        data = self.cleaned_data
        if data["period"] == "range":
            return data["date_from"], data["date_to"]
        return period_dates(data["period"])

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) for each filter in use, for the exports' headings."""
        first, last = self.dates()
        items = [("Period", f"{first:%d/%m/%Y} to {last:%d/%m/%Y}")]
        data = self.cleaned_data
        if data.get("organisation"):
            part = dict(ORGANISATION_AS)[data["organisation_as"]].lower()
            items.append(("Organisation", f"{data['organisation'].name} ({part})"))
        for name in ("forum", "purpose", "gateway", "marking"):
            if data.get(name):
                items.append((str(self.fields[name].label), dict(self.fields[name].choices).get(data[name], data[name])))
        return items


MAX_PACK_BYTES = 2 * 1024 * 1024


class PackUploadForm(forms.Form):
    pack_file = forms.FileField(
        label="The new version's YAML file", help_text="A protocol pack, as manage.py load_protocol takes (at most 2 MB)"
    )

    def clean_pack_file(self):
        upload = self.cleaned_data["pack_file"]
        if upload.size > MAX_PACK_BYTES:
            raise forms.ValidationError("The file must be smaller than 2 MB")
        try:
            return upload.name, upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file must be UTF-8 text (a YAML protocol pack)") from None


class ApprovalForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Note for the record",
        help_text="For example, the meeting or delegation under which you approve it",
    )

    def clean_note(self):
        text, problem = text_problem(self.cleaned_data["note"], label="The note", max_length=2000)
        if problem:
            raise forms.ValidationError(problem)
        return text


class SignatureForm(forms.Form):
    signatory_name = forms.CharField(max_length=200, label="The signatory's full name")
    signatory_title = forms.CharField(max_length=300, label="The signatory's job title")
    confirm = forms.BooleanField(
        label="The signatory has read the protocol and signs it on behalf of the organisation (SDP Appendix 2)"
    )

    def clean(self):
        data = super().clean()
        for name, label in (("signatory_name", "The name"), ("signatory_title", "The job title")):
            if name in data:
                text, problem = text_problem(data[name], label=label, max_length=300, missing=f"Enter {label.lower()}")
                if problem:
                    self.add_error(name, problem)
                else:
                    data[name] = text
        return data


class WithdrawForm(forms.Form):
    """Withdrawing a proposed version: the reason goes in the decision log (shape only here; the
    service checks it again and decides who may)."""

    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), label="Why is this version withdrawn?",
        help_text="For example, what the review found that the uploaded version gets wrong. Do not include personal data.",
        error_messages={"required": "Enter why the version is withdrawn", "max_length": "The reason must be 2,000 characters or fewer"},
    )

    def clean_reason(self):
        text, problem = text_problem(self.cleaned_data["reason"], label="The reason", max_length=2000, missing="Enter why the version is withdrawn")
        if problem:
            raise forms.ValidationError(problem)
        return text
