"""Reads of held copies, holds and destruction runs. Held copies carry no personal content
(references, kinds, dates), so these lists need no access log; the content behind them is read
only through each app's guarded selectors."""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.models import (
    DataSubject,
    DestructionRun,
    HeldCopy,
    LegalHold,
    MarkingLevel,
    Organisation,
    RetentionDefault,
    RetentionPolicy,
    RetentionRecordKind,
)
from portal.protocols.selectors import organisation_protocol_pack
from portal.retention.registry import FALLBACK_DAYS
from portal.roles import Role
from portal.selectors.partnerships import membership_partnership


def held_copies_due(
    *, organisation: Organisation, within_days: int = 30, kind: str = "", today: datetime.date | None = None
) -> QuerySet[HeldCopy]:
    """The organisation's live copies whose review date falls within `within_days` (or has passed)."""
    today = today or timezone.localdate()
    copies = HeldCopy.objects.filter(
        holder=organisation, destroyed_at__isnull=True, review_date__lte=today + datetime.timedelta(days=within_days)
    )
    if kind:
        copies = copies.filter(kind=kind)
    return copies.select_related("officer", "confirmed_by").order_by("review_date", "id")




def legal_holds(*, organisation: Organisation | None = None, active: bool | None = True) -> QuerySet[LegalHold]:
    """Holds placed by the organisation (all organisations' for None)."""
    holds = LegalHold.objects.select_related("organisation", "set_by", "lifted_by", "subject")
    if organisation is not None:
        holds = holds.filter(organisation=organisation)
    if active is True:
        holds = holds.filter(lifted_at__isnull=True)
    elif active is False:
        holds = holds.filter(lifted_at__isnull=False)
    return holds


def holds_covering(copy: HeldCopy) -> QuerySet[LegalHold]:
    condition = Q(pk__in=[])
    if copy.request_reference:
        condition |= Q(request_reference=copy.request_reference)
    if copy.subject_ids:
        condition |= Q(subject_id__in=copy.subject_ids)
    return LegalHold.objects.filter(condition, lifted_at__isnull=True)




def run_tombstones(*, run: DestructionRun, organisation: Organisation | None = None) -> QuerySet[HeldCopy]:
    tombstones = HeldCopy.objects.filter(destroyed_by_run=run).select_related("holder")
    if organisation is not None:
        tombstones = tombstones.filter(holder=organisation)
    return tombstones.order_by("holder__name", "kind", "reference", "pk")


# ---------------------------------------------------------------------------------------------
# The retention pages (portal/views/retention.py): guarded reads for the acting membership.
# Each `access_*` answers 404 alike for "missing" and "not your organisation's" (ADR 0003).
# ---------------------------------------------------------------------------------------------


def access_held_copy(*, membership, user, pk: int) -> HeldCopy:
    """A copy (or its tombstone) for its holder: the designated officer sees every copy their
    organisation holds, an officer only those they are the officer of."""
    role, organisation_id = membership.role, membership.organisation_id
    copies = HeldCopy.objects.filter(pk=pk, holder_id=organisation_id).select_related(
        "holder", "officer", "confirmed_by", "destroyed_by_run"
    )
    if role == Role.OFFICER:
        copies = copies.filter(officer=user)
    elif role != Role.DESIGNATED_OFFICER:
        copies = copies.none()
    copy = copies.first()
    if copy is None:
        raise Http404("No such held copy")
    return copy


def held_copies_due_for(
    *, membership, user, within_days: int = 30, kind: str = "", today: datetime.date | None = None
) -> QuerySet[HeldCopy]:
    """What the acting person reviews: the designated officer every live copy of their
    organisation's due within `within_days` (overdue included), an officer those they are the
    officer of."""
    copies = held_copies_due(organisation=membership.organisation, within_days=within_days, kind=kind, today=today)
    if membership.role == Role.OFFICER:
        copies = copies.filter(officer=user)
    elif membership.role != Role.DESIGNATED_OFFICER:
        copies = copies.none()
    return copies


def copies_on_hold(copies: Iterable[HeldCopy]) -> set[int]:
    """The pks of the given copies that an active legal hold covers (one query)."""
    copies = list(copies)
    refs = {c.request_reference for c in copies if c.request_reference}
    subjects = {s for c in copies for s in (c.subject_ids or [])}
    if not refs and not subjects:
        return set()
    held_refs, held_subjects = set(), set()
    for ref, subject_id in LegalHold.objects.filter(
        Q(request_reference__in=refs) | Q(subject_id__in=subjects), lifted_at__isnull=True
    ).values_list("request_reference", "subject_id"):
        if ref:
            held_refs.add(ref)
        if subject_id:
            held_subjects.add(subject_id)
    return {
        c.pk
        for c in copies
        if (c.request_reference and c.request_reference in held_refs) or set(c.subject_ids or []) & held_subjects
    }


def copy_extensions(copy: HeldCopy) -> QuerySet:
    return copy.extensions.select_related("extended_by").order_by("-extended_at", "-pk")


def holds_covering_with_orgs(copy: HeldCopy) -> QuerySet[LegalHold]:
    return holds_covering(copy).select_related("organisation", "set_by").order_by("-set_at", "-pk")


# --- policies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRow:
    kind: str
    kind_label: str
    marking_code: str
    marking_name: str
    days: int
    source: str  # "organisation", "protocol" or "portal"
    source_label: str
    policy: RetentionPolicy | None


def retention_policy_rows(*, organisation: Organisation) -> list[PolicyRow]:
    """Each kind of record at any marking, then each of the organisation's marking-specific
    policies for it: the days in force and where they come from (the organisation's own policy,
    the protocol's default or the portal's). Three queries whatever the number of kinds."""
    pack = organisation_protocol_pack(organisation)
    defaults = {d.code: d.days for d in RetentionDefault.objects.filter(pack=pack)} if pack else {}
    names = dict(MarkingLevel.objects.filter(pack=pack).values_list("code", "name")) if pack else {}
    own: dict[str, list[RetentionPolicy]] = {}
    for policy in RetentionPolicy.objects.filter(organisation=organisation).order_by("kind", "marking_code"):
        own.setdefault(policy.kind, []).append(policy)
    rows = []
    for kind, label in RetentionRecordKind.choices:
        policies = own.get(kind, [])
        general = next((p for p in policies if not p.marking_code), None)
        if general is not None:
            rows.append(
                PolicyRow(kind, label, "", "Any marking", general.days, "organisation", "Organisation policy", general)
            )
        elif kind in defaults:
            rows.append(
                PolicyRow(
                    kind,
                    label,
                    "",
                    "Any marking",
                    defaults[kind],
                    "protocol",
                    f"Protocol default ({pack.version})",
                    None,
                )
            )
        else:
            rows.append(PolicyRow(kind, label, "", "Any marking", FALLBACK_DAYS, "portal", "Portal default", None))
        for policy in policies:
            if policy.marking_code:
                rows.append(
                    PolicyRow(
                        kind,
                        label,
                        policy.marking_code,
                        names.get(policy.marking_code, policy.marking_code),
                        policy.days,
                        "organisation",
                        "Organisation policy",
                        policy,
                    )
                )
    return rows


def access_policy_organisation(*, membership, pk: int) -> Organisation:
    """The organisation whose policies the acting person may edit: a partnership admin any of
    their partnership's, a designated officer only their own."""
    organisations = Organisation.objects.filter(pk=pk)
    if membership.role == Role.DESIGNATED_OFFICER:
        organisations = organisations.filter(pk=membership.organisation_id)
    elif membership.role == Role.ADMIN:
        organisations = organisations.filter(partnership_places__partnership=membership_partnership(membership=membership))
    else:
        organisations = organisations.none()
    organisation = organisations.first()
    if organisation is None:
        raise Http404("No such organisation")
    return organisation


def _admin_organisations(membership) -> QuerySet[Organisation]:
    """The organisations a partnership admin keeps records for: their partnership's members."""
    return Organisation.objects.filter(partnership_places__partnership=membership_partnership(membership=membership))


def access_retention_policy(*, membership, pk: int) -> RetentionPolicy:
    policies = RetentionPolicy.objects.filter(pk=pk).select_related("organisation", "updated_by")
    if membership.role == Role.DESIGNATED_OFFICER:
        policies = policies.filter(organisation_id=membership.organisation_id)
    elif membership.role == Role.ADMIN:
        policies = policies.filter(organisation__in=_admin_organisations(membership))
    else:
        policies = policies.none()
    policy = policies.first()
    if policy is None:
        raise Http404("No such retention policy")
    return policy


def organisation_choices(*, partnership) -> QuerySet[Organisation]:
    """The organisations an admin may choose: their partnership's members."""
    return Organisation.objects.filter(partnership_places__partnership=partnership).order_by("name")


# --- legal holds ------------------------------------------------------------------------------


def legal_holds_for(*, membership, active: bool) -> QuerySet[LegalHold]:
    """A designated officer's organisation's holds; a partnership admin's: those of every
    organisation of their partnership."""
    if membership.role == Role.ADMIN:
        return legal_holds(organisation=None, active=active).filter(organisation__in=_admin_organisations(membership))
    if membership.role == Role.DESIGNATED_OFFICER:
        return legal_holds(organisation=membership.organisation, active=active)
    return LegalHold.objects.none()


def access_legal_hold(*, membership, pk: int) -> LegalHold:
    holds = legal_holds_for(membership=membership, active=None).filter(pk=pk)
    hold = holds.first()
    if hold is None:
        raise Http404("No such legal hold")
    return hold


def hold_copies_under(*, membership, request_reference: str) -> QuerySet[HeldCopy]:
    """The copies a legal hold on this request reference may be placed on by the acting person:
    their organisation's (a partnership admin: those of their partnership's organisations).
    Tombstones count: a hold still protects the other organisations' live copies."""
    copies = HeldCopy.objects.filter(request_reference=(request_reference or "").strip().upper())
    if membership.role == Role.ADMIN:
        return copies.filter(holder__in=_admin_organisations(membership))
    if membership.role == Role.DESIGNATED_OFFICER:
        return copies.filter(holder_id=membership.organisation_id)
    return copies.none()


def hold_subject_choices(*, membership, request_reference: str):
    """The data subjects of the copies the acting person's organisation holds under this request
    reference. Names are personal data: the caller writes the access log when it shows them."""
    ids = set()
    for subject_ids in hold_copies_under(membership=membership, request_reference=request_reference).values_list(
        "subject_ids", flat=True
    ):
        ids.update(subject_ids or [])
    return DataSubject.objects.filter(pk__in=ids).order_by("full_name", "pk")


# --- destruction runs -------------------------------------------------------------------------


def destruction_runs_for(*, membership) -> QuerySet[DestructionRun]:
    """A designated officer: the runs that destroyed their organisation's copies, each with
    `organisation_count`; a partnership admin: every run that destroyed their partnership's
    organisations' copies, or nothing at all."""
    if membership.role == Role.ADMIN:
        return DestructionRun.objects.filter(_admin_run_rule(membership)).order_by("-started_at", "-pk")
    if membership.role == Role.DESIGNATED_OFFICER:
        return (
            DestructionRun.objects.filter(destroyed__holder_id=membership.organisation_id)
            .annotate(organisation_count=Count("destroyed"))
            .order_by("-started_at", "-pk")
        )
    return DestructionRun.objects.none()


def _admin_run_rule(membership) -> Q:
    destroyed = HeldCopy.objects.filter(destroyed_by_run=OuterRef("pk"))
    return ~Exists(destroyed) | Exists(destroyed.filter(holder__in=_admin_organisations(membership)))


def access_destruction_run(*, membership, pk: int) -> DestructionRun:
    runs = DestructionRun.objects.filter(pk=pk)
    if membership.role == Role.DESIGNATED_OFFICER:
        runs = runs.filter(
            Exists(HeldCopy.objects.filter(destroyed_by_run=OuterRef("pk"), holder_id=membership.organisation_id))
        )
    elif membership.role == Role.ADMIN:
        runs = runs.filter(_admin_run_rule(membership))
    else:
        runs = runs.none()
    run = runs.first()
    if run is None:
        raise Http404("No such destruction run")
    return run


def run_organisation_counts(*, run: DestructionRun) -> list[tuple[Organisation, int]]:
    """Each organisation whose copies the run destroyed, with how many."""
    counts = dict(
        HeldCopy.objects.filter(destroyed_by_run=run)
        .values("holder_id")
        .annotate(n=Count("id"))
        .values_list("holder_id", "n")
    )
    return [(org, counts[org.pk]) for org in Organisation.objects.filter(pk__in=counts).order_by("name")]


def run_tombstone_summary(*, run: DestructionRun, organisation: Organisation) -> dict:
    """For a destruction certificate: the count, the count per kind, and the marking to print
    (the highest level among the rows, by the current pack's order; else the pack's lowest)."""

    tombstones = HeldCopy.objects.filter(destroyed_by_run=run, holder=organisation)
    per_kind = dict(tombstones.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    markings = dict(tombstones.exclude(marking_code="").values_list("marking_code", "marking_name").distinct())
    pack = organisation_protocol_pack(organisation)
    levels = list(MarkingLevel.objects.filter(pack=pack).order_by("order")) if pack else []
    known = [level for level in levels if level.code in markings]
    if known:
        marking = known[-1].name
    elif markings:
        marking = max(markings.values())  # levels of an earlier pack only: name them as recorded
    else:
        marking = levels[0].name if levels else ""
    return {
        "total": sum(per_kind.values()),
        "per_kind": [(label, per_kind[code]) for code, label in RetentionRecordKind.choices if code in per_kind],
        "marking": marking,
    }


def subjects_named_by_live_copies(subject_ids: Iterable[int]) -> set[int]:
    """Which of these people a live held copy still names. One GIN probe of `subject_ids` per
    person (`@> ARRAY[id]`): an overlap (`&&`) with a whole batch's people is estimated to match
    most of the table, and at 1,000,000 live copies PostgreSQL then reads all of them (6 s a
    batch, docs/performance.md)."""
    ids = sorted({int(pk) for pk in subject_ids if pk})
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s FROM unnest(%s::bigint[]) s WHERE EXISTS (SELECT 1 FROM portal_heldcopy c"
            " WHERE c.destroyed_at IS NULL AND c.subject_ids @> ARRAY[s])",
            [ids],
        )
        return {row[0] for row in cursor.fetchall()}
