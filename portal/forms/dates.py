"""The bounds of every date a person types into the portal, in one place: a date of birth from
1 January 1900 to yesterday, a date something is needed by within the next year, a meeting within
a year either side of today, and so on. A date outside its bounds is refused on its field with a
GOV.UK-style message ("Date of birth must be the same as or after 1 January 1900"), never saved.

Forms attach them with `date_bounds(BOUNDS, "Date of birth")` as a validator of the DateField;
the services' own rules (in the past, today or later) stay where they are."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

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
