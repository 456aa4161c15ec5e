"""The bounds of every date a person types into the portal, in one place: a date of birth from
1 January 1900 to yesterday, a date something is needed by within the next year, a meeting within
a year either side of today, and so on. A date outside its bounds is refused on its field with a
GOV.UK-style message ("Date of birth must be the same as or after 1 January 1900"), never saved.

Forms attach them with `date_bounds(BOUNDS, "Date of birth")` as a validator of the DateField;
the services' own rules (in the past, today or later) stay where they are. Every date of birth is
a `DateOfBirthField`: the GOV.UK date input, three boxes (below)."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST_BIRTH = datetime.date(1900, 1, 1)


def _years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DateBounds:
    """The earliest and latest date allowed, given today; None where a service's rule is the bound."""

    earliest: Callable[[datetime.date], datetime.date] | None
    latest: Callable[[datetime.date], datetime.date] | None


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _today(day: datetime.date) -> datetime.date:
    return day


#: A date of birth: a real person's, so from 1 January 1900 and before today.
BIRTH = DateBounds(earliest=lambda today: EARLIEST_BIRTH, latest=lambda today: today - datetime.timedelta(days=1))
#: Something that has happened (consent given or withdrawn, a consultation, a protocol signed).
PAST = DateBounds(earliest=lambda today: _years(today, -20), latest=_today)
#: When a request's information is needed by: from today, within a year.
NEEDED_BY = DateBounds(earliest=_today, latest=lambda today: _years(today, 1))
#: A meeting's date, or when an action agreed at one is due: within a year back, two years ahead.
MEETING = DateBounds(earliest=lambda today: _years(today, -1), latest=lambda today: _years(today, 2))
#: An expiry date: from today, within ten years.
FUTURE = DateBounds(earliest=_today, latest=lambda today: _years(today, 10))
#: A retention review date: within ten years (the retention services say how soon it may be).
REVIEW = DateBounds(earliest=None, latest=lambda today: _years(today, 10))


def _too_early(noun: str, earliest: datetime.date, today: datetime.date) -> str:
    if earliest == today:
        return f"{noun} must be today or in the future"
    return f"{noun} must be the same as or after {_day(earliest)}"


def _too_late(noun: str, latest: datetime.date, today: datetime.date) -> str:
    if latest == today:
        return f"{noun} must be today or in the past"
    if latest == today - datetime.timedelta(days=1):
        return f"{noun} must be in the past"
    return f"{noun} must be the same as or before {_day(latest)}"


def date_bounds(bounds: DateBounds, noun: str) -> Callable[[datetime.date], None]:
    """A validator refusing a date outside `bounds`, its message naming `noun` ("Date of birth")."""

    def validate(value: datetime.date) -> None:
        today = timezone.localdate()
        earliest = bounds.earliest(today) if bounds.earliest else None
        latest = bounds.latest(today) if bounds.latest else None
        if earliest is not None and value < earliest:
            raise ValidationError(_too_early(noun, earliest, today), code="too_early")
        if latest is not None and value > latest:
            raise ValidationError(_too_late(noun, latest, today), code="too_late")

    return validate


# --- The GOV.UK date input: three boxes for a date of birth (issue 15) ------------------------
# https://design-system.service.gov.uk/components/date-input/ and its error messages: a part
# left out is named ("Date of birth must include a month"), a date that does not exist is "a
# real date", a year is four numbers; the bounds above then say "in the past". What was typed
# comes back in the boxes on error, as it was.

PARTS = ("day", "month", "year")
MONTH_NAMES = {
    name: number
    for number in range(1, 13)
    for name in (datetime.date(2000, number, 1).strftime("%B").lower(), datetime.date(2000, number, 1).strftime("%b").lower())
}


class DatePartsInput(forms.MultiWidget):
    """Three text boxes, named `<name>_day`, `<name>_month`, `<name>_year`. components/field.html
    renders them in the GOV.UK markup (portal_tags.govuk_field_context, kind "dateparts")."""

    def __init__(self, attrs=None):
        super().__init__({part: forms.TextInput() for part in PARTS}, attrs)

    def decompress(self, value):
        if isinstance(value, str):  # an ISO date kept in a session (a search in force)
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                value = None
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        return ["" if value is None else str(value)[:20] for value in super().value_from_datadict(data, files, name)]

    def value_omitted_from_data(self, data, files, name):
        return all(f"{name}_{part}" not in data for part in PARTS)


class DatePartsHiddenInput(DatePartsInput):
    """The three boxes as hidden inputs, with the same names: a check-your-answers page carries
    what was typed back to the confirm step (`{{ field.as_hidden }}`)."""

    def __init__(self, attrs=None):
        forms.MultiWidget.__init__(self, {part: forms.HiddenInput() for part in PARTS}, attrs)


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else " and ".join([", ".join(parts[:-1]), parts[-1]])


def date_parts_problem(values, noun: str) -> tuple[str | None, datetime.date | None, tuple[str, ...]]:
    """(message, date, parts in error) for what was typed in the three boxes: the date and no
    message when they make a real date; otherwise the GOV.UK message and the boxes to highlight."""
    values = [(value or "").strip() for value in (list(values or []) + ["", "", ""])[:3]]
    missing = [part for part, value in zip(PARTS, values, strict=True) if not value]
    if len(missing) == 3:
        return None, None, ()
    if missing:
        return f"{noun} must include a {_listed(missing)}", None, tuple(missing)
    day, month, year = values
    month_number = MONTH_NAMES.get(month.lower(), month)
    if not (day.isascii() and day.isdigit() and str(month_number).isascii() and str(month_number).isdigit()
            and year.isascii() and year.isdigit()):
        return f"{noun} must be a real date", None, PARTS
    if len(year) != 4:
        return "Year must include 4 numbers", None, ("year",)
    try:
        return None, datetime.date(int(year), int(month_number), int(day)), ()
    except (ValueError, OverflowError):
        return f"{noun} must be a real date", None, PARTS


class DateOfBirthField(forms.Field):
    """A date of birth in three boxes (day, month, year), within `bounds` (BIRTH: 1 January 1900
    to yesterday). `noun` starts every message ("Date of birth", "Their date of birth")."""

    widget = DatePartsInput
    hidden_widget = DatePartsHiddenInput

    def __init__(self, *, noun: str = "Date of birth", bounds: DateBounds = BIRTH, required_message: str = "", **kwargs):
        self.noun = noun
        kwargs.setdefault("validators", [date_bounds(bounds, noun)])
        super().__init__(**kwargs)
        self.error_messages["required"] = required_message or f"Enter {noun[0].lower()}{noun[1:]}"

    def to_python(self, value):
        if isinstance(value, datetime.date):
            return value
        message, day, _ = date_parts_problem(value, self.noun)
        if message:
            raise ValidationError(message, code="invalid")
        return day

    def validate(self, value):
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        return self.to_python_or_none(data) != initial

    def to_python_or_none(self, data):
        try:
            return self.to_python(data)
        except ValidationError:
            return data
