"""Writing the decision and access logs.

`decision_record` is called by the service that makes the decision, inside that service's
transaction: the decision and its log entry commit together or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from portal.accountability import chain
from portal.accountability.registry import is_registered
from portal.models import Organisation, User
from portal.models.accountability import AccessKind, AccessLogEntry, DecisionLogEntry

# Serialises writers of the chain: each entry needs the hash of the one before it.
CHAIN_LOCK_ID = 0x4C4F47  # "LOG"


def decision_record(
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: str,
    reasons: str,
    reference: str = "",
    recipient: Organisation | str | None = None,
    purpose: str = "",
    protocol_version: str = "",
    details: dict | None = None,
) -> DecisionLogEntry:
    if not connection.in_atomic_block:
        raise RuntimeError("decision_record must run inside the transaction of the decision it records")
    if not is_registered(action):
        raise ValueError(f"Unknown decision event {action!r}: register it in the app's AppConfig.ready()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
    previous = DecisionLogEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first() or chain.GENESIS
    fields = {
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if actor else None,
        "actor_name": actor.display_name if actor else "system",
        "organisation_id": organisation.pk if organisation else None,
        "organisation_name": organisation.name if organisation else "",
        "action": action,
        "reference": reference,
        "recipient_name": recipient.name if isinstance(recipient, Organisation) else (recipient or ""),
        "purpose": purpose,
        "reasons": reasons,
        "protocol_version": protocol_version,
        "details": details or {},
    }
    entry_hash = chain.entry_digest(previous_hash=previous, fields=fields)
    return DecisionLogEntry.objects.create(**fields, previous_hash=previous, entry_hash=entry_hash)


@dataclass
class DecisionEntry:
    """One entry for `decision_records`: the same fields as `decision_record` takes."""

    actor: User | None
    organisation: Organisation | None
    action: str
    reasons: str
    reference: str = ""
    recipient: Organisation | str | None = None
    purpose: str = ""
    protocol_version: str = ""
    details: dict | None = None


def decision_records(entries: list[DecisionEntry]) -> int:
    """Write many decisions at once (a destruction batch): one chain lock, one query for the head,
    one INSERT. Same rules as `decision_record`: inside the deciding transaction; call it last in
    that transaction, since the chain lock is held until commit and other decisions wait for it."""
    if not entries:
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError("decision_records must run inside the transaction of the decisions it records")
    for entry in entries:
        if not is_registered(entry.action):
            raise ValueError(f"Unknown decision event {entry.action!r}: register it in the app's AppConfig.ready()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
    previous = DecisionLogEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first() or chain.GENESIS
    now = timezone.now()
    rows = []
    for entry in entries:
        fields = {
            "occurred_at": now,
            "actor_id": entry.actor.pk if entry.actor else None,
            "actor_name": entry.actor.display_name if entry.actor else "system",
            "organisation_id": entry.organisation.pk if entry.organisation else None,
            "organisation_name": entry.organisation.name if entry.organisation else "",
            "action": entry.action,
            "reference": entry.reference,
            "recipient_name": entry.recipient.name if isinstance(entry.recipient, Organisation) else (entry.recipient or ""),
            "purpose": entry.purpose,
            "reasons": entry.reasons,
            "protocol_version": entry.protocol_version,
            "details": entry.details or {},
        }
        entry_hash = chain.entry_digest(previous_hash=previous, fields=fields)
        rows.append(DecisionLogEntry(**fields, previous_hash=previous, entry_hash=entry_hash))
        previous = entry_hash
    # bulk_create keeps the list's order in one INSERT, so ids follow the chain.
    DecisionLogEntry.objects.bulk_create(rows)
    return len(rows)


def access_record(
    *, user: User, organisation: Organisation | None, kind: str, object_type: str, reference: str, path: str = ""
) -> AccessLogEntry:
    if kind not in AccessKind.values:
        raise ValueError(f"Unknown access kind {kind!r}")
    return AccessLogEntry.objects.create(
        user=user, organisation=organisation, kind=kind, object_type=object_type, reference=reference, path=path[:500]
    )


@dataclass
class ChainReport:
    count: int
    head_hash: str
    first_broken_id: int | None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def decision_log_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the chain in order, recomputing every HMAC. Reports the first broken entry."""
    previous = chain.GENESIS
    count = 0
    values = ["id", "previous_hash", "entry_hash", *chain.CHAINED_FIELDS]
    with transaction.atomic():
        rows = DecisionLogEntry.objects.order_by("id").values(*values).iterator(chunk_size=chunk_size)
        for row in rows:
            count += 1
            if row["previous_hash"] != previous:
                return ChainReport(count, previous, row["id"], "does not follow the entry before it (one was removed or inserted)")
            if chain.entry_digest(previous_hash=previous, fields=row) != row["entry_hash"]:
                return ChainReport(count, previous, row["id"], "its content does not match its hash (it was edited)")
            previous = row["entry_hash"]
    return ChainReport(count, previous, None)
