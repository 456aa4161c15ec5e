"""Auditors read the decision log across the partnership, filtered and paged."""
import pytest
from django.db import transaction
from django.urls import reverse

from portal.accountability.services import decision_record
from portal.roles import Role
from tests.portal.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

LOG = reverse("portal:audit_decisions")


@pytest.fixture
def auditor(make_member, signed_in):
    return signed_in(make_member(role=Role.AUDITOR).user)


def record(n, organisation, action="organisation.suspended", reference=""):
    actor = MembershipFactory(organisation=organisation).user
    with transaction.atomic():
        for i in range(n):
            decision_record(
                actor=actor, organisation=organisation, action=action, reference=reference or f"DR-X-{i:04d}",
                reasons=f"Reason number {i}",
            )


def test_auditor_sees_entries_from_every_organisation(auditor):
    police, council = OrganisationFactory(name="Police"), OrganisationFactory(name="Council")
    record(2, police)
    record(3, council, action="organisation.resumed")
    rows = auditor.get(LOG).context["rows"]
    labels = [label for _, label in rows]
    assert labels.count("Sharing with organisation suspended") == 2
    assert labels.count("Sharing with organisation resumed") == 3
    assert {entry.organisation_name for entry, _ in rows} == {"Police", "Council"}


def test_filters_by_organisation_action_and_reference(auditor):
    police, council = OrganisationFactory(name="Police"), OrganisationFactory(name="Council")
    record(2, police)
    record(3, council, action="organisation.resumed", reference="DR-2026-000042")
    by_org = auditor.get(LOG, {"organisation": police.pk}).context["rows"]
    assert len(by_org) == 2 and all(entry.organisation_id == police.pk for entry, _ in by_org)
    by_action = auditor.get(LOG, {"action": "organisation.resumed"}).context["rows"]
    assert len(by_action) == 3
    by_ref = auditor.get(LOG, {"reference": "dr-2026-000042"}).context["rows"]
    assert len(by_ref) == 3


def test_bad_date_range_is_explained_not_a_500(auditor):
    response = auditor.get(LOG, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 200
    assert "must be the same as or after" in response.content.decode()


def test_pages_older_and_newer_without_overlap(auditor):
    record(120, OrganisationFactory())
    first = auditor.get(LOG)
    ids_1 = [e.pk for e, _ in first.context["rows"]]
    older = first.context["page"].older_than
    second = auditor.get(LOG, {"before": older})
    ids_2 = [e.pk for e, _ in second.context["rows"]]
    assert len(ids_1) == len(ids_2) == 50 and not set(ids_1) & set(ids_2)
    assert max(ids_2) < min(ids_1)
    back = auditor.get(LOG, {"after": second.context["page"].newer_than})
    assert [e.pk for e, _ in back.context["rows"]] == ids_1


def test_entry_page_shows_reasons_and_hash(auditor):
    record(1, OrganisationFactory())
    from portal.models import DecisionLogEntry

    entry = DecisionLogEntry.objects.get()
    page = auditor.get(reverse("portal:audit_decision", args=[entry.pk])).content.decode()
    assert "Reason number 0" in page and entry.entry_hash in page


def test_query_count_does_not_grow_with_entries(auditor, django_assert_max_num_queries):
    organisation = OrganisationFactory()
    record(5, organisation)
    with django_assert_max_num_queries(12) as small:
        auditor.get(LOG)
    record(100, organisation)
    with django_assert_max_num_queries(len(small.captured_queries)):
        auditor.get(LOG)


def test_officers_cannot_read_the_log(make_member, signed_in):
    assert signed_in(make_member(role=Role.OFFICER).user).get(LOG).status_code == 403
