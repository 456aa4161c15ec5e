"""Posting a date to the GOV.UK date input (portal/forms/dates.py DateOfBirthField): three boxes,
`<name>_day`, `<name>_month`, `<name>_year`."""
import datetime
import re


def date_parts(name: str, value) -> dict:
    """`value` ("27/3/1990", "1990-03-27", a date, "") typed into the three boxes of `name`; any
    other text (hostile input) goes into each box as it is."""
    if isinstance(value, datetime.date):
        day, month, year = str(value.day), str(value.month), str(value.year)
    else:
        text = "" if value is None else str(value)
        if iso := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            year, month, day = iso.groups()
        elif uk := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", text):
            day, month, year = uk.groups()
        else:
            day = month = year = text
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}
