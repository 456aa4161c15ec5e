"""Governance's cases under the retention engine (portal/retention/registry.py; issue 11).

Rights cases (SDP 9) and non-compliance reports and suspension decisions (SSP 13) are records of
decisions between partners: each is one held copy per organisation party to it, of the kind
"Requests and decisions" (the packs' default: six years, counted from when the case closes, each
organisation's own policy for that kind overriding it). A case is recorded when it is opened and
its clock restarts when it closes; while open it is in use, so never destroyed. When the last
copy goes, `purge` clears its free text for good (what was asked, reasons, answers, outcomes) and
unlinks the people; the row stays with its reference, dates and decisions, so logs still resolve.
"""
from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from governance.models import (
    NonComplianceReport,
    NonComplianceStatus,
    ProcessingRestriction,
    RightsCase,
    RightsConsultation,
    RightsStatus,
    SuspensionDecision,
)
from portal.models import HeldCopy, RetentionRecordKind, User
from portal.retention.services import held_copy_record

RIGHTS = "governance.rights_case"
NONCOMPLIANCE = "governance.noncompliance"
SUSPENSION = "governance.suspension"
KIND = RetentionRecordKind.REQUESTS


def _day(moment) -> datetime.date:
    return timezone.localtime(moment).date() if moment else timezone.localdate()


def rights_case_copies_record(*, case: RightsCase, officer: User | None = None, closed: bool = False) -> None:
    """The receiving organisation's copy and each consulted organisation's; restarted on closing."""
    start = _day(case.decided_at) if closed else None
    holders = [case.receiving_organisation_id] + list(case.consultations.values_list("organisation_id", flat=True))
    for holder in dict.fromkeys(holders):
        held_copy_record(
            content_type=RIGHTS, content_id=case.pk, kind=KIND, holder=holder, reference=case.reference,
            officer=officer if holder == case.receiving_organisation_id else None, start=start,
        )


def noncompliance_copies_record(*, report: NonComplianceReport, officer: User | None = None, closed: bool = False) -> None:
    start = _day(report.closed_at) if closed else None
    for holder in (report.reporting_organisation_id, report.concerns_organisation_id):
        held_copy_record(
            content_type=NONCOMPLIANCE, content_id=report.pk, kind=KIND, holder=holder, reference=report.reference,
            officer=officer if holder == report.reporting_organisation_id else None, start=start,
        )


def suspension_copies_record(*, decision: SuspensionDecision, officer: User | None = None, lifted: bool = False) -> None:
    start = _day(decision.lifted_at) if lifted else None
    for holder in (decision.deciding_organisation_id, decision.organisation_id):
        held_copy_record(
            content_type=SUSPENSION, content_id=decision.pk, kind=KIND, holder=holder, reference=decision.reference,
            officer=officer if holder == decision.deciding_organisation_id else None, start=start,
        )


def rights_cases_purge(content_ids: list[int]) -> None:
    RightsCase.objects.filter(pk__in=content_ids).update(
        request_summary="", extension_reasons="", decision_reasons="", released="", redactions="", objection_reasons=""
    )
    RightsConsultation.objects.filter(case_id__in=content_ids).update(records=[], reasons="")
    ProcessingRestriction.objects.filter(case_id__in=content_ids).update(lift_reasons="")
    RightsCase.subjects.through.objects.filter(rightscase_id__in=content_ids).delete()


def noncompliance_purge(content_ids: list[int]) -> None:
    NonComplianceReport.objects.filter(pk__in=content_ids).update(
        details="", request_references="", response="", remedial_action="", outcome=""
    )


def suspensions_purge(content_ids: list[int]) -> None:
    SuspensionDecision.objects.filter(pk__in=content_ids).update(reasons="", lift_reasons="")


def rights_cases_in_use(content_ids: list[int]):
    return RightsCase.objects.filter(pk__in=content_ids, status=RightsStatus.OPEN).values_list("pk", flat=True)


def noncompliance_in_use(content_ids: list[int]):
    return NonComplianceReport.objects.filter(pk__in=content_ids).exclude(
        status=NonComplianceStatus.CLOSED
    ).values_list("pk", flat=True)


def suspensions_in_use(content_ids: list[int]):
    return SuspensionDecision.objects.filter(pk__in=content_ids, lifted_at__isnull=True).values_list("pk", flat=True)


def _unrecorded(model, content_type: str):
    return model.objects.filter(~Exists(HeldCopy.objects.filter(content_type=content_type, content_id=OuterRef("pk"))))


@transaction.atomic
def rights_cases_backfill() -> int:
    cases = list(_unrecorded(RightsCase, RIGHTS))
    for case in cases:
        rights_case_copies_record(case=case, officer=case.opened_by, closed=case.status == RightsStatus.CLOSED)
    return len(cases)


@transaction.atomic
def noncompliance_backfill() -> int:
    reports = list(_unrecorded(NonComplianceReport, NONCOMPLIANCE))
    for report in reports:
        noncompliance_copies_record(report=report, closed=report.status == NonComplianceStatus.CLOSED)
    return len(reports)


@transaction.atomic
def suspensions_backfill() -> int:
    decisions = list(_unrecorded(SuspensionDecision, SUSPENSION))
    for decision in decisions:
        suspension_copies_record(decision=decision, lifted=decision.lifted_at is not None)
    return len(decisions)


def rights_case_path(content_id: int) -> str:
    return reverse("governance:rights_case", kwargs={"pk": content_id})


def noncompliance_path(content_id: int) -> str:
    return reverse("governance:noncompliance_detail", kwargs={"pk": content_id})


def suspension_path(content_id: int) -> str:
    return reverse("governance:suspension_detail", kwargs={"pk": content_id})


def retention_register() -> None:
    from portal.retention.registry import register_retention_content

    register_retention_content(content_type=RIGHTS, label="Data-subject rights case", purge=rights_cases_purge,
                               link=rights_case_path, backfill=rights_cases_backfill, in_use=rights_cases_in_use)
    register_retention_content(content_type=NONCOMPLIANCE, label="Non-compliance report", purge=noncompliance_purge,
                               link=noncompliance_path, backfill=noncompliance_backfill, in_use=noncompliance_in_use)
    register_retention_content(content_type=SUSPENSION, label="Suspension decision", purge=suspensions_purge,
                               link=suspension_path, backfill=suspensions_backfill, in_use=suspensions_in_use)
