"""Writing the decision and access logs, and checking the decision log's chain.

`decision_record` is called by the service that makes the decision, inside that service's
transaction: the decision and its log entry commit together or not at all.

The chain catches an edit, insertion or removal anywhere but the end; a cut of the tail (or a
TRUNCATE) leaves a shorter chain that still verifies. So every intact verification, and the
daily `portal.decision_log_anchor` job, record a `DecisionLogAnchor` (count, head id and hash),
and the verifier reports the log broken when it no longer reaches the last anchor.
"""
from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Min, QuerySet
from django.utils import timezone

from portal.accountability import chain
from portal.accountability.registry import is_registered
from portal.jobs import enqueue
from portal.models import Organisation, Partnership, User
from portal.models.accountability import (
    AccessKind,
    AccessLogEntry,
    DecisionLogAnchor,
    DecisionLogEntry,
    DecisionLogVerification,
    DecisionLogVerificationChunk,
)

logger = logging.getLogger(__name__)

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
    one COPY. Same rules as `decision_record`: inside the deciding transaction; call it last in
    that transaction, since the chain lock is held until commit and other decisions wait for it."""
    if not entries:
        return 0
    if len(entries) == 1:
        return len(_decisions_write(entries, who="decision_records"))
    return _decisions_append(entries)


# The columns `_decisions_append` COPYs, in order (the id comes from the table's identity, so ids
# follow the order of the COPY, which is the chain's).
_APPEND_COLUMNS = (
    "occurred_at", "actor_id", "actor_name", "organisation_id", "organisation_name", "partnership_id", "action",
    "reference", "recipient_name", "purpose", "reasons", "protocol_version", "details", "previous_hash", "entry_hash",
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    return str(value).translate(_COPY_ESCAPES)


def _decisions_append(entries: list[DecisionEntry]) -> int:
    """Many entries in one COPY, chained with the verifier's encoder (chain.fields_chain): the
    same rows and hashes `_decisions_write` makes, without a model instance or a generic
    json.dumps per entry (the destruction sweep writes one entry per copy)."""
    if not connection.in_atomic_block:
        raise RuntimeError("decision_records must run inside the transaction of the decision it records")
    for action in {entry.action for entry in entries}:
        if not is_registered(action):
            raise ValueError(f"Unknown decision event {action!r}: register it in the app's AppConfig.ready()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        cursor.execute("SELECT entry_hash FROM portal_decisionlogentry ORDER BY id DESC LIMIT 1")
        head = cursor.fetchone()
        now = timezone.now()
        rows = [entry.fields(occurred_at=now) for entry in entries]
        chained = chain.fields_chain(head[0] if head else chain.GENESIS, rows)
        occurred = _copy_text(now.isoformat())
        lines = []
        for fields, (previous, entry_hash, details) in zip(rows, chained):
            lines.append("\t".join((
                occurred, _copy_text(fields["actor_id"]), _copy_text(fields["actor_name"]),
                _copy_text(fields["organisation_id"]), _copy_text(fields["organisation_name"]),
                _copy_text(fields["partnership_id"]), _copy_text(fields["action"]), _copy_text(fields["reference"]),
                _copy_text(fields["recipient_name"]), _copy_text(fields["purpose"]), _copy_text(fields["reasons"]),
                _copy_text(fields["protocol_version"]), _copy_text(details), previous, entry_hash,
            )))
        data = io.StringIO("\n".join(lines) + "\n")
        with connection.wrap_database_errors:  # Django's exceptions, as for any query (a deadlock is retried)
            cursor.cursor.copy_expert(f"COPY portal_decisionlogentry ({', '.join(_APPEND_COLUMNS)}) FROM STDIN", data)
    return len(entries)


def _decisions_write(entries: list[DecisionEntry], *, who: str) -> list[DecisionLogEntry]:
    if not connection.in_atomic_block:
        raise RuntimeError(f"{who} must run inside the transaction of the decision it records")
    for entry in entries:
        if not is_registered(entry.action):
            raise ValueError(f"Unknown decision event {entry.action!r}: register it in the app's AppConfig.ready()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
    _signing_key_check()
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


# --- Key epochs (chain.py's module docstring) --------------------------------------------------
# Key ids this process has seen in force at the head of the chain. Epochs only move forward (a
# rotation runs with the web and workers stopped, docs/runbook.md), so one check per process and
# key is enough, and writes cost no extra query after the first.
_signing_key_confirmed: set[str] = set()


def _rotation_details(row) -> dict:
    details = row if isinstance(row, dict) else {}
    return details if isinstance(details.get("key"), str) and isinstance(details.get("previous_key"), str) else {}


def decision_log_key_in_force(*, before_id: int | None = None) -> str:
    """The id of the key the chain's entries are signed with just before `before_id` (None: at
    the head): the key named by the last rotation before it; before any rotation, the key the
    first rotation says it replaced; with no rotation at all, the entry that is first in the
    chain decides (the current key, unless it no longer verifies under it and a retired key does)."""
    rotations = DecisionLogEntry.objects.filter(action=chain.ROTATION_ACTION)
    earlier = rotations.filter(id__lt=before_id) if before_id is not None else rotations
    last = earlier.order_by("-id").values_list("details", flat=True).first()
    if last is not None and _rotation_details(last):
        return last["key"]
    first = rotations.order_by("id").values_list("details", flat=True).first()
    if first is not None and _rotation_details(first):
        return first["previous_key"]
    head = DecisionLogEntry.objects.order_by("id").values_list("id", flat=True).first()
    if head is None:
        return chain.current_key_id()
    rows = list(_range_rows(head, head))
    for key_id in [chain.current_key_id(), *chain.known_keys()]:
        if chain.rows_verify(rows, previous_hash=chain.GENESIS, key_id=key_id).broken_id is None:
            return key_id
    return chain.current_key_id()  # the first entry verifies under no key: the verifier says so


def _signing_key_check() -> None:
    """Refuse to sign with a key that is not the one in force at the chain's head: the key was
    changed in the environment without `rotate_decision_log_key`, so every entry from here would
    break the chain. Called under the chain lock."""
    current = chain.current_key_id()
    if current in _signing_key_confirmed:
        return
    in_force = decision_log_key_in_force()
    if in_force != current:
        raise RuntimeError(
            "PORTAL_DECISION_LOG_KEY is not the key the decision log is signed with: run "
            "`manage.py rotate_decision_log_key` with the old key in PORTAL_DECISION_LOG_RETIRED_KEYS "
            "(docs/runbook.md) before anything is recorded."
        )
    _signing_key_confirmed.add(current)


@dataclass
class RotationReport:
    entry: DecisionLogEntry
    previous_key_id: str
    new_key_id: str
    count: int


def decision_log_key_rotate(*, reasons: str, acting_user: User | None = None) -> RotationReport:
    """Start a new key epoch: the current key (PORTAL_DECISION_LOG_KEY) signs from now on, the
    key in force until now becomes verify-only (it must be in PORTAL_DECISION_LOG_RETIRED_KEYS).
    The whole chain is verified first, and nothing is rotated over a broken chain (a rotation
    would seem to vouch for it). The rotation is an entry of the chain, signed with the new key,
    naming both keys' ids; the head after it is anchored."""
    if not reasons.strip():
        raise ValueError("Give the reason for rotating the key (for example: routine, or a suspected leak)")
    report = decision_log_verify(head_under_current_key=False)
    if not report.intact:
        raise ValueError(
            f"The decision log is broken at entry {report.first_broken_id} ({report.problem}): "
            "follow the runbook's 'When the chain breaks' before rotating."
        )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        previous_key_id = decision_log_key_in_force()
        new_key_id = chain.current_key_id()
        if previous_key_id == new_key_id:
            raise ValueError(
                "PORTAL_DECISION_LOG_KEY is already the key in force: set the new key there and the old one "
                "in PORTAL_DECISION_LOG_RETIRED_KEYS, then rotate."
            )
        if previous_key_id not in chain.known_keys():
            raise ValueError("The key in force is not in PORTAL_DECISION_LOG_RETIRED_KEYS: it must stay to verify its entries.")
        previous = DecisionLogEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first() or chain.GENESIS
        fields = DecisionEntry(
            actor=acting_user, organisation=None, action=chain.ROTATION_ACTION, reasons=reasons.strip(),
            details=chain.rotation_details(previous_key_id=previous_key_id, new_key_id=new_key_id),
        ).fields(occurred_at=timezone.now())
        entry = DecisionLogEntry(
            **fields, previous_hash=previous, entry_hash=chain.entry_digest(previous_hash=previous, fields=fields)
        )
        entry.save(force_insert=True)
        decision_log_anchor_record(
            source=DecisionLogAnchor.Source.VERIFICATION, count=report.count + 1, head_id=entry.pk,
            head_hash=entry.entry_hash,
        )
    _signing_key_confirmed.add(new_key_id)
    logger.info("Decision log key rotated at entry %s", entry.pk)
    return RotationReport(entry=entry, previous_key_id=previous_key_id, new_key_id=new_key_id, count=report.count + 1)


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


def _range_rows(first_id: int, last_id: int, *, fetch: int = 5000):
    """The entries with ids in [first_id, last_id] as `chain.RANGE_SQL` rows, fetched in batches."""
    with connection.cursor() as cursor:
        cursor.execute(chain.RANGE_SQL, [first_id, last_id])
        while batch := cursor.fetchmany(fetch):
            yield from batch


def _hash_before(entry_id: int) -> str:
    """The stored hash of the entry before `entry_id`: where a range starting there must begin."""
    return (
        DecisionLogEntry.objects.filter(id__lt=entry_id).order_by("-id").values_list("entry_hash", flat=True).first()
        or chain.GENESIS
    )


def _anchored_hash(anchor: DecisionLogAnchor | None) -> str | None:
    if anchor is None or anchor.head_id is None:
        return None
    return DecisionLogEntry.objects.filter(id=anchor.head_id).values_list("entry_hash", flat=True).first()


def _retired_head_problem(*, key_id: str, upto: int | None):
    """(first_broken_id, problem) when the chain up to `upto` ends under a key other than the
    current one, else None: a rotation entry was taken out and the entries after it re-signed
    with a retired (perhaps leaked) key, or the key was changed without a rotation."""
    if upto is None or key_id == chain.current_key_id():
        return None
    since = (
        DecisionLogEntry.objects.filter(action=chain.ROTATION_ACTION, id__lte=upto).order_by("-id")
        .values_list("id", flat=True).first()
        or DecisionLogEntry.objects.order_by("id").values_list("id", flat=True).first()
    )
    return since, chain.RETIRED_HEAD


def decision_log_verify(*, chunk_size: int = 50_000, head_under_current_key: bool = True) -> ChainReport:
    """Walk the chain in order in this process, recomputing every HMAC under the key of each
    entry's epoch, then check it still reaches the last anchor and (unless a rotation is about
    to start the current key's epoch) that its newest entries are under the current key.
    Reports the first broken entry; an intact log is anchored at its head. (The verify page
    queues `decision_log_verification_start` instead: a run off the request, in parallel ranges.)"""
    # Read before the walk, so the walk sees at least every entry the anchor counted.
    anchor = _latest_anchor()
    upto = DecisionLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    previous = chain.GENESIS
    head_id = None
    count = 0
    first = DecisionLogEntry.objects.order_by("id").values_list("id", flat=True).first()
    key_id = decision_log_key_in_force(before_id=first) if first is not None else chain.current_key_id()
    if upto is not None:
        for low in range(first, upto + 1, chunk_size):
            result = chain.rows_verify(
                _range_rows(low, min(low + chunk_size - 1, upto)), previous_hash=previous, key_id=key_id
            )
            if result.broken_id is not None:
                return ChainReport(count + result.count, result.last_hash, result.broken_id, result.problem)
            count += result.count
            previous = result.last_hash
            key_id = result.key_id
            head_id = result.last_id or head_id
    if head_under_current_key:
        retired = _retired_head_problem(key_id=key_id, upto=upto)
        if retired:
            return ChainReport(count, previous, retired[0], retired[1], head_id)
    broken = _anchor_problem(anchor, count=count, head_id=head_id, anchored_hash=_anchored_hash(anchor))
    if broken:
        return ChainReport(count, previous, broken[0], broken[1], head_id)
    decision_log_anchor_record(
        source=DecisionLogAnchor.Source.VERIFICATION, count=count, head_id=head_id, head_hash=previous
    )
    return ChainReport(count, previous, None, head_id=head_id)


# --- Verification as a job (issue 17) ---------------------------------------------------------
VERIFY_WORK_TASK = "portal.decision_log_verification_work"


def decision_log_verification_start(*, source: str, chunk_size: int | None = None) -> DecisionLogVerification:
    """Plan a verification run up to today's head and queue its workers (after commit). The run
    is split into ranges of `chunk_size` ids (PORTAL_DECISION_LOG_VERIFY_CHUNK); each is checked
    from the stored hash of the entry before it, so ranges are independent and, with
    PORTAL_DECISION_LOG_VERIFY_PARALLEL workers, checked side by side."""
    chunk_size = chunk_size or settings.PORTAL_DECISION_LOG_VERIFY_CHUNK
    with transaction.atomic():
        anchor = _latest_anchor()  # before the head: the run sees every entry the anchor counted
        bounds = DecisionLogEntry.objects.aggregate(first=Min("id"), last=Max("id"))
        now = timezone.now()
        run = DecisionLogVerification.objects.create(
            source=source, requested_at=now, heartbeat_at=now, upto_id=bounds["last"], anchor=anchor
        )
        chunks = []
        if bounds["last"] is not None:
            chunks = [
                DecisionLogVerificationChunk(run=run, first_id=low, last_id=min(low + chunk_size - 1, bounds["last"]))
                for low in range(bounds["first"], bounds["last"] + 1, chunk_size)
            ]
            DecisionLogVerificationChunk.objects.bulk_create(chunks)
        run.chunks_total = len(chunks)
        run.save(update_fields=["chunks_total"])
        transaction.on_commit(lambda: _verification_queue(run.pk))
    return run


def _verification_queue(run_id: int) -> None:
    for _ in range(max(1, settings.PORTAL_DECISION_LOG_VERIFY_PARALLEL)):
        enqueue(VERIFY_WORK_TASK, run_id)


def decision_log_verification_work(*, run_id: int, pause: float | None = None) -> bool:
    """One worker's share of a run: claim ranges not yet done (skipping those another worker
    holds), check each in its own transaction, and finish the run when none is left. A worker
    killed mid-range loses only that range: its transaction, and the claim with it, is undone.
    True when this call finished the run."""
    pause = settings.PORTAL_DECISION_LOG_VERIFY_PAUSE if pause is None else pause
    while True:
        with transaction.atomic():
            chunk = (
                DecisionLogVerificationChunk.objects.select_for_update(skip_locked=True)
                .filter(run_id=run_id, done_at__isnull=True)
                .order_by("first_id")
                .first()
            )
            if chunk is None:
                break
            result = chain.rows_verify(
                _range_rows(chunk.first_id, chunk.last_id), previous_hash=_hash_before(chunk.first_id),
                key_id=decision_log_key_in_force(before_id=chunk.first_id),
            )
            now = timezone.now()
            chunk.done_at = now
            chunk.count = result.count
            chunk.last_id_seen = result.last_id
            chunk.last_hash = result.last_hash
            chunk.broken_id = result.broken_id
            chunk.problem = result.problem
            chunk.save(update_fields=["done_at", "count", "last_id_seen", "last_hash", "broken_id", "problem"])
            DecisionLogVerification.objects.filter(pk=run_id).update(
                chunks_done=F("chunks_done") + 1, verified=F("verified") + result.count, heartbeat_at=now
            )
        if pause:
            time.sleep(pause)  # leave the machine to others between ranges (a busy server)
    return _verification_finish(run_id=run_id)


def _verification_finish(*, run_id: int) -> bool:
    """Combine the ranges' results once every range is done (by whichever worker sees it first)."""
    with transaction.atomic():
        run = DecisionLogVerification.objects.select_for_update().get(pk=run_id)
        if run.finished or run.chunks.filter(done_at__isnull=True).exists():
            return False
        count, head_id, head_hash = 0, None, chain.GENESIS
        broken = None
        for chunk in run.chunks.order_by("first_id"):
            if chunk.broken_id is not None:
                broken = (count + chunk.count, chunk.last_hash, chunk.broken_id, chunk.problem)
                break
            count += chunk.count
            if chunk.last_id_seen is not None:
                head_id, head_hash = chunk.last_id_seen, chunk.last_hash
        if broken is None and head_id is not None:
            retired = _retired_head_problem(key_id=decision_log_key_in_force(before_id=head_id + 1), upto=head_id)
            if retired:
                broken = (count, head_hash, retired[0], retired[1])
        if broken is None:
            problem = _anchor_problem(run.anchor, count=count, head_id=head_id, anchored_hash=_anchored_hash(run.anchor))
            if problem:
                broken = (count, head_hash, problem[0], problem[1])
        run.finished_at = timezone.now()
        if broken:
            run.status = DecisionLogVerification.Status.BROKEN
            run.count, run.head_hash, run.first_broken_id, run.problem = broken
            run.head_id = None
        else:
            run.status = DecisionLogVerification.Status.INTACT
            run.count, run.head_id, run.head_hash = count, head_id, head_hash
            decision_log_anchor_record(
                source=DecisionLogAnchor.Source.VERIFICATION, count=count, head_id=head_id, head_hash=head_hash
            )
        run.save(update_fields=["finished_at", "status", "count", "head_id", "head_hash", "first_broken_id", "problem"])
    if broken:
        logger.error("Decision log broken at entry %s (verification run %s)", run.first_broken_id, run.pk)
    return True


def decision_log_verification_resume(*, stale_after: float | None = None) -> list[int]:
    """Queue workers again for every unfinished run no worker has moved for `stale_after`
    seconds (PORTAL_DECISION_LOG_VERIFY_STALE_AFTER): its worker died, or the broker was down
    when it was queued. A worker still on it is not disturbed (the ranges it holds are skipped).
    Returns the runs queued."""
    stale_after = settings.PORTAL_DECISION_LOG_VERIFY_STALE_AFTER if stale_after is None else stale_after
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    runs = list(
        DecisionLogVerification.objects.filter(finished_at__isnull=True, heartbeat_at__lte=cutoff).values_list("pk", flat=True)
    )
    for run_id in runs:
        _verification_queue(run_id)
    return runs


def decision_log_verification_daily() -> DecisionLogVerification:
    """The daily beat run: a whole verification, whose intact result anchors the head (count,
    id, hash) in the anchors' table, outside the log's."""
    return decision_log_verification_start(source=DecisionLogVerification.Source.DAILY)
