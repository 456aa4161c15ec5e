"""Breaches (SDP 8): reporting, who is told and who sees the case, the 72-hour clock, the DPO's
steps, the legal holds while the case is open, and the home page's count."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.models import Breach, BreachStatus
from governance.selectors.breaches import breach_clock
from governance.services import breaches as services
from portal.models import AccessLogEntry, DecisionLogEntry, LegalHold, Notification
from portal.retention.services import active_holds, legal_hold_lift
from portal.waiting import waiting_for

pytestmark = pytest.mark.django_db


def report(w, *, hours_ago=3, **overrides):
    discovered = timezone.now() - datetime.timedelta(hours=hours_ago)
    fields = dict(
        reporter=w.m["officer_a"].user, membership=w.m["officer_a"], what_happened="A case summary was emailed to the wrong address.",
        happened_at=discovered - datetime.timedelta(hours=1), discovered_at=discovered, occurred_organisation_id=w.a.pk,
        data_categories=["identifiers", "criminal_offence"], people_affected=2, release_ids=[w.release.pk],
        subject_ids=[w.subject.pk],
    )
    fields.update(overrides)
    return services.breach_report(**fields)


def decide(w, breach, **overrides):
    fields = dict(breach=breach, decision="report", reasons="Risk to the people named.", ico_reference="ICO-00123",
                  reported_at=timezone.now() - datetime.timedelta(minutes=5), acting_user=w.m["dpo_a"].user,
                  membership=w.m["dpo_a"])
    fields.update(overrides)
    return services.breach_ico_decide(**fields)


def test_a_report_tells_the_dpos_where_it_occurred_and_of_the_source_at_once_with_a_link_only(w):
    breach = report(w)
    assert breach.reference.startswith("BR-") and breach.status == BreachStatus.OPEN
    assert set(breach.source_organisations.all()) == {w.b}
    told = Notification.objects.filter(reference=breach.reference)
    assert {n.recipient.username for n in told} == {"dpo_a", "dpo_b"}
    for notification in told:
        assert notification.path == reverse("governance:breach_detail", args=[breach.pk])
        assert "Jordan" not in notification.subject and "wrong address" not in notification.subject
    entry = DecisionLogEntry.objects.get(action="breach.reported", reference=breach.reference)
    assert entry.details["source_organisations"] == [w.b.pk]
    assert entry.partnership_id == w.pack.partnership_id


def test_linked_records_are_held_while_open_and_released_on_close(w):
    breach = report(w)
    refs, subjects = active_holds()
    assert w.request.reference in refs and w.subject.pk in subjects
    hold = LegalHold.objects.get(case_reference=breach.reference, request_reference=w.request.reference)
    assert hold.reason_kind == "breach" and hold.organisation == w.a
    # A designated officer cannot lift a case's hold by hand.
    with pytest.raises(ValidationError, match=breach.reference):
        legal_hold_lift(hold=hold, reason="Done", acting_user=w.m["do_a"].user, acting_membership=w.m["do_a"])
    dpo = dict(acting_user=w.m["dpo_a"].user, membership=w.m["dpo_a"])
    with pytest.raises(ValidationError):
        services.breach_close(breach=breach, **dpo)
    decide(w, breach)
    services.breach_investigation_record(breach=breach, findings="Autocomplete picked the wrong address.", **dpo)
    services.breach_summary_share(breach=breach, summary="Email sent to a wrong partner address; recalled.", **dpo)
    services.breach_close(breach=breach, **dpo)
    refs, subjects = active_holds()
    assert w.request.reference not in refs and w.subject.pk not in subjects
    assert Breach.objects.get(pk=breach.pk).status == BreachStatus.CLOSED
    assert DecisionLogEntry.objects.filter(action="retention.hold_lifted", details__case=breach.reference).count() == 2
    assert list(
        DecisionLogEntry.objects.filter(reference=breach.reference, action__startswith="breach.")
        .order_by("id").values_list("action", flat=True)
    ) == ["breach.reported", "breach.ico_decided", "breach.investigation_recorded", "breach.summary_shared", "breach.closed"]


def test_a_reporter_can_link_only_what_they_can_see(w):
    with pytest.raises(ValidationError) as raised:
        report(w, reporter=w.m["officer_c"].user, membership=w.m["officer_c"], occurred_organisation_id=w.c.pk)
    assert set(raised.value.error_dict) == {"releases", "subjects"}
    assert not Breach.objects.exists()


def test_who_sees_the_case(w):
    breach = report(w)
    url = reverse("governance:breach_detail", args=[breach.pk])
    seen = {name: w.client(name).get(url).status_code for name in w.m}
    assert seen == {
        "officer_a": 200, "dpo_a": 200, "dpo_b": 200,  # the reporter; where it occurred; the source
        "do_a": 404, "do_b": 404, "officer_b": 404, "officer_c": 404, "do_c": 404, "dpo_c": 404,
    }
    assert AccessLogEntry.objects.filter(reference=breach.reference, user=w.m["dpo_b"].user).exists()
    # Once the summary report is shared, the involved organisations' designated officers read it.
    dpo = dict(acting_user=w.m["dpo_a"].user, membership=w.m["dpo_a"])
    services.breach_investigation_record(breach=breach, findings="Found.", **dpo)
    services.breach_summary_share(breach=breach, summary="What happened, in short.", **dpo)
    assert w.client("do_b").get(url).status_code == 200
    assert w.client("do_c").get(url).status_code == 404
    assert Notification.objects.filter(reference=breach.reference, recipient=w.m["do_b"].user).exists()


def test_only_the_dpo_where_it_occurred_handles_it(w):
    breach = report(w)
    with pytest.raises(PermissionDenied):
        decide(w, breach, acting_user=w.m["dpo_b"].user, membership=w.m["dpo_b"])
    assert w.client("dpo_b").get(reverse("governance:breach_ico", args=[breach.pk])).status_code == 403
    assert w.client("officer_a").get(reverse("governance:breach_ico", args=[breach.pk])).status_code == 403


@pytest.mark.parametrize(
    "hours_ago, state",
    [(3, "ok"), (49, "warning"), (67, "urgent"), (73, "overdue")],
)
def test_the_72_hour_clock_warns_at_24_and_6_hours_and_flags_overdue(w, hours_ago, state):
    breach = report(w, hours_ago=hours_ago)
    assert breach_clock(breach).state == state
    page = w.client("dpo_a").get(reverse("governance:breach_list")).content.decode()
    assert breach.reference in page
    assert breach_clock(breach).label in page


def test_the_ico_decision_stops_the_clock_and_a_report_needs_the_icos_reference(w):
    breach = report(w, hours_ago=80)
    with pytest.raises(ValidationError) as raised:
        decide(w, breach, ico_reference="", reported_at=None)
    assert set(raised.value.error_dict) == {"ico_reference", "reported_at"}
    decide(w, breach)
    breach.refresh_from_db()
    assert breach_clock(breach).state == "decided_late"
    entry = DecisionLogEntry.objects.get(action="breach.ico_decided", reference=breach.reference)
    assert entry.details["within_72_hours"] is False and "Risk to the people named." in entry.reasons


def test_a_decision_not_to_report_keeps_no_ico_reference(w):
    breach = report(w)
    decide(w, breach, decision="not_report", reasons="Recalled unread within the hour.", ico_reference="X")
    breach.refresh_from_db()
    assert (breach.ico_reference, breach.ico_reported_at) == ("", None)
    assert breach_clock(breach).state == "decided"


def test_the_dpo_home_page_counts_breaches_waiting_for_the_ico_decision(w):
    report(w)
    report(w, hours_ago=10)
    items = {i.label: i.count for i in waiting_for(user=w.m["dpo_a"].user, membership=w.m["dpo_a"])}
    assert items["Breaches waiting for the ICO decision"] == 2
    other = {i.label: i.count for i in waiting_for(user=w.m["dpo_b"].user, membership=w.m["dpo_b"])}
    assert other["Breaches waiting for the ICO decision"] == 0  # the source's DPO is told, but does not decide


def test_the_report_form_checks_answers_then_reports(w):
    client = w.client("officer_a")
    url = reverse("governance:breach_report")
    page = client.get(url).content.decode()
    assert w.request.reference in page and "Jordan Example" in page
    discovered = timezone.localtime() - datetime.timedelta(hours=2)
    data = {
        "what_happened": "Sent to the wrong inbox.", "happened_date": discovered.strftime("%d/%m/%Y"),
        "happened_time": discovered.strftime("%H:%M"), "discovered_date": discovered.strftime("%d/%m/%Y"),
        "discovered_time": discovered.strftime("%H:%M"), "occurred_organisation": str(w.a.pk),
        "data_categories": ["identifiers"], "people_affected": "1", "releases": [str(w.release.pk)], "step": "check",
    }
    check = client.post(url, data)
    assert check.status_code == 200 and "Check your answers" in check.content.decode()
    assert not Breach.objects.exists()
    changed = client.post(url, {**data, "step": "change"}).content.decode()
    assert "Sent to the wrong inbox." in changed and "Report a breach" in changed
    sent = client.post(url, {**data, "step": "send"})
    breach = Breach.objects.get()
    assert sent["Location"] == reverse("governance:breach_reported", args=[breach.pk])
    panel = client.get(sent["Location"]).content.decode()
    assert "Breach reported" in panel and breach.reference in panel and "left" in panel


def test_the_report_form_keeps_what_was_typed_on_an_error(w):
    client = w.client("officer_a")
    response = client.post(reverse("governance:breach_report"), {"what_happened": "Half a report", "step": "check"})
    body = response.content.decode()
    assert "There is a problem" in body and "Half a report" in body
    assert "Enter the date it was discovered" in body


def test_the_dpo_queue_costs_the_same_whatever_its_length(w, django_assert_max_num_queries):
    client = w.client("dpo_a")
    report(w)
    with django_assert_max_num_queries(40) as one:
        assert client.get(reverse("governance:breach_list")).status_code == 200
    for hours in (1, 30, 60, 70, 90):
        report(w, hours_ago=hours)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("governance:breach_list")).content.decode()
    assert page.count("BR-") >= 6 and "Overdue" in page


def test_the_report_form_finds_links_by_search_beyond_the_latest_and_keeps_what_was_ticked(w):
    from governance.selectors.breaches import LINK_PAGE
    from tests.sharing.factories import DisclosureRequestFactory

    old = DisclosureRequestFactory(
        reference="DR-OLDEST1", requesting_organisation=w.a, requester=w.m["officer_a"].user, holding_organisation=w.b,
        assignee=w.m["officer_b"].user, protocol_pack=w.pack,
    )
    for _ in range(LINK_PAGE + 5):
        DisclosureRequestFactory(requesting_organisation=w.a, requester=w.m["officer_a"].user, holding_organisation=w.b,
                                 assignee=w.m["officer_b"].user, protocol_pack=w.pack)
    client = w.client("officer_a")
    url = reverse("governance:breach_report")
    first = client.get(url).content.decode()
    assert "DR-OLDEST1" not in first and "More requests" in first  # one page of the latest only
    discovered = timezone.localtime() - datetime.timedelta(hours=2)
    typed = {
        "what_happened": "Posted to the wrong address.", "happened_date": discovered.strftime("%d/%m/%Y"),
        "happened_time": discovered.strftime("%H:%M"), "discovered_date": discovered.strftime("%d/%m/%Y"),
        "discovered_time": discovered.strftime("%H:%M"), "occurred_organisation": str(w.a.pk),
        "data_categories": ["identifiers"], "people_affected": "3",
    }
    found = client.post(url, {**typed, "q_requests": "oldest", "step": "search"}).content.decode()
    assert "DR-OLDEST1" in found and "Posted to the wrong address." in found and "There is a problem" not in found
    # Ticked, then another kind searched: the tick and everything typed stay.
    again = client.post(url, {**typed, "requests": [str(old.pk)], "q_requests": "", "q_subjects": "jordan",
                              "step": "search"}).content.decode()
    assert "DR-OLDEST1" in again and f'value="{old.pk}"' in again and "Jordan Example" in again
    assert "Posted to the wrong address." in again
    # Paging the requests keeps the tick too.
    paged = client.post(url, {**typed, "requests": [str(old.pk)], "page_requests": "2"}).content.decode()
    assert "DR-OLDEST1" in paged and "Previous requests" in paged
    client.post(url, {**typed, "requests": [str(old.pk)], "step": "send"})
    breach = Breach.objects.get()
    assert list(breach.requests.values_list("pk", flat=True)) == [old.pk]
