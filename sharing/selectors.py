"""Guarded reads of disclosure requests (SSP 8.2 need-to-know; SDP 5.1 d).

`access_disclosure` is the only way a view gets a request whose personal data it will show: it
answers 404 both for "missing" and for "not yours", so an id cannot be probed. Membership of an
organisation gives nothing by itself: only the requester, the assignee, the designated officers
of the two organisations and anyone granted `access_disclosure` on the object get through.

Retention (sharing/retention.py): once the copy a person's organisation held of the request is
destroyed, `access_disclosure` refuses it too, with `DisclosureDestroyed` (a 404 carrying the
tombstone, which the request page shows instead of the content); once the requesting
organisation's copy of the released data is destroyed, its people no longer see the released
items and attachments (`released_data_tombstone`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Case, Count, DateField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from portal.models import HeldCopy, Membership, RetentionRecordKind, User
from portal.roles import Role
from portal.selectors.memberships import active_memberships
from sharing.models import (
    DisclosureRequest,
    DisclosureRequestUserObjectPermission,
    OverrideStatus,
    PublicInterestOverride,
    Status,
)

ACCESS_PERMISSION = "access_disclosure"
# The roles that work on cases: only these give need-to-know, and only in their organisation.
HOLDING_ROLES = (Role.OFFICER, Role.DESIGNATED_OFFICER)
RETENTION_CONTENT_TYPE = "sharing.request"


class DisclosureDestroyed(Http404):
    """The person's organisation no longer holds the request: its copy was destroyed under
    retention. A 404 like any other unless the view shows `tombstone` (the request page does)."""

    def __init__(self, request: DisclosureRequest, tombstone: HeldCopy):
        super().__init__("This request was destroyed under retention")
        self.request = request
        self.tombstone = tombstone


def designated_organisation_ids(user: User, *, partnership_id: int | None = None) -> list[int]:
    """The organisations `user` is a designated officer of; with `partnership_id`, only where that
    role covers that partnership (a designated officer's membership may be limited to one)."""
    return [
        organisation_id
        for organisation_id, role, limited_to in active_memberships(user)
        if role == Role.DESIGNATED_OFFICER and (partnership_id is None or limited_to in (None, partnership_id))
    ]


def visible_disclosures(*, user: User) -> QuerySet[DisclosureRequest]:
    """Every request whose personal data `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return DisclosureRequest.objects.none()
    granted = DisclosureRequestUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=ACCESS_PERMISSION
    )
    # Need-to-know holds only while the person belongs to the organisation concerned now: a
    # requester or assignee whose membership there ended loses the request with it (and the
    # grants an assignment gave go when the membership ends: sharing.services.membership).
    case_orgs = set()
    designated = []  # (organisation, the one partnership the role is limited to, or None)
    for organisation_id, role, partnership_id in active_memberships(user):
        case_orgs.add(organisation_id)
        if role == Role.DESIGNATED_OFFICER:
            designated.append((organisation_id, partnership_id))
    if not case_orgs:
        return DisclosureRequest.objects.none()
    rule = (
        Q(requester=user, requesting_organisation_id__in=case_orgs)
        | Q(assignee=user, holding_organisation_id__in=case_orgs)
        | Q(Exists(granted))
    )
    for organisation_id, partnership_id in designated:
        # A draft is the requesting side's own work: the holding side sees it once submitted.
        designated_rule = Q(requesting_organisation_id=organisation_id) | (
            Q(holding_organisation_id=organisation_id) & ~Q(status=Status.DRAFT)
        )
        if partnership_id is not None:
            designated_rule &= Q(protocol_pack__partnership_id=partnership_id)
        rule |= designated_rule
    return DisclosureRequest.objects.filter(rule)


def access_disclosure(*, user: User, pk: int | str, for_update: bool = False) -> DisclosureRequest:
    """The request, if `user` may see its personal data; Http404 otherwise, whatever the reason."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such request") from None
    queryset = visible_disclosures(user=user).select_related(
        "requesting_organisation", "holding_organisation", "requester", "assignee", "purpose", "forum",
        "legal_gateway", "protocol_pack",
    ).annotate(
        # Whether any copy of it has been destroyed, in the same query: while none is (nearly
        # always), there is no tombstone to look for.
        copy_destroyed=Exists(
            HeldCopy.objects.filter(
                content_type=RETENTION_CONTENT_TYPE, content_id=OuterRef("pk"), kind=RetentionRecordKind.REQUESTS,
                destroyed_at__isnull=False,
            )
        )
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    request = queryset.filter(pk=pk).first()
    if request is None:
        raise Http404("No such request")
    tombstone = disclosure_tombstone(user=user, request=request) if request.copy_destroyed else None
    if tombstone is not None:
        raise DisclosureDestroyed(request, tombstone)
    return request


def access_for_assignment(
    *, user: User, membership: Membership | None, pk: int | str, designated_only: bool = False, for_update: bool = False
) -> DisclosureRequest:
    """The request, for picking up (or assigning), when the acting membership is an officer (or,
    with designated_only, the designated officer) of its holding organisation; Http404 otherwise,
    whatever the reason. It gives no need-to-know: show only the triage fields (reference,
    requesting organisation, purpose, urgency, due date). `for_update` locks it for the
    pick-up or assignment that follows."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such request") from None
    if not user.is_authenticated or membership is None or membership.role not in HOLDING_ROLES:
        raise Http404("No such request")
    if designated_only and membership.role != Role.DESIGNATED_OFFICER:
        raise Http404("No such request")
    queryset = DisclosureRequest.objects.select_related(
        "requesting_organisation", "holding_organisation", "purpose", "assignee", "protocol_pack", "requester"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    request = queryset.filter(pk=pk, holding_organisation_id=membership.organisation_id).exclude(
        status=Status.DRAFT
    ).first()
    # A role limited to one partnership gives nothing of another partnership's requests.
    if request is None or membership.partnership_id not in (None, request.protocol_pack.partnership_id):
        raise Http404("No such request")
    return request


def lock_disclosure_for(
    *, user: User, pk: int, refusal: str, membership: Membership | None = None, triage: bool = False
) -> DisclosureRequest:
    """The request locked for a person's action, through the guarded reads only: need-to-know
    (`access_disclosure`), or, with `triage`, the holding organisation's triage read for picking
    up and assigning. Someone neither lets through gets ValidationError(`refusal`), the message
    the service's own rule gives, so the lock's 404 never replaces the reason a person is told."""
    try:
        return access_disclosure(user=user, pk=pk, for_update=True)
    except DisclosureDestroyed:
        raise
    except Http404:
        pass
    if triage:
        try:
            return access_for_assignment(user=user, membership=membership, pk=pk, for_update=True)
        except Http404:
            pass
    raise ValidationError(refusal)


# ---------------------------------------------------------------------------------------------
# The holding organisation's inbox (triage fields only: no need-to-know is given by it)
# ---------------------------------------------------------------------------------------------

INBOX_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_ADVICE, Status.RETURNED)
INBOX_DECIDED_STATUSES = (Status.RELEASED, Status.PARTLY_RELEASED, Status.DECLINED, Status.DISPUTED)
INBOX_DECIDED_DAYS = 90
DUE_SOON_DAYS = 3
INBOX_FILTERS = {
    "open": "All open",
    "new": "New",
    "mine": "Assigned to me",
    "assigned": "All assigned",
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "decided": "Decided (last 90 days)",
}


def _inbox_rules(*, user: User) -> dict[str, Q]:
    today = timezone.localdate()
    open_ = Q(status__in=INBOX_STATUSES)
    return {
        "open": open_,
        "new": Q(status=Status.SUBMITTED, assignee__isnull=True),
        "mine": open_ & Q(assignee=user),
        "assigned": open_ & Q(assignee__isnull=False),
        "overdue": open_ & Q(needed_by__lt=today),
        "due_soon": open_ & Q(needed_by__gte=today, needed_by__lte=today + timedelta(days=DUE_SOON_DAYS)),
        "decided": Q(
            status__in=INBOX_DECIDED_STATUSES, decided_at__gte=timezone.now() - timedelta(days=INBOX_DECIDED_DAYS)
        ),
    }


# What a request waits for, where its status alone does not say: "In review" while a
# public-interest override waits for the holding organisation's designated officer.
OVERRIDE_WAITING = "Waiting for a designated officer to approve the override"


def with_override_waiting(queryset: QuerySet) -> QuerySet:
    """`queryset` with `override_waiting`: a proposed override waits for approval (one subquery)."""
    return queryset.annotate(
        override_waiting=Exists(
            PublicInterestOverride.objects.filter(request=OuterRef("pk"), status=OverrideStatus.PROPOSED)
        )
    )


def status_text(disclosure: DisclosureRequest) -> str:
    """The status as people read it in lists and on the request page: what it waits for, and who."""
    if disclosure.status == Status.IN_REVIEW:
        waiting = getattr(disclosure, "override_waiting", None)
        if waiting is None:
            waiting = disclosure.overrides.filter(status=OverrideStatus.PROPOSED).exists()
        if waiting:
            return OVERRIDE_WAITING
    return disclosure.get_status_display()


def inbox_disclosures(*, organisation_id: int, user: User, show: str = "open", sort: str = "due") -> QuerySet:
    """The holding organisation's requests for its inbox, with only what triage needs loaded."""
    rules = _inbox_rules(user=user)
    rule = rules.get(show, rules["open"])
    due = F("needed_by")
    if show == "decided":
        # The same order, but one no index of needed_by serves: PostgreSQL finds the last 90 days'
        # decisions on their partial index and sorts those few hundred, instead of walking the
        # needed_by index through the whole history for them (2.7 s at 1,000,000 requests).
        due = ExpressionWrapper(F("needed_by") + Value(0), output_field=DateField())
    if sort == "-due":
        ordering = (due.desc(nulls_last=True), "-pk")
    else:
        ordering = (due.asc(nulls_last=True), "pk")
    return with_override_waiting(
        DisclosureRequest.objects.filter(holding_organisation_id=organisation_id)
        .filter(rule)
        .select_related("requesting_organisation", "purpose", "assignee", "protocol_pack")
        .only(
            "pk",
            "reference",
            "status",
            "urgency",
            "needed_by",
            "submitted_at",
            "assignee_id",
            "holding_organisation_id",
            "protocol_pack__partnership_name",
            "requesting_organisation__name",
            "purpose__name",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
        )
        .order_by(*ordering)
    )


def inbox_page_rows(queryset: QuerySet, page_queryset: QuerySet, *, show: str) -> list[DisclosureRequest]:
    """The rows of one inbox page: `page_queryset`, the page's slice of `queryset` (a tab of
    `inbox_disclosures`). The decided tab's page is found by id first — the top of the 90 days'
    decisions sorted from index entries alone (migration 0006_h17b) — and then only those rows
    are read with what they show; the other tabs read their index in page order already, so they
    take one query."""
    if show != "decided":
        return list(page_queryset)
    ids = list(page_queryset.values_list("pk", flat=True))
    if not ids:
        return []
    rows = {row.pk: row for row in queryset.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


@dataclass(frozen=True)
class InboxRow:
    can_open: bool  # the user may open it (need-to-know)
    destroyed: bool  # the organisation's copy of it has been destroyed under retention
    names: tuple[str, ...]  # who it is about: only when it may be opened and is still held


def with_inbox_row_details(queryset: QuerySet, *, user: User, organisation_id: int) -> QuerySet:
    """An inbox tab (`inbox_disclosures`) with what each row shows beyond triage, evaluated only
    for the rows a page reads (part of the page's own query): `row_can_open` (the user may open
    it: need-to-know), `row_destroyed` (the organisation's copy of it was destroyed under
    retention) and `row_names` — only for those it may open and still holds, as
    `request_subject_names` gives them — the people it is about. The caller logs each request
    whose names it shows."""
    can_open = Exists(visible_disclosures(user=user).filter(pk=OuterRef("pk")))
    people = (
        RequestSubject.objects.filter(request_id=OuterRef("pk"))
        .exclude(subject__full_name="")
        .order_by("pk")
        .values("subject__full_name")
    )
    return queryset.annotate(row_can_open=can_open, row_destroyed=destroyed_for(organisation_id=organisation_id)).annotate(
        # The names subquery runs only for the rows the CASE lets through.
        row_names=Case(When(Q(row_can_open=True, row_destroyed=False), then=ArraySubquery(people)), default=None)
    )


def inbox_row_detail(row: DisclosureRequest) -> InboxRow:
    """The row's details, from a row of `with_inbox_row_details`."""
    return InboxRow(bool(row.row_can_open), bool(row.row_destroyed), tuple(row.row_names or ()))


def inbox_row_details(*, user: User, organisation_id: int, request_ids: list[int]) -> dict[int, InboxRow]:
    """`with_inbox_row_details` for rows already read, by id, in one query."""
    if not request_ids:
        return {}
    rows = with_inbox_row_details(
        DisclosureRequest.objects.filter(pk__in=request_ids), user=user, organisation_id=organisation_id
    ).values_list("pk", "row_can_open", "row_destroyed", "row_names")
    return {pk: InboxRow(can_open, gone, tuple(names or ())) for pk, can_open, gone, names in rows}


def inbox_counts(*, organisation_id: int, user: User) -> dict[str, int]:
    """How many requests each tab shows, in two queries that read only the organisation's open
    requests and its last 90 days of decisions, each from its own partial index
    (migration 0004_h17_inbox_tab_indexes): never its history."""
    rules = _inbox_rules(user=user)
    mine = DisclosureRequest.objects.filter(holding_organisation_id=organisation_id)
    counts = mine.filter(rules["open"]).aggregate(
        **{name: Count("pk", filter=rule) for name, rule in rules.items() if name != "decided"}
    )
    counts["decided"] = mine.filter(rules["decided"]).count()
    return counts


# The inbox's tab counts, whether the organisation is in several partnerships and the page's
# marking, kept per organisation for at most INBOX_SUMMARY_SECONDS (issue 17: four queries a
# load). Every decision-logged change to a request (a submission, an assignment, a pick-up, a
# decision: `sharing.lifecycle.disclosure_decision_record`) forgets its holding organisation's
# entry when it commits, so a new request is in the counts on the next load wherever the cache is
# shared (Redis, `CACHES["inbox"]`), and within INBOX_SUMMARY_SECONDS in a process that did not
# see the write (several processes without Redis). What only time moves (a decision leaving the
# 90 days) and what no request write changes (the organisation joining a second partnership, a
# new pack's levels) shows within INBOX_SUMMARY_SECONDS; the date is in the key, so "overdue"
# and "due soon" turn over at midnight. Only committed values are kept (read outside a
# transaction), as `current_partnership_name` does.
INBOX_SUMMARY_SECONDS = 30
INBOX_CACHE = "inbox"


@dataclass(frozen=True)
class InboxSummary:
    counts: dict[str, int]
    several_partnerships: bool
    marking: str


def _inbox_summary_key(organisation_id: int) -> str:
    return f"summary:{organisation_id}:{timezone.localdate().isoformat()}"


def inbox_summary(*, organisation_id: int, user: User) -> InboxSummary:
    """The tab counts (`inbox_counts`), whether the organisation belongs to several partnerships
    (each row then names its partnership) and the inbox's marking (`audit_marking_name`): from the
    cache when it has them (one round trip, no query), else read (three queries) and kept."""
    from portal.accountability.exports import audit_marking_name
    from portal.selectors.partnerships import organisation_partnerships

    cache = caches[INBOX_CACHE]
    organisation_key = _inbox_summary_key(organisation_id)
    user_key = f"{organisation_key}:user:{user.pk}"
    found = cache.get_many([organisation_key, user_key])
    shared, own = found.get(organisation_key), found.get(user_key)
    # "mine" is the person's own; it is kept under the organisation entry's token, so forgetting
    # the organisation's entry forgets every person's too.
    if shared is not None and own is not None and own[0] == shared["token"]:
        return InboxSummary({**shared["counts"], "mine": own[1]}, shared["several"], shared["marking"])
    counts = inbox_counts(organisation_id=organisation_id, user=user)
    if shared is None:
        shared = {
            "token": os.urandom(8).hex(),
            "counts": {name: n for name, n in counts.items() if name != "mine"},
            "several": organisation_partnerships(organisation=organisation_id).count() > 1,
            "marking": audit_marking_name(),
        }
        if not connection.in_atomic_block:
            cache.set(organisation_key, shared, INBOX_SUMMARY_SECONDS)
    if not connection.in_atomic_block:
        cache.set(user_key, (shared["token"], counts["mine"]), INBOX_SUMMARY_SECONDS)
    return InboxSummary(counts, shared["several"], shared["marking"])


def inbox_summary_forget(*, organisation_id: int) -> None:
    """Forget the organisation's inbox summary (after a write to one of its requests commits)."""
    caches[INBOX_CACHE].delete(_inbox_summary_key(organisation_id))


def open_work_of(*, user_id: int, organisation_id: int) -> list[tuple[int, bool]]:
    """(id, as assignee) of the open requests (drafts and disputes included) that the person
    raised for `organisation_id` or is assigned for it: the work their leaving must hand on."""
    open_ = Q(status__in=[Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_ADVICE,
                          Status.RETURNED, Status.DISPUTED])
    assigned = Q(assignee_id=user_id, holding_organisation_id=organisation_id)
    raised = Q(requester_id=user_id, requesting_organisation_id=organisation_id)
    return [
        (pk, assignee_id == user_id and holding_id == organisation_id)
        for pk, assignee_id, holding_id in DisclosureRequest.objects.filter(open_ & (assigned | raised))
        .order_by("pk")
        .values_list("pk", "assignee_id", "holding_organisation_id")
    ]


def lock_disclosure_for_system(*, pk: int) -> DisclosureRequest:
    """The request, locked for this transaction, for work no person asked for (the consent
    withdrawal listener, sweeps): the one unguarded lock, named so that a person's action can
    never reach it by accident. People's actions lock through `access_disclosure(...,
    for_update=True)` or `access_for_assignment(..., for_update=True)`."""
    return (
        DisclosureRequest.objects.select_for_update(of=("self",))
        .select_related(
            "requesting_organisation", "holding_organisation", "purpose", "protocol_pack", "assignee", "requester"
        )
        .get(pk=pk)
    )


def disclosure_tombstone(*, user: User, request: DisclosureRequest) -> HeldCopy | None:
    """The tombstone of the copy of the request that `user`'s organisation held, if it has been
    destroyed; None while their organisation still holds it. `user`'s organisation is whichever of
    the request's two organisations they belong to (if both, it is gone only when both copies
    are); someone who belongs to neither sees it only while some copy is left. One query while
    nothing is destroyed."""
    copies = list(
        HeldCopy.objects.filter(
            content_type=RETENTION_CONTENT_TYPE, content_id=request.pk, kind=RetentionRecordKind.REQUESTS
        ).select_related("holder")
    )
    if not any(copy.destroyed_at for copy in copies):
        return None
    member_of = set(
        Membership.objects.active()
        .filter(user=user, organisation_id__in=[copy.holder_id for copy in copies])
        .values_list("organisation_id", flat=True)
    )
    theirs = [copy for copy in copies if copy.holder_id in member_of] or copies
    if all(copy.destroyed_at for copy in theirs):
        return max(theirs, key=lambda copy: copy.destroyed_at)
    return None


def released_data_tombstone(*, request: DisclosureRequest) -> HeldCopy | None:
    """The tombstone of the requesting organisation's copy of the released data, if destroyed:
    from then on the requesting side no longer sees the released items and attachments (the
    holding organisation keeps its record of what it released under its own copy)."""
    return (
        HeldCopy.objects.filter(
            content_type=RETENTION_CONTENT_TYPE,
            content_id=request.pk,
            kind=RetentionRecordKind.RELEASED_DATA,
            holder_id=request.requesting_organisation_id,
            destroyed_at__isnull=False,
        )
        .select_related("holder")
        .first()
    )


def destroyed_for(*, organisation_id: int) -> Exists:
    """An annotation for a list of requests: whether `organisation_id`'s copy of each has been
    destroyed under retention. Part of the list's own query (evaluated for the rows of the page),
    so a list marks them without a query a row."""
    return Exists(
        HeldCopy.objects.filter(
            content_type=RETENTION_CONTENT_TYPE,
            content_id=OuterRef("pk"),
            kind=RetentionRecordKind.REQUESTS,
            holder_id=organisation_id,
            destroyed_at__isnull=False,
        )
    )


def disclosure_role(*, user: User, request: DisclosureRequest) -> set[str]:
    """What `user` is to this request: any of requester, assignee, designated_requesting,
    designated_holding, granted. Views use it to offer only the actions that fit."""
    roles = set()
    if request.requester_id == user.pk:
        roles.add("requester")
    if request.assignee_id == user.pk:
        roles.add("assignee")
    designated = designated_organisation_ids(user, partnership_id=request.protocol_pack.partnership_id)
    if request.requesting_organisation_id in designated:
        roles.add("designated_requesting")
    if request.holding_organisation_id in designated:
        roles.add("designated_holding")
    return roles


# =============================================================================================
# The designated officers' queue, and the consent app's subject source (reads).
# Appended as one section so it merges apart from the rest of this module; its imports belong
# with the imports at the top.
# =============================================================================================

from dataclasses import dataclass  # noqa: E402

from django.db.models import Max, Subquery  # noqa: E402

from portal.models import DataSubject  # noqa: E402
from sharing.models import (  # noqa: E402
    ConsentReliance,
    Decision,
    Dispute,
    DisputeStatus,
    FlowchartRun,
    NoteKind,
    OnwardRequest,
    OnwardStatus,
    RequestNote,
    RequestSubject,
    SubJudiceConsultation,
)

SECTIONS_PRESENT = ("notes", "consultations", "decisions", "disputes", "flowchart_runs", "overrides", "reliances", "onward")


def disclosure_sections_present(*, request: DisclosureRequest) -> dict[str, bool]:
    """Which of the request page's sections have anything in them, in one query of index probes:
    most requests have no notes, disputes, overrides or onward requests, and a section known to
    be empty is not read (issue 17). Call it after `access_disclosure`: it says nothing but
    whether rows exist."""
    def any_of(model, **match):
        return Exists(model.objects.filter(**match))

    here = OuterRef("pk")
    found = (
        DisclosureRequest.objects.filter(pk=request.pk)
        .annotate(
            has_notes=any_of(RequestNote, request=here),
            has_consultations=any_of(SubJudiceConsultation, request=here),
            has_decisions=any_of(Decision, request=here),
            has_disputes=any_of(Dispute, request=here),
            has_flowchart_runs=any_of(FlowchartRun, request=here),
            has_overrides=any_of(PublicInterestOverride, request=here),
            has_reliances=any_of(ConsentReliance, request=here),
            has_onward=Exists(OnwardRequest.objects.filter(Q(request=here) | Q(resulting_request=here))),
        )
        .values_list(*(f"has_{name}" for name in SECTIONS_PRESENT))
        .first()
    )
    present = dict(zip(SECTIONS_PRESENT, found, strict=True)) if found else None
    return present or dict.fromkeys(SECTIONS_PRESENT, False)


def request_subjects_visible_to(*, user: User):
    """For the consent app (`register_subject_source`): the people `user` may record a consent
    for because they are subjects of requests `user` has need-to-know on."""
    return DataSubject.objects.filter(
        pk__in=RequestSubject.objects.filter(request__in=visible_disclosures(user=user)).values("subject_id")
    )


QUEUE_CAP = 25
QUEUE_SECTIONS = ("overrides", "disputes", "advice", "onward")


@dataclass
class QueueSection:
    code: str
    title: str
    rows: list
    total: int
    page: int = 1
    cap: int = QUEUE_CAP

    @property
    def first(self) -> int:
        return (self.page - 1) * self.cap + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.cap + len(self.rows)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.cap))



def designated_queue_querysets(
    *, organisation_id: int, partnership_id: int | None = None
) -> list[tuple[str, str, QuerySet]]:
    """(code, title, queryset) of each section of the designated officers' queue; with
    `partnership_id` (a designated officer for one partnership only), that partnership's requests."""
    request_fields = ("request__requesting_organisation", "request__purpose")
    overrides = PublicInterestOverride.objects.filter(
        status=OverrideStatus.PROPOSED,
        request__holding_organisation_id=organisation_id,
        request__status__in=(Status.IN_REVIEW, Status.AWAITING_ADVICE),
    )
    # SSP 9.2: a dispute waits for the designated officers of both organisations.
    disputes = Dispute.objects.filter(
        Q(request__holding_organisation_id=organisation_id) | Q(request__requesting_organisation_id=organisation_id),
        status=DisputeStatus.OPEN,
        request__status=Status.DISPUTED,
    )
    sought = (
        RequestNote.objects.filter(request=OuterRef("pk"), kind=NoteKind.ADVICE_SOUGHT)
        .values("request")
        .annotate(latest=Max("created_at"))
        .values("latest")
    )
    advice = DisclosureRequest.objects.filter(
        holding_organisation_id=organisation_id, status=Status.AWAITING_ADVICE
    ).annotate(waiting_since=Subquery(sought))
    onward = OnwardRequest.objects.filter(status=OnwardStatus.PENDING, request__holding_organisation_id=organisation_id)
    querysets = [
        ("overrides", "Public-interest overrides to approve",
         overrides.select_related(*request_fields, "request", "proposed_by").order_by("proposed_at", "pk")),
        ("disputes", "Disputed decisions",
         disputes.select_related(*request_fields, "request", "request__holding_organisation", "raised_by").order_by("raised_at", "pk")),
        ("advice", "Requests for advice",
         advice.select_related("requesting_organisation", "purpose", "assignee").order_by("waiting_since", "pk")),
        ("onward", "Onward disclosure requests",
         onward.select_related(*request_fields, "request", "to_organisation", "requested_by").order_by("requested_at", "pk")),
    ]
    if partnership_id is not None:
        querysets = [
            (code, title, rows.filter(**{
                ("protocol_pack__partnership_id" if code == "advice" else "request__protocol_pack__partnership_id"):
                partnership_id
            }))
            for code, title, rows in querysets
        ]
    return querysets


def returned_to_requester_count(*, user: User, organisation_id: int) -> int:
    """How many of the requests `user` raised for `organisation_id` wait for their answer (returned)."""
    return DisclosureRequest.objects.filter(
        requester=user, requesting_organisation_id=organisation_id, status=Status.RETURNED
    ).count()


def designated_queue_counts(*, organisation_id: int, partnership_id: int | None = None) -> dict[str, int]:
    """How many wait in each section of the queue: one count query a section, no rows."""
    querysets = designated_queue_querysets(organisation_id=organisation_id, partnership_id=partnership_id)
    return {code: rows.count() for code, _, rows in querysets}


def designated_queue(
    *, organisation_id: int, cap: int = QUEUE_CAP, pages: dict[str, int] | None = None, partnership_id: int | None = None
) -> list[QueueSection]:
    """What waits for the designated officers of one organisation, oldest first, each section a
    page of `cap` rows (`pages`: the page wanted per section code, default the first; past the
    end gives the last) with its full count. Triage fields only: no subject, no content.
    A fixed number of queries whatever the sizes."""
    pages = pages or {}
    querysets = designated_queue_querysets(organisation_id=organisation_id, partnership_id=partnership_id)
    sections = []
    for code, title, rows in querysets:
        total = rows.count()
        last_page = max(1, -(-total // cap))
        page = min(max(1, pages.get(code, 1)), last_page)
        offset = (page - 1) * cap
        sections.append(QueueSection(code, title, list(rows[offset : offset + cap]), total, page, cap))
    return sections




# =============================================================================================
# Searching the request lists, and who each request is about (issue 18).
# =============================================================================================


def disclosures_search(
    queryset: QuerySet[DisclosureRequest],
    *,
    user: User,
    organisation_id: int,
    reference: str = "",
    status: str = "",
    name: str = "",
    date_of_birth=None,
) -> QuerySet[DisclosureRequest]:
    """Narrow a list of requests (the inbox, My requests) by reference (exact, any case), status,
    and the person it is about (part of a name or other name, a date of birth).

    The person criteria match only among the requests `user` has need-to-know on, and whose copy
    `organisation_id` still holds: a name typed into the inbox must not tell which of the
    requests the user cannot open is about that person."""
    reference = " ".join((reference or "").split())[:40]
    if reference:
        queryset = queryset.filter(reference__iexact=reference)
    if status:
        queryset = queryset.filter(status=status)
    name = " ".join((name or "").replace("\x00", "").split())[:200]
    if not (name or date_of_birth):
        return queryset
    people = RequestSubject.objects.filter(request_id=OuterRef("pk")).exclude(subject__full_name="")
    if name:
        people = people.filter(Q(subject__full_name__icontains=name) | Q(subject__aliases__icontains=name))
    if date_of_birth:
        people = people.filter(subject__date_of_birth=date_of_birth)
    return (
        queryset.filter(Exists(people))
        .filter(pk__in=visible_disclosures(user=user).values("pk"))
        .exclude(destroyed_for(organisation_id=organisation_id))
    )


def request_subject_names(*, user: User, organisation_id: int, request_ids: list[int]) -> dict[int, list[str]]:
    """For a list page's rows, in one query: the names of the people each request is about, for
    the requests `user` may open and `organisation_id` still holds (none for the others). The
    caller logs each request whose names it shows."""
    if not request_ids:
        return {}
    shown = (
        visible_disclosures(user=user)
        .filter(pk__in=request_ids)
        .exclude(destroyed_for(organisation_id=organisation_id))
        .values("pk")
    )
    names: dict[int, list[str]] = {}
    for request_id, full_name in (
        RequestSubject.objects.filter(request_id__in=shown)
        .exclude(subject__full_name="")
        .order_by("request_id", "pk")
        .values_list("request_id", "subject__full_name")
    ):
        names.setdefault(request_id, []).append(full_name)
    return names
