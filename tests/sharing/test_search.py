"""Searching the request lists (issue 18): the inbox and My requests by reference, status and
person, under need-to-know; a name or a date of birth never in a URL or the access log
(portal/searches.py); each row shows who it is about to those who may open it."""

import pytest
from django.urls import reverse

from portal.models import AccessLogEntry, DataSubject, SubjectRole
from sharing.models import RequestSubject, Status
from sharing.services import review
from tests.dates import date_parts

pytestmark = pytest.mark.django_db

INBOX = reverse("sharing:inbox")
MINE = reverse("sharing:my_requests")


def about(parties, req, name, born="1985-02-03"):
    RequestSubject.objects.filter(request=req).delete()
    subject = DataSubject.objects.create(holder=parties.a, full_name=name, date_of_birth=born)
    RequestSubject.objects.create(request=req, subject=subject, role=SubjectRole.OFFENDER)
    return req


def assign(parties, req, who):
    review.disclosure_assign(
        disclosure=req, assignee=getattr(parties, who), acting_user=parties.do_b,
        acting_membership=parties.memberships["do_b"],
    )
    return req


def references(response):
    return sorted(entry["request"].reference for entry in response.context["entries"])


def search(client, url, **data):
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"], client.get(response["Location"])


@pytest.fixture
def cases(parties):
    mine = assign(parties, about(parties, parties.request(reference="DR-S-1"), "Robin Hood"), "assignee")
    theirs = assign(parties, about(parties, parties.request(reference="DR-S-2"), "Robin Hood"), "officer_b")
    other = assign(parties, about(parties, parties.request(reference="DR-S-3"), "Marian Fitzwalter", "1990-01-01"), "assignee")
    return {"mine": mine, "theirs": theirs, "other": other}


def test_the_inbox_search_by_name_finds_only_what_i_may_open_and_keeps_the_name_out_of_the_url(parties, cases):
    client = parties.client("assignee")
    page = client.get(INBOX).content.decode()
    assert 'name="name"' in page and '<form method="post" novalidate>' in page
    location, response = search(client, INBOX, name="robin", show="open", sort="due")
    assert "robin" not in location.lower() and "search=" in location and "show=open" in location
    # DR-S-2 is about Robin Hood too, but assigned to someone else: a name search must not say so.
    assert references(response) == ["DR-S-1"]
    body = response.content.decode()
    assert "1 request found" in body and 'value="robin"' in body
    logged = AccessLogEntry.objects.filter(user=parties.assignee)
    assert logged.exists() and not any("robin" in f"{e.reference} {e.path}".lower() for e in logged)


def test_the_inbox_search_by_date_of_birth_and_by_reference_and_status(parties, cases):
    client = parties.client("do_b")
    location, response = search(client, INBOX, **date_parts("date_of_birth", "1/1/1990"))
    assert "1990" not in location
    assert references(response) == ["DR-S-3"]
    # A reference or a status may stay in the URL, and searches the whole inbox.
    location, response = search(client, INBOX, reference="dr-s-2")
    assert "reference=dr-s-2" in location and references(response) == ["DR-S-2"]
    location, response = search(client, INBOX, status=Status.IN_REVIEW)
    assert f"status={Status.IN_REVIEW}" in location
    assert references(response) == ["DR-S-1", "DR-S-2", "DR-S-3"]


def test_a_bad_date_is_shown_as_an_error_with_what_was_typed(parties, cases):
    response = parties.client("do_b").post(INBOX, {"name": "Robin", **date_parts("date_of_birth", "31/2/1990")})
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body and "Their date of birth must be a real date" in body
    assert 'value="Robin"' in body and "<title>Error: " in body
    assert 'name="date_of_birth_day" type="text" inputmode="numeric" value="31"' in body  # kept as typed


def test_rows_show_who_each_request_is_about_only_to_those_who_may_open_it(parties, cases):
    response = parties.client("assignee").get(INBOX)
    shown = {entry["request"].reference: entry["about"] for entry in response.context["entries"]}
    assert shown == {"DR-S-1": "Robin Hood", "DR-S-2": "", "DR-S-3": "Marian Fitzwalter"}
    logged = set(AccessLogEntry.objects.filter(user=parties.assignee, object_type="disclosure_request")
                 .values_list("reference", flat=True))
    assert logged == {"DR-S-1", "DR-S-3"}


def test_a_search_id_belongs_to_its_session_and_its_list(parties, cases):
    client = parties.client("do_b")
    location, _ = search(client, INBOX, name="Marian")
    search_id = location.split("search=")[1].split("&")[0]
    # Another session, and another list of the same session, show everything instead.
    assert len(references(parties.client("do_b").get(location))) == 3
    mine = parties.client("requester")
    response = mine.get(f"{MINE}?search={search_id}")
    assert response.status_code == 200 and "found" not in response.content.decode()


def test_my_requests_search_by_person_paginates_under_the_id(parties):
    for n in range(27):
        about(parties, parties.request(reference=f"DR-P-{n:02d}"), "Will Scarlet")
    about(parties, parties.request(reference="DR-P-XX"), "Much Miller")
    client = parties.client("requester")
    location, response = search(client, MINE, name="scarlet", **date_parts("date_of_birth", "1985-02-03"))
    body = response.content.decode()
    assert "scarlet" not in location.lower() and "1985" not in location
    assert "27 requests found" in body and "Will Scarlet" in body and "DR-P-XX" not in body
    assert "?search=" in body and "page=2" in body
    second = client.get(f"{location}&page=2").content.decode()
    assert "27 requests found" in second and "DR-P-XX" not in second
    location, response = search(client, MINE, status=Status.SUBMITTED, reference="DR-P-XX")
    assert "DR-P-XX" in location and "1 request found" in response.content.decode()
    assert "Much Miller" in response.content.decode()
