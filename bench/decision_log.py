"""Issue 6 benchmark: the decision log with 2,000,000 entries.

Seeds its own database once (later runs reuse it; `--reseed` starts again): 10 organisations,
2,000 users and 2,000,000 validly chained decision-log entries spread over the two years before
today, written the way the services write them (the registered action codes, request, consent and
meeting references, reasons), hashed with `chain.entry_digest` and loaded with COPY. Then it
reports p50/p95/max server time of the auditor's decision log page, unfiltered, deep and under
each filter (target p95 under 200 ms), and the chain verification throughput over the whole log.

Server time is the time Django takes to answer a request in-process (test Client: middleware,
view, template, every SQL query), without network or browser time.

    .venv/bin/python bench/decision_log.py [--entries 2000000] [--samples 200] [--reseed] [--skip-verify]

It uses its own database (portal_bench_log, on DATABASE_URL's server or the embedded one).
"""
from __future__ import annotations

import argparse
import csv
import heapq
import io
import json
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urljoin

from _common import percentiles, setup_django, timed_get

DBNAME = "portal_bench_log"
TARGET_P95_MS = 200.0
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

ORGANISATIONS = [  # (name, kind)
    ("Greater Manchester Police (Stockport)", "police"),
    ("Stockport Metropolitan Borough Council", "local_authority"),
    ("Probation Service Stockport", "probation"),
    ("Greater Manchester Fire and Rescue", "fire_and_rescue"),
    ("Stockport Homes", "social_landlord"),
    ("Stockport NHS Foundation Trust", "nhs_trust"),
    ("NHS Greater Manchester ICB", "icb"),
    ("Pennine Care NHS Foundation Trust", "nhs_trust"),
    ("Great Places Housing Group", "social_landlord"),
    ("Stockport Youth Justice Service", "local_authority"),
]
FIRST_NAMES = (
    "Amelia Ava Isla Olivia Grace Emily Sophie Ruby Lily Ella Chloe Jessica Hannah Sarah Laura Rachel "
    "Priya Aisha Fatima Zara Oliver George Harry Jack Jacob Noah Charlie Thomas Oscar James William Daniel "
    "Samuel Joseph David Michael Mohammed Ali Hassan Raj Arjun Connor Liam Ryan Adam Ben Tom Owen Rhys"
).split()
LAST_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Patel Khan Hussain Ahmed Begum Shah Lewis Harris Martin Cooper "
    "Hughes Edwards Turner Hill Moore Clark Ward Morris Baker Kelly Murphy Byrne O'Neill Nowak Kowalski"
).split()

REASONS = {
    "request.submitted": [
        "Needed for the multi-agency risk assessment conference on {day}: incidents at the address since January.",
        "Case review of repeated anti-social behaviour reported by neighbours; our records show {n} complaints.",
        "Tenancy enforcement: we need to know whether the police attended the {n} reported incidents.",
        "Safeguarding strategy discussion: a child in the household; information on previous call-outs needed.",
        "Fire risk assessment after {n} deliberate fires in the block; need details of persons of interest.",
    ],
    "request.assigned": [
        "Assigned to {name}, who holds the case.",
        "Assigned to {name} (area team).",
        "Assigned to {name}: the officer who attended.",
    ],
    "request.returned": [
        "The request does not say which period it covers: please give dates.",
        "The purpose is not clear enough to apply the key questions; please say what the review will decide.",
    ],
    "request.resubmitted": ["Dates added: 1 January to 30 June.", "Purpose clarified: the case review on {day}."],
    "request.flowchart_outcome": [
        "Legitimate purpose, identifiable, confidential; consent was sought and given.",
        "Legitimate purpose, identifiable, not confidential: share.",
        "Legitimate purpose, identifiable, confidential, no consent; sufficient public interest.",
        "No legitimate purpose shown for this much information: do not share.",
    ],
    "request.released": [
        "Necessary and proportionate for the case review: {n} incidents since March, dates and outcomes only.",
        "Released in full: the information is limited to what the review needs.",
    ],
    "request.partly_released": [
        "Released the incident dates only; the witness statements are withheld (third-party information).",
        "Released in part: the health information is not necessary for the stated purpose.",
    ],
    "request.declined": [
        "Not necessary for the stated purpose: the review can proceed on the council's own records.",
        "Declined: the matter is sub judice and the CPS asked us not to share before trial.",
        "Declined: the request asks for more than the purpose needs; a narrower request would be considered.",
    ],
    "request.withdrawn": ["No longer needed: the case was closed.", "Raised in error; a new request follows."],
    "request.advice_sought": ["Is public interest enough here? The subject refused consent."],
    "request.advice_given": ["Yes, given the risk to neighbours; record the grounds in the override."],
    "request.sub_judice_consulted": ["The investigating officer agreed to the release of dates only."],
    "request.safeguarding_concern": ["Concern about a child in the household referred to the MASH."],
    "request.disputed": ["The decline ignores the risk to neighbours: we ask for a review."],
    "dispute.upheld": ["The original decision stands: the purpose does not need this information."],
    "dispute.overturned": ["On review the information is necessary: release the incident dates."],
    "consent.recorded": ["Signed consent for sharing with the partnership for the case review."],
    "consent.scan_attached": ["Scan of the signed consent form attached."],
    "consent.reliance_chosen": ["Relying on consent {cref} for this release."],
    "consent.relied_upon": ["Release made on the basis of consent {cref}."],
    "consent.withdrawn": ["The subject withdrew consent by letter."],
    "consent.withdrawal_flagged": ["Consent {cref} withdrawn: the responder was told."],
    "override.proposed": ["Prevention of crime: threats to neighbours; consent would put them at risk."],
    "override.approved": ["The risk to neighbours outweighs the intrusion."],
    "override.rejected": ["Less intrusive alternatives have not been tried."],
    "onward.requested": ["The housing panel needs the incident dates for the tenancy decision."],
    "onward.approved": ["Onward disclosure to the housing panel approved, dates only."],
    "onward.declined": ["The panel is not a party to the protocol."],
    "onward.shared": ["Shared onward with the housing panel as approved."],
    "meeting.marking_set": ["Official-Sensitive: personal information about named people."],
    "meeting.signed_in": ["Signed in and accepted the confidentiality statement."],
    "meeting.in_session": ["Signed-in list confirmed."],
    "meeting.summary_shared": ["Case summary shared with the signed-in attendees."],
    "meeting.closed": ["Meeting closed; papers to be destroyed."],
    "meeting.paper_destroyed": ["Paper destroyed after the meeting closed."],
    "organisation.suspended": ["Sharing suspended: protocol breach under investigation (SSP 13.3)."],
    "organisation.resumed": ["Investigation closed; sharing resumed."],
}


# --- seeding ------------------------------------------------------------------------------------


class Log:
    """Builds the entries in time order (a heap of pending events), chains them and writes them
    with COPY in batches."""

    COLUMNS = (
        "occurred_at", "actor_id", "actor_name", "organisation_id", "organisation_name", "action", "reference",
        "recipient_name", "purpose", "reasons", "protocol_version", "details", "previous_hash", "entry_hash",
    )

    def __init__(self, *, previous_hash: str, total: int, batch: int = 50_000):
        from portal.accountability import chain

        self.digest = chain.entry_digest
        self.previous = previous_hash
        self.total = total
        self.written = 0
        self.batch = batch
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.in_buffer = 0
        self.started = time.monotonic()

    def add(self, fields: dict) -> None:
        entry_hash = self.digest(previous_hash=self.previous, fields=fields)
        self.writer.writerow([
            fields["occurred_at"].isoformat(timespec="microseconds"),
            r"\N" if fields["actor_id"] is None else fields["actor_id"],
            fields["actor_name"],
            r"\N" if fields["organisation_id"] is None else fields["organisation_id"],
            fields["organisation_name"], fields["action"], fields["reference"], fields["recipient_name"],
            fields["purpose"], fields["reasons"], fields["protocol_version"],
            json.dumps(fields["details"], separators=(",", ":")), self.previous, entry_hash,
        ])
        self.previous = entry_hash
        self.in_buffer += 1
        self.written += 1
        if self.in_buffer >= self.batch:
            self.flush()

    def flush(self) -> None:
        from django.db import connection, transaction

        if not self.in_buffer:
            return
        self.buffer.seek(0)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY portal_decisionlogentry ({', '.join(self.COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                self.buffer,
            )
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.in_buffer = 0
        if self.written % 250_000 < self.batch or self.written >= self.total:
            rate = self.written / (time.monotonic() - self.started)
            print(f"  {self.written:,} entries ({rate:,.0f} a second)", flush=True)


def _people(orgs, users_per_org: int, rng):
    """Users and memberships: in each organisation a few designated officers, the rest officers."""
    from django.contrib.auth.hashers import make_password

    from portal.models import Membership, User
    from portal.roles import Role

    password = make_password("bench-password-not-used", hasher="md5")
    names = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    users = User.objects.bulk_create(
        [User(username=f"{first[0]}{last}{i}".lower().replace("'", ""), first_name=first, last_name=last,
              password=password, email=f"bench{i}@example.org")
         for i, (first, last) in enumerate(names[: users_per_org * len(orgs)])]
    )
    memberships, people = [], {}
    for i, user in enumerate(users):
        org = orgs[i % len(orgs)]
        role = Role.DESIGNATED_OFFICER if (i // len(orgs)) % 25 == 0 else Role.OFFICER
        memberships.append(Membership(user=user, organisation=org, role=role))
        group = people.setdefault(org.pk, {"officers": [], "designated": []})
        group["designated" if role == Role.DESIGNATED_OFFICER else "officers"].append((user.pk, user.display_name))
    # The auditor the benchmark signs in as (the partnership's information governance lead).
    auditor = User.objects.create(username="bench_auditor", first_name="Audrey", last_name="Auditor",
                                  password=password, email="bench_auditor@example.org")
    memberships.append(Membership(user=auditor, organisation=orgs[1], role=Role.AUDITOR))
    Membership.objects.bulk_create(memberships)
    return people


class Partnership:
    """What happens over two years: requests through their lifecycle, consent records, meetings
    and the odd suspension, each a list of timed events pushed onto one heap."""

    def __init__(self, *, rng, orgs, people, purposes, protocol_version):
        self.rng = rng
        self.orgs = orgs
        self.people = people
        self.purposes = purposes
        self.protocol_version = protocol_version
        self.requests = 0
        self.consents = 0
        self.meetings = 0

    def _reason(self, action: str, **kw) -> str:
        rng = self.rng
        text = rng.choice(REASONS[action])
        return text.format(n=rng.randint(2, 14), day=f"{rng.randint(1, 28)} {rng.choice(['March', 'June', 'October'])}",
                           **kw)

    def _event(self, t, action, actor, org, *, reference="", recipient=None, purpose="", details=None, **kw):
        return (t, {
            "occurred_at": t,
            "actor_id": actor[0] if actor else None,
            "actor_name": actor[1] if actor else "system",
            "organisation_id": org.pk if org else None,
            "organisation_name": org.name if org else "",
            "action": action,
            "reference": reference,
            "recipient_name": recipient.name if recipient else "",
            "purpose": purpose,
            "reasons": self._reason(action, **kw),
            "protocol_version": self.protocol_version,
            "details": details or {},
        })

    def request(self, t: datetime) -> list:
        rng = self.rng
        self.requests += 1
        ref = f"DR-{t:%Y}-{self.requests:06d}"
        a, b = rng.sample(self.orgs, 2)
        pa, pb = self.people[a.pk], self.people[b.pk]
        requester = rng.choice(pa["officers"])
        do_b = rng.choice(pb["designated"])
        assignee = rng.choice(pb["officers"])
        purpose = rng.choice(self.purposes)
        common = {"reference": ref, "purpose": purpose}
        ev = [self._event(t, "request.submitted", requester, a, recipient=b, **common)]
        t += HOUR * rng.uniform(0.2, 30)
        ev.append(self._event(t, "request.assigned", do_b, b, recipient=a, name=assignee[1],
                              details={"assignee": assignee[1]}, **common))
        if rng.random() < 0.10:
            t += HOUR * rng.uniform(1, 72)
            ev.append(self._event(t, "request.returned", assignee, b, recipient=a, **common))
            t += HOUR * rng.uniform(2, 120)
            ev.append(self._event(t, "request.resubmitted", requester, a, recipient=b, **common))
        for action, p, who in (("request.sub_judice_consulted", 0.04, assignee),
                               ("request.safeguarding_concern", 0.03, assignee)):
            if rng.random() < p:
                t += HOUR * rng.uniform(1, 48)
                ev.append(self._event(t, action, who, b, recipient=a, **common))
        if rng.random() < 0.06:
            t += HOUR * rng.uniform(1, 24)
            ev.append(self._event(t, "request.advice_sought", assignee, b, recipient=a, **common))
            t += HOUR * rng.uniform(1, 48)
            ev.append(self._event(t, "request.advice_given", do_b, b, recipient=a, **common))
        if rng.random() < 0.05:
            t += HOUR * rng.uniform(2, 200)
            ev.append(self._event(t, "request.withdrawn", requester, a, recipient=b, **common))
            return ev
        t += HOUR * rng.uniform(2, 240)
        ev.append(self._event(t, "request.flowchart_outcome", assignee, b, recipient=a, **common))
        basis = rng.random()
        if basis < 0.2:  # consent
            self.consents += 1
            cref = f"CR-{t:%Y}-{self.consents:06d}"
            ev.append(self._event(t + HOUR * rng.uniform(0.1, 3), "consent.reliance_chosen", assignee, b,
                                  recipient=a, cref=cref, **common))
            t += HOUR * rng.uniform(3, 6)
            ev.append(self._event(t, "consent.relied_upon", assignee, b, reference=cref, recipient=a,
                                  purpose=purpose, cref=cref))
        elif basis < 0.25:  # public interest, four eyes
            t += HOUR * rng.uniform(0.5, 8)
            ev.append(self._event(t, "override.proposed", assignee, b, recipient=a, **common))
            t += HOUR * rng.uniform(1, 72)
            approver = rng.choice([d for d in pb["designated"] if d != do_b] or pb["designated"])
            if rng.random() < 0.85:
                ev.append(self._event(t, "override.approved", approver, b, recipient=a, **common))
            else:
                ev.append(self._event(t, "override.rejected", approver, b, recipient=a, **common))
                t += HOUR * rng.uniform(1, 24)
                ev.append(self._event(t, "request.declined", assignee, b, recipient=a, **common))
                return ev
        t += HOUR * rng.uniform(0.5, 48)
        outcome = rng.random()
        if outcome < 0.62:
            ev.append(self._event(t, "request.released", assignee, b, recipient=a, **common))
            if rng.random() < 0.03:
                t += DAY * rng.uniform(1, 30)
                ev.append(self._event(t, "onward.requested", requester, a, recipient=b, **common))
                t += HOUR * rng.uniform(2, 96)
                if rng.random() < 0.8:
                    ev.append(self._event(t, "onward.approved", do_b, b, recipient=a, **common))
                    t += HOUR * rng.uniform(1, 48)
                    ev.append(self._event(t, "onward.shared", requester, a, recipient=b, **common))
                else:
                    ev.append(self._event(t, "onward.declined", do_b, b, recipient=a, **common))
        elif outcome < 0.80:
            ev.append(self._event(t, "request.partly_released", assignee, b, recipient=a, **common))
        else:
            ev.append(self._event(t, "request.declined", assignee, b, recipient=a, **common))
            if rng.random() < 0.12:
                t += DAY * rng.uniform(1, 14)
                ev.append(self._event(t, "request.disputed", requester, a, recipient=b, **common))
                t += DAY * rng.uniform(1, 10)
                action = "dispute.upheld" if rng.random() < 0.7 else "dispute.overturned"
                ev.append(self._event(t, action, do_b, b, recipient=a, **common))
        return ev

    def consent(self, t: datetime) -> list:
        rng = self.rng
        self.consents += 1
        cref = f"CR-{t:%Y}-{self.consents:06d}"
        org = rng.choice(self.orgs)
        officer = rng.choice(self.people[org.pk]["officers"])
        ev = [self._event(t, "consent.recorded", officer, org, reference=cref, purpose=rng.choice(self.purposes))]
        if rng.random() < 0.7:
            attached = t + HOUR * rng.uniform(0.1, 48)
            ev.append(self._event(attached, "consent.scan_attached", officer, org, reference=cref))
        if rng.random() < 0.04:
            t += DAY * rng.uniform(5, 200)
            ev.append(self._event(t, "consent.withdrawn", officer, org, reference=cref))
            other = rng.choice([o for o in self.orgs if o != org])
            ev.append(self._event(t + HOUR * 0.01, "consent.withdrawal_flagged", None, other,
                                  reference=cref, cref=cref))
        return ev

    def meeting(self, t: datetime) -> list:
        rng = self.rng
        self.meetings += 1
        ref = f"MTG-{self.meetings:06d}"
        chair_org = self.orgs[1]
        chair = rng.choice(self.people[chair_org.pk]["designated"])
        ev = [self._event(t, "meeting.marking_set", chair, chair_org, reference=ref)]
        t += DAY * rng.uniform(3, 10)
        for org in rng.sample(self.orgs, rng.randint(5, 9)):
            ev.append(self._event(t + HOUR * rng.uniform(0, 0.3), "meeting.signed_in",
                                  rng.choice(self.people[org.pk]["officers"]), org, reference=ref))
        t += HOUR * 0.35
        ev.append(self._event(t, "meeting.in_session", chair, chair_org, reference=ref))
        for _ in range(rng.randint(2, 6)):
            t += HOUR * rng.uniform(0.1, 0.4)
            ev.append(self._event(t, "meeting.summary_shared", chair, chair_org, reference=ref))
        t += HOUR * rng.uniform(0.2, 1)
        ev.append(self._event(t, "meeting.closed", chair, chair_org, reference=ref))
        for _ in range(rng.randint(1, 4)):
            ev.append(self._event(t + HOUR * rng.uniform(0.5, 2), "meeting.paper_destroyed", None, None, reference=ref))
        return ev

    def suspension(self, t: datetime, admin) -> list:
        org = self.rng.choice(self.orgs)
        return [
            self._event(t, "organisation.suspended", admin, None, recipient=org),
            self._event(t + DAY * self.rng.uniform(3, 30), "organisation.resumed", admin, None, recipient=org),
        ]


def seed(n_entries: int) -> None:
    from django.conf import settings
    from django.db import connection

    from portal.accountability import chain
    from portal.accountability.registry import decision_events
    from portal.models import DecisionLogEntry, Organisation
    from portal.protocols.services import protocol_pack_load
    from portal.protocols.validation import pack_parse

    started = time.monotonic()
    rng = random.Random(2026)
    pack_path = settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml"
    data = pack_parse(pack_path.read_text(encoding="utf-8"))
    purposes = [p["name"] for p in data["purposes"]]
    protocol_version = f"{data['slug']}@{data['version']}"
    registered = decision_events()
    unknown = set(REASONS) - set(registered)
    if unknown:
        raise SystemExit(f"Not registered decision events: {sorted(unknown)}")

    orgs = [
        Organisation.objects.create(name=name, kind=kind, standing="responsible_authority",
                                    signed_protocol_on=datetime.fromisoformat(data["effective_date"]).date())
        for name, kind in ORGANISATIONS
    ]
    people = _people(orgs, 200, rng)
    admin = people[orgs[1].pk]["designated"][0]
    world = Partnership(rng=rng, orgs=orgs, people=people, purposes=purposes, protocol_version=protocol_version)

    # Entries per request lifecycle, estimated on a throwaway run, sets the arrival rate so that
    # n_entries span the two years before today.
    pilot = Partnership(rng=random.Random(1), orgs=orgs, people=people, purposes=purposes,
                        protocol_version=protocol_version)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    sample = 20_000
    per_request = sum(len(pilot.request(t0)) for _ in range(sample)) / sample
    per_request += 0.15 * 1.78  # a consent record for ~15 requests in 100 (1.78 entries each)
    # Two years up to a few days ago: the estimate is within a few days, and nothing may be in the future.
    end = datetime.now(UTC).replace(microsecond=0) - 4 * DAY
    start = end - 727 * DAY
    weeks = (end - start) / (7 * DAY)
    others = weeks * 16.5 + 10  # a meeting a week (~16.5 entries), a suspension and resumption twice a year
    n_requests = max(n_entries - others, n_entries / 2) / per_request
    gap = (end - start) / n_requests

    head = DecisionLogEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first() or chain.GENESIS
    log = Log(previous_hash=head, total=n_entries)
    pending: list = []
    sequence = 0

    def push(events):
        nonlocal sequence
        for when, fields in events:
            sequence += 1
            heapq.heappush(pending, (when, sequence, fields))

    t = start
    next_meeting = start + DAY * 2
    next_suspension = start + DAY * 90
    print(f"Seeding {n_entries:,} decision-log entries from {start:%Y-%m-%d} to {end:%Y-%m-%d} "
          f"(~{per_request:.2f} entries a request)...", flush=True)
    while log.written < n_entries:
        t += gap * rng.expovariate(1.0)
        push(world.request(t))
        if rng.random() < 0.15:
            push(world.consent(t + HOUR * rng.uniform(0, 2)))
        if t >= next_meeting:
            push(world.meeting(t))
            next_meeting += DAY * 7
        if t >= next_suspension:
            push(world.suspension(t, admin))
            next_suspension += DAY * rng.uniform(120, 240)
        while pending and pending[0][0] <= t and log.written < n_entries:
            log.add(heapq.heappop(pending)[2])
    log.flush()
    seeded_in = time.monotonic() - started
    # The pack is loaded last (its own entry, now, is the head) so that time follows id order.
    protocol_pack_load(path_or_text=pack_path)
    analyse = time.monotonic()
    with connection.cursor() as cursor:
        # VACUUM too: an append-only table is all-visible once autovacuum has passed, as in service.
        cursor.execute("VACUUM ANALYZE portal_decisionlogentry")
        cursor.execute("ANALYZE")
    print(f"Seeded {log.written:,} entries ({world.requests:,} requests, {world.consents:,} consent records, "
          f"{world.meetings:,} meetings) in {seeded_in:.0f} s; ANALYZE {time.monotonic() - analyse:.0f} s", flush=True)


# --- measuring ----------------------------------------------------------------------------------


def measure(label: str, client, urls: list[str], samples: int, warmup: int = 5) -> dict:
    for url in urls[:warmup]:
        client.get(url)
    timings = []
    rows = []
    for i in range(samples):
        url = urls[i % len(urls)]
        elapsed, response = timed_get(client, url, label)
        timings.append(elapsed)
        context = response.context
        if context is not None and context.get("form") is not None and context["form"].errors:
            raise SystemExit(f"{label}: {url} refused its filters: {context['form'].errors}")
        if context is not None and "rows" in context:
            rows.append(len(context["rows"]))
    return {"page": label, **percentiles(timings), "rows": statistics.mean(rows) if rows else None}


def _older_link(html: str) -> str:
    match = re.search(r'href="([^"]*)" rel="next"', html)
    if not match:
        raise SystemExit("the decision log page has no 'Older' link")
    return unescape(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--skip-verify", action="store_true", help="measure the pages only")
    args = parser.parse_args()
    setup_django(DBNAME)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from portal.accountability.services import decision_log_verify
    from portal.middleware import ACTING_MEMBERSHIP
    from portal.models import Membership, Organisation
    from portal.roles import Role
    from tests.conftest import sign_in_fully

    setup_test_environment()
    call_command("migrate", "--no-input", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_decisionlogentry")
        have = cursor.fetchone()[0]
    if args.reseed or have < args.entries:
        if have:
            print(f"{'--reseed' if args.reseed else f'Only {have:,} entries'}: emptying {DBNAME} first", flush=True)
        call_command("flush", "--no-input", verbosity=0)
        seed(args.entries)

    auditor = Membership.objects.get(role=Role.AUDITOR, user__username="bench_auditor")
    client = sign_in_fully(Client(), auditor.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = auditor.pk
    session.save()

    rng = random.Random(7)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM portal_decisionlogentry")
        low, high, count = cursor.fetchone()
        # Real entries to filter on: what an auditor would look for.
        picks = rng.sample(range(low, high + 1), 400)
        cursor.execute(
            """SELECT e.id, e.organisation_id, u.username, e.action, e.reference, e.occurred_at
               FROM portal_decisionlogentry e LEFT JOIN portal_user u ON u.id = e.actor_id
               WHERE e.id = ANY(%s) ORDER BY e.id""",
            [picks],
        )
        sampled = cursor.fetchall()
        cursor.execute("SELECT DISTINCT action FROM portal_decisionlogentry")
        actions = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT min(occurred_at), max(occurred_at) FROM portal_decisionlogentry WHERE id < %s", [high])
        first_at, last_at = cursor.fetchone()
    org_ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    log = reverse("portal:audit_decisions")

    def q(**params) -> str:
        return f"{log}?{urlencode(params)}"

    def window(at, days: int) -> dict:
        begin = at.date() - timedelta(days=rng.randint(0, days - 1))
        return {"date_from": begin.isoformat(), "date_to": (begin + timedelta(days=days - 1)).isoformat()}

    # The "Older" link, followed from the first page, works at depth (checked, not timed).
    url = log
    for _ in range(5):
        url = urljoin(url, _older_link(client.get(url).content.decode()))
    deep_follow = url

    def paged(urls: list[str]) -> list[str]:
        """For each filtered first page: its second page (the Older link) and the way back (Newer)."""
        out = []
        for first_page in urls:
            html = client.get(first_page).content.decode()
            if 'rel="next"' not in html:
                continue
            second = urljoin(first_page, _older_link(html))
            out.append(second)
            back = re.search(r'href="([^"]*)" rel="prev"', client.get(second).content.decode())
            if back:
                out.append(urljoin(second, unescape(back.group(1))))
        return out

    months = [q(**window(at, 31)) for *_, at in sampled][:100]
    cases = [
        ("unfiltered, first page", [log]),
        ("deep page (?before= anywhere in the log)", [q(before=rng.randint(low + 100, high)) for _ in range(100)]),
        ("by organisation", [q(organisation=pk) for pk in org_ids]),
        ("by organisation, deep page", [q(organisation=rng.choice(org_ids), before=rng.randint(low + 10_000, high))
                                        for _ in range(100)]),
        ("by user", [q(user=username) for _, _, username, *_ in sampled if username][:100]),
        (f"by action (all {len(actions)} in the log)", [q(action=action) for action in actions]),
        ("by request reference", [q(reference=ref) for *_, ref, _ in sampled if ref.startswith("DR-")][:100]),
        ("by date range (a week)", [q(**window(at, 7)) for *_, at in sampled][:100]),
        ("by date range (a month)", months),
        ("by date range (a month), pages 2 and back", paged(months[:50])),
        ("combined: organisation, action and a month",
         [q(organisation=org, action=action, **window(at, 31)) for _, org, _, action, _, at in sampled if org][:100]),
        ("combined: user and a month",
         [q(user=username, **window(at, 31)) for _, _, username, _, _, at in sampled if username][:100]),
    ]
    print(f"\n{count:,} decision-log entries from {first_at:%Y-%m-%d} to {last_at:%Y-%m-%d}; "
          f"the 'Older' link followed 5 times reached {deep_follow}")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    results = []
    for label, urls in cases:
        results.append(measure(label, client, urls, args.samples))
        r = results[-1]
        print(f"  {label:<46} p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  max {r['max']:7.1f}  "
              f"(rows a page {r['rows']:.1f})", flush=True)
    print(f"load average after pages: {Path('/proc/loadavg').read_text().strip()}", flush=True)

    print(f"\n{'decision log page (auditor)':<46} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'n':>5}  target p95")
    for r in results:
        verdict = "ok" if r["p95"] < TARGET_P95_MS else "MISSED"
        print(f"{r['page']:<46} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} {r['n']:>5}  "
              f"< {TARGET_P95_MS:.0f} {verdict}")

    if not args.skip_verify:
        print("\nVerifying the chain (decision_log_verify)...", flush=True)
        started = time.monotonic()
        report = decision_log_verify()
        seconds = time.monotonic() - started
        state = "intact" if report.intact else f"BROKEN at entry {report.first_broken_id}: {report.problem}"
        print(f"chain {state}: {report.count:,} entries in {seconds:.1f} s, "
              f"{report.count / seconds:,.0f} entries a second; head hash {report.head_hash}")
        print(f"load average after verification: {Path('/proc/loadavg').read_text().strip()}")
        if not report.intact:
            return 1
    missed = [r["page"] for r in results if r["p95"] >= TARGET_P95_MS]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
