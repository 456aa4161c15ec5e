"""Consent relied on at release (SSP 6.1, Appendix 5; DOMAIN.md §4 step 4): the responder chooses
the consent record, the release is checked against it (recipient, purpose, information, not
withdrawn, not expired), a refused release is logged and the log entry survives the rolled-back
attempt, and a withdrawal flags the open requests relying on it (sharing/services/consent_reliance.py,
sharing/services/withdrawal.py, sharing/services/decide.py, sharing/views/override.py)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord, GivenBy
from consent.selectors import visible_consents
from consent.services import consent_record, consent_withdraw
from portal.accountability.services import decision_log_verify
from portal.models import DecisionLogEntry, Notification
from sharing.models import ConsentReliance, NoteKind, Status
from sharing.services import consent_reliance as basis
from tests.sharing.test_override import assigned, release, run_flowchart

pytestmark = pytest.mark.django_db

ITEMS = ["Anti-social behaviour complaints about my address", "Tenancy warnings about noise"]


def consent_for(parties, req, **overrides):
    """A consent recorded by the requester (through the real service) for the request's subject,
    allowing B to disclose the two ITEMS to A for the request's purpose."""
    membership = parties.memberships["requester"]
    given_on = timezone.localdate() - datetime.timedelta(days=7)
    values = dict(
        acting_user=membership.user,
        acting_membership=membership,
        subject=req.subjects.first().subject,
        given_by=GivenBy.SUBJECT,
        reasons_explained=True,
        disclosers=[parties.b],
        recipients=[parties.a],
        purposes=[req.purpose],
        information_items=list(ITEMS),
        given_on=given_on,
        witness_name="Pat Officer",
        witness_position="Police constable",
        witnessed_on=given_on,
        expires_on=given_on + datetime.timedelta(days=365),
    )
    values.update(overrides)
    return consent_record(**values)


def about_another_person(req):
    """The factory names every request's subject alike, which the consent page would rightly
    take for the same person (same name and date of birth): make this one someone else."""
    subject = req.subjects.first().subject
    subject.full_name = "Sam Otherperson"
    subject.save(update_fields=["full_name"])
    return req


def choose(parties, req, consent, items=None):
    return basis.consent_reliance_choose(
        disclosure=req, consent=consent, information_items=items or ITEMS[:1], acting_user=req.assignee
    )


@pytest.fixture
def with_consent(parties):
    req = assigned(parties)
    run_flowchart(parties, req, route="consent")
    return req


def test_a_valid_consent_covers_the_release(parties, with_consent):
    req = with_consent
    consent = consent_for(parties, req)
    assert not visible_consents(user=parties.assignee).filter(pk=consent.pk).exists()
    reliance = choose(parties, req, consent)
    assert DecisionLogEntry.objects.filter(action="consent.reliance_chosen", reference=req.reference).exists()
    decision = release(parties, req)
    req.refresh_from_db()
    reliance.refresh_from_db()
    assert req.status == Status.RELEASED
    assert reliance.decision == decision and reliance.relied_at is not None
    entry = DecisionLogEntry.objects.get(action="consent.relied_upon")
    assert entry.reference == req.reference and consent.reference in entry.reasons
    assert entry.details["information_items"] == ITEMS[:1]
    assert DecisionLogEntry.objects.get(action="request.released").details["consent"] == consent.reference
    # The responder and B's designated officer may now see the record behind the release.
    assert visible_consents(user=parties.assignee).filter(pk=consent.pk).exists()
    assert visible_consents(user=parties.do_b).filter(pk=consent.pk).exists()


def test_release_relying_on_consent_needs_a_consent_chosen(parties, with_consent):
    with pytest.raises(ValidationError, match="choose the consent record"):
        release(parties, with_consent)
    assert not DecisionLogEntry.objects.filter(action="consent.refused_at_release").exists()


def test_a_release_that_did_not_go_through_consent_needs_none(parties):
    req = assigned(parties)
    run_flowchart(parties, req, route="share")
    release(parties, req)
    assert not ConsentReliance.objects.exists()


def _make_uncovered(parties, req, condition):
    """A consent chosen while it covered the release, then made not to cover it by `condition`.
    Returns the consent and the message expected at release."""
    other_purpose = req.protocol_pack.purposes.exclude(pk=req.purpose_id).order_by("order").first()
    if condition == "withdrawn":
        consent = consent_for(parties, req)
        choose(parties, req, consent)
        consent_withdraw(
            consent=consent, withdrawn_at=timezone.localdate(), how_communicated="Phoned the officer",
            acting_user=parties.requester, acting_membership=parties.memberships["requester"],
        )
        return consent, "The consent was withdrawn on"
    if condition == "expired":
        given = timezone.localdate() - datetime.timedelta(days=30)
        consent = consent_for(parties, req, given_on=given, witnessed_on=given, expires_on=given + datetime.timedelta(days=10))
        ConsentReliance.objects.create(request=req, consent=consent, information_items=ITEMS[:1], chosen_by=req.assignee)
        return consent, "The consent expired on"
    if condition == "recipient":
        consent = consent_for(parties, req, recipients=[parties.c])
        ConsentReliance.objects.create(request=req, consent=consent, information_items=ITEMS[:1], chosen_by=req.assignee)
        return consent, f"The consent does not allow disclosure to {parties.a.name}"
    if condition == "purpose":
        consent = consent_for(parties, req, purposes=[other_purpose])
        ConsentReliance.objects.create(request=req, consent=consent, information_items=ITEMS[:1], chosen_by=req.assignee)
        return consent, "The consent does not cover the purpose"
    if condition == "information":
        consent = consent_for(parties, req)
        ConsentReliance.objects.create(
            request=req, consent=consent, information_items=["Medical records"], chosen_by=req.assignee
        )
        return consent, "The consent does not cover: Medical records"
    if condition == "discloser":
        consent = consent_for(parties, req, disclosers=[parties.c])
        ConsentReliance.objects.create(request=req, consent=consent, information_items=ITEMS[:1], chosen_by=req.assignee)
        return consent, f"The consent does not allow {parties.b.name} to disclose"
    if condition == "not_explained":
        consent = consent_for(parties, req)
        ConsentRecord.objects.filter(pk=consent.pk).update(reasons_explained=False)
        ConsentReliance.objects.create(request=req, consent=consent, information_items=ITEMS[:1], chosen_by=req.assignee)
        return consent, "The reasons for asking were not explained"
    raise AssertionError(condition)


CONDITIONS = ["withdrawn", "expired", "recipient", "purpose", "information", "discloser", "not_explained"]


@pytest.mark.parametrize("condition", CONDITIONS)
def test_each_failing_condition_refuses_the_release_and_is_logged(parties, with_consent, condition):
    req = with_consent
    consent, message = _make_uncovered(parties, req, condition)
    for outcome in ("released", "partly_released"):
        with pytest.raises(ValidationError) as excinfo:
            release(parties, req, outcome=outcome)
        assert any(m.startswith(f"Consent {consent.reference}: {message}") for m in excinfo.value.messages), (
            excinfo.value.messages
        )
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW
    assert not req.decisions.exists()
    assert not DecisionLogEntry.objects.filter(action="consent.relied_upon").exists()
    refusals = DecisionLogEntry.objects.filter(action="consent.refused_at_release", reference=req.reference)
    assert refusals.count() == 2  # one for each refused attempt, kept although the attempt rolled back
    entry = refusals.first()
    assert message in entry.reasons and entry.details["consent"] == consent.reference
    assert entry.actor_name == parties.assignee.display_name


@pytest.mark.django_db(transaction=True)
def test_the_refusal_is_committed_although_the_release_rolls_back(parties):
    req = assigned(parties)
    run_flowchart(parties, req, route="consent")
    _make_uncovered(parties, req, "recipient")
    with pytest.raises(ValidationError):
        release(parties, req)
    # Outside any test transaction: what is in the database now is what was committed.
    assert transaction.get_connection().in_atomic_block is False
    assert DecisionLogEntry.objects.filter(action="consent.refused_at_release", reference=req.reference).count() == 1
    assert not DecisionLogEntry.objects.filter(action="request.released").exists()
    assert decision_log_verify().intact


def test_choosing_refuses_a_consent_that_does_not_cover_the_disclosure(parties, with_consent):
    req = with_consent
    consent = consent_for(parties, req, recipients=[parties.c])
    with pytest.raises(ValidationError) as excinfo:
        choose(parties, req, consent)
    assert any(f"does not allow disclosure to {parties.a.name}" in m for m in excinfo.value.messages)
    good = consent_for(parties, req)
    with pytest.raises(ValidationError, match="does not cover: Medical records"):
        choose(parties, req, good, items=["Medical records"])
    with pytest.raises(ValidationError) as excinfo:
        choose(parties, req, good, items=["  "])
    assert "information_items" in excinfo.value.message_dict
    assert not ConsentReliance.objects.exists()


def test_choosing_only_a_consent_about_the_request_subjects(parties, with_consent):
    req = with_consent
    other = about_another_person(parties.request())
    elsewhere = consent_for(parties, other)
    with pytest.raises(ValidationError) as excinfo:
        choose(parties, req, elsewhere)
    assert "consent" in excinfo.value.message_dict


def test_choosing_is_for_the_assignee_after_a_consent_route(parties):
    req = assigned(parties)
    consent = consent_for(parties, req)
    run_flowchart(parties, req, route="share")
    with pytest.raises(ValidationError, match="did not end in sharing with consent"):
        choose(parties, req, consent)
    run_flowchart(parties, req, route="consent")
    with pytest.raises(PermissionDenied):
        basis.consent_reliance_choose(disclosure=req, consent=consent, information_items=ITEMS, acting_user=parties.do_b)


def test_choosing_again_replaces_the_choice(parties, with_consent):
    req = with_consent
    first = choose(parties, req, consent_for(parties, req))
    second_consent = consent_for(parties, req)
    second = choose(parties, req, second_consent, items=ITEMS)
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    release(parties, req)
    assert DecisionLogEntry.objects.get(action="consent.relied_upon").details["consent"] == second_consent.reference


# ---------------------------------------------------------------------------------------------
# Withdrawal
# ---------------------------------------------------------------------------------------------


def test_withdrawal_flags_every_open_request_relying_on_it(parties):
    open_req = assigned(parties)
    run_flowchart(parties, open_req, route="consent")
    consent = consent_for(parties, open_req)
    choose(parties, open_req, consent)

    # A second request about the same person, relying on the same consent, already released.
    released = assigned(parties, with_subject=False)
    released.subjects.create(subject=consent.subject, role="offender")
    run_flowchart(parties, released, route="consent")
    choose(parties, released, consent)
    release(parties, released)

    # A request about someone else is untouched.
    unrelated = assigned(parties)
    run_flowchart(parties, unrelated, route="consent")
    choose(parties, unrelated, consent_for(parties, unrelated))

    Notification.objects.all().delete()
    consent_withdraw(
        consent=consent, withdrawn_at=timezone.localdate(), how_communicated="Told the officer in person",
        acting_user=parties.requester, acting_membership=parties.memberships["requester"],
    )
    note = open_req.notes.get(kind=NoteKind.CONSENT_WITHDRAWN)
    assert consent.reference in note.text and "withdrawn" in note.text
    assert not released.notes.filter(kind=NoteKind.CONSENT_WITHDRAWN).exists()
    assert not unrelated.notes.filter(kind=NoteKind.CONSENT_WITHDRAWN).exists()
    flagged = DecisionLogEntry.objects.filter(action="consent.withdrawal_flagged")
    assert [e.reference for e in flagged] == [open_req.reference]
    assert Notification.objects.filter(recipient=parties.assignee, reference=open_req.reference).exists()
    assert not Notification.objects.filter(reference=unrelated.reference).exists()

    # Any later release relying on it is refused.
    with pytest.raises(ValidationError, match="withdrawn"):
        release(parties, open_req)
    detail = parties.client("assignee").get(reverse("sharing:request_detail", args=[open_req.pk])).content.decode()
    assert "Consent relied on has been withdrawn" in detail


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def test_choose_and_release_through_the_pages(parties, with_consent):
    req = with_consent
    consent = consent_for(parties, req)
    client = parties.client("assignee")
    detail = client.get(reverse("sharing:request_detail", args=[req.pk])).content.decode()
    assert "Choose the consent relied on" in detail
    decide_page = client.get(reverse("sharing:request_decide", args=[req.pk])).content.decode()
    assert "Not chosen" in decide_page

    url = reverse("sharing:consent_reliance", args=[req.pk])
    page = client.get(url)
    assert page.status_code == 200 and consent.reference in page.content.decode()
    assert client.post(url, {}).status_code == 200
    chosen = client.post(url, {"consent": str(consent.pk)})
    items_url = reverse("sharing:consent_reliance_items", args=[req.pk, consent.pk])
    assert chosen.status_code == 302 and chosen["Location"] == items_url
    page = client.get(items_url)
    assert page.status_code == 200 and ITEMS[1] in page.content.decode()
    empty = client.post(items_url, {})
    assert empty.status_code == 200 and "Select the information covered by this consent" in empty.content.decode()
    done = client.post(items_url, {"information_items": ["0", "1"]})
    assert done.status_code == 302 and done["Location"] == reverse("sharing:request_decide", args=[req.pk])
    assert ConsentReliance.objects.get(request=req).information_items == ITEMS
    assert consent.reference in client.get(reverse("sharing:request_decide", args=[req.pk])).content.decode()


def test_the_decide_page_shows_the_consent_refusal_and_logs_it(parties, with_consent):
    req = with_consent
    consent = consent_for(parties, req)
    choose(parties, req, consent)
    consent_withdraw(
        consent=consent, withdrawn_at=timezone.localdate(), how_communicated="Letter",
        acting_user=parties.requester, acting_membership=parties.memberships["requester"],
    )
    marking = req.protocol_pack.marking_levels.get(code="restricted")
    response = parties.client("assignee").post(
        reverse("sharing:request_decide", args=[req.pk]),
        {
            "outcome": "released",
            "reasons": "Necessary.",
            "withheld": "",
            "marking": str(marking.pk),
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "50",
            "items-0-text": "Two complaints.",
            "items-0-fact_or_opinion": "fact",
            "items-0-originating_organisation": str(parties.b.pk),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and f"Consent {consent.reference}: The consent was withdrawn on" in body
    assert "Necessary." in body  # what was typed is kept
    assert DecisionLogEntry.objects.filter(action="consent.refused_at_release", reference=req.reference).count() == 1


def test_who_may_open_the_consent_pages(parties, with_consent):
    req = with_consent
    consent = consent_for(parties, req)
    urls = [
        reverse("sharing:consent_reliance", args=[req.pk]),
        reverse("sharing:consent_reliance_items", args=[req.pk, consent.pk]),
    ]
    expected = {
        "assignee": 200,
        "requester": 403,
        "do_a": 403,
        "do_b": 403,
        "officer_a": 404,
        "officer_b": 404,
        "officer_c": 404,
        "do_c": 404,
        "chair": 404,
        "auditor": 404,
        "admin": 404,
    }
    for url in urls:
        for who, status in expected.items():
            assert parties.client(who).get(url).status_code == status, (url, who)
    # A consent record not about this request's subjects: 404 even for the assignee.
    other = consent_for(parties, about_another_person(parties.request()))
    missing = reverse("sharing:consent_reliance_items", args=[req.pk, other.pk])
    assert parties.client("assignee").get(missing).status_code == 404


def test_the_consent_records_shown_are_in_the_access_log(parties, with_consent):
    from portal.models import AccessLogEntry

    req = with_consent
    consent = consent_for(parties, req)
    parties.client("assignee").get(reverse("sharing:consent_reliance", args=[req.pk]))
    parties.client("assignee").get(reverse("sharing:consent_reliance_items", args=[req.pk, consent.pk]))
    shown = AccessLogEntry.objects.filter(user=parties.assignee, object_type="consent_record", reference=consent.reference)
    assert shown.count() == 2
    assert AccessLogEntry.objects.filter(user=parties.assignee, object_type="disclosure_request", reference=req.reference).count() == 2
