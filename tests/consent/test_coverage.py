"""consent_coverage_problems: does a consent cover a disclosure? (DOMAIN.md §4 step 4: recipient,
purpose and information within its scope, not withdrawn, not expired.) One message per failing
condition; an empty list means covered."""
import datetime

import pytest
import yaml
from django.conf import settings
from django.utils import timezone

from consent.services import consent_coverage_problems, consent_covers, consent_withdraw
from portal.protocols.services import protocol_pack_load
from tests.consent.conftest import ITEMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(make_consent):
    return make_consent()


def check(parties, consent, **overrides):
    values = dict(
        consent=consent,
        recipient_organisation=parties.a,
        purpose=parties.pack.purposes.order_by("order").first(),
        information_items=[ITEMS[0]],
        on_date=timezone.localdate(),
        disclosing_organisation=parties.b,
    )
    values.update(overrides)
    return consent_coverage_problems(**values)


def test_a_disclosure_within_scope_is_covered(parties, consent):
    assert check(parties, consent) == []
    assert check(parties, consent, information_items=list(ITEMS)) == []
    assert check(parties, consent, information_items=None, disclosing_organisation=None) == []
    assert consent_covers(
        consent=consent, recipient_organisation=parties.a, purpose=parties.pack.purposes.order_by("order").first(),
        on_date=timezone.localdate(),
    )


def test_items_match_ignoring_case_and_spacing(parties, consent):
    assert check(parties, consent, information_items=["  anti-social behaviour COMPLAINTS   about my address "]) == []


def test_another_recipient(parties, consent):
    assert check(parties, consent, recipient_organisation=parties.c) == [
        "The consent does not allow disclosure to Stockport Homes"
    ]


def test_another_purpose(parties, consent):
    other = parties.pack.purposes.order_by("order")[1]
    assert check(parties, consent, purpose=other) == [f"The consent does not cover the purpose “{other.name}”"]


def test_no_purpose(parties, consent):
    assert check(parties, consent, purpose=None) == [
        "No purpose is given for the disclosure, so the consent cannot be checked against it"
    ]


def test_information_outside_its_scope(parties, consent):
    assert check(parties, consent, information_items=[ITEMS[1], "Her medical records", "Her bank details"]) == [
        "The consent does not cover: Her medical records; Her bank details"
    ]


def test_no_information_chosen(parties, consent):
    assert check(parties, consent, information_items=["", "  "]) == [
        "Choose which of the information the consent applies to covers what is disclosed"
    ]


def test_withdrawn(parties, consent):
    consent_withdraw(
        consent=consent, withdrawn_at=timezone.localdate(), how_communicated="By phone", acting_user=parties.requester
    )
    consent.refresh_from_db()
    today = timezone.localdate()
    assert check(parties, consent) == [f"The consent was withdrawn on {today.day} {today:%B %Y}"]


def test_expired(parties, make_consent):
    given = timezone.localdate() - datetime.timedelta(days=30)
    consent = make_consent(given_on=given, witnessed_on=given, expires_on=given + datetime.timedelta(days=10))
    expired = given + datetime.timedelta(days=10)
    assert check(parties, consent) == [f"The consent expired on {expired.day} {expired:%B %Y}"]
    # Valid up to and including its expiry date.
    assert check(parties, consent, on_date=expired) == []


def test_not_yet_given(parties, consent):
    before = consent.given_on - datetime.timedelta(days=1)
    assert check(parties, consent, on_date=before) == [
        f"The consent was not given until {consent.given_on.day} {consent.given_on:%B %Y}"
    ]


def test_another_discloser(parties, consent):
    assert check(parties, consent, disclosing_organisation=parties.c) == [
        "The consent does not allow Stockport Homes to disclose"
    ]


def test_no_discloser_named_means_any_partner(parties, make_consent):
    consent = make_consent(disclosers=[])
    assert check(parties, consent, disclosing_organisation=parties.c) == []


def test_reasons_not_explained(parties, consent):
    # The service never records such a consent; a record changed behind its back is still refused.
    type(consent).objects.filter(pk=consent.pk).update(reasons_explained=False)
    consent.refresh_from_db()
    assert check(parties, consent) == ["The reasons for asking were not explained, so the consent is not valid"]


def test_every_failing_condition_is_reported_at_once(parties, consent):
    type(consent).objects.filter(pk=consent.pk).update(reasons_explained=False)
    consent.refresh_from_db()
    consent_withdraw(
        consent=consent, withdrawn_at=timezone.localdate(), how_communicated="In person", acting_user=parties.requester
    )
    consent.refresh_from_db()
    problems = check(
        parties,
        consent,
        recipient_organisation=parties.c,
        purpose=parties.pack.purposes.order_by("order")[1],
        information_items=["Something else"],
        on_date=consent.expires_on + datetime.timedelta(days=1),
        disclosing_organisation=parties.c,
    )
    assert [p.split(" ")[0:4] for p in problems] == [
        ["The", "reasons", "for", "asking"],
        ["The", "consent", "was", "withdrawn"],
        ["The", "consent", "expired", "on"],
        ["The", "consent", "does", "not"],
        ["The", "consent", "does", "not"],
        ["The", "consent", "does", "not"],
        ["The", "consent", "does", "not"],
    ]


def test_the_same_purpose_in_a_newer_version_of_the_protocol_is_covered(parties, consent, tmp_path):
    data = yaml.safe_load((settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml").read_text())
    data["version"] = "2021"
    newer_file = tmp_path / "stockport-2021.yaml"
    newer_file.write_text(yaml.safe_dump(data, allow_unicode=True))
    newer, _ = protocol_pack_load(path_or_text=newer_file)
    same = newer.purposes.get(code=parties.pack.purposes.order_by("order").first().code)
    assert check(parties, consent, purpose=same) == []
    other = newer.purposes.exclude(code=same.code).first()
    assert check(parties, consent, purpose=other) == [f"The consent does not cover the purpose “{other.name}”"]
