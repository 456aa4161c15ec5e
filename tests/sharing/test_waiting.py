"""The home page's "What is waiting for you" (portal/waiting.py; sharing/waiting.py;
meetings/waiting.py): counts and links per role, in a fixed number of queries, and no names."""
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.sharing.test_queue import _bulk

pytestmark = pytest.mark.django_db

HOME = reverse("portal:home")


def waiting(response) -> dict[str, tuple[int, str]]:
    """{label: (count, link)} of the home page's list."""
    items = {}
    for link, label, count in re.findall(
        r'<li><a class="govuk-link" href="([^"]+)">([^<]+)</a>: <strong[^>]*>(\d+)</strong></li>',
        response.content.decode(),
    ):
        items[label] = (int(count), link.replace("&amp;", "&"))
    return items


def test_an_officer_sees_what_to_pick_up_and_decide(parties):
    parties.request(reference="DR-W-1")
    parties.request(reference="DR-W-2", assignee=parties.assignee, status="in_review")
    items = waiting(parties.client("assignee").get(HOME))
    assert items["New requests to pick up"] == (1, "/requests/inbox/?show=new")
    assert items["Requests assigned to you to decide"] == (1, "/requests/inbox/?show=mine")
    assert "Public-interest overrides to approve" not in items  # designated officers only
    assert items["Meetings today"][0] == 0
    # Every link goes somewhere the officer may go.
    client = parties.client("assignee")
    assert all(client.get(link).status_code == 200 for _, link in items.values())


def test_the_requester_sees_their_returned_requests(parties):
    parties.request(reference="DR-W-3", status="returned")
    items = waiting(parties.client("requester").get(HOME))
    count, link = items["Your requests returned with a question"]
    assert count == 1 and "DR-W-3" in parties.client("requester").get(link).content.decode()


def test_a_designated_officer_sees_the_queue_in_a_fixed_number_of_queries(parties, django_assert_max_num_queries):
    client = parties.client("do_b")
    _bulk(parties, 1)
    client.get(HOME)
    with django_assert_max_num_queries(30) as small:
        items = waiting(client.get(HOME))
    assert items["Public-interest overrides to approve"] == (1, "/requests/designated-officer/#overrides")
    assert items["Disputed decisions to resolve"][0] == 1
    assert items["Requests waiting for your advice"][0] == 1
    assert items["Onward disclosure requests to decide"][0] == 1
    _bulk(parties, 5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        items = waiting(client.get(HOME))
    assert items["Public-interest overrides to approve"][0] == 6
    assert "Jordan Example" not in client.get(HOME).content.decode()


def test_a_chair_sees_todays_meetings_and_admins_and_auditors_nothing(parties):
    from tests.meetings.factories import meeting_make

    meeting_make(parties.memberships["chair"], title="Today", starts_at=timezone.localtime().replace(hour=23, minute=0))
    items = waiting(parties.client("chair").get(HOME))
    count, link = items["Meetings today"]
    assert count == 1 and "Today" in parties.client("chair").get(link).content.decode()
    for who in ("auditor", "admin"):
        assert "What is waiting for you" not in parties.client(who).get(HOME).content.decode()
