"""Guarded reads of breach cases (SDP 8).

Who sees a breach (`visible_breaches`): the person who reported it; the data protection officers
of the organisation where it occurred, of each source organisation (the originators of released
data it touches) and of the reporter's organisation; and, once the summary incident report is
shared, the designated officers of those organisations. `access_breach` answers 404 alike for
missing and not-yours. Only the occurred organisation's DPO handles the case (`breach_may_handle`).

What the reporter may link is what they can already see (the sharing, meetings and consent
selectors): a link never opens a record to anyone; the case page shows a linked record's
reference, and its link leads through that record's own guard.
"""
from __future__ import annotations

import dataclasses
import datetime

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from governance.models import Breach, BreachStatus
from meetings.selectors import visible_meetings
from portal.models import DataSubject, Membership, Organisation, User
from portal.roles import Role
from portal.selectors.partnerships import organisation_partnerships
from sharing.models import Decision, Outcome
from sharing.selectors import request_subjects_visible_to, visible_disclosures

# How many of each kind of record the report form offers (the most recent).
LINK_CHOICES_LIMIT = 50
WARNING_HOURS = 24
URGENT_HOURS = 6
RELEASED = (Outcome.RELEASED, Outcome.PARTLY_RELEASED)


def _organisation_ids(user: User, roles) -> list[int]:
    return list(Membership.objects.active().filter(user=user, role__in=roles).values_list("organisation_id", flat=True))


def _involving(organisation_ids) -> Q:
    return (
        Q(occurred_organisation_id__in=organisation_ids)
        | Q(reporter_organisation_id__in=organisation_ids)
        | Q(source_organisations__in=organisation_ids)
    )


def visible_breaches(*, user: User) -> QuerySet[Breach]:
    if not user.is_authenticated or not user.is_active:
        return Breach.objects.none()
    rule = Q(reported_by=user)
    dpo_orgs = _organisation_ids(user, [Role.DPO])
    if dpo_orgs:
        rule |= _involving(dpo_orgs)
    do_orgs = _organisation_ids(user, [Role.DESIGNATED_OFFICER])
    if do_orgs:
        rule |= _involving(do_orgs) & Q(summary_shared_at__isnull=False)
    ids = Breach.objects.filter(rule).values("pk")
    return Breach.objects.filter(pk__in=ids)


def access_breach(*, user: User, pk: int | str, for_update: bool = False) -> Breach:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such breach") from None
    queryset = visible_breaches(user=user).select_related(
        "occurred_organisation", "reporter_organisation", "reported_by", "partnership", "ico_decided_by", "closed_by"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    breach = queryset.filter(pk=pk).first()
    if breach is None:
        raise Http404("No such breach")
    return breach


def breach_may_handle(*, membership: Membership | None, breach: Breach) -> bool:
    """SDP 8: the DPO of the organisation where the breach occurred decides and investigates."""
    return bool(
        membership is not None
        and membership.role == Role.DPO
        and membership.organisation_id == breach.occurred_organisation_id
        and breach.status == BreachStatus.OPEN
    )


def dpo_breach_queue(*, membership: Membership) -> QuerySet[Breach]:
    """The DPO's open breaches, the nearest ICO deadline first: their organisation's own and
    those it is a source organisation or the reporter's organisation of."""
    if membership.role != Role.DPO:
        return Breach.objects.none()
    ids = Breach.objects.filter(_involving([membership.organisation_id]), status=BreachStatus.OPEN).values("pk")
    return (
        Breach.objects.filter(pk__in=ids)
        .select_related("occurred_organisation")
        .order_by(F("ico_decided_at").asc(nulls_first=True), "discovered_at", "pk")
    )


def dpo_breaches_waiting_count(*, membership: Membership) -> int:
    """Open breaches of the DPO's organisation still waiting for the ICO decision."""
    return Breach.objects.filter(
        occurred_organisation_id=membership.organisation_id, status=BreachStatus.OPEN, ico_decided_at__isnull=True
    ).count()


# --- The 72-hour clock ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BreachClock:
    """Where the breach stands against its 72 hours: `state` is ok, warning (24 hours or less
    left), urgent (6 hours or less), overdue, decided (in time) or decided_late."""

    deadline: datetime.datetime
    state: str
    remaining: datetime.timedelta

    @property
    def is_running(self) -> bool:
        return self.state in ("ok", "warning", "urgent", "overdue")

    @property
    def remaining_text(self) -> str:
        minutes = int(abs(self.remaining).total_seconds() // 60)
        hours, minutes = divmod(minutes, 60)
        parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
        return " ".join(parts)

    @property
    def tag_class(self) -> str:
        return {
            "ok": "govuk-tag--blue",
            "warning": "govuk-tag--yellow",
            "urgent": "govuk-tag--orange",
            "overdue": "govuk-tag--red",
            "decided": "govuk-tag--green",
            "decided_late": "govuk-tag--grey",
        }[self.state]

    @property
    def label(self) -> str:
        return {
            "ok": "Time left",
            "warning": "Less than 24 hours left",
            "urgent": "Less than 6 hours left",
            "overdue": "Overdue",
            "decided": "ICO decision made in time",
            "decided_late": "ICO decision made late",
        }[self.state]


def breach_clock(breach: Breach, *, now: datetime.datetime | None = None) -> BreachClock:
    now = now or timezone.now()
    deadline = breach.ico_deadline
    if breach.ico_decided_at is not None:
        late = breach.ico_decided_at > deadline
        return BreachClock(deadline, "decided_late" if late else "decided", deadline - breach.ico_decided_at)
    remaining = deadline - now
    if remaining <= datetime.timedelta(0):
        state = "overdue"
    elif remaining <= datetime.timedelta(hours=URGENT_HOURS):
        state = "urgent"
    elif remaining <= datetime.timedelta(hours=WARNING_HOURS):
        state = "warning"
    else:
        state = "ok"
    return BreachClock(deadline, state, remaining)


# --- What a reporter may link -----------------------------------------------------------------


@dataclasses.dataclass
class LinkChoices:
    requests: list
    releases: list
    meetings: list
    subjects: list


def breach_link_choices(*, user: User) -> LinkChoices:
    """The records the reporter may link: what they can see, the most recent of each kind."""
    requests = visible_disclosures(user=user).exclude(reference="").order_by("-pk")[:LINK_CHOICES_LIMIT]
    releases = (
        Decision.objects.filter(request__in=visible_disclosures(user=user), outcome__in=RELEASED, is_current=True)
        .select_related("request", "organisation")
        .order_by("-pk")[:LINK_CHOICES_LIMIT]
    )
    meetings = visible_meetings(user=user).order_by("-starts_at", "-pk")[:LINK_CHOICES_LIMIT]
    subjects = request_subjects_visible_to(user=user).exclude(full_name="").order_by("-pk")[:LINK_CHOICES_LIMIT]
    return LinkChoices(
        requests=list(requests), releases=list(releases), meetings=list(meetings), subjects=list(subjects)
    )


def breach_occurred_choices(*, membership: Membership) -> QuerySet[Organisation]:
    """The organisations a breach can be reported against: the members of the reporter's partnerships."""
    partnerships = organisation_partnerships(organisation=membership.organisation_id)
    return Organisation.objects.filter(partnership_places__partnership__in=partnerships).distinct().order_by("name")


def breach_source_organisation_ids(*, releases, requests) -> set[int]:
    """The originators of the released data the links touch (SDP 8 "source agency"): each linked
    release's items' originating organisations, and those of the current releases on linked requests."""
    from sharing.models import ReleaseItem

    decision_ids = {d.pk for d in releases}
    decision_ids |= set(
        Decision.objects.filter(request__in=requests, outcome__in=RELEASED, is_current=True).values_list("pk", flat=True)
    )
    ids = set(ReleaseItem.objects.filter(decision_id__in=decision_ids).values_list("originating_organisation_id", flat=True))
    # A release with no items (an attachment only) still came from its deciding organisation.
    ids |= set(Decision.objects.filter(pk__in=decision_ids).values_list("organisation_id", flat=True))
    return ids


def breach_links(*, breach: Breach) -> dict:
    """What the case page lists of its links: references only, never content."""
    return {
        "requests": list(breach.requests.order_by("reference").values_list("pk", "reference")),
        "releases": list(
            breach.releases.select_related("request", "organisation").order_by("request__reference", "pk")
        ),
        "meetings": list(breach.meetings.order_by("starts_at").values_list("pk", "reference")),
        "subject_count": breach.subjects.count(),
    }


def breach_subjects(*, breach: Breach) -> QuerySet[DataSubject]:
    return breach.subjects.order_by("full_name", "pk")


def breach_involved_organisation_ids(*, breach: Breach) -> set[int]:
    ids = {breach.occurred_organisation_id, breach.reporter_organisation_id}
    ids |= set(breach.source_organisations.values_list("pk", flat=True))
    return ids


def breach_dpos(*, organisation_ids) -> QuerySet[User]:
    return User.objects.filter(
        memberships__in=Membership.objects.active().filter(organisation_id__in=organisation_ids, role=Role.DPO)
    ).distinct()


def breach_designated_officers(*, organisation_ids) -> QuerySet[User]:
    return User.objects.filter(
        memberships__in=Membership.objects.active().filter(
            organisation_id__in=organisation_ids, role=Role.DESIGNATED_OFFICER
        )
    ).distinct()


def breaches_for_list(*, user: User, membership: Membership | None, show: str = "open") -> QuerySet[Breach]:
    queryset = visible_breaches(user=user).select_related("occurred_organisation")
    if show == "closed":
        return queryset.filter(status=BreachStatus.CLOSED).order_by("-closed_at", "-pk")
    return queryset.filter(status=BreachStatus.OPEN).order_by(F("ico_decided_at").asc(nulls_first=True), "discovered_at", "pk")
