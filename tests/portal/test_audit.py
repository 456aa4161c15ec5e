"""Auditors read the decision and access logs across the partnership, filtered and paged, and
verify the decision log's chain from the page."""
import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.accountability.services import access_record, decision_record
from portal.models import AccessLogEntry, DecisionLogEntry, DecisionLogVerification
from portal.roles import Role
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.portal.test_decision_log import as_superuser_without_triggers

pytestmark = pytest.mark.django_db

LOG = reverse("portal:audit_decisions")
ACCESS = reverse("portal:audit_access")
VERIFY = reverse("portal:audit_verify")


@pytest.fixture
def auditor(make_member, signed_in):
    membership = make_member(role=Role.AUDITOR)
    client = signed_in(membership.user)
    client.membership = membership
    return client


def record(n, organisation, action="organisation.suspended", reference="", actor=None):
    actor = actor or MembershipFactory(organisation=organisation).user
    with transaction.atomic():
        for i in range(n):
            decision_record(
                actor=actor, organisation=organisation, action=action, reference=reference or f"DR-X-{i:04d}",
                reasons=f"Reason number {i}",
            )
    return actor


def accesses(n, membership, kind="view", reference="DR-2026-000001", object_type="disclosure_request"):
    for _ in range(n):
        access_record(
            user=membership.user, organisation=membership.organisation, kind=kind, object_type=object_type,
            reference=reference, path=f"/requests/{reference}/",
        )


def link(html: str, rel: str) -> str:
    match = re.search(r'href="([^"]*)" rel="' + re.escape(rel) + '"', html)
    assert match, f"no {rel} link"
    return unescape(match.group(1))


# --- decision log ---------------------------------------------------------------------------


def test_auditor_sees_entries_from_every_organisation(auditor):
    police, council = OrganisationFactory(name="Police"), OrganisationFactory(name="Council")
    record(2, police)
    record(3, council, action="organisation.resumed")
    rows = auditor.get(LOG).context["rows"]
    labels = [label for _, label in rows]
    assert labels.count("Sharing with organisation suspended") == 2
    assert labels.count("Sharing with organisation resumed") == 3
    assert {entry.organisation_name for entry, _ in rows} == {"Police", "Council"}


def test_filters_by_organisation_action_and_reference(auditor):
    police, council = OrganisationFactory(name="Police"), OrganisationFactory(name="Council")
    record(2, police)
    record(3, council, action="organisation.resumed", reference="DR-2026-000042")
    by_org = auditor.get(LOG, {"organisation": police.pk}).context["rows"]
    assert len(by_org) == 2 and all(entry.organisation_id == police.pk for entry, _ in by_org)
    by_action = auditor.get(LOG, {"action": "organisation.resumed"}).context["rows"]
    assert len(by_action) == 3
    by_ref = auditor.get(LOG, {"reference": "dr-2026-000042"}).context["rows"]
    assert len(by_ref) == 3


def test_filters_by_user_whatever_the_case_of_the_username(auditor):
    organisation = OrganisationFactory()
    alice = record(2, organisation)
    record(3, organisation)
    rows = auditor.get(LOG, {"user": f"  {alice.username.upper()} "}).context["rows"]
    assert len(rows) == 2 and {entry.actor_id for entry, _ in rows} == {alice.pk}


def test_an_unknown_username_is_explained(auditor):
    response = auditor.get(LOG, {"user": "nobody-at-all"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is no user with that username" in body and 'value="nobody-at-all"' in body


def test_filters_by_date_range(auditor):
    organisation = OrganisationFactory()
    record(2, organisation)
    today = timezone.localdate()
    assert len(auditor.get(LOG, {"date_from": today.isoformat(), "date_to": today.isoformat()}).context["rows"]) == 2
    yesterday = (today - timedelta(days=1)).isoformat()
    assert auditor.get(LOG, {"date_to": yesterday}).context["rows"] == []
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert auditor.get(LOG, {"date_from": tomorrow}).context["rows"] == []
    assert auditor.get(LOG, {"date_to": "9999-12-31"}).status_code == 200


def test_bad_date_range_is_explained_not_a_500(auditor):
    response = auditor.get(LOG, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 200
    assert "must be the same as or after" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"user": "nobody-at-all"},
        {"date_from": "9999-99-99"},
    ],
)
def test_filters_with_errors_show_the_errors_and_no_rows(auditor, params):
    organisation = OrganisationFactory(name="Police")
    record(3, organisation)
    accesses(3, MembershipFactory(organisation=organisation))
    for url, noun in ((LOG, "DR-X-0001"), (ACCESS, "DR-2026-000001")):
        response = auditor.get(url, params)
        body = unescape(response.content.decode())
        assert response.status_code == 200
        assert "There is a problem" in body
        assert noun not in body and "<table" not in body
        assert "Correct the filters above to see the log." in body


def test_pages_older_and_newer_without_overlap(auditor):
    record(120, OrganisationFactory())
    first = auditor.get(LOG)
    ids_1 = [e.pk for e, _ in first.context["rows"]]
    older = first.context["page"].older_than
    second = auditor.get(LOG, {"before": older})
    ids_2 = [e.pk for e, _ in second.context["rows"]]
    assert len(ids_1) == len(ids_2) == 50 and not set(ids_1) & set(ids_2)
    assert max(ids_2) < min(ids_1)
    back = auditor.get(LOG, {"after": second.context["page"].newer_than})
    assert [e.pk for e, _ in back.context["rows"]] == ids_1


def test_page_links_keep_the_filters_and_work(auditor):
    organisation = OrganisationFactory()
    record(60, organisation)
    record(5, OrganisationFactory())
    first = auditor.get(LOG, {"organisation": organisation.pk})
    older_url = link(first.content.decode(), "next")
    assert older_url.startswith("?") and not older_url.startswith("??")
    second = auditor.get(LOG + older_url)
    rows = second.context["rows"]
    assert len(rows) == 10 and all(entry.organisation_id == organisation.pk for entry, _ in rows)
    newer = auditor.get(LOG + link(second.content.decode(), "prev"))
    assert [e.pk for e, _ in newer.context["rows"]] == [e.pk for e, _ in first.context["rows"]]


@pytest.mark.parametrize("value", ["abc", "-5", "0", "99999999999999999999999", "1e3", ""])
def test_nonsense_page_keys_are_ignored(auditor, value):
    record(3, OrganisationFactory())
    assert auditor.get(LOG, {"before": value}).status_code == 200
    assert auditor.get(ACCESS, {"after": value}).status_code == 200


def test_entry_page_shows_reasons_and_hash(auditor):
    record(1, OrganisationFactory())
    entry = DecisionLogEntry.objects.get()
    page = auditor.get(reverse("portal:audit_decision", args=[entry.pk])).content.decode()
    assert "Reason number 0" in page and entry.entry_hash in page


def test_query_count_does_not_grow_with_entries(auditor, django_assert_max_num_queries):
    organisation = OrganisationFactory()
    record(5, organisation)
    with django_assert_max_num_queries(13) as small:  # 13: + the marking banner's level (issue 15)
        auditor.get(LOG)
    record(100, organisation)
    with django_assert_max_num_queries(len(small.captured_queries)):
        auditor.get(LOG)
    actor = DecisionLogEntry.objects.first().actor
    with django_assert_max_num_queries(len(small.captured_queries) + 2):  # + the user and organisation lookups
        auditor.get(LOG, {"user": actor.username, "organisation": organisation.pk})


def test_officers_cannot_read_the_log(make_member, signed_in):
    client = signed_in(make_member(role=Role.OFFICER).user)
    for url in (LOG, ACCESS, VERIFY):
        assert client.get(url).status_code == 403
    assert client.post(VERIFY).status_code == 403


# --- verification ---------------------------------------------------------------------------


def test_verification_page_queues_a_run_and_its_page_shows_count_head_and_speed(auditor, django_capture_on_commit_callbacks):
    record(4, OrganisationFactory())
    first = auditor.get(VERIFY)
    assert first.status_code == 200 and "The log has not been verified yet" in first.content.decode()
    # The POST only plans the run: its workers are queued after commit (here: in-process).
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = auditor.post(VERIFY)
    run = DecisionLogVerification.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:audit_verify_run", args=[run.pk])
    assert len(queued) == 1
    body = auditor.get(response["Location"]).content.decode()
    head = DecisionLogEntry.objects.order_by("-id").first().entry_hash
    assert "The decision log is intact" in body
    assert head in body and "Verified 4 entries in" in body
    assert 'http-equiv="refresh"' not in body  # finished: no more reloading
    # Recorded as a read of the log, not as a decision.
    assert DecisionLogEntry.objects.count() == 4
    read = AccessLogEntry.objects.get(object_type="decision_log")
    assert (read.kind, read.reference, read.user_id) == ("view", "verification", auditor.membership.user_id)
    assert read.organisation_id == auditor.membership.organisation_id
    # The verify page shows the latest run again.
    assert head in auditor.get(VERIFY).content.decode()


def test_a_running_verification_page_reloads_itself_and_shows_progress(auditor):
    record(3, OrganisationFactory())
    with pytest.MonkeyPatch.context() as patch:  # no worker reaches it: the run stays queued
        patch.setattr("portal.accountability.services.enqueue", lambda *args, **kwargs: True)
        auditor.post(VERIFY)
    run = DecisionLogVerification.objects.get()
    body = auditor.get(reverse("portal:audit_verify_run", args=[run.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in body
    assert "0 entries checked: 0 of 1 parts (0%)" in body
    assert "<script>" not in body  # CSP: no inline script, the refresh is a meta tag


def test_verification_page_names_the_first_broken_entry_after_tampering(auditor, django_capture_on_commit_callbacks):
    record(5, OrganisationFactory())
    entries = list(DecisionLogEntry.objects.order_by("id"))
    as_superuser_without_triggers(
        "UPDATE portal_decisionlogentry SET reasons = 'nothing to see' WHERE id = %s", [entries[2].pk]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = auditor.post(VERIFY)
    body = auditor.get(response["Location"]).content.decode()
    assert "The decision log&#x27;s chain is broken" in body or "The decision log's chain is broken" in body
    assert f"Entry {entries[2].pk}: its content does not match its hash (it was edited)" in body
    assert reverse("portal:audit_decision", args=[entries[2].pk]) in body
    # The verify page shows the last result again.
    assert f"{entries[2].pk}: its content does not match" in auditor.get(VERIFY).content.decode()


def test_unknown_verification_run_is_not_found(auditor):
    assert auditor.get(reverse("portal:audit_verify_run", args=[2**31])).status_code == 404


def test_verification_only_by_get_or_post(auditor):
    assert auditor.put(VERIFY).status_code == 405


def test_command_prints_throughput(capsys):
    from django.core.management import call_command

    record(3, OrganisationFactory())
    call_command("verify_decision_log")
    out = capsys.readouterr().out
    assert "3 entries; head hash" in out and "verified 3 entries in" in out


# --- access log ------------------------------------------------------------------------------


def test_access_log_shows_who_what_and_where(auditor):
    officer = MembershipFactory(organisation=OrganisationFactory(name="Stockport Homes"))
    accesses(1, officer, kind="download", reference="DR-2026-000007")
    response = auditor.get(ACCESS)
    body = response.content.decode()
    assert response.status_code == 200
    assert officer.user.username in body and "Stockport Homes" in body and "Downloaded" in body
    assert "DR-2026-000007" in body and "/requests/DR-2026-000007/" in body and "disclosure_request" in body


def test_access_log_filters(auditor):
    police = MembershipFactory(organisation=OrganisationFactory(name="Police"))
    council = MembershipFactory(organisation=OrganisationFactory(name="Council"))
    accesses(2, police, kind="view", reference="DR-2026-000001")
    accesses(3, council, kind="download", reference="DR-2026-000002")
    accesses(1, council, kind="print", reference="DR-2026-000002")

    def pks(params):
        return {entry.pk for entry in auditor.get(ACCESS, params).context["page"].entries}

    assert len(pks({"organisation": police.organisation.pk})) == 2
    assert len(pks({"user": council.user.username})) == 4
    assert len(pks({"kind": "download"})) == 3
    assert len(pks({"kind": "print", "organisation": council.organisation.pk})) == 1
    assert len(pks({"reference": "dr-2026-000002"})) == 4
    today = timezone.localdate()
    assert len(pks({"date_from": today.isoformat(), "date_to": today.isoformat()})) == 6
    assert pks({"date_to": (today - timedelta(days=1)).isoformat()}) == set()
    bad = auditor.get(ACCESS, {"kind": "delete", "date_from": "2026-02-30"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()


def test_access_log_pages_by_keyset(auditor):
    accesses(70, MembershipFactory())
    first = auditor.get(ACCESS)
    ids_1 = [e.pk for e in first.context["page"].entries]
    second = auditor.get(ACCESS + link(first.content.decode(), "next"))
    ids_2 = [e.pk for e in second.context["page"].entries]
    assert len(ids_1) == 50 and len(ids_2) == 20 and max(ids_2) < min(ids_1)
    back = auditor.get(ACCESS + link(second.content.decode(), "prev"))
    assert [e.pk for e in back.context["page"].entries] == ids_1


def test_access_log_query_count_does_not_grow(auditor, django_assert_max_num_queries):
    accesses(3, MembershipFactory())
    with django_assert_max_num_queries(13) as small:  # 13: + the marking banner's level (issue 15)
        auditor.get(ACCESS)
    for _ in range(20):
        accesses(3, MembershipFactory())
    with django_assert_max_num_queries(len(small.captured_queries)):
        auditor.get(ACCESS)


def test_navigation_offers_both_logs_to_auditors(auditor):
    body = auditor.get(ACCESS).content.decode()
    assert f'href="{ACCESS}"' in body and f'href="{LOG}"' in body


# --- hostile input ---------------------------------------------------------------------------

hostile = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        ["", "0", "-1", "99999999999999999999", "\x00", "a\x00b", "=1+1", "<script>", "{{ 7*7 }}", "2026-02-30",
         "9999-12-31", "0001-01-01", "31/12/9999", "x" * 5000]
    ),
)
FIELDS = ["organisation", "user", "action", "kind", "reference", "date_from", "date_to", "before", "after"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(params=st.dictionaries(st.sampled_from(FIELDS), hostile, max_size=5))
def test_hostile_filters_never_500(auditor, params):
    for url in (LOG, ACCESS, reverse("portal:audit_decisions_csv")):
        response = auditor.get(url, params)
        assert response.status_code == 200, (url, params)
        if response.streaming:
            b"".join(response.streaming_content)
        else:
            assert "<script>" not in response.content.decode()


def test_a_date_ranged_log_pages_by_time_with_links_that_work_in_constant_queries(auditor, django_assert_max_num_queries):
    """Issue 17: a date range pages by (occurred_at, id) with the cursor in the link; the page
    costs the same queries as the unfiltered one, however many entries the range holds."""
    organisation = OrganisationFactory()
    record(70, organisation)
    today = timezone.localdate().isoformat()
    dated = {"date_from": today, "date_to": today}
    with django_assert_max_num_queries(13) as undated:
        auditor.get(LOG)
    with django_assert_max_num_queries(len(undated.captured_queries)):
        first = auditor.get(LOG, dated)
    ids_1 = [e.pk for e, _ in first.context["rows"]]
    assert len(ids_1) == 50
    times = [(e.occurred_at, e.pk) for e, _ in first.context["rows"]]
    assert times == sorted(times, reverse=True)
    older_url = link(first.content.decode(), "next")
    assert "date_from=" + today in older_url
    with django_assert_max_num_queries(len(undated.captured_queries)):
        second = auditor.get(LOG + older_url)
    ids_2 = [e.pk for e, _ in second.context["rows"]]
    assert len(ids_2) == 20 and not set(ids_1) & set(ids_2)
    newer = auditor.get(LOG + link(second.content.decode(), "prev"))
    assert [e.pk for e, _ in newer.context["rows"]] == ids_1
