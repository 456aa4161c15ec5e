"""The demo consent for `make run`: recorded through the real service, in force, covering the
demo council disclosing to the demo police for the protocol's first purpose; loads twice safely."""
import pytest
from django.utils import timezone

from consent.demo import DEMO_ITEMS, consent_demo_load, demo_consent
from consent.services import consent_coverage_problems
from portal.demo.registry import demo_loaders
from portal.demo.services import demo_partnership_load
from portal.models import DecisionLogEntry, Organisation, OrganisationKind

pytestmark = pytest.mark.django_db


def test_demo_consent_loads_once_and_covers_the_demo_disclosure():
    demo_partnership_load()
    assert demo_consent() is None
    summary = consent_demo_load()
    consent = demo_consent()
    assert consent is not None and consent.reference in summary
    assert consent_demo_load() is None and demo_consent() == consent
    police = Organisation.objects.filter(kind=OrganisationKind.POLICE).order_by("pk").first()
    council = Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by("pk").first()
    assert consent_coverage_problems(
        consent=consent,
        recipient_organisation=police,
        purpose=consent.protocol_pack.purposes.order_by("order").first(),
        information_items=DEMO_ITEMS[:1],
        on_date=timezone.localdate(),
        disclosing_organisation=council,
    ) == []
    assert DecisionLogEntry.objects.filter(action="consent.recorded", reference=consent.reference).count() == 1


def test_the_consent_loader_runs_before_sharings():
    names = [name for name, _ in demo_loaders()]
    assert names.index("Consent records") < names.index("Disclosure requests")
