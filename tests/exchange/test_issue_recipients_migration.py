"""exchange 0005: an issue live before recipients were resolved per issue keeps reaching its
named recipients, each recipient organisation with its own held copy of it."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("exchange", "0003_cohorts")]
AFTER = [("exchange", "0005_h14_backfill_issue_recipients")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_live_issues_get_their_named_recipients_and_recipient_copies():
    from django.conf import settings

    from portal.protocols.services import protocol_pack_load
    from portal.roles import Role
    from tests.portal.factories import MembershipFactory, OrganisationFactory

    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    a = OrganisationFactory(name="Police")
    b = OrganisationFactory(name="Council")
    sender = MembershipFactory(organisation=a, role=Role.OFFICER)
    reader = MembershipFactory(organisation=b, role=Role.OFFICER)
    old = _migrate(BEFORE)
    try:
        Distribution = old.get_model("exchange", "Distribution")
        Recipient = old.get_model("exchange", "DistributionRecipient")
        Issue = old.get_model("exchange", "DistributionIssue")
        HeldCopy = old.get_model("portal", "HeldCopy")
        marking = pack.marking_levels.get(code="restricted")
        distribution = Distribution.objects.create(
            organisation_id=a.pk, partnership_id=pack.partnership_id, title="FTRA", marking_id=marking.pk,
            created_by_id=sender.user_id,
        )
        Recipient.objects.create(distribution=distribution, membership_id=reader.pk, added_by_id=sender.user_id)
        issue = Issue.objects.create(distribution=distribution, number=1, original_name="a.pdf",
                                     content_type="application/pdf", size=1, sha256="0" * 64,
                                     uploaded_by_id=sender.user_id, file="distributions/x")
        HeldCopy.objects.create(content_type="exchange.distribution_issue", content_id=issue.pk, kind="released_data",
                                holder_id=a.pk, reference="DIST-1-1", policy_description="Default",
                                started_on="2026-12-01", review_date="2027-12-01")
    finally:
        new = _migrate(AFTER)
    IssueRecipient = new.get_model("exchange", "IssueRecipient")
    HeldCopy = new.get_model("portal", "HeldCopy")
    assert list(IssueRecipient.objects.filter(issue_id=issue.pk).values_list("membership_id", flat=True)) == [reader.pk]
    copies = HeldCopy.objects.filter(content_type="exchange.distribution_issue", content_id=issue.pk)
    assert {c.holder_id for c in copies} == {a.pk, b.pk}
    assert {str(c.review_date) for c in copies} == {"2027-12-01"}
