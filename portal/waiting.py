""""What is waiting for me" on the home page (issue 18): a count and a link per kind of work,
for the acting membership's role. The core registers its own (retention reviews); apps register
theirs in AppConfig.ready() (`register_waiting_source`), so the core never imports them.

A source is `fn(*, user, membership) -> list[Waiting]`, returning nothing for roles it does not
serve. Each must be cheap: counts, a fixed number of queries whatever the sizes, no rows, and
no personal data (labels and counts only)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from portal.roles import Role


@dataclass(frozen=True)
class Waiting:
    label: str
    count: int
    url: str
    order: int = 50


_SOURCES: list[Callable] = []


def register_waiting_source(source: Callable) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def waiting_for(*, user, membership) -> list[Waiting]:
    """Everything waiting for the person in their acting role, in a fixed order."""
    if not membership:  # none, or a lazy object wrapping none (portal.middleware)
        return []
    items = [item for source in _SOURCES for item in source(user=user, membership=membership)]
    return sorted(items, key=lambda item: (item.order, item.label))


def retention_reviews_waiting(*, user, membership) -> list[Waiting]:
    """Held records due for review (overdue included) in the next 30 days: the retention page's default."""
    if membership.role not in (Role.OFFICER, Role.DESIGNATED_OFFICER):
        return []
    from portal.retention.selectors import held_copies_due_for

    count = held_copies_due_for(membership=membership, user=user, within_days=30, today=timezone.localdate()).count()
    return [Waiting("Held records due for review in the next 30 days", count, reverse("portal:retention_due"), 70)]


def sso_access_requests_waiting(*, user, membership) -> list[Waiting]:
    """People an organisation's provider vouches for, waiting for a partnership admin (issue 15)."""
    if membership.role != Role.ADMIN:
        return []
    from portal.selectors.identity_providers import sso_access_requests_pending
    from portal.selectors.partnerships import membership_partnership

    count = sso_access_requests_pending(partnership=membership_partnership(membership=membership)).count()
    if not count:  # an admin's home shows nothing waiting until someone asks
        return []
    return [Waiting("Access requests from organisations' sign-in", count, reverse("portal:admin_sso_access_requests"), 60)]


register_waiting_source(retention_reviews_waiting)
register_waiting_source(sso_access_requests_waiting)
