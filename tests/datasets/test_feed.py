"""The anonymised feed for BI tools (datasets/feed.py; SDP 10): bearer-token only, its own
partnership's suppressed aggregates as CSV and JSON, rate-limited, access-logged."""
from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from datasets import services
from portal.models import AccessLogEntry, DecisionLogEntry
from tests.datasets.conftest import client_for
from tests.datasets.factories import accepted_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(durham):
    accepted_submission(
        organisation=durham.police, partnership=durham.partnership, user=durham.police_officer.user, dataset_code="police-asb",
        counts={("DH1", "asb-personal", datetime.date(2025, 1, 1)): 40, ("DH7", "asb-personal", datetime.date(2025, 1, 1)): 2,
                ("DH7", "asb-nuisance", datetime.date(2025, 1, 1)): 30, ("DL14", "asb-personal", datetime.date(2025, 1, 1)): 8},
    )
    record, token = services.feed_token_issue(membership=durham.admin, partnership=durham.partnership, name="Power BI", acting_user=durham.admin.user)
    durham.token, durham.token_record = token, record
    return durham


def url(w, fmt="json"):
    return reverse("datasets:feed", kwargs={"partnership": w.partnership.slug, "fmt": fmt})


def get(w, token, fmt="json"):
    return Client().get(url(w, fmt), HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_json_feed_gives_suppressed_aggregates_and_is_access_logged(feed):
    response = get(feed, feed.token)
    assert response.status_code == 200
    body = response.json()
    assert body["threshold"] == 5
    cells = {(r["district"], r["category"]): r["count"] for r in body["rows"] if r["dataset"] == "police-asb"}
    assert cells[("DH1", "asb-personal")] == 40
    assert cells[("DH7", "asb-personal")] is None  # 2: suppressed
    assert cells[("DH7", "asb-nuisance")] is None  # else DH7's total would give the 2 away
    assert cells[("DL14", "asb-personal")] is None  # else the month's asb-personal total would
    entry = AccessLogEntry.objects.get(object_type="dataset_feed")
    assert entry.user_id == feed.admin.user_id and entry.reference == f"FEED-{feed.token_record.pk}"


def test_the_csv_feed_has_a_header_and_empty_suppressed_counts(feed):
    lines = get(feed, feed.token, "csv").content.decode().splitlines()
    assert lines[0] == "dataset,month,district,category,count,suppressed"
    assert "police-asb,2025-01,DH1,asb-personal,40,false" in lines
    assert "police-asb,2025-01,DH7,asb-personal,,true" in lines


def test_the_feed_carries_the_packs_marking_without_a_line_before_the_column_names(feed):
    from datasets.selectors import partnership_marking

    marking = partnership_marking(partnership=feed.partnership)
    assert marking  # the Durham pack has marking levels
    as_json = get(feed, feed.token)
    assert as_json.json()["marking"] == marking and as_json["X-Protective-Marking"] == marking
    as_csv = get(feed, feed.token, "csv")
    assert as_csv["X-Protective-Marking"] == marking
    assert as_csv.content.decode().splitlines()[0] == "dataset,month,district,category,count,suppressed"


def test_no_token_a_wrong_token_or_another_partnerships_token_get_401(feed):
    assert Client().get(url(feed)).status_code == 401
    assert get(feed, "not-a-token").status_code == 401
    signed_in = client_for(feed.admin)  # a session is not a token
    assert signed_in.get(url(feed)).status_code == 401
    _record, other = services.feed_token_issue(
        membership=feed.other_admin, partnership=feed.other_partnership, name="Other BI", acting_user=feed.other_admin.user
    )
    assert get(feed, other).status_code == 401
    assert not AccessLogEntry.objects.filter(object_type="dataset_feed").exists()


def test_a_revoked_token_stops_working_and_both_are_decision_logged(feed):
    client_for(feed.admin).post(reverse("datasets:feed_token_revoke", kwargs={"pk": feed.token_record.pk}))
    assert get(feed, feed.token).status_code == 401
    actions = set(DecisionLogEntry.objects.filter(reference=f"FEED-{feed.token_record.pk}").values_list("action", flat=True))
    assert actions == {"dataset.feed_token_issued", "dataset.feed_token_revoked"}


def test_the_feed_is_rate_limited_per_token(feed, settings):
    settings.PORTAL_FEED_REQUESTS_PER_MINUTE = 3
    assert [get(feed, feed.token).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert get(feed, feed.token)["Retry-After"] == "60"


def test_the_admin_issues_a_token_shown_once(feed):
    client = client_for(feed.admin)
    response = client.post(reverse("datasets:feed_tokens"), {"name": "Durham BI workspace"})
    assert response.status_code == 200 and b"Copy it now" in response.content
    token = response.content.decode().split('<code class="portal-token">')[1].split("</code>")[0]
    assert get(feed, token).status_code == 200
    again = client.get(reverse("datasets:feed_tokens"))
    assert token.encode() not in again.content and b"Durham BI workspace" in again.content
    empty = client.post(reverse("datasets:feed_tokens"), {"name": ""})
    assert b"There is a problem" in empty.content
