"""Forms of the breach pages: the shape of what was typed; the rules are the services'."""
from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.utils import timezone

from governance.models import DataCategory, IcoDecision
from portal.forms.dates import PAST, date_bounds

TEXT_MAX = 5000
LONG_TEXT_MAX = 20_000
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M"]


class TimeInput(forms.TimeInput):
    input_type = "time"


def _date(label: str, noun: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text="For example, 27/03/2026",
        error_messages={"required": f"Enter the date {noun}", "invalid": "Enter a real date, like 27/03/2026"},
        validators=[date_bounds(PAST, "The date")],
    )


def _time(label: str, noun: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        help_text="24-hour clock, for example 14:30",
        widget=TimeInput(format="%H:%M"),
        input_formats=TIME_FORMATS,
        error_messages={"required": f"Enter the time {noun}", "invalid": "Enter a time like 14:30"},
    )


def _textarea(label: str, message: str, *, max_length: int = TEXT_MAX, required: bool = True, help_text: str = ""):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        strip=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": message, "max_length": f"{label} must be {max_length:,} characters or fewer"},
    )


def _moment(form: forms.Form, cleaned: dict, date_field: str, time_field: str) -> datetime.datetime | None:
    day, time = cleaned.get(date_field), cleaned.get(time_field)
    if not (day and time):
        return None
    zone = zoneinfo.ZoneInfo(str(timezone.get_current_timezone()))
    naive = datetime.datetime.combine(day, time)
    moment = naive.replace(tzinfo=zone)
    if moment.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        form.add_error(time_field, "That time does not exist on that date (the clocks change): enter another time")
        return None
    return moment


def _multiple(label: str, noun: str) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": f"Choose {noun} from the list"},
    )


class BreachReportForm(forms.Form):
    what_happened = _textarea(
        "What happened?",
        "Enter what happened, without naming anyone",
        help_text="Do not name anyone: link the people it is about below.",
    )
    happened_date = _date("Date it happened", "it happened")
    happened_time = _time("Time it happened", "it happened")
    discovered_date = _date("Date it was discovered", "it was discovered")
    discovered_time = _time("Time it was discovered", "it was discovered")
    occurred_organisation = forms.TypedChoiceField(
        label="Which organisation's staff were involved?",
        coerce=int,
        help_text="Its data protection officer handles the breach.",
        error_messages={
            "required": "Choose the organisation whose staff were involved",
            "invalid_choice": "Choose the organisation from the list",
        },
    )
    data_categories = forms.MultipleChoiceField(
        label="What kinds of information are involved?",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose the kinds of information involved",
            "invalid_choice": "Choose the kinds of information from the list",
        },
    )
    people_affected = forms.IntegerField(
        label="Roughly how many people's information is involved?",
        min_value=1,
        max_value=10_000_000,
        error_messages={
            "required": "Enter roughly how many people's information is involved",
            "invalid": "Enter a whole number, like 12",
            "min_value": "The number of people must be 1 or more",
            "max_value": "The number of people must be 10,000,000 or fewer",
        },
    )
    requests = _multiple("Requests it touches", "requests")
    releases = _multiple("Released information it touches", "releases")
    meetings = _multiple("Meetings it touches", "meetings")
    subjects = _multiple("People it is about", "people")

    def __init__(self, *args, organisations=(), links=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_organisation"].choices = [("", "Choose an organisation")] + [
            (o.pk, o.name) for o in organisations
        ]
        if links is not None:
            self.fields["requests"].choices = [(r.pk, r.reference) for r in links.requests]
            self.fields["releases"].choices = [
                (d.pk, f"{d.request.reference}: {d.get_outcome_display().lower()} by {d.organisation.name}, "
                       f"{timezone.localtime(d.decided_at):%d/%m/%Y}")
                for d in links.releases
            ]
            self.fields["meetings"].choices = [
                (m.pk, f"{m.reference}: {m.title}, {timezone.localtime(m.starts_at):%d/%m/%Y %H:%M}") for m in links.meetings
            ]
            self.fields["subjects"].choices = [
                (s.pk, s.full_name + (f" (born {s.date_of_birth:%d/%m/%Y})" if s.date_of_birth else ""))
                for s in links.subjects
            ]

    def clean(self):
        cleaned = super().clean()
        cleaned["happened_at"] = _moment(self, cleaned, "happened_date", "happened_time")
        cleaned["discovered_at"] = _moment(self, cleaned, "discovered_date", "discovered_time")
        return cleaned

    def choice_label(self, field: str, value) -> str:
        return dict(self.fields[field].choices).get(value, "")


class IcoDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Will you report this breach to the ICO?",
        choices=IcoDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to report it to the ICO", "invalid_choice": "Choose an answer from the list"},
    )
    reasons = _textarea("Reasons for the decision", "Enter the reasons for the decision",
                        help_text="For example, the likely risk to people's rights and freedoms.")
    ico_reference = forms.CharField(
        label="ICO reference",
        required=False,
        max_length=40,
        help_text="If you reported it: the reference the ICO gave.",
        error_messages={"max_length": "The ICO reference must be 40 characters or fewer"},
    )
    reported_date = forms.DateField(
        label="Date reported to the ICO",
        required=False,
        help_text="If you reported it. For example, 27/03/2026",
        error_messages={"invalid": "Enter a real date, like 27/03/2026"},
        validators=[date_bounds(PAST, "The date")],
    )
    reported_time = forms.TimeField(
        label="Time reported to the ICO",
        required=False,
        help_text="24-hour clock, for example 14:30",
        widget=TimeInput(format="%H:%M"),
        input_formats=TIME_FORMATS,
        error_messages={"invalid": "Enter a time like 14:30"},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == IcoDecision.REPORT:
            if not (cleaned.get("ico_reference") or "").strip() and "ico_reference" not in self.errors:
                self.add_error("ico_reference", "Enter the reference the ICO gave the report")
            if cleaned.get("reported_date") and not cleaned.get("reported_time") and "reported_time" not in self.errors:
                self.add_error("reported_time", "Enter the time it was reported to the ICO")
            elif not cleaned.get("reported_date") and "reported_date" not in self.errors:
                self.add_error("reported_date", "Enter the date it was reported to the ICO")
        cleaned["reported_at"] = _moment(self, cleaned, "reported_date", "reported_time")
        return cleaned


class InvestigationForm(forms.Form):
    findings = _textarea("What did the investigation find?", "Enter what the investigation found",
                         max_length=LONG_TEXT_MAX, help_text="How it happened, what was done to contain it, and who was told.")


class SummaryForm(forms.Form):
    summary = _textarea(
        "Summary incident report", "Enter the summary incident report, without naming anyone", max_length=LONG_TEXT_MAX,
        help_text="The partners involved read this. Do not name anyone.",
    )


class LessonsForm(forms.Form):
    lessons_learnt = forms.BooleanField(label="Mark lessons learnt for the next protocol review", required=False)
    note = _textarea("Lessons for the protocol review", "", required=False)
