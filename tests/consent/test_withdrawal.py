"""consent_withdraw: when, how it was communicated, who recorded it; the decision log; the
listeners other apps register are called inside the same transaction; later releases refused."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from consent import signals_registry
from consent.models import ConsentRecord
from consent.services import consent_coverage_problems, consent_withdraw
from portal.models import DecisionLogEntry
from portal.models.notifications import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def listeners(monkeypatch):
    """Only the listeners a test registers (the apps' own are tested with those apps)."""
    monkeypatch.setattr(signals_registry, "_WITHDRAWAL_LISTENERS", [])
    return signals_registry


def test_withdrawal_is_recorded_and_logged_with_how_it_was_communicated(parties, make_consent, listeners):
    consent = make_consent()
    withdrawn = consent_withdraw(
        consent=consent,
        withdrawn_at=timezone.localdate() - datetime.timedelta(days=1),
        how_communicated="She phoned the neighbourhood team and asked us to stop sharing.",
        acting_user=parties.do_a,
        acting_membership=parties.memberships["do_a"],
    )
    withdrawn.refresh_from_db()
    assert withdrawn.withdrawn_at.date() == timezone.localdate() - datetime.timedelta(days=1)
    assert withdrawn.withdrawal_recorded_by == parties.do_a
    assert withdrawn.withdrawal_how.startswith("She phoned")
    assert withdrawn.state_label == "Withdrawn"
    entry = DecisionLogEntry.objects.get(action="consent.withdrawn")
    assert entry.reference == consent.reference and entry.actor == parties.do_a and entry.organisation == parties.a
    assert "How it was communicated: She phoned the neighbourhood team" in entry.reasons
    # The officer who recorded it is told (a link and the reference only).
    note = Notification.objects.get(recipient=parties.requester)
    assert note.reference == consent.reference and "Casey" not in note.subject


def test_listeners_are_called_inside_the_withdrawal_transaction(parties, make_consent, listeners):
    consent = make_consent()
    calls = []

    def listener(*, consent, acting_user):
        calls.append(
            {
                "in_transaction": connection.in_atomic_block,
                "withdrawn_in_db": ConsentRecord.objects.get(pk=consent.pk).withdrawn_at is not None,
                "logged_yet": DecisionLogEntry.objects.filter(action="consent.withdrawn").exists(),
                "acting_user": acting_user,
            }
        )

    listeners.register_withdrawal_listener(listener)
    listeners.register_withdrawal_listener(listener)  # twice is once
    consent_withdraw(
        consent=consent, withdrawn_at=timezone.localdate(), how_communicated="In person", acting_user=parties.requester
    )
    assert calls == [
        {"in_transaction": True, "withdrawn_in_db": True, "logged_yet": False, "acting_user": parties.requester}
    ]


def test_a_failing_listener_rolls_the_withdrawal_back(parties, make_consent, listeners):
    consent = make_consent()

    def broken(*, consent, acting_user):
        raise RuntimeError("could not flag the requests")

    listeners.register_withdrawal_listener(broken)
    with pytest.raises(RuntimeError):
        consent_withdraw(
            consent=consent, withdrawn_at=timezone.localdate(), how_communicated="In person", acting_user=parties.requester
        )
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert not DecisionLogEntry.objects.filter(action="consent.withdrawn").exists()


def test_a_withdrawn_consent_covers_nothing_afterwards(parties, make_consent, listeners):
    consent = make_consent()
    purpose = parties.pack.purposes.order_by("order").first()
    assert not consent_coverage_problems(consent=consent, recipient_organisation=parties.a, purpose=purpose)
    consent_withdraw(
        consent=consent, withdrawn_at=timezone.localdate(), how_communicated="Letter", acting_user=parties.requester
    )
    consent.refresh_from_db()
    problems = consent_coverage_problems(consent=consent, recipient_organisation=parties.a, purpose=purpose)
    assert len(problems) == 1 and problems[0].startswith("The consent was withdrawn on")


@pytest.mark.parametrize(
    "withdrawn_at, how, field",
    [
        (None, "Letter", "withdrawn_at"),
        (timezone.localdate() + datetime.timedelta(days=1), "Letter", "withdrawn_at"),
        (timezone.localdate() - datetime.timedelta(days=30), "Letter", "withdrawn_at"),  # before it was given
        (timezone.localdate(), "", "how_communicated"),
        (timezone.localdate(), "a\x00b", "how_communicated"),
        (timezone.localdate(), "x" * 2001, "how_communicated"),
    ],
)
def test_impossible_withdrawals_are_refused(parties, make_consent, listeners, withdrawn_at, how, field):
    consent = make_consent()
    with pytest.raises(ValidationError) as excinfo:
        consent_withdraw(consent=consent, withdrawn_at=withdrawn_at, how_communicated=how, acting_user=parties.requester)
    assert field in excinfo.value.message_dict
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_withdrawing_twice_is_refused(parties, make_consent, listeners):
    consent = make_consent()
    consent_withdraw(consent=consent, withdrawn_at=timezone.localdate(), how_communicated="Letter", acting_user=parties.requester)
    with pytest.raises(ValidationError, match="already withdrawn"):
        consent_withdraw(consent=consent, withdrawn_at=timezone.localdate(), how_communicated="Again", acting_user=parties.do_a)
    assert DecisionLogEntry.objects.filter(action="consent.withdrawn").count() == 1


def test_only_someone_who_can_see_it_records_a_withdrawal(parties, make_consent, listeners):
    consent = make_consent()
    with pytest.raises(Http404):
        consent_withdraw(
            consent=consent, withdrawn_at=timezone.localdate(), how_communicated="Letter", acting_user=parties.officer_b
        )
