"""The signed-in person's active memberships, read once a page.

`portal.middleware` loads them (with their organisations) for the acting membership; on a GET it
also remembers them on that request's user, so that need-to-know (`sharing.selectors`) and the
person's part in a request (`disclosure_role`) use the same list instead of asking again (issue
17: two queries a page). Only a GET: a page that only reads changes no membership, while a POST
may (an admin ending one), and then every check reads the table afresh. Anyone else's user object
(a service's `acting_user`, a test's) carries no list and is always read from the table.
"""
from __future__ import annotations

from portal.models import Membership, User

_REMEMBERED = "_portal_active_memberships"


def active_memberships_remember(user: User, memberships: list[Membership]) -> None:
    """Remember `memberships` (exactly `Membership.objects.active().filter(user=user)`) on this
    request's `user` for the rest of the request."""
    setattr(user, _REMEMBERED, tuple((m.organisation_id, m.role, m.partnership_id) for m in memberships))


def active_memberships(user: User) -> tuple[tuple[int, str, int | None], ...]:
    """(organisation id, role, partnership id or None) of each of `user`'s active memberships."""
    remembered = getattr(user, _REMEMBERED, None)
    if remembered is not None:
        return remembered
    return tuple(Membership.objects.active().filter(user=user).values_list("organisation_id", "role", "partnership_id"))
