"""Reads of partnerships and their members (issue 16, portal/models/partnerships.py)."""
from __future__ import annotations

from django.db.models import QuerySet

from portal.models import Membership, Organisation, Partnership, PartnershipMember, User
from portal.roles import Role

# Roles that serve one partnership rather than their organisation (DOMAIN.md §3).
PARTNERSHIP_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})


def partnership_member(*, partnership: Partnership | int, organisation: Organisation | int) -> PartnershipMember | None:
    return PartnershipMember.objects.filter(partnership=partnership, organisation=organisation).first()


def organisation_partnerships(*, organisation: Organisation | int) -> QuerySet[Partnership]:
    return Partnership.objects.filter(members__organisation=organisation).order_by("name")


def partnerships_shared(*, first: Organisation | int, second: Organisation | int) -> QuerySet[Partnership]:
    """The partnerships both organisations are members of: the protocols a request between them can be under."""
    return organisation_partnerships(organisation=first).filter(
        pk__in=PartnershipMember.objects.filter(organisation=second).values("partnership")
    )


def partnership_organisations(*, partnership: Partnership | int) -> QuerySet[Organisation]:
    return Organisation.objects.filter(partnership_places__partnership=partnership).order_by("name")


def user_partnerships(*, user: User) -> QuerySet[Partnership]:
    """Every partnership the user takes part in through an active membership: an admin's or auditor's
    own partnership, and every partnership of the organisations they work for in other roles."""
    memberships = Membership.objects.active().filter(user=user)
    scoped = memberships.filter(partnership__isnull=False).values("partnership")
    organisation_wide = memberships.filter(partnership__isnull=True).values("organisation")
    return Partnership.objects.filter(
        pk__in=PartnershipMember.objects.filter(organisation__in=organisation_wide).values("partnership")
    ).union(Partnership.objects.filter(pk__in=scoped)).order_by("name")


def membership_partnerships(*, membership: Membership) -> QuerySet[Partnership]:
    """The partnerships a membership acts in: its own partnership when it names one, else every
    partnership its organisation is a member of."""
    if membership.partnership_id is not None:
        return Partnership.objects.filter(pk=membership.partnership_id)
    return organisation_partnerships(organisation=membership.organisation_id)


def membership_partnership(*, membership: Membership | None) -> Partnership | None:
    """The one partnership a membership acts for: its own, or its organisation's first by name
    (an admin or auditor membership always names one; see the membership services)."""
    if membership is None:
        return None
    if membership.partnership_id is not None:
        return membership.partnership
    return organisation_partnerships(organisation=membership.organisation_id).first()


def partnership_count() -> int:
    return Partnership.objects.count()


def suspended_organisations(*, partnership: Partnership | int, organisations) -> list[Organisation]:
    """Which of `organisations` (ids or Organisation objects) have their sharing suspended in
    `partnership` now (SSP 13.3), by name: what a release, a paper or an agenda case refuses."""
    ids = [getattr(o, "pk", o) for o in organisations if o is not None]
    if not ids:
        return []
    return list(
        Organisation.objects.filter(
            partnership_places__partnership=partnership,
            partnership_places__sharing_suspended=True,
            pk__in=ids,
        ).order_by("name")
    )


def suspension_refusal(*, partnership: Partnership | int, organisations, doing: str) -> str:
    """The message a refused action shows when one of `organisations` is suspended (SSP 13.3),
    or "" when none is."""
    suspended = suspended_organisations(partnership=partnership, organisations=organisations)
    if not suspended:
        return ""
    names = " and ".join(o.name for o in suspended)
    verb = "is" if len(suspended) == 1 else "are"
    return f"Sharing with {names} {verb} suspended, so you cannot {doing} until the suspension is lifted (SSP 13.3)"


def sharing_refusal(*, partnership: Partnership | int, organisations, doing: str) -> str:
    """Why an action that shares with `organisations` is refused now, or "": a suspension (SSP 13.3)
    or a condition of the protocol in force that one of them does not meet (portal.sharing_conditions:
    no current signature, no designated officer, no valid ICO number, where the pack says it blocks)."""
    from portal.sharing_conditions import sharing_block_refusal

    return suspension_refusal(partnership=partnership, organisations=organisations, doing=doing) or sharing_block_refusal(
        partnership=partnership, organisations=organisations, doing=doing
    )
