"""Notifications of the dispute steps: queued in the service's transaction, sent after commit,
carrying a link and the reference only — never names or content (SSP Appendix 7). One test
proves it end to end with a real Celery worker on Redis (tests/workers.py)."""
import pytest
from django.core import mail
from django.urls import reverse

from portal.models import Notification
from sharing.models import Outcome, Status
from sharing.services.disputes import dispute_decide, dispute_raise, dispute_view_record
from tests.sharing.factories import decision_make
from tests.workers import celery_worker_process  # noqa: F401  (fixture)

SUBJECT_NAME = "Jordan Example"
GROUNDS = "Needed for the MARAC on Jordan Example next week"
REASONS = "Jordan Example's risk is now high; release it"


def declined_request(parties):
    request = parties.request(
        status=Status.DECLINED,
        assignee=parties.assignee,
        information_requested="Records of domestic abuse call-outs at 1 Example Street",
    )
    decision_make(request, outcome=Outcome.DECLINED, reasons="Not proportionate for Jordan Example.")
    return request


def assert_no_personal_data(text: str, request) -> None:
    for secret in (SUBJECT_NAME, "Example Street", "domestic abuse", GROUNDS, REASONS, "Not proportionate"):
        assert secret not in text, f"{secret!r} leaked into a notification"
    assert request.reference in text
    assert reverse("sharing:request_detail", kwargs={"pk": request.pk}) in text


@pytest.mark.django_db(transaction=True)
def test_dispute_emails_carry_a_link_and_reference_only(parties):
    """In-process (eager) delivery: the outbox rows are sent after commit."""
    request = declined_request(parties)
    dispute = dispute_raise(
        disclosure=request, grounds=GROUNDS, acting_user=parties.requester, acting_membership=parties.memberships["requester"]
    )
    # SSP 9.2: the requesting organisation's designated officer gives their view first.
    dispute = dispute_view_record(
        dispute=dispute, view=REASONS, acting_user=parties.do_a, acting_membership=parties.memberships["do_a"]
    )
    dispute_decide(
        dispute=dispute, upheld=False, reasons=REASONS, acting_user=parties.do_b, acting_membership=parties.memberships["do_b"]
    )
    assert {m.to[0] for m in mail.outbox} == {
        parties.do_a.email, parties.do_b.email, parties.requester.email, parties.assignee.email
    }
    for message in mail.outbox:
        assert_no_personal_data(message.subject + message.body, request)
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_nothing_is_queued_when_the_service_refuses(parties):
    request = parties.request(status=Status.SUBMITTED)
    with pytest.raises(Exception):
        dispute_raise(disclosure=request, grounds=GROUNDS, acting_user=parties.requester,
                      acting_membership=parties.memberships["requester"])
    assert not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_dispute_notification(parties, celery_worker_process):  # noqa: F811
    request = declined_request(parties)
    dispute_raise(
        disclosure=request, grounds=GROUNDS, acting_user=parties.requester, acting_membership=parties.memberships["requester"]
    )
    assert mail.outbox == []  # nothing was sent in this process: the worker does it
    messages = celery_worker_process.wait_for_mail(count=2)
    text = "\n".join(messages)
    assert_no_personal_data(text, request)
    assert "http://" in text or "https://" in text
    assert parties.do_a.email in text and parties.do_b.email in text
    # the worker marks the outbox rows sent once the mail has gone
    import time

    deadline = time.monotonic() + 10
    while Notification.objects.filter(sent_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    notifications = list(Notification.objects.all())
    assert len(notifications) == 2
    assert all(n.sent_at is not None for n in notifications)
