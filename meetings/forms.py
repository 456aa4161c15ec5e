"""Forms of the meetings pages. They check the shape of what was typed; the rules are the
services' (meetings.services)."""

from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.utils import timezone

from meetings.agreement import level_sentence
from portal.forms.dates import MEETING, date_bounds
from portal.uploads import ACCEPT_ATTRIBUTE

TITLE_MAX = 200
TEXT_MAX = 20_000


class TimeInput(forms.TimeInput):
    input_type = "time"


def _required(message: str) -> dict:
    return {"required": message}


def _text(label: str, *, max_length: int = TITLE_MAX, message: str, required: bool = True, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={"required": message, "max_length": f"{label} must be {max_length:,} characters or fewer"},
        **kwargs,
    )


def _textarea(label: str, *, max_length: int = TEXT_MAX, message: str, required: bool = True, rows: int = 5):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": message, "max_length": f"{label} must be {max_length:,} characters or fewer"},
    )


def marking_choices(levels) -> list[tuple[int, str]]:
    return [(level.pk, level_sentence(level)) for level in levels]


class MeetingDetailsForm(forms.Form):
    """A meeting's title, date and time, and where it is held: what the chair types when creating
    a meeting (MeetingForm adds the forum and the level) and changes while it is planned."""

    title = _text("Title", message="Enter the meeting's title", help_text="Do not put anyone's name in the title.")
    date = forms.DateField(
        label="Date",
        error_messages={"required": "Enter the date of the meeting", "invalid": "Enter a real date, like 27/03/2026"},
        validators=[date_bounds(MEETING, "The date of the meeting")],
    )
    time = forms.TimeField(
        label="Start time",
        widget=TimeInput(format="%H:%M"),
        input_formats=["%H:%M", "%H:%M:%S", "%H.%M"],
        error_messages={"required": "Enter the start time", "invalid": "Enter a time like 14:30"},
    )
    location = _text(
        "Location", max_length=300, message="", required=False, help_text="Leave empty if the meeting is online only."
    )
    is_online = forms.BooleanField(label="The meeting is held online", required=False)

    @classmethod
    def initial_for(cls, meeting) -> dict:
        """What the form shows for an existing meeting: its date and time in local time."""
        starts_at = timezone.localtime(meeting.starts_at)
        return {
            "title": meeting.title,
            "date": starts_at.date(),
            "time": starts_at.time().replace(second=0, microsecond=0),
            "location": meeting.location,
            "is_online": meeting.is_online,
        }

    def clean(self):
        cleaned = super().clean()
        date, time = cleaned.get("date"), cleaned.get("time")
        if date and time:
            zone = zoneinfo.ZoneInfo(str(timezone.get_current_timezone()))
            naive = datetime.datetime.combine(date, time)
            moment = naive.replace(tzinfo=zone)
            # A time that does not exist (the hour skipped when the clocks go forward).
            if moment.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != naive:
                self.add_error("time", "That time does not exist on that date (the clocks change): enter another time")
            else:
                cleaned["starts_at"] = moment
        return cleaned


class MeetingForm(MeetingDetailsForm):
    forum = forms.TypedChoiceField(
        label="Forum",
        coerce=int,
        error_messages={"required": "Select the forum", "invalid_choice": "Select a forum from the list"},
    )
    marking = forms.TypedChoiceField(
        label="Confidentiality level",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the meeting's confidentiality level",
            "invalid_choice": "Select a confidentiality level from the list",
        },
        help_text=(
            "You set the level at the outset (SSP 7.1). Every attendee agrees to its handling rules when they sign in."
        ),
    )

    # The error summary lists errors in this order, as the page shows the fields.
    field_order = ["forum", "title", "date", "time", "location", "is_online", "marking"]

    def __init__(self, *args, forums=(), markings=(), several=False, **kwargs):
        """`several`: the chair's forums come from more than one partnership's protocol, so each
        forum and level is named with its partnership (a level must be the forum's protocol's)."""
        super().__init__(*args, **kwargs)
        self.fields["forum"].choices = [("", "Select a forum")] + [
            (forum.pk, f"{forum.name} ({forum.pack.partnership_name})" if several else f"{forum.name} ({forum.theme})")
            for forum in forums
        ]
        self.fields["marking"].choices = [
            (pk, f"{label} ({level.pack.partnership_name})" if several else label)
            for (pk, label), level in zip(marking_choices(markings), markings, strict=True)
        ]


class MarkingForm(forms.Form):
    marking = forms.TypedChoiceField(
        label="Confidentiality level",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the meeting's confidentiality level",
            "invalid_choice": "Select a confidentiality level from the list",
        },
    )
    reasons = _textarea(
        "Why is the level changing?", max_length=2000, message="Enter why the level is changing", rows=3
    )

    def __init__(self, *args, markings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["marking"].choices = marking_choices(markings)


class GuestForm(forms.Form):
    name = _text("Full name", message="Enter the person's full name")
    representing = _text(
        "Organisation or body they represent",
        message="Enter the organisation or body the person represents",
    )


class MeetingListSearchForm(forms.Form):
    """The meetings list's search (GET: a title and a date are not personal data)."""

    title = _text("Title", max_length=TITLE_MAX, message="", required=False)
    on = forms.DateField(
        label="Date",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"],
        error_messages={"invalid": "Enter the date as a real date, for example 27/3/2026"},
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def criteria(self) -> dict:
        """The title and date to narrow by; None when the search has errors (show no rows)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        return {"title": " ".join(self.cleaned_data["title"].split()), "on": self.cleaned_data["on"]}


class SearchForm(forms.Form):
    q = _text("Name or username", max_length=100, message="Enter a name or username to search for", required=False)


class SignInForm(forms.Form):
    agreed = forms.BooleanField(
        label="I agree",
        error_messages={"required": "Confirm that you agree to the handling rules and the protocol"},
    )


class GuestSignInForm(forms.Form):
    attendee = forms.TypedChoiceField(
        label="Who is signing in?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the person signing in", "invalid_choice": "Select the person signing in"},
    )
    signature = _text(
        "Signature: type your full name",
        message="Type your full name as your signature",
    )
    agreed = forms.BooleanField(
        label="I agree",
        error_messages={"required": "Confirm that you agree to the handling rules and the protocol"},
    )

    def __init__(self, *args, guests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendee"].choices = [(guest.pk, f"{guest.name}, {guest.representing}") for guest in guests]


class StartForm(forms.Form):
    list_confirmed = forms.BooleanField(
        label="I confirm that this is the list of who has signed in",
        error_messages={"required": "Confirm the list of who has signed in before the meeting starts"},
    )


class AgendaForm(forms.Form):
    """Pick one of the forum's cases, or type a reference (any request the chair can see)."""

    case = forms.ChoiceField(label="Which case?", required=False, widget=forms.RadioSelect, error_messages={
        "invalid_choice": "Select a case from the list, or enter a request's reference",
    })
    reference = _text(
        "Or enter a request reference",
        max_length=40,
        message="Select a case, or enter the request's reference",
        required=False,
        help_text="The reference of a disclosure request you can see, for example DR-2026-000123.",
    )

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [
            (case.reference, f"{case.reference}: {', '.join(link.subject.full_name for link in case.subjects.all() if link.subject.full_name) or 'no one named'} ({case.requesting_organisation.name})")
            for case in cases
        ]
        if not cases:
            self.fields["reference"].label = "Request reference"

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("case") and not (data.get("reference") or "").strip():
            self.add_error("case" if self.fields["case"].choices else "reference", "Select a case, or enter the request's reference")
        return data

    @property
    def chosen_reference(self) -> str:
        return self.cleaned_data.get("case") or self.cleaned_data.get("reference") or ""


class SummaryForm(forms.Form):
    summary = _textarea(
        "Summary for the meeting",
        message="Enter the summary to share with the meeting",
        rows=8,
    )


class ActionForm(forms.Form):
    text = _textarea("Action", max_length=TEXT_MAX, message="Enter the action", rows=3)
    owner_organisation = forms.TypedChoiceField(
        label="Organisation that owns it",
        coerce=int,
        error_messages={
            "required": "Select the organisation that owns the action",
            "invalid_choice": "Select an organisation from the list",
        },
    )
    due_on = forms.DateField(
        label="Due date",
        error_messages={
            "required": "Enter the date the action is due",
            "invalid": "Enter a real date, like 27/03/2026",
        },
        validators=[date_bounds(MEETING, "The due date")],
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].choices = [("", "Select an organisation")] + [
            (organisation.pk, organisation.name) for organisation in organisations
        ]


class MinutesForm(forms.Form):
    minutes = _textarea("Minutes", max_length=100_000, message="", required=False, rows=14)


class PaperForm(forms.Form):
    file = forms.FileField(
        label="Paper",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        error_messages={"required": "Choose a file to upload", "empty": "The file you chose is empty"},
    )
