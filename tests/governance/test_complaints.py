"""Complaints (SSP 12): recorded against the requests concerned, joint when several organisations
are party to them (each records its part, the receiving one the agreed outcome), a legal hold on
the requests while open, every step in the decision log."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.models import Complaint, ComplaintStatus
from governance.services import complaints as services
from portal.models import DecisionLogEntry, Notification
from portal.retention.services import active_holds
from portal.waiting import waiting_for

pytestmark = pytest.mark.django_db


def record(w, name="dpo_a", **overrides):
    fields = dict(membership=w.m[name], acting_user=w.m[name].user, about="disclosure",
                  summary="The complainant says too much was shared.", received_on=timezone.localdate(),
                  request_ids=[w.request.pk])
    fields.update(overrides)
    return services.complaint_record(**fields)


def part(w, complaint, name, findings="We shared only what was asked."):
    return services.complaint_part_record(complaint=complaint, findings=findings, acting_user=w.m[name].user,
                                          membership=w.m[name])


def test_a_complaint_on_a_request_between_two_partners_is_joint_and_tells_the_other(w):
    complaint = record(w)
    assert complaint.reference.startswith("CP-")
    assert {p.organisation for p in complaint.parts.all()} == {w.a, w.b}
    told = {n.recipient.username for n in Notification.objects.filter(reference=complaint.reference)}
    assert told == {"dpo_b", "do_b"}
    entry = DecisionLogEntry.objects.get(action="complaint.recorded", reference=complaint.reference)
    assert entry.details["joint"] is True and entry.details["requests"] == [w.request.reference]
    assert w.request.reference in active_holds()[0]


def test_who_sees_a_complaint(w):
    complaint = record(w)
    url = reverse("governance:complaint_detail", args=[complaint.pk])
    seen = {name: w.client(name).get(url).status_code for name in w.m}
    assert seen == {
        "dpo_a": 200, "do_a": 200, "dpo_b": 200, "do_b": 200,
        "dpo_c": 404, "do_c": 404, "officer_a": 403, "officer_b": 403, "officer_c": 403,
    }


def test_only_requests_of_ones_own_organisation_can_be_complained_of(w):
    with pytest.raises(ValidationError) as raised:
        record(w, name="dpo_c")
    assert "requests" in raised.value.error_dict
    with pytest.raises(PermissionDenied):
        record(w, name="officer_a")


def test_the_outcome_waits_for_every_part_then_closes_and_lifts_the_hold(w):
    complaint = record(w)
    outcome = dict(complaint=complaint, outcome="not_upheld", outcome_text="Shared lawfully; reply sent 3 March.",
                   acting_user=w.m["dpo_a"].user, membership=w.m["dpo_a"])
    part(w, complaint, "dpo_a")
    with pytest.raises(ValidationError, match="Stockport Council has not recorded its part"):
        services.complaint_outcome_record(**outcome)
    items = {i.label: i.count for i in waiting_for(user=w.m["do_b"].user, membership=w.m["do_b"])}
    assert items["Complaints waiting for your organisation's part"] == 1
    with pytest.raises(Http404):  # an organisation taking no part finds nothing
        part(w, complaint, "dpo_c")
    with pytest.raises(PermissionDenied):  # a role that records no part
        services.complaint_part_record(complaint=complaint, findings="x", acting_user=w.m["do_a"].user,
                                       membership=w.m["officer_a"])
    part(w, complaint, "do_b", "Our release was within the request's scope.")
    with pytest.raises(PermissionDenied):
        services.complaint_outcome_record(**{**outcome, "acting_user": w.m["dpo_b"].user, "membership": w.m["dpo_b"]})
    services.complaint_outcome_record(**outcome)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert w.request.reference not in active_holds()[0]
    entry = DecisionLogEntry.objects.get(action="complaint.outcome_recorded", reference=complaint.reference)
    assert "Greater Manchester Police" in entry.reasons and "Stockport Council" in entry.reasons
    assert list(
        DecisionLogEntry.objects.filter(reference=complaint.reference).order_by("id").values_list("action", flat=True)
    ) == ["complaint.recorded", "complaint.part_recorded", "complaint.part_recorded", "complaint.outcome_recorded"]
    with pytest.raises(ValidationError):
        part(w, complaint, "dpo_a")


def test_the_pages_from_recording_to_the_closed_panel(w):
    a, b = w.client("dpo_a"), w.client("do_b")
    page = a.get(reverse("governance:complaint_new")).content.decode()
    assert w.request.reference in page
    response = a.post(reverse("governance:complaint_new"), {
        "about": "disclosure", "requests": [str(w.request.pk)], "summary": "Too much shared.",
        "received_on": timezone.localdate().strftime("%d/%m/%Y"),
    })
    complaint = Complaint.objects.get()
    assert response["Location"] == reverse("governance:complaint_detail", args=[complaint.pk])
    for client in (a, b):
        assert client.post(reverse("governance:complaint_part", args=[complaint.pk]), {"findings": "Found."}).status_code == 302
    assert b.get(reverse("governance:complaint_outcome", args=[complaint.pk])).status_code == 403
    page = a.get(reverse("governance:complaint_outcome", args=[complaint.pk])).content.decode()
    assert "Check the parts" in page and "Stockport Council" in page
    closed = a.post(reverse("governance:complaint_outcome", args=[complaint.pk]),
                    {"outcome": "upheld", "outcome_text": "Apology sent."})
    assert closed["Location"] == reverse("governance:complaint_closed", args=[complaint.pk])
    assert "Complaint closed" in a.get(closed["Location"]).content.decode()


PROBE = '<i data-probe="1">'
HYPOTHESIS = settings(max_examples=20, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
hostile = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["\x00", "a\x00b", "<script>x</script>", "{{ 7*7 }}", "31/02/2026", "-1", "9" * 30, "x" * 20_001]),
)


@HYPOTHESIS
@given(field=st.sampled_from(["about", "requests", "summary", "received_on", "acknowledged_on"]), value=hostile)
def test_hostile_input_to_the_complaint_form(w, field, value):
    client = w.client("dpo_a")
    data = {"about": "refusal", "requests": [str(w.request.pk)], "summary": "Unfair refusal.",
            "received_on": timezone.localdate().strftime("%d/%m/%Y"), field: value + (PROBE if field == "summary" else "")}
    before = Complaint.objects.count()
    response = client.post(reverse("governance:complaint_new"), data)
    assert response.status_code in (200, 302)
    body = (client.get(response["Location"]) if response.status_code == 302 else response).content.decode()
    assert PROBE not in body
    if response.status_code == 200:
        assert "There is a problem" in body and Complaint.objects.count() == before
        if field == "summary" and "\x00" not in value:
            assert escape(PROBE) in body or "characters or fewer" in body


@HYPOTHESIS
@given(value=hostile)
def test_hostile_input_to_a_part(w, value):
    complaint = Complaint.objects.first() or record(w)
    response = w.client("dpo_b").post(reverse("governance:complaint_part", args=[complaint.pk]), {"findings": value + PROBE})
    assert response.status_code in (200, 302)
    assert PROBE not in response.content.decode()


def test_the_complaints_list_costs_the_same_whatever_its_length(w, django_assert_max_num_queries):
    client = w.client("dpo_b")
    record(w)
    with django_assert_max_num_queries(40) as one:
        assert client.get(reverse("governance:complaint_list")).status_code == 200
    for _ in range(5):
        record(w)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("governance:complaint_list")).content.decode()
    assert page.count("CP-") == 6
