"""Governance's part of "What is waiting for me" on the home page (portal/waiting.py)."""
from __future__ import annotations

from django.urls import reverse

from governance.roles import CASE_HANDLERS
from governance.selectors.noncompliance import noncompliance_awaiting_response
from portal.waiting import Waiting


def noncompliance_waiting(*, user, membership) -> list[Waiting]:
    if membership.role not in CASE_HANDLERS:
        return []
    count = noncompliance_awaiting_response(membership=membership).count()
    return [Waiting("Reports of non-compliance awaiting your response", count, reverse("governance:noncompliance_list"), 70)]
