"""Set-based seeding for the issue 17 scale benchmark (bench/http_pages.py): grow a bench database
to N disclosure requests and M decision-log entries, from whatever it already holds.

- The partnership (the Stockport pack), 10 organisations and 10,000 users are made once with the
  ORM (a few seconds).
- Requests, their subjects and checklist answers are INSERT … SELECT over generate_series: rows
  numbered after the ones already there, spread over the organisations by arithmetic on the row
  number (no Python per row). 5 % of requests are open (submitted, in review, awaiting advice,
  returned), the rest decided or withdrawn at a pseudo-random point of the last four years: a
  county's history, of which the inbox shows only the open work and the last 90 days.
- Decision-log entries are chained in a Python loop (the chain's own encoding, `chain._row_message`,
  and one C HMAC call an entry) streamed into COPY; their times run evenly from the last entry's
  (or four years ago) to a minute ago, so ids follow time as in service.
"""
from __future__ import annotations

import hmac
import io
import time
from datetime import timedelta

N_ORGS = 10
N_USERS = 10_000
SLOTS = 900  # officers per organisation the seeding assigns work to
ACTIONS = (
    "request.submitted", "request.assigned", "request.released", "request.declined", "request.partly_released",
    "request.returned", "request.resubmitted", "request.withdrawn", "request.flowchart_outcome",
    "request.advice_sought", "request.advice_given", "consent.recorded", "consent.withdrawn", "consent.scan_attached",
)


def base_world() -> dict:
    """The partnership, organisations, users and memberships (made once); their ids. The pack is
    loaded later (`pack_load`), after the first fill of the log, so its entry is the newest."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from portal.models import Membership, Organisation, OrganisationKind, Partnership, User
    from portal.roles import Role

    partnership = Partnership.objects.get_or_create(slug="safer-stockport", defaults={"name": "Safer Stockport Partnership"})[0]
    kinds = [OrganisationKind.POLICE, OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.PROBATION,
             OrganisationKind.FIRE_AND_RESCUE, OrganisationKind.SOCIAL_LANDLORD]
    orgs = [
        Organisation.objects.get_or_create(name=f"Bench Organisation {i}", defaults={"kind": kinds[i % len(kinds)]})[0]
        for i in range(N_ORGS)
    ]
    if not User.objects.filter(username="bench0").exists():
        password = make_password("bench-password-not-used", hasher="md5")
        users = User.objects.bulk_create(
            [User(username=f"bench{i}", first_name="Bench", last_name=f"User {i}", password=password,
                  email=f"bench{i}@example.org", is_staff=(i == 3), is_superuser=(i == 3)) for i in range(N_USERS)],
            batch_size=2000,
        )
        memberships = []
        for i, user in enumerate(users):
            org = orgs[i % N_ORGS]
            if i == 1:
                memberships.append(Membership(user=user, organisation=org, role=Role.AUDITOR, partnership=partnership))
            elif (i // N_ORGS) % 50 == 0:
                memberships.append(Membership(user=user, organisation=org, role=Role.DESIGNATED_OFFICER))
            else:
                memberships.append(Membership(user=user, organisation=org, role=Role.OFFICER))
        Membership.objects.bulk_create(memberships, batch_size=2000)
    with connection.cursor() as cursor:
        # Officers by (organisation index, slot): what the set-based INSERTs join on.
        cursor.execute("DROP TABLE IF EXISTS bench_staff")
        cursor.execute(
            "CREATE TABLE bench_staff AS SELECT o.org_idx, (row_number() OVER (PARTITION BY o.org_idx ORDER BY m.user_id) - 1)::int"
            " AS slot, m.user_id FROM portal_membership m JOIN (SELECT unnest(%s::bigint[]) AS org_id,"
            " generate_series(0, %s) AS org_idx) o ON o.org_id = m.organisation_id WHERE m.role = 'officer'",
            [[o.pk for o in orgs], N_ORGS - 1],
        )
        cursor.execute("DELETE FROM bench_staff WHERE slot >= %s", [SLOTS])
        cursor.execute("CREATE UNIQUE INDEX ON bench_staff (org_idx, slot)")
    return {"partnership": partnership.pk, "orgs": [o.pk for o in orgs], "org_names": [o.name for o in orgs]}


def pack_load(world: dict) -> None:
    """The Stockport pack (once), and every organisation a signed member of its partnership."""
    from django.conf import settings

    from portal.models import PartnershipMember, ProtocolPack
    from portal.protocols.services import protocol_pack_load

    pack = ProtocolPack.objects.filter(is_current=True, partnership_id=world["partnership"]).first()
    if pack is None:
        pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    for org_id in world["orgs"]:
        PartnershipMember.objects.get_or_create(
            partnership_id=world["partnership"], organisation_id=org_id,
            defaults={"standing": "responsible_authority", "signed_protocol_on": pack.effective_date},
        )
    world["pack"] = pack


REQUESTS_SQL = """
INSERT INTO sharing_disclosurerequest (
    reference, status, information_requested, third_parties, special_category, criminal_offence_data,
    victim_witness_information, sub_judice, urgency, needed_by, created_at, updated_at, submitted_at, assigned_at,
    decided_at, assignee_id, holding_organisation_id, legal_gateway_id, protocol_pack_id, purpose_id, requester_id,
    requesting_organisation_id)
SELECT 'DR-B-' || lpad(g::text, 7, '0'), s.status,
       'Records of incidents at the address in the last year.', '', false, true, false, false, 'routine',
       CASE WHEN s.open THEN CURRENT_DATE + ((g * 13) %% 60 - 20)::int ELSE CURRENT_DATE - s.age_days + 20 END,
       now() - make_interval(days => s.age_days), now() - make_interval(days => s.age_days),
       now() - make_interval(days => s.age_days),
       CASE WHEN s.status = 'submitted' THEN NULL ELSE now() - make_interval(days => s.age_days) END,
       CASE WHEN s.open OR s.status = 'withdrawn' THEN NULL ELSE now() - make_interval(days => greatest(s.age_days - 5, 0)) END,
       CASE WHEN s.status = 'submitted' AND g %% 2 = 0 THEN NULL ELSE a.user_id END,
       (%(orgs)s::bigint[])[s.hold + 1], %(gateway)s, %(pack)s, (%(purposes)s::bigint[])[g %% %(n_purposes)s + 1],
       r.user_id, (%(orgs)s::bigint[])[s.req + 1]
FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
CROSS JOIN LATERAL (
    SELECT (g * 2654435761 %% 1000)::int AS bucket, (g %% 10)::int AS hold, ((g %% 10 + 1 + (g / 10) %% 9) %% 10)::int AS req
) h
CROSS JOIN LATERAL (
    SELECT h.hold, h.req, h.bucket < 50 AS open,
           (CASE WHEN h.bucket < 50 THEN (g * 7) %% 30 ELSE (g * 40503) %% 1460 END)::int AS age_days,
           CASE WHEN h.bucket < 20 THEN 'submitted' WHEN h.bucket < 40 THEN 'in_review'
                WHEN h.bucket < 45 THEN 'awaiting_advice' WHEN h.bucket < 50 THEN 'returned'
                WHEN h.bucket < 600 THEN 'released' WHEN h.bucket < 750 THEN 'partly_released'
                WHEN h.bucket < 900 THEN 'declined' WHEN h.bucket < 910 THEN 'disputed' ELSE 'withdrawn' END AS status
) s
JOIN bench_staff a ON a.org_idx = s.hold AND a.slot = (g * 31) %% %(slots)s
JOIN bench_staff r ON r.org_idx = s.req AND r.slot = (g * 17) %% %(slots)s
"""


def grow_requests(world: dict, target: int, *, batch: int = 100_000) -> int:
    from django.db import connection, transaction

    from sharing.models import DisclosureRequest

    pack = world["pack"]
    have = DisclosureRequest.objects.count()
    if have >= target:
        return have
    purposes = list(pack.purposes.values_list("pk", flat=True))
    gateway = pack.legal_gateways.values_list("pk", flat=True).first()
    questions = list(pack.checklist_questions.values_list("pk", flat=True))
    started = time.monotonic()
    first = have + 1
    while first <= target:
        last = min(first + batch - 1, target)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM sharing_disclosurerequest")
            before = cursor.fetchone()[0]
            cursor.execute(REQUESTS_SQL, {
                "orgs": world["orgs"], "gateway": gateway, "pack": pack.pk, "purposes": purposes,
                "n_purposes": len(purposes), "first": first, "last": last, "slots": SLOTS,
            })
            cursor.execute(
                "WITH s AS (INSERT INTO portal_datasubject (full_name, aliases, address, nhs_number, created_at, holder_id)"
                " SELECT 'Subject ' || reference, '', '1 Bench Street', '', now(), requesting_organisation_id"
                " FROM sharing_disclosurerequest WHERE id > %s RETURNING id, full_name)"
                " INSERT INTO sharing_requestsubject (role, request_id, subject_id)"
                " SELECT 'offender', r.id, s.id FROM s JOIN sharing_disclosurerequest r"
                " ON r.reference = substr(s.full_name, 9) AND r.id > %s",
                [before, before],
            )
            cursor.execute(
                "INSERT INTO sharing_checklistanswer (answer, reason, question_id, request_id)"
                " SELECT 'yes', 'Bench reason', q, r.id FROM sharing_disclosurerequest r, unnest(%s::bigint[]) q"
                " WHERE r.id > %s",
                [questions, before],
            )
        print(f"  requests: {last:,} ({time.monotonic() - started:.0f} s)", flush=True)
        first = last + 1
    return target


class _Stream(io.RawIOBase):
    """COPY's input, made as it is read: no 10M-row file in memory."""

    def __init__(self, lines):
        self.lines = lines
        self.pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        parts, size = [self.pending], len(self.pending)
        while size < len(buffer):
            try:
                line = next(self.lines)
            except StopIteration:
                break
            parts.append(line)
            size += len(line)
        data = b"".join(parts)
        n = min(len(buffer), len(data))
        buffer[:n] = data[:n]
        self.pending = data[n:]
        return n


COLUMNS = ("occurred_at", "actor_id", "actor_name", "organisation_id", "organisation_name", "partnership_id", "action",
           "reference", "recipient_name", "purpose", "reasons", "protocol_version", "details", "previous_hash", "entry_hash")


def grow_entries(world: dict, target: int, *, n_requests: int) -> int:
    from django.db import connection
    from django.utils import timezone

    from portal.accountability import chain
    from portal.models import DecisionLogEntry

    have = DecisionLogEntry.objects.count()
    if have >= target:
        return have
    todo = target - have
    last = DecisionLogEntry.objects.order_by("-id").values("entry_hash", "occurred_at").first()
    previous = last["entry_hash"] if last else chain.GENESIS
    end = timezone.now() - timedelta(minutes=1)
    start = min(last["occurred_at"], end) if last else end - timedelta(days=4 * 365)
    step = (end - start) / todo
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, first_name || ' ' || last_name FROM portal_user WHERE username LIKE 'bench%%' ORDER BY id")
        actors = cursor.fetchall()
    orgs, names = world["orgs"], world["org_names"]
    partnership = world["partnership"]
    version = "safer-stockport@2020"
    key = chain._key()
    started = time.monotonic()

    def lines():
        nonlocal previous
        when = start
        for i in range(todo):
            when = when + step
            occurred = when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"  # UTC, as the chain writes it
            k = have + i
            actor_id, actor_name = actors[(k * 7919) % len(actors)]
            o = k % len(orgs)
            action = ACTIONS[(k * 31) % len(ACTIONS)]
            reference = f"DR-B-{(k * 104729) % max(n_requests, 1) + 1:07d}"
            recipient = names[(o + 1) % len(orgs)]
            row = (None, previous, None, occurred, actor_id, actor_name, orgs[o], names[o], partnership, action,
                   reference, recipient, "Bench purpose", "Bench reasons for the decision", version, "{}")
            entry_hash = hmac.digest(key, chain._row_message(previous, row, occurred), "sha256").hex()
            yield (
                f"{occurred}\t{actor_id}\t{actor_name}\t{orgs[o]}\t{names[o]}\t{partnership}\t{action}\t{reference}\t"
                f"{recipient}\tBench purpose\tBench reasons for the decision\t{version}\t{{}}\t{previous}\t{entry_hash}\n"
            ).encode()
            previous = entry_hash
            if i and i % 1_000_000 == 0:
                print(f"  entries: {have + i:,} ({time.monotonic() - started:.0f} s)", flush=True)

    with connection.cursor() as cursor:
        # Loading millions into a table with nine indexes (one a unique index of random hashes) is
        # index maintenance more than loading: take the secondary indexes off, load, build them again.
        # The definitions are kept in a table first, so a load killed half-way loses no index.
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_dropped_indexes (name text PRIMARY KEY, definition text, kind text)")
        if todo > 1_000_000:
            cursor.execute(
                "INSERT INTO bench_dropped_indexes SELECT c.conname, pg_get_constraintdef(c.oid), 'constraint'"
                " FROM pg_constraint c WHERE c.conrelid = 'portal_decisionlogentry'::regclass AND c.contype = 'u'"
                " UNION ALL SELECT i.indexname, i.indexdef, 'index' FROM pg_indexes i"
                " WHERE i.tablename = 'portal_decisionlogentry' AND i.indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE conrelid = 'portal_decisionlogentry'::regclass)"
                " ON CONFLICT DO NOTHING"
            )
            cursor.execute("SELECT name, kind FROM bench_dropped_indexes")
            for name, kind in cursor.fetchall():
                if kind == "constraint":
                    cursor.execute(f"ALTER TABLE portal_decisionlogentry DROP CONSTRAINT IF EXISTS {name}")
                else:
                    cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.cursor.copy_expert(
            f"COPY portal_decisionlogentry ({', '.join(COLUMNS)}) FROM STDIN", io.BufferedReader(_Stream(lines()), 1 << 20)
        )
        print(f"  entries: {target:,} loaded ({time.monotonic() - started:.0f} s)", flush=True)
    indexes_restore()
    return target


def indexes_restore() -> None:
    """Build again the log's indexes a load took off (also after a load that was killed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_dropped_indexes (name text PRIMARY KEY, definition text, kind text)")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SELECT name, definition, kind FROM bench_dropped_indexes ORDER BY kind")
        for name, definition, kind in cursor.fetchall():
            started = time.monotonic()
            if kind == "constraint":
                cursor.execute(f"ALTER TABLE portal_decisionlogentry ADD CONSTRAINT {name} {definition}")
            else:
                cursor.execute(definition)
            cursor.execute("DELETE FROM bench_dropped_indexes WHERE name = %s", [name])
            print(f"  index {name} built again ({time.monotonic() - started:.0f} s)", flush=True)


def grow(*, requests: int, entries: int) -> dict:
    from django.db import connection

    world = base_world()
    indexes_restore()
    grow_entries(world, entries, n_requests=requests)  # first, on a new database: before the pack's entry
    pack_load(world)
    grow_requests(world, requests)
    with connection.cursor() as cursor:
        # As in service once autovacuum has passed: all-visible pages, fresh statistics.
        for table in ("sharing_disclosurerequest", "portal_decisionlogentry", "sharing_checklistanswer",
                      "sharing_requestsubject", "portal_datasubject"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return world
