"""Reads for the partnership admin's pages: organisations, users, memberships, locked accounts
(DOMAIN.md §3). None of these touch personal data held about data subjects, only the portal's
own accounts, so there is no need-to-know filter here: the views are for partnership admins only.

List selectors return querysets with their related rows prefetched, so a page costs the same
number of queries however many rows it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F, Max, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat, Lower
from django.http import Http404
from django.utils import timezone

from portal.models import Membership, Notification, Organisation, Partnership, User
from portal.roles import Role


def _memberships_for_display() -> QuerySet[Membership]:
    return Membership.objects.select_related("organisation").order_by("-is_active", "organisation__name", "role")


def organisation_list(*, partnership: Partnership | None) -> QuerySet[Organisation]:
    """The partnership's member organisations, each with its standing, signing date and suspension
    there (annotated under those names) and its active designated officers as
    `designated_officers`. None: no partnership, no organisations."""
    designated = (
        Membership.objects.active()
        .filter(role=Role.DESIGNATED_OFFICER)
        .filter(Q(partnership__isnull=True) | Q(partnership=partnership))
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    return (
        Organisation.objects.filter(partnership_places__partnership=partnership)
        .annotate(
            standing=F("partnership_places__standing"),
            signed_protocol_on=F("partnership_places__signed_protocol_on"),
            sharing_suspended=F("partnership_places__sharing_suspended"),
            sharing_suspended_reason=F("partnership_places__sharing_suspended_reason"),
        )
        .order_by("name")
        .prefetch_related(Prefetch("memberships", queryset=designated, to_attr="designated_officers"))
    )


def organisation_get(*, pk: int, partnership: Partnership | None) -> Organisation:
    """A member of the admin's partnership (404 for any other organisation)."""
    organisation = organisation_list(partnership=partnership).filter(pk=pk).first()
    if organisation is None:
        raise Http404("No such organisation")
    return organisation


def _partnership_users(partnership: Partnership | None) -> QuerySet[User]:
    """The accounts a partnership's admin manages: anyone with a role (active or ended) in one of
    its member organisations, and accounts with no role anywhere yet (just created)."""
    if partnership is None:
        return User.objects.none()
    members = Membership.objects.filter(organisation__partnership_places__partnership=partnership).values("user")
    return User.objects.filter(Q(pk__in=members) | ~Q(pk__in=Membership.objects.values("user")))


def user_search(*, query: str = "", partnership: Partnership | None) -> QuerySet[User]:
    """The partnership's users whose username, name or email contains `query` (any case), with
    their memberships (and each membership's organisation) prefetched."""
    users = _partnership_users(partnership)
    query = " ".join(query.split())
    if query:
        users = users.annotate(full_name_for_search=Concat("first_name", Value(" "), "last_name")).filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(full_name_for_search__icontains=query)
        )
    return users.order_by("last_name", "first_name", "username").prefetch_related(
        Prefetch("memberships", queryset=_memberships_for_display())
    )


def user_get(*, pk: int, partnership: Partnership | None) -> User:
    """One of the partnership's users (404 for anyone else's)."""
    user = (
        _partnership_users(partnership)
        .prefetch_related(Prefetch("memberships", queryset=_memberships_for_display()))
        .filter(pk=pk)
        .first()
    )
    if user is None:
        raise Http404("No such user")
    return user


def membership_get(*, pk: int, partnership: Partnership | None) -> Membership:
    """A role in one of the partnership's member organisations (404 for any other)."""
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=pk, organisation__partnership_places__partnership=partnership)
        .first()
    )
    if membership is None:
        raise Http404("No such membership")
    return membership


@dataclass(frozen=True)
class LockedAccount:
    username: str
    failures: int
    last_failure_at: datetime
    user: User | None


def _locked_attempts():
    """Failed sign-ins per username counted the way axes counts them: summed over every IP
    and browser, only within the cool-off period, at or above the failure limit."""
    attempts = AccessAttempt.objects.exclude(username__isnull=True)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return (
        attempts.values("username")
        .annotate(failures=Sum("failures_since_start"), last_failure_at=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("username")
    )


def locked_usernames() -> set[str]:
    """Usernames (as typed at sign-in) that django-axes currently locks out."""
    return {row["username"] for row in _locked_attempts()}


def locked_accounts() -> list[LockedAccount]:
    """The locked usernames with their failure counts and the account each belongs to, if any
    (someone may be guessing at a username that does not exist)."""
    rows = list(_locked_attempts())
    users: dict[str, User] = {}
    if rows:
        # Usernames are unique regardless of case, and axes keeps them as typed.
        lowered = {row["username"].lower() for row in rows}
        matched = User.objects.annotate(username_lower=Lower("username")).filter(username_lower__in=lowered)
        users = {user.username_lower: user for user in matched}
    return [
        LockedAccount(
            username=row["username"],
            failures=row["failures"],
            last_failure_at=row["last_failure_at"],
            user=users.get(row["username"].lower()),
        )
        for row in rows
    ]


def username_is_locked(*, username: str) -> bool:
    lowered = username.lower()
    return any(name.lower() == lowered for name in locked_usernames())


def undelivered_notifications(*, partnership: Partnership | None) -> QuerySet[Notification]:
    """Notifications to the partnership's users that stopped (refused, or out of tries), newest
    first: the admin's "Undelivered emails" page. Subject lines and references carry no personal
    data by rule; the stored error has the address taken out."""
    return (
        Notification.objects.filter(failed_at__isnull=False, recipient__in=_partnership_users(partnership))
        .select_related("recipient")
        .order_by("-failed_at", "-pk")
    )
