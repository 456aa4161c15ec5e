"""Issue 12 benchmark: the monitoring report over 1,000,000 disclosure requests, over HTTP.

Seeds its own database once (later runs reuse it; `--reseed` starts again) with set-based SQL
(`INSERT … SELECT … FROM generate_series`): the Stockport pack, 10 organisations, and 1,000,000
requests spread over the two years before today between them, with purposes, forums and gateways
from the pack, statuses in realistic proportions, turnarounds of 0–30 days and needed-by dates;
a current decision (with a marking) for every decided request, a dispute for 2% of declines and
an approved public-interest override for 5% of releases. Then it serves the portal with gunicorn
on a loopback port (bench/http_pages.py's `serve`: 2 gthread workers, bench/bench_settings.py) and
times, over a keep-alive connection with a signed-in, TOTP-verified admin session, the whole
report page (every registered section: middleware, view, SQL, SVG, template), unfiltered and
under filters, interleaved with the minimal signed-in floor view (/bench/floor/: the layout with
nothing in it, through the same middleware). Each case's p50/p95 and its ratio to the floor's are
printed. Goal: the report under 1 s. Before timing it refreshes the report's monthly roll-up
(`report_rollup_refresh`, as the hourly beat job would) and prints how long that took and its size.

    .venv/bin/python bench/reports.py [--requests 1000000] [--samples 20] [--reseed] [--explain]

`--explain` prints EXPLAIN (ANALYZE, BUFFERS) of the report's queries that take over 50 ms
(unfiltered, last 12 months), in the report's own transaction settings.

It uses its own database (portal_bench_reports, on DATABASE_URL's server or the embedded one).
"""
from __future__ import annotations

import argparse
import sys
import time

from _common import percentiles, setup_django

DBNAME = "portal_bench_reports"
TARGET_MS = 1000.0
ORGANISATIONS = [
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

SEED_REQUESTS = """
INSERT INTO sharing_disclosurerequest (
    reference, status, protocol_pack_id, requesting_organisation_id, requester_id, holding_organisation_id,
    assignee_id, purpose_id, forum_id, legal_gateway_id, information_requested, third_parties, urgency,
    sub_judice, needed_by, created_at, updated_at, submitted_at, decided_at, decided_under_id
)
SELECT
    'DR-B-' || lpad(g::text, 8, '0'),
    s.status, %(pack)s, o.req, u.req_user, o.hold, u.hold_user,
    (%(purposes)s)[1 + g %% array_length(%(purposes)s, 1)],
    CASE WHEN g %% 4 = 0 THEN (%(forums)s)[1 + g %% array_length(%(forums)s, 1)] END,
    (%(gateways)s)[1 + g %% array_length(%(gateways)s, 1)],
    '', '', 'routine', (g %% 50 = 0),
    (t.submitted + ((g %% 21) || ' days')::interval)::date,
    t.submitted, t.submitted, t.submitted,
    CASE WHEN s.status IN ('released', 'partly_released', 'declined', 'disputed')
         THEN t.submitted + ((g %% 31) || ' days')::interval + ((g %% 24) || ' hours')::interval END,
    CASE WHEN s.status IN ('released', 'partly_released', 'declined', 'disputed') THEN %(pack)s END
FROM generate_series(%(first)s, %(last)s) AS g
CROSS JOIN LATERAL (SELECT now() - ((g::bigint * 7919) %% 730 || ' days')::interval - ((g %% 1440) || ' minutes')::interval AS submitted) t
CROSS JOIN LATERAL (SELECT (%(orgs)s)[1 + g %% 10] AS req, (%(orgs)s)[1 + (g / 10 + 1 + g %% 9) %% 10] AS hold) o0
CROSS JOIN LATERAL (SELECT o0.req, CASE WHEN o0.hold = o0.req THEN (%(orgs)s)[1 + (g + 1) %% 10] ELSE o0.hold END AS hold) o
CROSS JOIN LATERAL (
    SELECT (%(users)s)[array_position(%(orgs)s, o.req)] AS req_user, (%(users)s)[array_position(%(orgs)s, o.hold)] AS hold_user
) u
CROSS JOIN LATERAL (SELECT CASE
    WHEN g %% 100 < 50 THEN 'released' WHEN g %% 100 < 65 THEN 'partly_released' WHEN g %% 100 < 80 THEN 'declined'
    WHEN g %% 100 < 83 THEN 'disputed' WHEN g %% 100 < 88 THEN 'withdrawn' WHEN g %% 100 < 94 THEN 'in_review'
    ELSE 'submitted' END AS status) s
"""

SEED_DECISIONS = """
INSERT INTO sharing_decision (request_id, outcome, reasons, withheld, marking_id, handling_conditions,
                              decided_by_id, organisation_id, protocol_pack_id, decided_at, is_current)
SELECT r.id,
       CASE WHEN r.status = 'disputed' THEN 'declined' ELSE r.status END,
       'Necessary and proportionate.', '',
       CASE WHEN r.status IN ('released', 'partly_released') THEN (%(markings)s)[1 + r.id %% array_length(%(markings)s, 1)] END,
       '', r.assignee_id, r.holding_organisation_id, r.protocol_pack_id, r.decided_at, true
FROM sharing_disclosurerequest r
WHERE r.decided_at IS NOT NULL AND r.reference LIKE 'DR-B-%%'
"""

SEED_DISPUTES = """
INSERT INTO sharing_dispute (request_id, decision_id, raised_by_id, grounds, raised_at, status, decision_reasons, requesting_view)
SELECT d.request_id, d.id, r.requester_id, 'Grounds.', d.decided_at + interval '2 days',
       CASE WHEN r.status = 'disputed' THEN 'open' WHEN d.id %% 2 = 0 THEN 'upheld' ELSE 'overturned' END, '', ''
FROM sharing_decision d JOIN sharing_disclosurerequest r ON r.id = d.request_id
WHERE r.status = 'disputed' OR (d.outcome = 'declined' AND d.id %% 50 = 0)
"""

SEED_OVERRIDES = """
INSERT INTO sharing_publicinterestoverride (request_id, consent_position, not_sought_reason, consent_explanation,
    art6_condition_id, proportionality, risk_of_not_sharing, alternatives_considered, proposed_by_id, proposed_at,
    status, decided_by_id, decided_at, decision_reasons)
SELECT d.request_id, 'not_sought', 'risk', '', %(art6)s, 'Only what is needed.', 'Harm.', 'None would do.',
       d.decided_by_id, d.decided_at - interval '1 day', 'approved', d.decided_by_id, d.decided_at - interval '1 hour', 'Approved.'
FROM sharing_decision d
WHERE d.outcome IN ('released', 'partly_released') AND d.id %% 20 = 0
"""


def seed(n_requests: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction

    from portal.models import Membership, Organisation, PartnershipMember, User
    from portal.protocols.services import protocol_pack_load
    from portal.roles import Role

    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    orgs, users = [], []
    with transaction.atomic():
        for n, (name, kind) in enumerate(ORGANISATIONS):
            org, _ = Organisation.objects.get_or_create(name=name, defaults={"kind": kind, "ico_registration": f"Z{n:07d}"})
            PartnershipMember.objects.get_or_create(
                partnership=pack.partnership, organisation=org, defaults={"standing": "responsible_authority", "signed_protocol_on": "2020-04-01"}
            )
            user, _ = User.objects.get_or_create(username=f"bench{n}", defaults={"first_name": "Bench", "last_name": str(n)})
            Membership.objects.get_or_create(user=user, organisation=org, role=Role.OFFICER)
            orgs.append(org.pk)
            users.append(user.pk)
        admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"first_name": "Bench", "last_name": "Admin"})
        Membership.objects.get_or_create(user=admin, organisation_id=orgs[1], role=Role.ADMIN, partnership=pack.partnership)
    params = {
        "pack": pack.pk,
        "orgs": orgs,
        "users": users,
        "purposes": list(pack.purposes.values_list("pk", flat=True)),
        "forums": list(pack.forums.values_list("pk", flat=True)),
        "gateways": list(pack.legal_gateways.values_list("pk", flat=True)),
        "markings": list(pack.marking_levels.values_list("pk", flat=True)),
        "art6": pack.lawful_bases.filter(category="art6").values_list("pk", flat=True).first(),
    }
    batch = 250_000
    started = time.monotonic()
    for first in range(1, n_requests + 1, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SEED_REQUESTS, {**params, "first": first, "last": min(n_requests, first + batch - 1)})
        print(f"  requests {min(n_requests, first + batch - 1):,} ({time.monotonic() - started:.0f} s)", flush=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SEED_DECISIONS, params)
        cursor.execute(SEED_DISPUTES, params)
        cursor.execute(SEED_OVERRIDES, params)
        cursor.execute("ANALYZE")
    print(f"  decisions, disputes and overrides ({time.monotonic() - started:.0f} s)", flush=True)


def explain_hot_queries(filters) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every report query over 50 ms, as the report runs them."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from oversight.report import monitoring_report

    with CaptureQueriesContext(connection) as captured:
        monitoring_report(filters=filters)
    slow = [q for q in captured.captured_queries if float(q["time"]) > 0.05]
    print(f"\n{len(captured.captured_queries)} queries; {len(slow)} over 50 ms:")
    for query in slow:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in (q["sql"] for q in captured.captured_queries if q["sql"].startswith("SET LOCAL")):
                cursor.execute(statement)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = [row[0] for row in cursor.fetchall()]
        print(f"\n--- {query['time']} s: {' '.join(query['sql'].split())[:300]}")
        print("\n".join(plan))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    setup_django(DBNAME)

    import os
    import tempfile
    from datetime import timedelta
    from pathlib import Path

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone
    from http_pages import Session, serve

    from oversight.selectors import report_period_bounds
    from portal.models import Membership, Organisation, Purpose
    from portal.reports import ReportFilter
    from portal.roles import Role

    setup_test_environment()
    if args.reseed:
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sharing_disclosurerequest WHERE reference LIKE 'DR-B-%%'")
        have = cursor.fetchone()[0]
    if have < args.requests:
        if have:
            raise SystemExit(f"{have:,} requests seeded already; run with --reseed for {args.requests:,}")
        print(f"Seeding {args.requests:,} requests (once; later runs reuse them)...", flush=True)
        seed(args.requests)

    with connection.cursor() as cursor:  # as autovacuum would have: the visibility map for index-only scans
        cursor.execute("VACUUM ANALYZE sharing_disclosurerequest")
        cursor.execute("VACUUM ANALYZE sharing_decision")
    # The monthly roll-up (oversight/rollup.py), as the hourly beat job leaves it: the closed
    # months rolled, this month live. Timed: the first run rolls every month, later ones none.
    from oversight.services import report_rollup_refresh

    started = time.monotonic()
    rolled = report_rollup_refresh()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM oversight_requestrollup), (SELECT count(*) FROM oversight_turnaroundrollup),"
            " pg_total_relation_size('oversight_requestrollup') + pg_total_relation_size('oversight_turnaroundrollup')"
        )
        counts, arrays, size = cursor.fetchone()
    print(f"roll-up refresh: {rolled} months rolled in {time.monotonic() - started:.1f} s; {counts:,} count rows, "
          f"{arrays:,} turnaround arrays, {size / 1e6:.1f} MB", flush=True)
    admin = Membership.objects.get(role=Role.ADMIN, user__username="bench-admin")
    police = Organisation.objects.get(name=ORGANISATIONS[0][0])
    url = reverse("oversight:reports")
    purpose = Purpose.objects.filter(pack__is_current=True).order_by("order").values_list("code", flat=True).first()
    today = timezone.localdate()
    if args.explain:
        start, end = report_period_bounds(today - timedelta(days=364), today)
        explain_hot_queries(ReportFilter(partnership_id=admin.partnership_id, start=start, end=end))
    two_years = (today - timedelta(days=730)).isoformat()
    cases = [
        ("floor (layout only)", "/bench/floor/"),
        ("last 12 months, unfiltered", url),
        ("last quarter, unfiltered", url + "?period=last_quarter"),
        ("last 12 months, police as holder", url + f"?organisation={police.pk}&organisation_as=holder"),
        ("last 12 months, purpose + marking", url + f"?purpose={purpose}&marking=restricted"),
        ("two years (range), forum marac", url + f"?period=range&date_from={two_years}&date_to={today.isoformat()}&forum=marac"),
    ]
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-reports-"))
    process, port = serve(os.environ["DATABASE_URL"], folder)
    try:
        session = Session(port, admin)
        for label, case_url in cases:  # warm: connections, templates, caches; not counted
            _, status, body = session.get(case_url)
            if status != 200:
                raise SystemExit(f"{label}: {case_url} answered {status}:\n{body[:2000]}")
        timings = {label: [] for label, _ in cases}
        load = [os.getloadavg()[0]]
        for _ in range(args.samples):
            for label, case_url in cases:  # interleaved: one of each, in turn
                elapsed, status, _ = session.get(case_url)
                if status != 200:
                    raise SystemExit(f"{label}: {case_url} answered {status}")
                timings[label].append(elapsed)
            load.append(os.getloadavg()[0])
    finally:
        process.terminate()
        process.wait(timeout=30)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sharing_disclosurerequest")
        total = cursor.fetchone()[0]
    floor = percentiles(timings["floor (layout only)"])
    print(f"\n{total:,} requests; gunicorn 2 gthread workers x 4 threads on loopback; {args.samples} samples a case, "
          f"interleaved; load average {min(load):.2f}-{max(load):.2f} (2 cores)")
    print(f"{'report':<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p50/floor':>10} {'p95/floor':>10}")
    worst = 0.0
    for label, values in timings.items():
        p = percentiles(values)
        if label != "floor (layout only)":
            worst = max(worst, p["p95"])
        print(f"{label:<36} {p['p50']:>8.1f} {p['p95']:>8.1f} {p['max']:>8.1f} {p['p50'] / floor['p50']:>9.1f}x "
              f"{p['p95'] / floor['p95']:>9.1f}x", flush=True)
    print(f"\nslowest report p95 {worst:.0f} ms (goal {TARGET_MS:.0f} ms)")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
