"""The holding organisation's inbox (sharing:inbox): triage fields only, filters, sort,
pagination, a constant number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AccessLogEntry
from sharing.models import Status
from sharing.services import review

pytestmark = pytest.mark.django_db

INBOX = reverse("sharing:inbox")


def today():
    return timezone.localdate()


def assign(parties, req, who="assignee"):
    review.disclosure_assign(
        disclosure=req,
        assignee=getattr(parties, who),
        acting_user=parties.do_b,
        acting_membership=parties.memberships["do_b"],
    )
    req.refresh_from_db()
    return req


def references(response) -> list[str]:
    return [entry["request"].reference for entry in response.context["entries"]]


@pytest.fixture
def mix(parties):
    """new (due in 10 days), assigned to assignee (due in 2 days), assigned to officer_b (overdue),
    returned (due in 20), a request to organisation C, a draft, and one released 10 days ago."""
    new = parties.request(reference="DR-NEW", needed_by=today() + datetime.timedelta(days=10))
    mine = assign(parties, parties.request(reference="DR-MINE", needed_by=today() + datetime.timedelta(days=2)))
    other = assign(
        parties, parties.request(reference="DR-OTHER", needed_by=today() - datetime.timedelta(days=1)), who="officer_b"
    )
    returned = parties.request(
        reference="DR-RETURNED", status=Status.RETURNED, needed_by=today() + datetime.timedelta(days=20)
    )
    parties.request(reference="DR-TO-C", holding_organisation=parties.c)
    parties.request(reference="DR-DRAFT", status=Status.DRAFT)
    parties.request(
        reference="DR-DONE", status=Status.RELEASED, decided_at=timezone.now() - datetime.timedelta(days=10)
    )
    parties.request(
        reference="DR-OLD", status=Status.DECLINED, decided_at=timezone.now() - datetime.timedelta(days=100)
    )
    return {"new": new, "mine": mine, "other": other, "returned": returned}


def test_default_shows_open_requests_of_the_organisation_by_due_date(parties, mix):
    response = parties.client("assignee").get(INBOX)
    assert response.status_code == 200
    assert references(response) == ["DR-OTHER", "DR-MINE", "DR-NEW", "DR-RETURNED"]


@pytest.mark.parametrize(
    "show,expected",
    [
        ("new", ["DR-NEW"]),
        ("mine", ["DR-MINE"]),
        ("assigned", ["DR-OTHER", "DR-MINE"]),
        ("overdue", ["DR-OTHER"]),
        ("due_soon", ["DR-MINE"]),
        ("decided", ["DR-DONE"]),
        ("open", ["DR-OTHER", "DR-MINE", "DR-NEW", "DR-RETURNED"]),
        ("nonsense", ["DR-OTHER", "DR-MINE", "DR-NEW", "DR-RETURNED"]),
    ],
)
def test_filters(parties, mix, show, expected):
    response = parties.client("assignee").get(INBOX, {"show": show})
    assert response.status_code == 200
    assert references(response) == expected


def test_counts_per_filter(parties, mix):
    response = parties.client("assignee").get(INBOX)
    counts = {tab["code"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {"open": 4, "new": 1, "mine": 1, "assigned": 2, "overdue": 1, "due_soon": 1, "decided": 1}


def test_sort_latest_first(parties, mix):
    response = parties.client("do_b").get(INBOX, {"sort": "-due"})
    assert references(response) == ["DR-RETURNED", "DR-NEW", "DR-MINE", "DR-OTHER"]
    response = parties.client("do_b").get(INBOX, {"sort": "<script>"})
    assert references(response)[0] == "DR-OTHER"


def test_triage_fields_and_the_subject_only_where_i_may_open_it_never_what_is_asked(parties, mix):
    response = parties.client("officer_b").get(INBOX)
    body = response.content.decode()
    assert "DR-NEW" in body
    assert parties.a.name in body
    assert mix["new"].purpose.name in body
    assert "Routine" in body
    # Who a request is about shows on the rows officer_b may open (the one assigned to them) only.
    about = {entry["request"].reference: entry["about"] for entry in response.context["entries"]}
    assert about == {"DR-OTHER": "Jordan Example", "DR-MINE": "", "DR-NEW": "", "DR-RETURNED": ""}
    assert body.count("Jordan Example") == 1
    # Each request whose subject is shown is logged as viewed (one INSERT), and only those.
    logged = AccessLogEntry.objects.filter(user=parties.officer_b, object_type="disclosure_request", path=INBOX)
    assert list(logged.values_list("reference", "kind")) == [("DR-OTHER", "view")]
    assert "1 Example Street" not in body
    assert mix["new"].information_requested not in body


def href(name, pk):
    return f'href="{reverse(name, args=[pk])}"'


def test_links_to_the_request_page_only_for_those_with_access(parties, mix):
    body = parties.client("assignee").get(INBOX).content.decode()
    assert href("sharing:request_detail", mix["mine"].pk) in body
    assert href("sharing:request_detail", mix["other"].pk) not in body
    assert href("sharing:request_detail", mix["new"].pk) not in body
    assert reverse("sharing:request_pick_up", args=[mix["new"].pk]) in body
    assert reverse("sharing:request_assign", args=[mix["new"].pk]) not in body  # officers do not assign
    body = parties.client("do_b").get(INBOX).content.decode()
    for req in mix.values():
        assert href("sharing:request_detail", req.pk) in body
    assert reverse("sharing:request_assign", args=[mix["new"].pk]) in body
    assert reverse("sharing:request_assign", args=[mix["returned"].pk]) not in body


def test_other_organisations_see_their_own_inbox(parties, mix):
    response = parties.client("officer_c").get(INBOX)
    assert references(response) == ["DR-TO-C"]
    response = parties.client("officer_a").get(INBOX)
    assert references(response) == []


@pytest.mark.parametrize("name", ["chair", "auditor", "admin"])
def test_other_roles_are_forbidden(parties, name):
    assert parties.client(name).get(INBOX).status_code == 403


def test_pagination(parties):
    for n in range(27):
        parties.request(
            reference=f"DR-P{n:03d}", needed_by=today() + datetime.timedelta(days=n + 1), with_checklist=False
        )
    client = parties.client("officer_b")
    first = client.get(INBOX)
    assert len(first.context["entries"]) == 25
    assert first.context["page_obj"].paginator.num_pages == 2
    assert "?page=2" in first.content.decode() or "page=2" in first.content.decode()
    second = client.get(INBOX, {"page": "2"})
    assert references(second) == ["DR-P025", "DR-P026"]
    assert client.get(INBOX, {"page": "999"}).status_code == 200
    assert client.get(INBOX, {"page": "x'; DROP"}).status_code == 200


def _fill(parties, count, start):
    for n in range(count):
        req = parties.request(reference=f"DR-Q{start + n:04d}", with_checklist=False)
        if n % 2:
            assign(parties, req, who="assignee" if n % 4 == 1 else "officer_b")


@pytest.mark.parametrize("name", ["assignee", "do_b"])
def test_constant_number_of_queries(parties, django_assert_max_num_queries, name):
    client = parties.client(name)
    _fill(parties, 3, 0)
    client.get(INBOX)  # warm up the session and the protocol name cache
    # 18: the page, plus who each row is about (two queries: need-to-know and the names) and their
    # access-log entries (one INSERT), and whether the organisation is in several partnerships
    # (then each row names its partnership)
    with django_assert_max_num_queries(20) as small:  # 20: + the marking banner (pack and level; issue 15)
        client.get(INBOX)
    _fill(parties, 27, 100)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(INBOX)
    assert len(response.context["entries"]) == 25
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_375_pixel_screen_the_inbox_table_scrolls_in_its_box_not_the_page(parties, mix, browser, live_server,
                                                                               assert_accessible):
    client = parties.client("do_b")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800})
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}])
    page = context.new_page()
    try:
        page.goto(reverse("sharing:inbox"))
        assert page.locator("main table tbody tr").count() >= 3
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        box = page.get_by_role("region", name="Requests in the inbox")
        assert box.evaluate("element => element.scrollWidth > element.clientWidth")  # the table scrolls inside
        assert_accessible(page)
    finally:
        context.close()


@pytest.mark.parametrize("sort", ["due", "-due"])
def test_the_decided_tab_pages_in_due_order_found_by_id_first(parties, sort, django_assert_max_num_queries):
    """Issue 17: the decided tab's page is chosen from the index (ids), then its rows read; the
    order, the page boundaries and the count are those of the tab, in a constant number of queries."""
    client = parties.client("do_b")
    now = timezone.now()
    made = {}
    for n in range(30):
        needed_by = None if n % 7 == 0 else today() + datetime.timedelta(days=(n * 11) % 17)
        req = parties.request(
            reference=f"DR-D{n:03d}", status=Status.RELEASED, needed_by=needed_by,
            decided_at=now - datetime.timedelta(days=1 + n % 80),
        )
        made[req.reference] = (req.needed_by, req.pk)
    parties.request(reference="DR-D-OLD", status=Status.DECLINED, decided_at=now - datetime.timedelta(days=120))

    def key(reference):
        due, pk = made[reference]
        if sort == "due":
            return (due is None, due or datetime.date.min, pk)
        return (due is None, -(due.toordinal()) if due else 0, -pk)

    expected = sorted(made, key=key)
    first = client.get(INBOX, {"show": "decided", "sort": sort})
    # The page's ids, then its 25 rows: the tab's rows are read once, by id, never the whole tab again.
    with django_assert_max_num_queries(21) as counted:
        second = client.get(INBOX, {"show": "decided", "sort": sort, "page": 2})
    assert references(first) + references(second) == expected
    rows_read = [q["sql"] for q in counted.captured_queries if '"sharing_disclosurerequest"."reference"' in q["sql"]]
    assert len(rows_read) == 1 and '"sharing_disclosurerequest"."id" IN (' in rows_read[0]
    assert len(references(first)) == 25 and "DR-D-OLD" not in references(first) + references(second)
    assert "Decided (last 90 days): 30 requests" in " ".join(first.content.decode().split())
    again = client.get(INBOX, {"show": "decided", "sort": sort})
    assert references(again) == references(first)


# The inbox's cached summary (issue 17) -----------------------------------------------------------
# Transactional: the summary is kept only when read outside a transaction (committed values).


def _tab_count(response, code):
    return next(tab["count"] for tab in response.context["tabs"] if tab["code"] == code)


@pytest.mark.django_db(transaction=True)
def test_a_submitted_request_is_in_the_counts_on_the_next_load_though_they_are_cached(parties):
    from sharing.services import raising
    from tests.sharing.test_raising_services import fill_draft, start_draft

    parties.request(reference="DR-C0001", with_checklist=False)
    client = parties.client("do_b")
    first = client.get(INBOX)
    assert _tab_count(first, "open") == 1 and _tab_count(first, "new") == 1
    # A row written behind the write path's back (no decision-log entry) is not counted yet: the
    # counts are the cached ones, for at most INBOX_SUMMARY_SECONDS.
    parties.request(reference="DR-C0002", with_checklist=False)
    assert _tab_count(client.get(INBOX), "open") == 1
    draft = fill_draft(parties, start_draft(parties))
    raising.disclosure_submit(disclosure=draft, acting_user=parties.requester, acting_membership=parties.memberships["requester"])
    after = client.get(INBOX)
    # The submission forgot the organisation's summary: both new requests are counted now.
    assert _tab_count(after, "open") == 3 and _tab_count(after, "new") == 3
    assert "All open (3)" in " ".join(after.content.decode().split())


@pytest.mark.django_db(transaction=True)
def test_an_assignment_moves_the_assignees_own_count_at_once(parties):
    req = parties.request(reference="DR-C0003", with_checklist=False)
    assignee = parties.client("assignee")
    assert _tab_count(assignee.get(INBOX), "mine") == 0
    assert _tab_count(parties.client("do_b").get(INBOX), "new") == 1
    assign(parties, req)
    assert _tab_count(assignee.get(INBOX), "mine") == 1
    designated = parties.client("do_b").get(INBOX)
    assert _tab_count(designated, "new") == 0 and _tab_count(designated, "assigned") == 1


@pytest.mark.django_db(transaction=True)
def test_the_counts_are_read_again_once_the_summary_is_older_than_its_stated_staleness(parties, monkeypatch):
    import time

    from sharing import selectors

    monkeypatch.setattr(selectors, "INBOX_SUMMARY_SECONDS", 3)
    parties.request(reference="DR-C0004", with_checklist=False)
    client = parties.client("do_b")
    assert _tab_count(client.get(INBOX), "open") == 1
    parties.request(reference="DR-C0005", with_checklist=False)  # behind the write path's back
    assert _tab_count(client.get(INBOX), "open") == 1
    time.sleep(3.2)
    assert _tab_count(client.get(INBOX), "open") == 2


@pytest.mark.django_db(transaction=True)
def test_a_cached_inbox_load_makes_four_queries_fewer(parties):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _fill(parties, 5, 200)
    client = parties.client("do_b")
    client.get(reverse("portal:home"))  # the session's first save out of the way
    with CaptureQueriesContext(connection) as cold:
        client.get(INBOX)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(INBOX)
    # The two tab counts, the partnership count and the marking's levels come from the cache.
    assert len(warm.captured_queries) == len(cold.captured_queries) - 4
    assert _tab_count(response, "open") == 5 and len(response.context["entries"]) == 5
