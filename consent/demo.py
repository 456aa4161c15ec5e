"""The demo consent for `make run`: Leah Barnes, a victim of anti-social behaviour, consents to
Stockport Council (the demo council) disclosing what it holds about complaints at her address to
Greater Manchester Police (the demo police), for the protocol's first purpose. Recorded and
witnessed by the demo police officer through the real service. Idempotent.

Sharing's demo (which runs after this one: consent's loader is registered first) releases a
request about the same person relying on this record: `demo_consent()` finds it, and its
`subject` is the DataSubject that request must be about.
"""
from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from consent.models import ConsentRecord, GivenBy
from consent.services import SubjectDetails, consent_record
from portal.demo.services import DEMO_PARTNERSHIP_SLUG
from portal.models import Membership, Organisation, OrganisationKind, Partnership
from portal.protocols.selectors import current_protocol_pack
from portal.roles import Role

DEMO_RECORDER = "officer.police"
DEMO_SUBJECT = SubjectDetails(
    full_name="Leah Barnes", date_of_birth=datetime.date(1991, 5, 14), address="21 Greek Street, Stockport SK3 8AB"
)
DEMO_ITEMS = [
    "Anti-social behaviour complaints about my home address in the last 12 months",
    "Tenancy warnings and notices about noise at my home address",
]


def demo_consent() -> ConsentRecord | None:
    """The demo consent record, if it has been loaded."""
    return (
        ConsentRecord.objects.filter(recorded_by__username=DEMO_RECORDER, subject__full_name=DEMO_SUBJECT.full_name)
        .select_related("subject")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def consent_demo_load() -> str | None:
    if demo_consent() is not None:
        return None
    recorder = (
        Membership.objects.active()
        .select_related("user", "organisation")
        .filter(user__username=DEMO_RECORDER, role__in=[Role.OFFICER, Role.DESIGNATED_OFFICER])
        .first()
    )
    council = Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by("pk").first()
    pack = current_protocol_pack(Partnership.objects.filter(slug=DEMO_PARTNERSHIP_SLUG).first())
    if recorder is None or council is None or pack is None:
        return None
    given_on = timezone.localdate() - datetime.timedelta(days=7)
    consent = consent_record(
        acting_user=recorder.user,
        acting_membership=recorder,
        new_subject=DEMO_SUBJECT,
        given_by=GivenBy.SUBJECT,
        reasons_explained=True,
        disclosers=[council],
        recipients=[recorder.organisation],
        purposes=[pack.purposes.order_by("order").first()],
        information_items=DEMO_ITEMS,
        given_on=given_on,
        witness_name=recorder.user.display_name,
        witness_position="Police constable, neighbourhood policing team",
        witnessed_on=given_on,
        expires_on=given_on + datetime.timedelta(days=365),
    )
    return f"{consent.reference}: {council.name} may disclose to {recorder.organisation.name}, in force"
