"""Fixtures for consent tests: the sharing tests' partnership (`parties`: A police (requesting),
B council (holding), C a landlord, each with officers and a designated officer; a chair, an
auditor and an admin at B) and `make_consent`, which records a consent through the real service."""
import datetime

import pytest
from django.utils import timezone

from consent.models import GivenBy
from consent.services import SubjectDetails, consent_record
from tests.sharing.conftest import pack, parties  # noqa: F401  (fixtures)

ITEMS = [
    "Anti-social behaviour complaints about my address",
    "Tenancy warnings about noise",
]


@pytest.fixture
def make_consent(parties):
    """make_consent(recorder="requester", **overrides) -> ConsentRecord, recorded by that person
    (acting in their membership) for a new subject, allowing B to disclose to A for the pack's
    first purpose, the two ITEMS, given a week ago, expiring in a year."""

    def make(recorder: str = "requester", **overrides):
        membership = parties.memberships[recorder]
        given_on = timezone.localdate() - datetime.timedelta(days=7)
        values = dict(
            acting_user=membership.user,
            acting_membership=membership,
            new_subject=SubjectDetails(
                full_name="Casey Example", date_of_birth=datetime.date(1990, 4, 1), address="4 Hillgate, Stockport"
            ),
            given_by=GivenBy.SUBJECT,
            reasons_explained=True,
            disclosers=[parties.b],
            recipients=[parties.a],
            purposes=[parties.pack.purposes.order_by("order").first()],
            information_items=list(ITEMS),
            given_on=given_on,
            witness_name="Pat Officer",
            witness_position="Police constable",
            witnessed_on=given_on,
            expires_on=given_on + datetime.timedelta(days=365),
        )
        values.update(overrides)
        return consent_record(**values)

    return make
