"""Rights, non-compliance and suspension records under the retention engine
(governance/retention.py): one copy per organisation party, six years from closing by the pack's
"Requests and decisions" default, never destroyed while open, and the sweep's purge clears the
free text when the last copy goes."""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from governance.models import RightsCase
from governance.retention import RIGHTS
from governance.services import rights as services
from portal.models import HeldCopy
from portal.retention.services import retention_sweep

pytestmark = pytest.mark.django_db


def test_a_rights_case_is_kept_six_years_from_closing_then_destroyed_and_purged(w):
    dpo = w.m["dpo_b"]
    case = services.rights_case_open(
        right="access", received_on=timezone.localdate() - datetime.timedelta(days=2),
        request_summary="Everything you hold about me.", acting_user=dpo.user, acting_membership=dpo,
    )
    services.rights_case_subjects_link(case=case, subject_ids=[w.subject.pk], acting_user=dpo.user, acting_membership=dpo)
    copies = HeldCopy.objects.filter(content_type=RIGHTS, content_id=case.pk)
    assert set(copies.values_list("holder_id", flat=True)) == {w.b.pk, w.a.pk}  # receiving and consulted
    # Open: due or not, the sweep leaves it.
    copies.update(review_date=timezone.localdate() - datetime.timedelta(days=1))
    retention_sweep(today=timezone.localdate())
    assert not copies.filter(destroyed_at__isnull=False).exists()
    case.consultations.update(status="answered", answer="release", reasons="Nothing withheld", third_party_information=False)
    services.rights_case_decide(case=case, decision="comply", reasons="All found", released="Copies",
                                acting_user=dpo.user, acting_membership=dpo)
    copy = copies.get(holder=w.b)
    assert copy.started_on == timezone.localdate() and copy.review_date >= copy.started_on + datetime.timedelta(days=2190)
    retention_sweep(today=copy.review_date)
    assert copies.filter(destroyed_at__isnull=True).count() == 0
    case = RightsCase.objects.get(pk=case.pk)
    assert case.request_summary == "" and case.decision_reasons == "" and case.released == ""
    assert case.reference.startswith("DSR-") and case.decision == "comply"  # the record of the decision stays
    assert not case.subjects.exists() and case.consultations.get().reasons == ""
