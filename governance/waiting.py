"""The governance app's part of "What is waiting for me" on the home page (portal/waiting.py)."""
from __future__ import annotations

from django.urls import reverse

from governance.roles import CASE_HANDLERS
from governance.selectors.breaches import dpo_breaches_waiting_count
from governance.selectors.complaints import COMPLAINT_ROLES, complaint_parts_waiting_count
from governance.selectors.noncompliance import noncompliance_awaiting_response
from governance.selectors.rights import consultations_awaiting
from portal.roles import Role
from portal.waiting import Waiting


def breaches_waiting(*, user, membership) -> list[Waiting]:
    """A DPO: their organisation's open breaches still waiting for the ICO decision (72-hour clock)."""
    if membership.role != Role.DPO:
        return []
    count = dpo_breaches_waiting_count(membership=membership)
    return [Waiting("Breaches waiting for the ICO decision", count, reverse("governance:breach_list"), 10)]


def noncompliance_waiting(*, user, membership) -> list[Waiting]:
    """Reports of a failure to comply about the acting organisation, awaiting its response (SSP 13.2)."""
    if membership.role not in CASE_HANDLERS:
        return []
    count = noncompliance_awaiting_response(membership=membership).count()
    return [Waiting("Reports of non-compliance awaiting your response", count, reverse("governance:noncompliance_list"), 70)]
def complaints_waiting(*, user, membership) -> list[Waiting]:
    """A DPO or designated officer: open complaints waiting for their organisation's part (SSP 12)."""
    if membership.role not in COMPLAINT_ROLES:
        return []
    count = complaint_parts_waiting_count(organisation_id=membership.organisation_id)
    return [Waiting("Complaints waiting for your organisation's part", count, reverse("governance:complaint_list"), 12)]


def rights_waiting(*, user, membership) -> list[Waiting]:
    """A DPO: partners' rights cases waiting for their organisation's answer (SDP 9)."""
    if membership.role != Role.DPO:
        return []
    count = consultations_awaiting(membership=membership).count()
    return [Waiting("Rights requests waiting for your organisation's answer", count, reverse("governance:rights_list"), 15)]
