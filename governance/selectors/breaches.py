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
class LinkKind:
    """One kind of record the reporter may link: the ones already chosen, then one page of the
    search's results among what the reporter can see (issue 11: picked by search, not the latest 50)."""

    items: list
    query: str
    page: int
    has_next: bool

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def __bool__(self):
        return bool(self.items) or bool(self.query) or self.page > 1


@dataclasses.dataclass
class LinkChoices:
    requests: LinkKind
    releases: LinkKind
    meetings: LinkKind
    subjects: LinkKind


LINK_KINDS = ("requests", "releases", "meetings", "subjects")
LINK_PAGE = 20


def _page(queryset, *, query: str, page: int, selected, search) -> LinkKind:
    query = "".join(ch for ch in str(query or "") if ch.isprintable()).strip()[:100]
    page = max(1, min(page or 1, 1000))
    chosen_ids = [int(v) for v in selected or () if str(v).isascii() and str(v).isdigit() and len(str(v)) < 19]
    chosen = list(queryset.filter(pk__in=chosen_ids)) if chosen_ids else []
    found = search(queryset, query) if query else queryset
    start = (page - 1) * LINK_PAGE
    rows = list(found.exclude(pk__in=[c.pk for c in chosen])[start:start + LINK_PAGE + 1])
    return LinkKind(items=chosen + rows[:LINK_PAGE], query=query, page=page, has_next=len(rows) > LINK_PAGE)


def _search_requests(qs, q):
    return qs.filter(reference__icontains=q)


def _search_releases(qs, q):
    return qs.filter(Q(request__reference__icontains=q) | Q(organisation__name__icontains=q))


def _search_meetings(qs, q):
    return qs.filter(Q(reference__icontains=q) | Q(title__icontains=q))


def _search_subjects(qs, q):
    from django.db.models import Func, Value
    from django.db.models.functions import Lower

    key = " ".join(q.split()).lower()
    return qs.annotate(
        name_key=Lower(Func(Func("full_name", function="unaccent"), Value(r"\s+"), Value(" "), Value("g"),
                            function="regexp_replace")),
    ).filter(Q(name_key__contains=Func(Value(key), function="unaccent")) | Q(aliases__icontains=q))


def breach_link_choices(*, user: User, queries: dict | None = None, pages: dict | None = None,
                        selected: dict | None = None) -> LinkChoices:
    """The records the reporter may link, each kind searched and paged on its own; what was
    already chosen stays offered (and chosen) whatever the search."""
    queries, pages, selected = queries or {}, pages or {}, selected or {}
    visible = visible_disclosures(user=user)
    sources = {
        "requests": (visible.exclude(reference="").order_by("-pk"), _search_requests),
        "releases": (
            Decision.objects.filter(request__in=visible, outcome__in=RELEASED, is_current=True)
            .select_related("request", "organisation").order_by("-pk"),
            _search_releases,
        ),
        "meetings": (visible_meetings(user=user).order_by("-starts_at", "-pk"), _search_meetings),
        "subjects": (request_subjects_visible_to(user=user).exclude(full_name="").order_by("-pk"), _search_subjects),
    }
    return LinkChoices(**{
        kind: _page(qs, query=queries.get(kind, ""), page=pages.get(kind, 1), selected=selected.get(kind), search=search)
        for kind, (qs, search) in sources.items()
    })


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
