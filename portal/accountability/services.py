"""Writing the decision and access logs, and checking the decision log's chain.

`decision_record` is called by the service that makes the decision, inside that service's
transaction: the decision and its log entry commit together or not at all.

The chain catches an edit, insertion or removal anywhere but the end; a cut of the tail (or a
TRUNCATE) leaves a shorter chain that still verifies. So every intact verification, and the
daily `portal.decision_log_anchor` job, record a `DecisionLogAnchor` (count, head id and hash),
and the verifier reports the log broken when it no longer reaches the last anchor.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal.accountability import chain
from portal.accountability.registry import is_registered
from portal.models import Organisation, Partnership, User
from portal.models.accountability import AccessKind, AccessLogEntry, DecisionLogAnchor, DecisionLogEntry

# Serialises writers of the chain: each entry needs the hash of the one before it.
CHAIN_LOCK_ID = 0x4C4F47  # "LOG"


@dataclass
class DecisionEntry:
    """One decision-log entry to write. `partnership` is the partnership whose protocol governs
    the decision (a request's, a meeting's); None for a deployment-wide event."""

    actor: User | None
    organisation: Organisation | None
    action: str
    reasons: str
    reference: str = ""
    recipient: Organisation | str | None = None
    purpose: str = ""
    protocol_version: str = ""
    details: dict | None = None
    partnership: Partnership | None = None

    def fields(self, *, occurred_at) -> dict:
        recipient = self.recipient
        return {
            "occurred_at": occurred_at,
            "actor_id": self.actor.pk if self.actor else None,
            "actor_name": self.actor.display_name if self.actor else "system",
            "organisation_id": self.organisation.pk if self.organisation else None,
            "organisation_name": self.organisation.name if self.organisation else "",
            "partnership_id": self.partnership.pk if self.partnership else None,
            "action": self.action,
            "reference": self.reference,
            "recipient_name": recipient.name if isinstance(recipient, Organisation) else (recipient or ""),
            "purpose": self.purpose,
            "reasons": self.reasons,
            "protocol_version": self.protocol_version,
            "details": self.details or {},
        }


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
    partnership: Partnership | None = None,
) -> DecisionLogEntry:
    entry = DecisionEntry(
        actor=actor,
        organisation=organisation,
        action=action,
        reasons=reasons,
        reference=reference,
        recipient=recipient,
        purpose=purpose,
        protocol_version=protocol_version,
        details=details,
        partnership=partnership,
    )
    return _decisions_write([entry], who="decision_record")[0]


def decision_records(entries: list[DecisionEntry]) -> int:
    """Write many decisions at once (a destruction batch): one chain lock, one query for the head,
    one INSERT. Same rules as `decision_record`: inside the deciding transaction; call it last in
    that transaction, since the chain lock is held until commit and other decisions wait for it."""
    if not entries:
        return 0
    return len(_decisions_write(entries, who="decision_records"))


def _decisions_write(entries: list[DecisionEntry], *, who: str) -> list[DecisionLogEntry]:
    if not connection.in_atomic_block:
        raise RuntimeError(f"{who} must run inside the transaction of the decision it records")
    for entry in entries:
        if not is_registered(entry.action):
            raise ValueError(f"Unknown decision event {entry.action!r}: register it in the app's AppConfig.ready()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
    previous = DecisionLogEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first() or chain.GENESIS
    now = timezone.now()
    rows = []
    for entry in entries:
        fields = entry.fields(occurred_at=now)
        entry_hash = chain.entry_digest(previous_hash=previous, fields=fields)
        rows.append(DecisionLogEntry(**fields, previous_hash=previous, entry_hash=entry_hash))
        previous = entry_hash
    # bulk_create keeps the list's order in one INSERT, so ids follow the chain.
    if len(rows) == 1:
        rows[0].save(force_insert=True)
        return rows
    return DecisionLogEntry.objects.bulk_create(rows)


def access_record(
    *, user: User, organisation: Organisation | None, kind: str, object_type: str, reference: str, path: str = ""
) -> AccessLogEntry:
    if kind not in AccessKind.values:
        raise ValueError(f"Unknown access kind {kind!r}")
    return AccessLogEntry.objects.create(
        user=user, organisation=organisation, kind=kind, object_type=object_type, reference=reference, path=path[:500]
    )


def access_records(
    *, user: User, organisation: Organisation | None, kind: str, object_type: str, references: list[str], path: str = ""
) -> int:
    """One access-log entry per reference, in one INSERT: a list page that shows the personal
    data of many records (who each request is about) logs each of them."""
    if kind not in AccessKind.values:
        raise ValueError(f"Unknown access kind {kind!r}")
    entries = [
        AccessLogEntry(
            user=user, organisation=organisation, kind=kind, object_type=object_type, reference=ref, path=path[:500]
        )
        for ref in references
    ]
    return len(AccessLogEntry.objects.bulk_create(entries)) if entries else 0


def access_log_entries_delete(entries: QuerySet[AccessLogEntry]) -> int:
    """Delete access-log entries: the retention prune's way, and the only one the database lets
    through (migration 0007's trigger refuses any other DELETE). Returns how many went."""
    if not connection.in_atomic_block:
        raise RuntimeError("access_log_entries_delete must run inside the prune's transaction")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL portal.access_log_prune = 'on'")
    count, _ = entries.delete()
    # Off again for the rest of the transaction (a failed delete aborts it, which ends the setting).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL portal.access_log_prune = 'off'")
    return count


@dataclass
class ChainReport:
    count: int
    head_hash: str
    first_broken_id: int | None
    problem: str = ""
    head_id: int | None = None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def _latest_anchor() -> DecisionLogAnchor | None:
    return DecisionLogAnchor.objects.order_by("-id").first()


def _anchor_problem(anchor: DecisionLogAnchor | None, *, count: int, head_id: int | None, anchored_hash: str | None):
    """(first_broken_id, problem) when the log no longer reaches `anchor`, else None.
    `anchored_hash` is the hash now stored under the anchored head's id (None: no such entry)."""
    if anchor is None or anchor.head_id is None:
        return None
    when = timezone.localtime(anchor.recorded_at).strftime("%-d %B %Y %H:%M")
    if count < anchor.count or anchored_hash is None:
        survivor = (
            DecisionLogEntry.objects.filter(id__lt=anchor.head_id).order_by("-id").values_list("id", flat=True).first()
        )
        where = f"entries after #{survivor} are missing" if survivor else "every entry is missing"
        return (
            survivor or anchor.head_id,
            f"{where}: the anchor of {when} counted {anchor.count} entries up to #{anchor.head_id}, "
            f"and the log now has {count}",
        )
    if anchored_hash != anchor.head_hash:
        return anchor.head_id, f"its hash is not the one anchored on {when} (it was replaced)"
    return None


def decision_log_anchor_record(*, source: str, count: int, head_id: int | None, head_hash: str) -> DecisionLogAnchor:
    return DecisionLogAnchor.objects.create(
        recorded_at=timezone.now(), count=count, head_id=head_id, head_hash=head_hash, source=source
    )


def decision_log_anchor_daily() -> ChainReport:
    """The daily anchor: check the log still reaches the last anchor (cheap: a count and one
    row, not the whole chain) and, if it does, anchor today's head. A log that no longer
    reaches it gets no new anchor, so the next verification still reports the cut."""
    anchor = _latest_anchor()
    with transaction.atomic():
        # The chain's writers hold this lock until they commit: count and head are one moment.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        count = DecisionLogEntry.objects.count()
        head = DecisionLogEntry.objects.order_by("-id").values("id", "entry_hash").first()
        anchored_hash = None
        if anchor is not None and anchor.head_id is not None:
            anchored_hash = (
                DecisionLogEntry.objects.filter(id=anchor.head_id).values_list("entry_hash", flat=True).first()
            )
        head_id = head["id"] if head else None
        head_hash = head["entry_hash"] if head else chain.GENESIS
        broken = _anchor_problem(anchor, count=count, head_id=head_id, anchored_hash=anchored_hash)
        if broken:
            return ChainReport(count, head_hash, broken[0], broken[1], head_id)
        decision_log_anchor_record(
            source=DecisionLogAnchor.Source.DAILY, count=count, head_id=head_id, head_hash=head_hash
        )
    return ChainReport(count, head_hash, None, head_id=head_id)


def decision_log_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the chain in order, recomputing every HMAC, then check it still reaches the last
    anchor. Reports the first broken entry; an intact log is anchored at its head."""
    # Read before the walk, so the walk sees at least every entry the anchor counted.
    anchor = _latest_anchor()
    previous = chain.GENESIS
    head_id = None
    anchored_hash = None
    count = 0
    values = ["id", "previous_hash", "entry_hash", *chain.CHAINED_FIELDS, *chain.OPTIONAL_CHAINED_FIELDS]
    with transaction.atomic():
        rows = DecisionLogEntry.objects.order_by("id").values(*values).iterator(chunk_size=chunk_size)
        for row in rows:
            count += 1
            if row["previous_hash"] != previous:
                return ChainReport(count, previous, row["id"], "does not follow the entry before it (one was removed or inserted)")
            if chain.entry_digest(previous_hash=previous, fields=row) != row["entry_hash"]:
                return ChainReport(count, previous, row["id"], "its content does not match its hash (it was edited)")
            previous = row["entry_hash"]
            head_id = row["id"]
            if anchor is not None and row["id"] == anchor.head_id:
                anchored_hash = row["entry_hash"]
    broken = _anchor_problem(anchor, count=count, head_id=head_id, anchored_hash=anchored_hash)
    if broken:
        return ChainReport(count, previous, broken[0], broken[1], head_id)
    decision_log_anchor_record(
        source=DecisionLogAnchor.Source.VERIFICATION, count=count, head_id=head_id, head_hash=previous
    )
    return ChainReport(count, previous, None, head_id=head_id)
