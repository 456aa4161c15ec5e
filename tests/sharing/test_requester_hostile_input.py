"""Hostile input to the dispute forms: huge strings, NUL and other control characters, formula
prefixes, HTML. Never a 500; an error on the page with what was typed kept and escaped, or saved
and shown escaped."""
import pytest
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharing.models import Dispute, Outcome, Status
from sharing.services.disputes import dispute_raise
from tests.sharing.factories import decision_make

pytestmark = pytest.mark.django_db

PROBE = '<i data-probe="1">'

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc"]), min_size=1, max_size=20),
    st.sampled_from(["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@HYPERLINK(\"x\")", "\t=1", "\x00", "a\x00b"]),
    st.sampled_from(["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*7 }}", "{% now %}"]),
    st.integers(min_value=4990, max_value=5010).map(lambda n: "x" * n),
    st.just("y" * 200_000),
).map(lambda text: text + PROBE)

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_safe(response, value, detail_client, request):
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        body = response.content.decode()
        assert "There is a problem" in body
        assert PROBE not in body
        if len(value) < 10_000 and "\x00" not in value:
            assert escape(value).strip() in body or escape(value.strip()) in body
    else:
        page = detail_client.get(reverse("sharing:request_detail", kwargs={"pk": request.pk}))
        assert page.status_code == 200
        body = page.content.decode()
        assert PROBE not in body
        assert escape(PROBE) in body


@HYPOTHESIS
@given(grounds=hostile_text)
def test_dispute_form(parties, grounds):
    request = parties.request(status=Status.DECLINED, assignee=parties.assignee)
    decision_make(request, outcome=Outcome.DECLINED)
    client = parties.client("requester")
    response = client.post(reverse("sharing:request_dispute", kwargs={"pk": request.pk}), {"grounds": grounds})
    assert_safe(response, grounds, client, request)
    if response.status_code == 302:
        assert Dispute.objects.get(request=request).grounds == grounds.strip()


@HYPOTHESIS
@given(reasons=hostile_text, outcome=st.one_of(st.sampled_from(["uphold", "overturn"]), st.text(max_size=20)))
def test_dispute_decision_form(parties, reasons, outcome):
    request = parties.request(status=Status.DECLINED, assignee=parties.assignee)
    decision_make(request, outcome=Outcome.DECLINED)
    dispute_raise(
        disclosure=request, grounds="Grounds", acting_user=parties.requester, acting_membership=parties.memberships["requester"]
    )
    client = parties.client("do_b")
    response = client.post(
        reverse("sharing:dispute_decide", kwargs={"pk": request.pk}), {"outcome": outcome, "reasons": reasons}
    )
    assert_safe(response, reasons, client, request)
    request.refresh_from_db()
    if response.status_code == 302:
        assert request.status in (Status.DECLINED, Status.IN_REVIEW)
        assert Dispute.objects.get(request=request).decision_reasons == reasons.strip()
    else:
        assert request.status == Status.DISPUTED
