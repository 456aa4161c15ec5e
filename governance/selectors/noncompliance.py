"""Reads of non-compliance reports and suspension decisions (SSP 13), need-to-know applied.

A report is seen by the case handlers (designated officers, DPOs) of the two organisations it is
between, in a partnership they act for, and read by the partnership's auditors. A suspension is
seen by the case handlers of every organisation of its partnership (each of them stops sharing
with the partner) and by its auditors. `access_*` answers 404 alike for missing and not-yours.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from governance.models import NonComplianceReport, NonComplianceStatus, SuspensionDecision
from governance.roles import CASE_HANDLERS
from portal.models import Membership, Organisation, Partnership, PartnershipMember
from portal.roles import Role
from portal.selectors.partnerships import membership_partnerships


def _partnership_ids(membership: Membership | None) -> list[int]:
    if membership is None:
        return []
    return list(membership_partnerships(membership=membership).values_list("pk", flat=True))


def visible_noncompliance(*, membership: Membership | None) -> QuerySet[NonComplianceReport]:
    reports = NonComplianceReport.objects.select_related(
        "partnership", "reporting_organisation", "concerns_organisation"
    )
    if membership is None:
        return reports.none()
    if membership.role == Role.AUDITOR:
        return reports.filter(partnership_id=membership.partnership_id)
    if membership.role not in CASE_HANDLERS:
        return reports.none()
    mine = Q(reporting_organisation_id=membership.organisation_id) | Q(concerns_organisation_id=membership.organisation_id)
    return reports.filter(mine, partnership_id__in=_partnership_ids(membership))


def access_noncompliance(*, membership: Membership | None, pk: int, for_update: bool = False) -> NonComplianceReport:
    reports = visible_noncompliance(membership=membership)
    if for_update:
        reports = reports.select_for_update(of=("self",))
    report = reports.filter(pk=pk).first()
    if report is None:
        raise Http404("No such report")
    return report


def noncompliance_awaiting_response(*, membership: Membership | None) -> QuerySet[NonComplianceReport]:
    """Reports about the acting organisation that it has not answered yet (SSP 13.2)."""
    if membership is None or membership.role not in CASE_HANDLERS:
        return NonComplianceReport.objects.none()
    return visible_noncompliance(membership=membership).filter(
        concerns_organisation_id=membership.organisation_id, status=NonComplianceStatus.REPORTED
    )


def visible_suspensions(*, membership: Membership | None) -> QuerySet[SuspensionDecision]:
    decisions = SuspensionDecision.objects.select_related(
        "partnership", "organisation", "deciding_organisation", "report", "decided_by", "lifted_by"
    )
    if membership is None:
        return decisions.none()
    if membership.role == Role.AUDITOR:
        return decisions.filter(partnership_id=membership.partnership_id)
    if membership.role not in CASE_HANDLERS:
        return decisions.none()
    return decisions.filter(partnership_id__in=_partnership_ids(membership))


def access_suspension(*, membership: Membership | None, pk: int, for_update: bool = False) -> SuspensionDecision:
    decisions = visible_suspensions(membership=membership)
    if for_update:
        decisions = decisions.select_for_update(of=("self",))
    decision = decisions.filter(pk=pk).first()
    if decision is None:
        raise Http404("No such suspension")
    return decision


def reportable_partners(*, membership: Membership) -> list[PartnershipMember]:
    """The places (partnership, organisation) the acting organisation may report or suspend:
    every other member of the partnerships it acts in."""
    return list(
        PartnershipMember.objects.select_related("partnership", "organisation")
        .filter(partnership_id__in=_partnership_ids(membership))
        .exclude(organisation_id=membership.organisation_id)
        .order_by("partnership__name", "organisation__name")
    )


def partner_place(*, membership: Membership, partnership: Partnership | int, organisation: Organisation | int):
    """The other organisation's place, if the acting organisation may report it there."""
    for place in reportable_partners(membership=membership):
        if place.partnership_id == getattr(partnership, "pk", partnership) and place.organisation_id == getattr(
            organisation, "pk", organisation
        ):
            return place
    return None


def case_handlers(*, organisation: Organisation | int, partnership: Partnership | int) -> list:
    """The users who handle governance cases for `organisation` in `partnership` (its designated
    officers and DPOs whose role covers that partnership): who is notified of a case."""
    memberships = (
        Membership.objects.active()
        .filter(organisation=organisation, role__in=CASE_HANDLERS)
        .filter(Q(partnership__isnull=True) | Q(partnership=partnership))
        .select_related("user")
    )
    return list({m.user_id: m.user for m in memberships}.values())
