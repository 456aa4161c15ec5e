"""Known data for the monitoring report (issue 12): one partnership (Stockport), police (A)
asking the council (B); seven requests raised 40 days ago with known outcomes and turnarounds,
one raised two years ago and one in another partnership (Durham), neither of which may count.

    ref   status           decided after  needed by (days after raising)
    r1    released         2 days         3   (in time)
    r2    released         4              3   (late)   an approved public-interest override
    r3    released         6              10  (in time)
    r4    partly released  10             5   (late)
    r5    declined         8              9   (in time) disputed, the decline upheld
    r6    in review        –              needed yesterday: overdue now
    r7    withdrawn        –              –

Turnaround of the five decided: median 6 days; 90th percentile 8 + 0.6 × (10 − 8) = 9.2 days;
decided by the date needed: 3 of 5 = 60.0%.
"""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from meetings.models import Attendee
from portal.middleware import ACTING_MEMBERSHIP
from portal.models import LawfulBasisCategory, OrganisationKind
from portal.protocols.services import protocol_pack_load
from portal.roles import Role
from sharing.models import Decision, DisclosureRequest, Dispute, OverrideStatus, PublicInterestOverride, Status
from tests.conftest import sign_in_fully
from tests.meetings.factories import invite, meeting_make, sign_in
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.sharing.factories import DisclosureRequestFactory, decision_make, stockport_pack

OUTCOMES = {
    "r1": (Status.RELEASED, 2, 3),
    "r2": (Status.RELEASED, 4, 3),
    "r3": (Status.RELEASED, 6, 10),
    "r4": (Status.PARTLY_RELEASED, 10, 5),
    "r5": (Status.DECLINED, 8, 9),
}


def _client_as(membership):
    client = sign_in_fully(Client(), membership.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    return client


@pytest.fixture
def known(db):
    k = SimpleNamespace()
    k.pack = stockport_pack()
    k.police = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE)
    k.council = OrganisationFactory(name="Stockport Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    k.requester = MembershipFactory(organisation=k.police)
    k.responder = MembershipFactory(organisation=k.council)
    k.do_police = MembershipFactory(organisation=k.police, role=Role.DESIGNATED_OFFICER)
    k.do_council = MembershipFactory(organisation=k.council, role=Role.DESIGNATED_OFFICER)
    k.admin = MembershipFactory(organisation=k.council, role=Role.ADMIN)
    k.auditor = MembershipFactory(organisation=k.council, role=Role.AUDITOR)
    k.chair = MembershipFactory(organisation=k.council, role=Role.CHAIR)
    k.raised_at = timezone.now() - timedelta(days=40)
    raised_on = timezone.localtime(k.raised_at).date()
    k.requests = {}

    def make(ref, status, **fields):
        request = DisclosureRequestFactory(
            reference=f"DR-K-{ref}",
            requester=k.requester.user,
            requesting_organisation=k.police,
            holding_organisation=k.council,
            assignee=k.responder.user,
            status=status,
            submitted_at=fields.pop("submitted_at", k.raised_at),
            **fields,
        )
        k.requests[ref] = request
        return request

    for ref, (status, after, needed) in OUTCOMES.items():
        request = make(ref, status, decided_at=k.raised_at + timedelta(days=after), needed_by=raised_on + timedelta(days=needed))
        outcome = {Status.RELEASED: "released", Status.PARTLY_RELEASED: "partly_released", Status.DECLINED: "declined"}[status]
        decision = decision_make(request, outcome=outcome, items=1, decided_by=k.responder.user)
        Decision.objects.filter(pk=decision.pk).update(decided_at=request.decided_at)
        k.requests[ref].decision = decision
    make("r6", Status.IN_REVIEW, needed_by=timezone.localdate() - timedelta(days=1))
    make("r7", Status.WITHDRAWN, needed_by=None)
    # Outside the period: raised and decided two years ago.
    old = timezone.now() - timedelta(days=730)
    make("old", Status.RELEASED, submitted_at=old, decided_at=old + timedelta(days=1))
    # r2 released in the public interest; r5's decline disputed and upheld.
    art6 = k.pack.lawful_bases.filter(category=LawfulBasisCategory.ART6).first()
    PublicInterestOverride.objects.create(
        request=k.requests["r2"], consent_position="not_sought", not_sought_reason="risk", art6_condition=art6,
        proportionality="Only the dates.", risk_of_not_sharing="Harm.", alternatives_considered="None would do.",
        proposed_by=k.responder.user, status=OverrideStatus.APPROVED, decided_by=k.do_council.user,
        decided_at=k.requests["r2"].decided_at,
    )
    Dispute.objects.create(
        request=k.requests["r5"], decision=k.requests["r5"].decision, raised_by=k.requester.user,
        grounds="Needed for the risk assessment.", status="upheld", decided_by=k.do_council.user,
        decided_at=timezone.now() - timedelta(days=20),
    )
    # Another partnership's request, between organisations of that partnership only.
    durham = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")[0]
    d_a = OrganisationFactory(name="Durham Constabulary", kind=OrganisationKind.POLICE, partnerships=[durham.partnership])
    d_b = OrganisationFactory(name="Durham County Council", partnerships=[durham.partnership])
    d_requester = MembershipFactory(organisation=d_a)
    DisclosureRequestFactory(
        reference="DR-K-durham", protocol_pack=durham, requester=d_requester.user, requesting_organisation=d_a,
        holding_organisation=d_b, status=Status.RELEASED, submitted_at=k.raised_at, decided_at=k.raised_at + timedelta(days=1),
    )
    # Two MARAC meetings 30 days ago: the police DO invited and signed in at the first.
    for n in range(2):
        meeting = meeting_make(k.chair, title=f"MARAC {n}", starts_at=timezone.now() + timedelta(days=2))
        if n == 0:
            invite(meeting, k.chair, k.do_police)
            sign_in(meeting, k.do_police)
        type(meeting).objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(days=30))
    k.attendees = Attendee.objects.count()
    k.client = _client_as
    assert DisclosureRequest.objects.count() == 9
    return k
