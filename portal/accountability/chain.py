"""The decision log's hash chain: HMAC-SHA256 over a canonical encoding of each entry's fields
and the previous entry's hash. Only this module knows the encoding.

Key epochs (issue 15: rotating PORTAL_DECISION_LOG_KEY). The chain is signed with one key at a
time; a rotation is itself an entry of the chain (`ROTATION_ACTION`), signed with the *new* key,
whose details name the new key's id and the id of the key before it. So the epochs are anchored
in the chain: an entry after a rotation verifies only under the key the rotation names, the
rotation entry only under that key too, and no one can move the rotation point without a key
the portal holds. A key's id is its fingerprint (`key_id`), an HMAC of a fixed text under the
key: it says which key, and gives nothing towards the key itself. Retired keys are kept
(PORTAL_DECISION_LOG_RETIRED_KEYS) to verify the entries written under them, never to sign."""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_name",
    "organisation_id",
    "organisation_name",
    "action",
    "reference",
    "recipient_name",
    "purpose",
    "reasons",
    "protocol_version",
    "details",
)
# Chained only when set, so entries written before partnerships existed verify as they were.
OPTIONAL_CHAINED_FIELDS = ("partnership_id",)


ROTATION_ACTION = "decision_log.key_rotated"


def _key() -> bytes:
    key = getattr(settings, "PORTAL_DECISION_LOG_KEY", "")
    if not key:
        raise RuntimeError("PORTAL_DECISION_LOG_KEY is not set: the decision log cannot be written or verified.")
    return key.encode()


def key_id(key: bytes) -> str:
    """The fingerprint naming `key` in rotation entries (16 hex digits)."""
    return hmac.new(key, b"portal decision log key id", hashlib.sha256).hexdigest()[:16]


def current_key_id() -> str:
    return key_id(_key())


def known_keys() -> dict[str, bytes]:
    """Every key this portal can verify with, by id: the current one and the retired ones."""
    keys = {key_id(_key()): _key()}
    for retired in getattr(settings, "PORTAL_DECISION_LOG_RETIRED_KEYS", ()) or ():
        if retired:
            keys.setdefault(key_id(retired.encode()), retired.encode())
    return keys


def rotation_details(*, previous_key_id: str, new_key_id: str) -> dict:
    return {"key": new_key_id, "previous_key": previous_key_id}


def _canonical(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def entry_digest(*, previous_hash: str, fields: dict, key: bytes | None = None) -> str:
    """The entry's HMAC, under `key` (default: the current key, the only one that signs)."""
    payload = {name: _canonical(fields[name]) for name in CHAINED_FIELDS}
    for name in OPTIONAL_CHAINED_FIELDS:
        if fields.get(name) is not None:
            payload[name] = fields[name]
    message = previous_hash.encode() + json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key or _key(), message, hashlib.sha256).hexdigest()


# --- Verifying a range of entries fast --------------------------------------------------------
# The verifier reads entries as plain rows (no model instances, no dicts) and rebuilds the same
# bytes `entry_digest` hashes without a generic `json.dumps` per entry: the payload's keys are
# fixed, so its sorted order is known, and each string goes through the json module's own C
# escaper. tests/portal/test_decision_log_chain.py checks the two agree on awkward values.

# The columns `rows_verify` reads, in order; occurred_at comes as PostgreSQL's text of the UTC
# time ("2026-11-23 10:00:00.5", a third of the cost of to_char or of a datetime per row), made
# into `_canonical`'s isoformat by `_iso`.
RANGE_SQL = (
    "SELECT id, previous_hash, entry_hash, (occurred_at AT TIME ZONE 'UTC')::text,"
    " actor_id, actor_name, organisation_id, organisation_name, partnership_id, action, reference,"
    " recipient_name, purpose, reasons, protocol_version, details::text"
    " FROM portal_decisionlogentry WHERE id BETWEEN %s AND %s ORDER BY id"
)

_string = json.encoder.encode_basestring_ascii  # what json.dumps uses for str (ensure_ascii)


def _number(value) -> str:
    return "null" if value is None else str(int(value))


def _details(text: str) -> str:
    if text == "{}":
        return text
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


def _iso(text: str) -> str:
    """PostgreSQL's text of a UTC timestamp as `datetime.isoformat(timespec="microseconds")` of
    the aware datetime writes it: "T", six digits of microseconds, "+00:00"."""
    return f"{text[:10]}T{text[11:19]}.{text[20:26].ljust(6, '0')}+00:00"


def _row_message(previous_hash: str, row: tuple, occurred_at: str) -> bytes:
    """The bytes `entry_digest` hashes, from a `RANGE_SQL` row and the entry's isoformat time."""
    (_, _, _, _, actor_id, actor_name, organisation_id, organisation_name, partnership_id,
     action, reference, recipient_name, purpose, reasons, protocol_version, details) = row
    return _message(previous_hash, occurred_at, actor_id, actor_name, organisation_id, organisation_name,
                    partnership_id, action, reference, recipient_name, purpose, reasons, protocol_version,
                    _details(details))


def _message(previous_hash, occurred_at, actor_id, actor_name, organisation_id, organisation_name, partnership_id,
             action, reference, recipient_name, purpose, reasons, protocol_version, details_json) -> bytes:
    """The bytes `entry_digest` hashes, field by field; `details_json` already canonical
    (`canonical_details`)."""
    partnership = "" if partnership_id is None else f',"partnership_id":{int(partnership_id)}'
    return (
        f'{previous_hash}{{"action":{_string(action)},"actor_id":{_number(actor_id)},'
        f'"actor_name":{_string(actor_name)},"details":{details_json},'
        f'"occurred_at":"{occurred_at}","organisation_id":{_number(organisation_id)},'
        f'"organisation_name":{_string(organisation_name)}{partnership},'
        f'"protocol_version":{_string(protocol_version)},"purpose":{_string(purpose)},'
        f'"reasons":{_string(reasons)},"recipient_name":{_string(recipient_name)},'
        f'"reference":{_string(reference)}}}'
    ).encode()


@dataclass
class RangeResult:
    """What one range of the chain showed: how many entries were read, the last good hash and
    id, and the first broken entry (`broken_id`, how many entries up to and including it were
    read, and what is wrong with it) if any."""

    count: int = 0
    last_hash: str = GENESIS
    last_id: int | None = None
    broken_id: int | None = None
    problem: str = ""
    key_id: str = ""  # the key in force after the last entry read


NOT_FOLLOWING = "does not follow the entry before it (one was removed or inserted)"
EDITED = "its content does not match its hash (it was edited)"
UNKNOWN_KEY = "it is signed with a key this portal does not hold (set PORTAL_DECISION_LOG_RETIRED_KEYS)"
BAD_ROTATION = "it rotates the key but does not follow from the key in use before it"
RETIRED_HEAD = ("the newest entries are signed with a retired key, not the current one "
                "(a key rotation was removed, or the key was changed without rotate_decision_log_key)")


def rows_verify(rows, *, previous_hash: str, key_id: str | None = None) -> RangeResult:
    """Check `rows` (in `RANGE_SQL`'s shape, in id order) follow `previous_hash` and each other,
    starting under the key `key_id` (default: the current key) and moving to the next key at
    each rotation entry."""
    keys = known_keys()
    epoch = key_id or current_key_id()
    result = RangeResult(last_hash=previous_hash, key_id=epoch)
    key = keys.get(epoch)
    digest = hmac.digest
    previous = previous_hash
    count = 0

    def broken(entry_id, problem):
        result.count, result.last_hash, result.broken_id, result.problem = count, previous, entry_id, problem
        return result

    for row in rows:
        count += 1
        if row[1] != previous:
            return broken(row[0], NOT_FOLLOWING)
        if row[9] == ROTATION_ACTION:
            try:
                details = json.loads(row[15])
                new_epoch, from_epoch = details["key"], details["previous_key"]
            except (ValueError, KeyError, TypeError):
                return broken(row[0], BAD_ROTATION)
            if from_epoch != epoch:
                return broken(row[0], BAD_ROTATION)
            epoch, key = new_epoch, keys.get(new_epoch)
            result.key_id = epoch
        if key is None:
            return broken(row[0], UNKNOWN_KEY)
        if digest(key, _row_message(previous, row, _iso(row[3])), "sha256").hex() != row[2]:
            return broken(row[0], EDITED)
        previous = row[2]
        result.last_id = row[0]
    result.count, result.last_hash = count, previous
    return result


# --- Appending many entries fast ----------------------------------------------------------------
# A destruction batch appends hundreds of entries at once: the same bytes as `entry_digest`, made
# with the verifier's encoder (one json.dumps of the details, no payload dict, no model instance).


def canonical_details(details: dict | None) -> str:
    """The details as the chain encodes them (and as they are stored: jsonb of the same text)."""
    return json.dumps(details or {}, sort_keys=True, separators=(",", ":")) if details else "{}"


def fields_chain(previous_hash: str, rows: list[dict]) -> list[tuple[str, str, str]]:
    """(previous_hash, entry_hash, canonical details) for each of `rows` (`DecisionEntry.fields`
    dicts, in order), each chained on the one before it. `occurred_at` must be an aware datetime."""
    key = _key()
    digest = hmac.digest
    out = []
    previous = previous_hash
    for fields in rows:
        details_json = canonical_details(fields["details"])
        message = _message(
            previous, _canonical(fields["occurred_at"]), fields["actor_id"], fields["actor_name"],
            fields["organisation_id"], fields["organisation_name"], fields.get("partnership_id"), fields["action"],
            fields["reference"], fields["recipient_name"], fields["purpose"], fields["reasons"],
            fields["protocol_version"], details_json,
        )
        entry_hash = digest(key, message, "sha256").hex()
        out.append((previous, entry_hash, details_json))
        previous = entry_hash
    return out
