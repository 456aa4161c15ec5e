"""Retention policies, held copies, extensions, legal holds and the destruction sweep
(portal/models/retention.py explains the model). Every decision here writes the decision log in
its own transaction; nothing here names a person or quotes content in a log or an email.
"""
from __future__ import annotations

import datetime
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from psycopg2.errors import DeadlockDetected

from portal.accountability.services import DecisionEntry, access_log_entries_delete, decision_record, decision_records
from portal.models import (
    AccessLogEntry,
    DataSubject,
    DestructionRun,
    HeldCopy,
    LegalHold,
    LegalHoldReason,
    MarkingLevel,
    Membership,
    Organisation,
    ProtocolPack,
    RetentionDefault,
    RetentionExtension,
    RetentionPolicy,
    RetentionRecordKind,
    User,
)
from portal.notifications.services import notify
from portal.protocols.selectors import organisation_protocol_pack
from portal.retention.registry import FALLBACK_DAYS, retention_content, retention_contents
from portal.roles import Role

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
ACCESS_LOG_BATCH = 5000
DEADLOCK_RETRIES = 3


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyChoice:
    days: int
    policy: RetentionPolicy | None
    description: str


def retention_policy_for(
    *, organisation_id: int | None, kind: str, marking_code: str = "", pack: ProtocolPack | None = None
) -> PolicyChoice:
    """The holder's own policy for this kind at this marking, else its policy for the kind at any
    marking, else the protocol pack's default, else six years."""
    label = RetentionRecordKind(kind).label
    if organisation_id is not None:
        policies = {
            p.marking_code: p
            for p in RetentionPolicy.objects.filter(
                organisation_id=organisation_id, kind=kind, marking_code__in={marking_code, ""}
            )
        }
        policy = policies.get(marking_code) or policies.get("")
        if policy is not None:
            at = f" at {policy.marking_code}" if policy.marking_code else ""
            return PolicyChoice(policy.days, policy, f"Organisation policy for {label.lower()}{at}: {policy.days} days")
    # The protocol the record was made under sets the default (a request's, a meeting's); failing
    # that, the organisation's own partnership's (ADR 0009).
    pack = pack or organisation_protocol_pack(organisation_id)
    default = RetentionDefault.objects.filter(pack=pack, code=kind).first() if pack else None
    if default is not None:
        return PolicyChoice(default.days, None, f"Protocol default ({pack.version}) for {label.lower()}: {default.days} days")
    return PolicyChoice(FALLBACK_DAYS, None, f"Portal default for {label.lower()}: {FALLBACK_DAYS} days")


def _require_policy_editor(*, organisation: Organisation, acting_membership: Membership | None) -> None:
    if acting_membership is None:
        raise PermissionDenied("Sign in with a role to change retention policies")
    if acting_membership.role == Role.ADMIN:
        return
    if acting_membership.role == Role.DESIGNATED_OFFICER and acting_membership.organisation_id == organisation.pk:
        return
    raise PermissionDenied("Only a partnership admin or this organisation's designated officer can change its policies")


@transaction.atomic
def retention_policy_set(
    *,
    organisation: Organisation,
    kind: str,
    marking_code: str = "",
    days: int,
    reason: str,
    acting_user: User,
    acting_membership: Membership | None,
) -> RetentionPolicy:
    """Set how long the organisation keeps this kind of record (at this marking, or any). Applies
    to copies created from now on; existing copies keep their review dates."""
    _require_policy_editor(organisation=organisation, acting_membership=acting_membership)
    errors = {}
    if kind not in RetentionRecordKind.values:
        errors["kind"] = "Choose a kind of record"
    if days is None or days < 0 or days > 36500:
        errors["days"] = "Enter a number of days between 0 and 36500"
    if not (reason or "").strip():
        errors["reason"] = "Enter why the policy is changing"
    pack = organisation_protocol_pack(organisation)
    if marking_code and (pack is None or not MarkingLevel.objects.filter(pack=pack, code=marking_code).exists()):
        errors["marking_code"] = "Choose a marking level of the protocol in force"
    if errors:
        raise ValidationError(errors)
    previous = RetentionPolicy.objects.filter(organisation=organisation, kind=kind, marking_code=marking_code).first()
    before = retention_policy_for(organisation_id=organisation.pk, kind=kind, marking_code=marking_code)
    policy, _ = RetentionPolicy.objects.update_or_create(
        organisation=organisation,
        kind=kind,
        marking_code=marking_code,
        defaults={"days": days, "updated_by": acting_user},
    )
    decision_record(
        actor=acting_user,
        organisation=acting_membership.organisation,
        action="retention.policy_changed",
        reasons=reason.strip(),
        details={
            "organisation": organisation.pk,
            "kind": kind,
            "marking": marking_code,
            "days": days,
            "previous_days": previous.days if previous else None,
            "previously": before.description,
        },
        recipient=organisation if organisation.pk != acting_membership.organisation_id else None,
    )
    return policy


@transaction.atomic
def retention_policy_remove(
    *, policy: RetentionPolicy, reason: str, acting_user: User, acting_membership: Membership | None
) -> None:
    """Remove an organisation's own policy: the protocol default applies again to new copies."""
    _require_policy_editor(organisation=policy.organisation, acting_membership=acting_membership)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter why the policy is being removed"})
    details = {"organisation": policy.organisation_id, "kind": policy.kind, "marking": policy.marking_code, "previous_days": policy.days}
    policy.delete()
    decision_record(
        actor=acting_user,
        organisation=acting_membership.organisation,
        action="retention.policy_removed",
        reasons=reason.strip(),
        details=details,
    )


# ---------------------------------------------------------------------------------------------
# Held copies: the apps record them; holders extend or confirm
# ---------------------------------------------------------------------------------------------


def _review_date(copy: HeldCopy, pack: ProtocolPack | None) -> datetime.date:
    choice = retention_policy_for(
        organisation_id=copy.holder_id, kind=copy.kind, marking_code=copy.marking_code, pack=pack
    )
    copy.policy = choice.policy
    copy.policy_description = choice.description
    try:
        review = copy.started_on + datetime.timedelta(days=choice.days)
    except OverflowError:  # a period starting at the end of the calendar (a consent expiring in 9995)
        review = datetime.date.max
    if copy.pk:
        extended = copy.extensions.order_by("-new_review_date").values_list("new_review_date", flat=True).first()
        if extended and extended > review:
            review = extended
    return review


def held_copy_record(
    *,
    content_type: str,
    content_id: int,
    kind: str,
    holder: Organisation | int,
    reference: str,
    request_reference: str = "",
    subject_ids: Iterable[int] = (),
    officer: User | None = None,
    marking: MarkingLevel | None = None,
    start: datetime.date | None = None,
    pack: ProtocolPack | None = None,
) -> HeldCopy:
    """Record that `holder` holds a copy of this content (called by the app's service that creates
    or changes it, in its transaction) and set its review date from the holder's policy, counted
    from `start` (default today). Recording again updates what is known of the copy and restarts
    its clock from `start` if given (a request's clock restarts when it is closed); the review
    date never moves earlier than an extension. A destroyed copy is not brought back. `pack` is the
    protocol the content was made under (its retention defaults apply; by default the marking's
    pack, else the holder's partnership's)."""
    retention_content(content_type)  # fails loudly for an unregistered type
    holder_id = holder if isinstance(holder, int) else holder.pk
    copy = (
        HeldCopy.objects.select_for_update(of=("self",))
        .filter(content_type=content_type, content_id=content_id, kind=kind, holder_id=holder_id)
        .first()
    )
    if copy is not None and copy.is_destroyed:
        return copy
    if copy is None:
        copy = HeldCopy(
            content_type=content_type,
            content_id=content_id,
            kind=kind,
            holder_id=holder_id,
            started_on=start or timezone.localdate(),
        )
    elif start is not None:
        copy.started_on = start
    copy.reference = reference
    copy.request_reference = request_reference
    copy.subject_ids = sorted(set(subject_ids) | set(copy.subject_ids or []))
    if officer is not None:
        copy.officer = officer
    recompute = copy.pk is None or start is not None
    if marking is not None and marking.code != copy.marking_code:
        copy.marking_code, copy.marking_name = marking.code, marking.name
        recompute = True
    if recompute:  # otherwise the review date set at creation stands, whatever the policy says now
        copy.review_date = _review_date(copy, pack or (marking.pack if marking is not None else None))
    copy.save()
    return copy


def _require_holder(copy: HeldCopy, acting_user: User, acting_membership: Membership | None) -> None:
    if acting_membership is None or acting_membership.organisation_id != copy.holder_id:
        raise PermissionDenied("Only the organisation holding this copy can decide on it")
    if acting_membership.role == Role.DESIGNATED_OFFICER:
        return
    if acting_membership.role == Role.OFFICER and copy.officer_id == acting_user.pk:
        return
    raise PermissionDenied("Only the copy's officer or the organisation's designated officer can decide on it")


def _lock_copy(copy: HeldCopy) -> HeldCopy:
    return HeldCopy.objects.select_for_update(of=("self",)).select_related("holder").get(pk=copy.pk)


@transaction.atomic
def held_copy_extend(
    *,
    copy: HeldCopy,
    new_review_date: datetime.date | None,
    reason: str,
    acting_user: User,
    acting_membership: Membership | None,
) -> HeldCopy:
    copy = _lock_copy(copy)
    _require_holder(copy, acting_user, acting_membership)
    if copy.is_destroyed:
        raise ValidationError("This copy has already been destroyed: it cannot be extended")
    errors = {}
    today = timezone.localdate()
    if new_review_date is None:
        errors["new_review_date"] = "Enter the new review date"
    elif new_review_date <= max(today, copy.review_date):
        errors["new_review_date"] = (
            f"The new review date must be after the current one ({copy.review_date:%-d %B %Y}) and after today"
        )
    elif new_review_date > today + datetime.timedelta(days=3660):
        errors["new_review_date"] = "The new review date must be within 10 years"
    if not (reason or "").strip():
        errors["reason"] = "Enter why the copy is kept longer"
    if errors:
        raise ValidationError(errors)
    RetentionExtension.objects.create(
        copy=copy,
        previous_review_date=copy.review_date,
        new_review_date=new_review_date,
        reason=reason.strip(),
        extended_by=acting_user,
    )
    previous = copy.review_date
    copy.review_date = new_review_date
    copy.warned_at = None
    copy.confirmed_at = None
    copy.confirmed_by = None
    copy.save(update_fields=["review_date", "warned_at", "confirmed_at", "confirmed_by"])
    decision_record(
        actor=acting_user,
        organisation=acting_membership.organisation,
        action="retention.extended",
        reference=copy.reference,
        reasons=reason.strip(),
        details={"copy": copy.pk, "kind": copy.kind, "from": previous.isoformat(), "to": new_review_date.isoformat()},
    )
    return copy


@transaction.atomic
def held_copy_confirm_destruction(
    *, copy: HeldCopy, acting_user: User, acting_membership: Membership | None
) -> HeldCopy:
    """The holder has reviewed the copy and agrees it goes on its review date."""
    copy = _lock_copy(copy)
    _require_holder(copy, acting_user, acting_membership)
    if copy.is_destroyed:
        raise ValidationError("This copy has already been destroyed")
    if copy.confirmed_at is not None:
        return copy
    copy.confirmed_at = timezone.now()
    copy.confirmed_by = acting_user
    copy.save(update_fields=["confirmed_at", "confirmed_by"])
    decision_record(
        actor=acting_user,
        organisation=acting_membership.organisation,
        action="retention.destruction_confirmed",
        reference=copy.reference,
        reasons=f"Reviewed: to be destroyed on its review date, {copy.review_date:%-d %B %Y}.",
        details={"copy": copy.pk, "kind": copy.kind, "review_date": copy.review_date.isoformat()},
    )
    return copy


# ---------------------------------------------------------------------------------------------
# Legal holds
# ---------------------------------------------------------------------------------------------


def legal_hold_can_place(*, organisation: Organisation, request_reference: str = "", subject_id: int | None = None) -> bool:
    """An organisation may hold only what it holds a copy of (need-to-know)."""
    copies = HeldCopy.objects.filter(holder=organisation)
    if request_reference:
        return copies.filter(request_reference=request_reference).exists()
    if subject_id is not None:
        return copies.filter(subject_ids__contains=[subject_id]).exists()
    return False


@transaction.atomic
def legal_hold_place(
    *,
    request_reference: str = "",
    subject: DataSubject | None = None,
    reason_kind: str,
    reason: str,
    review_date: datetime.date | None,
    acting_user: User,
    acting_membership: Membership | None,
) -> LegalHold:
    if acting_membership is None or acting_membership.role not in (Role.DESIGNATED_OFFICER, Role.ADMIN):
        raise PermissionDenied("Only a designated officer or a partnership admin can place a legal hold")
    request_reference = (request_reference or "").strip().upper()
    errors = {}
    if not request_reference and subject is None:
        errors["request_reference"] = "Enter the reference of the request to hold"
    elif acting_membership.role != Role.ADMIN and not legal_hold_can_place(
        organisation=acting_membership.organisation,
        request_reference=request_reference,
        subject_id=subject.pk if subject else None,
    ):
        errors["request_reference"] = "Your organisation holds nothing under this reference"
    if reason_kind not in LegalHoldReason.values:
        errors["reason_kind"] = "Choose the reason for the hold"
    if not (reason or "").strip():
        errors["reason"] = "Enter the details of the reason for the hold"
    if review_date is None:
        errors["review_date"] = "Enter the date the hold is to be reviewed"
    elif review_date <= timezone.localdate():
        errors["review_date"] = "The review date must be in the future"
    if errors:
        raise ValidationError(errors)
    hold = LegalHold.objects.create(
        organisation=acting_membership.organisation,
        request_reference=request_reference if subject is None else "",
        subject=subject,
        reason_kind=reason_kind,
        reason=reason.strip(),
        review_date=review_date,
        set_by=acting_user,
    )
    decision_record(
        actor=acting_user,
        organisation=acting_membership.organisation,
        action="retention.hold_placed",
        reference=request_reference,
        reasons=f"{hold.get_reason_kind_display()}: {hold.reason}",
        details={"hold": hold.pk, "scope": "subject" if subject else "request", "review_date": review_date.isoformat()},
    )
    return hold


@transaction.atomic
def legal_hold_lift(*, hold: LegalHold, reason: str, acting_user: User, acting_membership: Membership | None) -> LegalHold:
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if acting_membership is None or not (
        acting_membership.role == Role.ADMIN
        or (acting_membership.role == Role.DESIGNATED_OFFICER and acting_membership.organisation_id == hold.organisation_id)
    ):
        raise PermissionDenied("Only the holding organisation's designated officer or a partnership admin can lift this hold")
    if hold.lifted_at is not None:
        raise ValidationError("This hold has already been lifted")
    if hold.case_reference:
        raise ValidationError(f"This hold is lifted when {hold.case_reference} closes")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter why the hold is lifted"})
    hold.lifted_at = timezone.now()
    hold.lifted_by = acting_user
    hold.lift_reason = reason.strip()
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    decision_record(
        actor=acting_user,
        organisation=acting_membership.organisation,
        action="retention.hold_lifted",
        reference=hold.request_reference,
        reasons=hold.lift_reason,
        details={"hold": hold.pk},
    )
    return hold


# Holds placed by a case (a breach, a complaint): the case's service has decided who may act, so
# these take the case's organisation and reference, not the acting role; they are lifted only by
# the case (legal_hold_lift refuses them), when it closes.
CASE_HOLD_REASONS = frozenset({LegalHoldReason.BREACH, LegalHoldReason.COMPLAINT, LegalHoldReason.SUBJECT_ACCESS})
CASE_HOLD_REVIEW_DAYS = 365


def legal_holds_for_case_place(
    *,
    case_reference: str,
    organisation: Organisation,
    reason_kind: str,
    request_references: Iterable[str] = (),
    subjects: Iterable[DataSubject] = (),
    acting_user: User,
    partnership=None,
) -> list[LegalHold]:
    """One hold per request reference and per subject, for as long as the case is open. Call it
    inside the case service's transaction; each hold is decision-logged."""
    if not connection.in_atomic_block:
        raise RuntimeError("legal_holds_for_case_place must run inside the case's transaction")
    if reason_kind not in CASE_HOLD_REASONS:
        raise ValueError(f"{reason_kind!r} is not a reason a case holds records for")
    label = LegalHoldReason(reason_kind).label
    review_date = timezone.localdate() + datetime.timedelta(days=CASE_HOLD_REVIEW_DAYS)
    holds = [
        LegalHold(
            organisation=organisation, request_reference=ref, reason_kind=reason_kind, reason=f"{label} {case_reference} is open",
            review_date=review_date, set_by=acting_user, case_reference=case_reference,
        )
        for ref in sorted(set(request_references))
    ] + [
        LegalHold(
            organisation=organisation, subject=subject, reason_kind=reason_kind, reason=f"{label} {case_reference} is open",
            review_date=review_date, set_by=acting_user, case_reference=case_reference,
        )
        for subject in {s.pk: s for s in subjects}.values()
    ]
    holds = LegalHold.objects.bulk_create(holds)
    decision_records(
        [
            DecisionEntry(
                actor=acting_user,
                organisation=organisation,
                action="retention.hold_placed",
                reference=hold.request_reference or case_reference,
                reasons=f"{label}: {hold.reason}",
                details={
                    "hold": hold.pk,
                    "scope": "subject" if hold.subject_id else "request",
                    "case": case_reference,
                    "review_date": review_date.isoformat(),
                },
                partnership=partnership,
            )
            for hold in holds
        ]
    )
    return holds


def legal_holds_for_case_lift(
    *, case_reference: str, holds: Iterable[LegalHold], organisation: Organisation, acting_user: User | None, partnership=None
) -> int:
    """Lift the case's holds that are still active, in the case's transaction, each decision-logged."""
    if not connection.in_atomic_block:
        raise RuntimeError("legal_holds_for_case_lift must run inside the case's transaction")
    ids = [hold.pk for hold in holds]
    live = list(LegalHold.objects.select_for_update().filter(pk__in=ids, lifted_at__isnull=True).order_by("pk"))
    now = timezone.now()
    reason = f"{case_reference} closed"
    for hold in live:
        hold.lifted_at, hold.lifted_by, hold.lift_reason = now, acting_user, reason
    LegalHold.objects.bulk_update(live, ["lifted_at", "lifted_by", "lift_reason"])
    decision_records(
        [
            DecisionEntry(
                actor=acting_user,
                organisation=organisation,
                action="retention.hold_lifted",
                reference=hold.request_reference or case_reference,
                reasons=reason,
                details={"hold": hold.pk, "case": case_reference},
                partnership=partnership,
            )
            for hold in live
        ]
    )
    return len(live)


def active_holds() -> tuple[list[str], list[int]]:
    """The request references and subject ids under an active legal hold."""
    refs, subjects = set(), set()
    for ref, subject_id in LegalHold.objects.filter(lifted_at__isnull=True).values_list("request_reference", "subject_id"):
        if ref:
            refs.add(ref)
        if subject_id:
            subjects.add(subject_id)
    return sorted(refs), sorted(subjects)


def _not_held(copies, holds: tuple[list[str], list[int]] | None = None):
    refs, subjects = holds if holds is not None else active_holds()
    if refs:
        copies = copies.exclude(request_reference__in=refs)
    if subjects:
        copies = copies.exclude(subject_ids__overlap=subjects)
    return copies


# ---------------------------------------------------------------------------------------------
# Warnings before the review date
# ---------------------------------------------------------------------------------------------


def retention_warnings_send(*, today: datetime.date | None = None) -> int:
    """Tell each holder's officers and designated officers, once per copy, what falls due within
    PORTAL_RETENTION_WARNING_DAYS: one email per person, a count and a link, no references."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.PORTAL_RETENTION_WARNING_DAYS)
    with transaction.atomic():
        copies = list(
            HeldCopy.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(destroyed_at__isnull=True, warned_at__isnull=True, review_date__lte=horizon)
            .values_list("pk", "holder_id", "officer_id")
        )
        if not copies:
            return 0
        per_user: dict[int, int] = defaultdict(int)
        holders = {holder_id for _, holder_id, _ in copies}
        dos = defaultdict(set)
        for m in Membership.objects.active().filter(organisation_id__in=holders, role=Role.DESIGNATED_OFFICER):
            dos[m.organisation_id].add(m.user_id)
        for _, holder_id, officer_id in copies:
            for user_id in dos[holder_id] | ({officer_id} if officer_id else set()):
                per_user[user_id] += 1
        path = reverse("portal:retention_due")
        for user in User.objects.filter(pk__in=per_user):
            count = per_user[user.pk]
            notify(
                recipients=[user],
                subject=f"{count} record(s) your organisation holds are due for retention review by {horizon:%-d %B %Y}",
                reference="",
                path=path,
                urgent=True,  # a review date is a clock: it is never held for a digest
            )
        HeldCopy.objects.filter(pk__in=[pk for pk, _, _ in copies]).update(warned_at=timezone.now())
    return len(copies)


# ---------------------------------------------------------------------------------------------
# Destruction
# ---------------------------------------------------------------------------------------------


def due_copies(*, today: datetime.date | None = None):
    """Live copies whose review date has come and that no legal hold covers."""
    today = today or timezone.localdate()
    return _not_held(HeldCopy.objects.filter(destroyed_at__isnull=True, review_date__lte=today))


def _lock_contents(keys: list[str]) -> None:
    # Serialises the "was that the last copy?" check per piece of content across workers; taken in
    # a fixed order, so two workers never wait on each other in a cycle.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM "
            "(SELECT hashtextextended(x, 0) AS k FROM unnest(%s::text[]) x ORDER BY 1) ordered",
            [sorted(keys)],
        )


@dataclass(frozen=True, slots=True)
class LockedCopy:
    """What a destruction batch needs of a copy it has locked: plain values read in one query (no
    model instance per copy)."""

    pk: int
    content_type: str
    content_id: int
    kind: str
    holder_id: int
    holder_name: str
    reference: str
    marking_code: str
    review_date: datetime.date
    policy_description: str

    def get_kind_display(self) -> str:
        return _KIND_LABELS.get(self.kind, self.kind)


_KIND_LABELS = dict(RetentionRecordKind.choices)
_LOCKED_FIELDS = (
    "pk", "content_type", "content_id", "kind", "holder_id", "holder__name", "reference", "marking_code",
    "review_date", "policy_description",
)


def _lock_batch(copies, *, batch_size: int, order: tuple[str, ...]) -> list[LockedCopy]:
    """Lock up to `batch_size` of these copies (SKIP LOCKED: another worker's are left to it), in
    one statement, as plain values."""
    rows = (
        copies.select_for_update(skip_locked=True, of=("self",))
        .order_by(*order)
        .values_list(*_LOCKED_FIELDS)[:batch_size]
    )
    return [LockedCopy(*row) for row in rows]


def _destroy_locked(copies: list[LockedCopy], *, run: DestructionRun, reasons_for) -> int:
    """Destroy copies already locked by the caller's transaction, set-based: one UPDATE makes the
    tombstones, one statement takes the content locks, one query per content type finds what no
    live copy is left of (its app purges it), and one COPY appends a chained decision-log entry
    per copy (last, so the chain lock is held briefly)."""
    if not copies:
        return 0
    now = timezone.now()
    HeldCopy.objects.filter(pk__in=[c.pk for c in copies]).update(destroyed_at=now, destroyed_by_run=run)
    groups: dict[str, set[int]] = defaultdict(set)
    for copy in copies:
        groups[copy.content_type].add(copy.content_id)
    _lock_contents([f"{ct}:{cid}" for ct, ids in groups.items() for cid in ids])
    purged: set[tuple[str, int]] = set()
    for content_type, ids in groups.items():
        alive = set(
            HeldCopy.objects.filter(content_type=content_type, content_id__in=ids, destroyed_at__isnull=True)
            .values_list("content_id", flat=True)
            .distinct()
        )
        gone = sorted(ids - alive)
        if gone:
            retention_content(content_type).purge(gone)
            purged.update((content_type, cid) for cid in gone)
    holders = _holders(copies)
    entries = [
        DecisionEntry(
            actor=None,
            organisation=holders[copy.holder_id],
            action="retention.destroyed",
            reference=copy.reference,
            reasons=reasons_for(copy),
            details={
                "copy": copy.pk,
                "kind": copy.kind,
                "content": copy.content_type,
                "marking": copy.marking_code,
                "review_date": copy.review_date.isoformat(),
                "run": run.pk,
                "content_destroyed": (copy.content_type, copy.content_id) in purged,
            },
        )
        for copy in copies
    ]
    DestructionRun.objects.filter(pk=run.pk).update(destroyed_count=F("destroyed_count") + len(copies))
    decision_records(entries)
    return len(copies)


def _holders(copies: list[LockedCopy]) -> dict[int, Organisation]:
    """The holders as the log entries name them (id and name, read with the copies): one
    unsaved instance per organisation, not a query."""
    return {copy.holder_id: Organisation(pk=copy.holder_id, name=copy.holder_name) for copy in copies}


def _sweep_reasons(copy: LockedCopy) -> str:
    return (
        f"{copy.get_kind_display()} held by {copy.holder_name}: review date {copy.review_date:%-d %B %Y} reached "
        f"under {copy.policy_description}; not extended and under no legal hold (SSP 8.4, 14; SDP 6.3)."
    )


def retention_destroy_batch(*, run: DestructionRun, today: datetime.date | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Destroy up to `batch_size` due copies in one transaction; the number handled (destroyed, or
    deferred because their content is still in use), 0 when nothing is left. Copies another worker
    has locked are skipped (SKIP LOCKED), so two workers share the work and never destroy a copy twice."""
    today = today or timezone.localdate()
    for attempt in range(DEADLOCK_RETRIES):
        try:
            return _destroy_due_batch(run=run, today=today, batch_size=batch_size)
        except OperationalError as error:
            # A user's transaction can hold a content row this batch purges while waiting for one of
            # its copies; PostgreSQL aborts one of the two. The batch is redone from the start.
            if not isinstance(error.__cause__, DeadlockDetected) or attempt == DEADLOCK_RETRIES - 1:
                raise
            logger.warning("Destruction batch hit a deadlock; retrying (%d)", attempt + 1)
    return 0


def _destroy_due_batch(*, run: DestructionRun, today: datetime.date, batch_size: int) -> int:
    with transaction.atomic():
        copies = _lock_batch(due_copies(today=today), batch_size=batch_size, order=("review_date", "id"))
        in_use = _in_use(copies)
        deferred = [copy for copy in copies if (copy.content_type, copy.content_id) in in_use]
        destroyed = _destroy_locked(
            [copy for copy in copies if (copy.content_type, copy.content_id) not in in_use],
            run=run,
            reasons_for=_sweep_reasons,
        )
        _defer_locked(deferred, today=today)
        return destroyed + len(deferred)


def _in_use(copies: list[LockedCopy]) -> set[tuple[str, int]]:
    """(content_type, content_id) of content its app says is still being worked on (an open
    request): its copies are not destroyed yet."""
    groups: dict[str, set[int]] = defaultdict(set)
    for copy in copies:
        groups[copy.content_type].add(copy.content_id)
    busy = set()
    for content_type, ids in groups.items():
        content = retention_content(content_type)
        if content.in_use is not None:
            busy.update((content_type, cid) for cid in content.in_use(sorted(ids)))
    return busy


def _defer_locked(copies: list[LockedCopy], *, today: datetime.date) -> None:
    """Due copies of content still in use wait one warning period more, and their holder is told
    again then; each deferral is decision-logged (the system decided not to destroy)."""
    if not copies:
        return
    until = today + datetime.timedelta(days=settings.PORTAL_RETENTION_WARNING_DAYS)
    HeldCopy.objects.filter(pk__in=[c.pk for c in copies]).update(review_date=until, warned_at=None)
    holders = _holders(copies)
    decision_records(
        [
            DecisionEntry(
                actor=None,
                organisation=holders[copy.holder_id],
                action="retention.deferred",
                reference=copy.reference,
                reasons=(
                    f"{copy.get_kind_display()} reached its review date ({copy.review_date:%-d %B %Y}) while still "
                    f"open: not destroyed; reviewed again on {until:%-d %B %Y}."
                ),
                details={"copy": copy.pk, "kind": copy.kind, "from": copy.review_date.isoformat(), "to": until.isoformat()},
            )
            for copy in copies
        ]
    )


# The sweep is background work: where it shares the machine with the web process it lets page
# requests have the CPU first (the inbox p95 while 100,000 copies are destroyed,
# docs/performance.md). Niceness only ever rises, so a worker that ran a sweep keeps the lower
# priority for its later tasks, which are background work too. How far it lowers itself is
# PORTAL_RETENTION_SWEEP_NICENESS (10 by default): at 10 the sweep keeps up on a machine whose web
# process is its only rival, but gets a few per cent of a core where other nice-0 work is busy
# (1,000,000 copies at 1M scale, docs/performance.md).


def sweep_yield_cpu() -> None:
    """Lower this process's CPU priority to PORTAL_RETENTION_SWEEP_NICENESS (never raises it).
    Called by the sweep's task and command; the database server's own work is not affected."""
    niceness = settings.PORTAL_RETENTION_SWEEP_NICENESS
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) < niceness:
            os.setpriority(os.PRIO_PROCESS, 0, niceness)
    except (AttributeError, OSError):  # no priorities on this platform: run as before
        logger.info("Could not lower the sweep's CPU priority")


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# A run's worker holds a session-level advisory lock on the run for as long as it runs. The lock
# goes with the worker's database session: when the worker dies (SIGKILL, a lost machine, a lost
# connection), PostgreSQL ends the session and frees the lock, and the recovery check can tell a
# run nobody is working on from a long one that is still going.
RUN_LOCK_NAMESPACE = 0x52554E  # "RUN"; a single bigint key (namespace << 32 | run id)


def _run_lock_key(run_pk: int) -> int:
    return (RUN_LOCK_NAMESPACE << 32) | run_pk


def _run_start(trigger: str) -> DestructionRun:
    run = DestructionRun.objects.create(trigger=trigger, worker=_worker_name())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_run_lock_key(run.pk)])
    return run


def _run_release(run: DestructionRun) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_run_lock_key(run.pk)])
    except Exception:  # the connection is gone, and the lock with it; the run's own error matters more
        logger.warning("Could not release destruction run %s's lock (its session has ended)", run.pk)


def destruction_runs_recover(*, now: datetime.datetime | None = None) -> list[DestructionRun]:
    """The beat's recovery check: close as abandoned every run unfinished for longer than
    PORTAL_RETENTION_RUN_ABANDONED_AFTER seconds that no live worker holds (its advisory lock is
    free), each with a decision-log entry. Returns the runs it closed; the caller starts the sweep
    again when one was a sweep (a meeting's papers are finished by the meetings' own sweep)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.PORTAL_RETENTION_RUN_ABANDONED_AFTER)
    candidates = DestructionRun.objects.filter(
        finished_at__isnull=True, abandoned_at__isnull=True, started_at__lt=cutoff
    ).order_by("pk")
    closed = []
    for pk in candidates.values_list("pk", flat=True):
        run = _run_abandon(pk, now=now)
        if run is not None:
            closed.append(run)
    return closed


@transaction.atomic
def _run_abandon(pk: int, *, now: datetime.datetime) -> DestructionRun | None:
    run = (
        DestructionRun.objects.select_for_update(skip_locked=True)
        .filter(pk=pk, finished_at__isnull=True, abandoned_at__isnull=True)
        .first()
    )
    if run is None:  # finished meanwhile, or another check is closing it
        return None
    with connection.cursor() as cursor:  # free only if no session holds it; freed again at commit
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_run_lock_key(run.pk)])
        if not cursor.fetchone()[0]:
            return None  # a live worker is still running it
    run.abandoned_at = now
    run.save(update_fields=["abandoned_at"])
    minutes = max(1, round((now - run.started_at).total_seconds() / 60))
    decision_record(
        actor=None,
        organisation=None,
        action="retention.run_abandoned",
        reference=f"Destruction run {run.pk}",
        reasons=(
            f"Destruction run {run.pk} ({run.get_trigger_display().lower()}, started "
            f"{timezone.localtime(run.started_at):%-d %B %Y %H:%M}) stopped before finishing: unfinished after "
            f"{minutes} minute{'s' if minutes != 1 else ''} with no worker running it. What it destroyed "
            f"({run.destroyed_count} records) stays destroyed; closed as abandoned, and the sweep starts again."
        ),
        details={
            "run": run.pk,
            "trigger": run.trigger,
            "worker": run.worker,
            "started_at": run.started_at.isoformat(),
            "destroyed_count": run.destroyed_count,
            "access_log_deleted": run.access_log_deleted,
        },
    )
    return run


def retention_sweep(
    *, trigger: str = DestructionRun.Trigger.SCHEDULE, today: datetime.date | None = None, batch_size: int = BATCH_SIZE
) -> DestructionRun:
    """The daily destruction job: every due copy not on hold, in batches; then access-log entries
    older than their organisation's policy. Safe to run twice, at once, and after a crash."""
    run = _run_start(trigger)
    try:
        while retention_destroy_batch(run=run, today=today, batch_size=batch_size):
            pass
        access_log_prune(run=run, today=today)
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    finally:
        _run_release(run)
    run.refresh_from_db()
    return run


def retention_destroy_now(*, content_type: str, content_ids: Iterable[int], reasons: str, trigger: str) -> DestructionRun | None:
    """Destroy every live copy of the given content now, whatever its review date (a meeting's
    papers when it closes, SDP 5.1). Legal holds still apply."""
    ids = list(content_ids)
    if not ids:
        return None
    run = _run_start(trigger)
    try:
        while True:
            with transaction.atomic():
                copies = _lock_batch(
                    _not_held(HeldCopy.objects.filter(content_type=content_type, content_id__in=ids, destroyed_at__isnull=True)),
                    batch_size=BATCH_SIZE,
                    order=("id",),
                )
                if not _destroy_locked(copies, run=run, reasons_for=lambda copy: reasons):
                    break
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    finally:
        _run_release(run)
    run.refresh_from_db()  # destroyed_count was counted in the database, batch by batch
    return run


@dataclass(frozen=True)
class Erasure:
    run: DestructionRun | None
    destroyed: list[HeldCopy]
    kept: list[tuple[HeldCopy, str]]


def retention_erase_for_subjects(
    *, holder: Organisation, subject_ids: Iterable[int], reasons: str, trigger: str, except_case_reference: str = ""
) -> Erasure:
    """Erasure agreed on a rights case (UK GDPR Art 17): destroy now every live copy `holder`
    holds of content naming these people, through the same tombstones, content purge and one
    decision-log entry per copy as the sweep. Only where lawful: a copy under a legal hold (other
    than the case's own, `except_case_reference`) or whose content is still being worked on (an
    open request) is kept, with the reason. Call it inside the case service's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("retention_erase_for_subjects must run inside the case's transaction")
    ids = sorted({int(pk) for pk in subject_ids})
    copies = list(
        HeldCopy.objects.filter(holder=holder, destroyed_at__isnull=True, subject_ids__overlap=ids)
        .select_for_update(of=("self",))
        .select_related("holder")
        .order_by("id")
    )
    if not copies:
        return Erasure(None, [], [])
    holds = LegalHold.objects.filter(lifted_at__isnull=True)
    if except_case_reference:
        holds = holds.exclude(case_reference=except_case_reference)
    held_refs, held_subjects = set(), set()
    for ref, subject_id in holds.values_list("request_reference", "subject_id"):
        if ref:
            held_refs.add(ref)
        if subject_id:
            held_subjects.add(subject_id)
    in_use = _in_use(copies)
    kept, destroy = [], []
    for copy in copies:
        if (copy.request_reference and copy.request_reference in held_refs) or held_subjects & set(copy.subject_ids):
            kept.append((copy, "under a legal hold"))
        elif (copy.content_type, copy.content_id) in in_use:
            kept.append((copy, "still being worked on"))
        else:
            destroy.append(copy)
    run = None
    if destroy:
        run = _run_start(trigger)
        try:
            locked = [
                LockedCopy(
                    c.pk, c.content_type, c.content_id, c.kind, c.holder_id, c.holder.name, c.reference,
                    c.marking_code, c.review_date, c.policy_description,
                )
                for c in destroy
            ]
            _destroy_locked(locked, run=run, reasons_for=lambda copy: reasons)
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])
        finally:
            _run_release(run)
    return Erasure(run, destroy, kept)


def access_log_prune(*, run: DestructionRun, today: datetime.date | None = None) -> int:
    """Delete access-log entries older than their organisation's access-log policy, 5,000 a
    transaction, with one decision-log entry per organisation and batch."""
    today = today or timezone.localdate()
    deleted = 0
    org_ids = list(Organisation.objects.values_list("pk", flat=True)) + [None]
    for org_id in org_ids:
        days = retention_policy_for(organisation_id=org_id, kind=RetentionRecordKind.ACCESS_LOG).days
        cutoff = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time.min))
        while True:
            with transaction.atomic():
                entries = AccessLogEntry.objects.filter(occurred_at__lt=cutoff)
                entries = entries.filter(organisation_id=org_id) if org_id else entries.filter(organisation__isnull=True)
                ids = list(entries.order_by("id").values_list("id", flat=True)[:ACCESS_LOG_BATCH])
                if not ids:
                    break
                count = access_log_entries_delete(AccessLogEntry.objects.filter(pk__in=ids))
                DestructionRun.objects.filter(pk=run.pk).update(access_log_deleted=F("access_log_deleted") + count)
                organisation = Organisation.objects.filter(pk=org_id).first() if org_id else None
                decision_records(
                    [
                        DecisionEntry(
                            actor=None,
                            organisation=organisation,
                            action="retention.access_log_pruned",
                            reasons=f"{count} access-log entries older than {days} days (before {cutoff:%-d %B %Y}) deleted under the access-log policy.",
                            details={"run": run.pk, "count": count, "before": cutoff.date().isoformat(), "days": days},
                        )
                    ]
                )
                deleted += count
    return deleted


def retention_backfill(*, today: datetime.date | None = None) -> dict[str, int]:
    """Record held copies for content created before it was under retention (each app's
    registered `backfill`), counted from the content's own dates. A backfilled copy is never due
    before its holder could have been warned: its review date is at least the warning period away."""
    today = today or timezone.localdate()
    started = timezone.now()
    counts = {}
    for content in retention_contents():
        if content.backfill is not None:
            counts[content.content_type] = content.backfill()
    floor = today + datetime.timedelta(days=settings.PORTAL_RETENTION_WARNING_DAYS)
    HeldCopy.objects.filter(created_at__gte=started, destroyed_at__isnull=True, review_date__lt=floor).update(review_date=floor)
    return counts
