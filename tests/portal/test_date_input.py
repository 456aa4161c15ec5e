"""The GOV.UK date input for dates of birth (issue 15; portal/forms/dates.py DateOfBirthField):
three boxes, GOV.UK messages per part, the boxes in error highlighted, and what was typed
shown again, whatever was typed."""
import datetime
import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.forms.dates import DateOfBirthField


class BornForm(forms.Form):
    born = DateOfBirthField(label="Date of birth", noun="Date of birth", required=False)


class RequiredForm(forms.Form):
    born = DateOfBirthField(label="Their date of birth", noun="Their date of birth", required=True)


def post(day="", month="", year=""):
    return {"born_day": day, "born_month": month, "born_year": year}


def render(form) -> str:
    form.is_valid()
    return render_to_string("components/field.html", {"field": form["born"]})


def boxes_in_error(html: str) -> list[str]:
    return re.findall(r'class="[^"]*govuk-input--error[^"]*" id="id_born_(\w+)"', html)


@pytest.mark.parametrize(
    ("data", "message", "highlighted"),
    [
        (post("27", "", "1990"), "Date of birth must include a month", ["month"]),
        (post("", "3", "1990"), "Date of birth must include a day", ["day"]),
        (post("27", "3", ""), "Date of birth must include a year", ["year"]),
        (post("", "", "1990"), "Date of birth must include a day and month", ["day", "month"]),
        (post("31", "2", "1990"), "Date of birth must be a real date", ["day", "month", "year"]),
        (post("27", "x", "1990"), "Date of birth must be a real date", ["day", "month", "year"]),
        (post("27", "3", "90"), "Year must include 4 numbers", ["year"]),
        (post("1", "1", "1899"), "Date of birth must be the same as or after 1 January 1900", ["day", "month", "year"]),
    ],
)
def test_each_mistake_gets_its_govuk_message_and_its_boxes_highlighted(data, message, highlighted):
    form = BornForm(data)
    assert not form.is_valid()
    assert form.errors["born"] == [message]
    html = render(form)
    assert message in html and boxes_in_error(html) == highlighted
    for part in ("day", "month", "year"):  # nothing typed is lost
        assert f'name="born_{part}" type="text" inputmode="numeric" value="{data["born_" + part]}"' in html


def test_today_or_later_is_refused_as_not_in_the_past():
    today = timezone.localdate()
    form = BornForm(post(str(today.day), str(today.month), str(today.year)))
    assert not form.is_valid() and form.errors["born"] == ["Date of birth must be in the past"]


def test_a_real_date_in_words_or_numbers_is_accepted_and_empty_is_none():
    assert BornForm(post("27", "3", "1990")).is_valid()
    form = BornForm(post(" 1 ", "April", "1990"))
    assert form.is_valid() and form.cleaned_data["born"] == datetime.date(1990, 4, 1)
    form = BornForm(post())
    assert form.is_valid() and form.cleaned_data["born"] is None
    form = RequiredForm(post())
    assert not form.is_valid() and form.errors["born"] == ["Enter their date of birth"]


def test_a_form_posted_without_the_boxes_has_no_date_and_no_error():
    form = BornForm({})
    assert form.is_valid() and form.cleaned_data["born"] is None
    form = RequiredForm({"born_day": "1"})
    assert not form.is_valid() and form.errors["born"] == ["Their date of birth must include a month and year"]


def test_three_labelled_boxes_in_a_fieldset_show_the_initial_date():
    html = render_to_string("components/field.html", {"field": BornForm(initial={"born": datetime.date(1990, 4, 1)})["born"]})
    assert '<fieldset class="govuk-fieldset" role="group">' in html and "Date of birth (optional)" in html
    for part, label, value in (("day", "Day", "1"), ("month", "Month", "4"), ("year", "Year", "1990")):
        assert f'<label class="govuk-label govuk-date-input__label" for="id_born_{part}">{label}</label>' in html
        assert f'id="id_born_{part}" name="born_{part}" type="text" inputmode="numeric" value="{value}"' in html


def test_the_error_summary_links_to_the_first_box():
    from portal.templatetags.portal_tags import form_error_list

    form = BornForm(post("", "3", "1990"))
    form.is_valid()
    assert form_error_list(form) == [{"href": "#id_born_day", "text": "Date of birth must include a day"}]


hostile = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["0", "-1", "00", "29", "30", "31", "32", "13", "1e3", "٣", "１", "99999999999999999999999", "<script>"]),
)


@settings(max_examples=300, deadline=None)
@given(day=hostile, month=hostile, year=st.one_of(hostile, st.integers(1800, 2200).map(str)))
def test_whatever_is_typed_the_form_answers_with_a_date_or_a_message_and_keeps_it(day, month, year):
    form = BornForm(post(day, month, year))
    if form.is_valid():
        born = form.cleaned_data["born"]
        assert born is None or datetime.date(1900, 1, 1) <= born < timezone.localdate()
    else:
        (message,) = form.errors["born"]
        assert message.startswith(("Date of birth must", "Year must include 4 numbers"))
        html = render(form)
        assert boxes_in_error(html)
        assert "<script>" not in html
