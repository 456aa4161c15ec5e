"""Issues 6 and 17 benchmark: a destruction sweep of 1,000,000 due held copies, and the inbox
over HTTP meanwhile.

Grows its own database with the scale benchmark's set-based seeding (bench/_grow.py: the Stockport
partnership, 10 organisations, 10,000 users, `--requests` disclosure requests and `--entries`
decision-log entries; a smaller database is extended, never reseeded). Every run then adds, set-based
(INSERT ... SELECT over generate_series, no Python per row but the scan files), `--copies` consent
records recorded years ago by those organisations, each with its data subject, a scan file on disk
and one held copy whose review date has passed (the real "consent.record" content: the purge clears
the record's and the person's personal fields and deletes the scan).

It serves the portal with gunicorn (2 gthread workers, as bench/http_pages.py does) and times an
officer's inbox tabs (signed-in, TOTP-verified session, sequential keep-alive client) with no sweep
running, then runs `manage.py retention_sweep` in a separate process on the same database and keeps
timing the inbox until the sweep ends, then once more after it. Targets (issue 17): the sweep
destroys 1,000,000 due copies in at most 5 minutes, and the inbox p95 during the sweep is at most
1.5x the p95 without (before and after pooled). Every inbox request is followed by one of the floor
view (/bench/floor/: the layout with nothing in it, through the same middleware), so each phase also
reports the inbox's p95 against the floor's of the same minutes. It reports the sweep's time and rate
(wall time from the command's start, and from the run's own count once it is going), and the load
average.

    BENCH_DB_SUFFIX=_h17a .venv/bin/python bench/retention_sweep.py [--copies 1000000]
        [--requests 1000000] [--entries 1000000] [--samples 300] [--batch-size N] [--explain]
        [--stop-after SECONDS] [--niceness N] [--seed-only]

It uses its own database (portal_bench_sweep plus BENCH_DB_SUFFIX, on DATABASE_URL's server or the
embedded one) and its own files folder (PORTAL_FILES_ROOT, default /tmp/portal_bench_sweep_files).
`--explain` prints EXPLAIN (ANALYZE, BUFFERS) of one batch's statements (rolled back). `--seed-only`
grows and seeds, then stops. `--stop-after` ends the sweep (SIGTERM: its batch in flight rolls back,
the run is left for the recovery check) after that many seconds and reports the rate up to then.
"""
from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from _common import ROOT, percentiles, setup_django

DBNAME = "portal_bench_sweep"
FILES = Path(os.environ.get("PORTAL_FILES_ROOT") or Path(tempfile.gettempdir()) / "portal_bench_sweep_files")
PDF = b"%PDF-1.4\n% a signed Appendix 5 consent form\n%%EOF\n"
TARGET_RATIO = 1.5
TARGET_SECONDS_PER_MILLION = 300
INBOX_TABS = ("open", "new", "mine", "assigned", "overdue", "due_soon", "decided")

SEED_SQL = """
WITH s AS (
    INSERT INTO portal_datasubject (full_name, aliases, address, nhs_number, created_at, holder_id)
    SELECT 'Sweep Subject ' || %(run)s || '-' || lpad(g::text, 7, '0'), '', '1 Bench Street', '', now(),
           (%(orgs)s::bigint[])[g %% %(n_orgs)s + 1]
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
    RETURNING id, holder_id, substr(full_name, 15) AS tag
), r AS (
    INSERT INTO consent_consentrecord (
        reference, recorded_at, given_by, given_by_description, signatory_name, signatory_address,
        reasons_explained, information_items, given_on, witness_name, witness_position, witnessed_on, scan,
        scan_original_name, scan_content_type, scan_size, scan_sha256, scan_uploaded_at, withdrawal_how, holder_id,
        protocol_pack_id, recorded_by_id, scan_uploaded_by_id, subject_id)
    SELECT 'CR-' || s.tag, now(), 'parent', '', 'Bench Parent', '1 Bench Street', true,
           ARRAY['Tenancy warnings about noise']::varchar[], %(given_on)s, 'Bench Officer', 'Police constable',
           %(given_on)s, 'consent/sweep/' || s.tag, 'signed-form.pdf', 'application/pdf', %(size)s, '', now(), '',
           s.holder_id, %(pack)s, st.user_id, st.user_id, s.id
    FROM s JOIN bench_staff st ON st.org_idx = array_position(%(orgs)s::bigint[], s.holder_id) - 1 AND st.slot = 0
    RETURNING id, holder_id, reference, subject_id, recorded_by_id
)
INSERT INTO portal_heldcopy (
    content_type, content_id, kind, holder_id, reference, request_reference, subject_ids, officer_id, marking_code,
    marking_name, policy_description, started_on, review_date, created_at)
SELECT 'consent.record', r.id, 'consent_records', r.holder_id, r.reference, '', ARRAY[r.subject_id], r.recorded_by_id,
       '', '', 'Portal default for consent records: 2190 days', d.review_date - 2190, d.review_date, now()
FROM r CROSS JOIN LATERAL (SELECT (%(today)s::date - 1 - (r.id %% 60)::int) AS review_date) d
"""


def seed_due_consents(world: dict, n: int, *, batch: int = 100_000) -> None:
    """n consent records given seven years ago, spread over the organisations, each with a scan
    and its holder's copy due (review dates over the last 60 days): one INSERT ... SELECT per
    100,000, then the scan files."""
    from django.db import connection, transaction
    from django.utils import timezone

    today = timezone.localdate()
    run = uuid.uuid4().hex[:6].upper()
    folder = FILES / "consent" / "sweep"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    first = 0
    while first < n:
        last = min(first + batch, n) - 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SEED_SQL, {
                "run": run, "orgs": world["orgs"], "n_orgs": len(world["orgs"]), "first": first, "last": last,
                "given_on": today - datetime.timedelta(days=7 * 365), "size": len(PDF), "pack": world["pack"].pk,
                "today": today,
            })
        for g in range(first, last + 1):
            (folder / f"{run}-{g:07d}").write_bytes(PDF)
        first = last + 1
        print(f"  seeded {first:,} due consent records with scans ({time.monotonic() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


FLOOR = "/bench/floor/"


def sample(session, urls: list[str], *, count: int | None = None, until=None) -> tuple[list[float], list[float]]:
    """Inbox times over HTTP in ms, each followed by one of the floor view (/bench/floor/, the
    layout with nothing in it, through the same middleware): `count` inbox pages, or as many as
    fit until `until()` is true. (inbox timings, floor timings)."""
    timings, floor = [], []
    i = 0
    while (count is not None and i < count) or (until is not None and not until()):
        for url, into in ((urls[i % len(urls)], timings), (FLOOR, floor)):
            elapsed, status, body = session.get(url)
            if status != 200:
                raise SystemExit(f"{url} answered {status}:\n{body[:2000]}")
            into.append(elapsed)
        i += 1
    return timings, floor


def explain_batch(batch_size: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of one sweep batch's statements, in a transaction rolled back."""
    from django.db import connection, transaction

    from portal.models import DestructionRun
    from portal.retention import services

    captured: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            run = DestructionRun.objects.create(trigger=DestructionRun.Trigger.COMMAND, worker="explain")
            with connection.execute_wrapper(capture):
                services.retention_destroy_batch(run=run, batch_size=batch_size)
            raise Rollback
    except Rollback:
        pass
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in captured:
            head = sql.lstrip().split()[0].upper()
            if head not in ("SELECT", "UPDATE", "INSERT") or "pg_advisory" in sql:
                print(f"\n-- {sql[:200]}{'...' if len(sql) > 200 else ''}  (not explained)")
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print(f"\n-- {sql[:300]}{'...' if len(sql) > 300 else ''}")
            print("\n".join(row[0] for row in cursor.fetchall()))
        transaction.set_rollback(True)


def inbox_report(before_timings, during_timings, after_timings, before_floor, during_floor, after_floor) -> float:
    """Print the inbox's and the floor's p50/p95 without and during the sweep; the p95 ratio."""
    during = percentiles(during_timings)
    before, after = percentiles(before_timings), percentiles(after_timings)
    # The baseline brackets the sweep: whatever else the machine does drifts over minutes.
    quiet = percentiles(before_timings + after_timings)
    floors = {"before": percentiles(before_floor), "during": percentiles(during_floor), "after": percentiles(after_floor),
              "quiet": percentiles(before_floor + after_floor)}
    print(f"\n{'inbox over HTTP':<24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'n':>5} "
          f"{'floor p50':>10} {'floor p95':>10} {'p95/floor':>10}")
    rows = [("no sweep (before)", before, floors["before"]), ("during the sweep", during, floors["during"]),
            ("no sweep (after)", after, floors["after"]), ("no sweep (before+after)", quiet, floors["quiet"])]
    for label, r, f in rows:
        print(f"{label:<24} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} {r['n']:>5} "
              f"{f['p50']:>10.1f} {f['p95']:>10.1f} {r['p95'] / f['p95']:>9.2f}x")
    floor_ratio = floors["during"]["p95"] / floors["quiet"]["p95"]
    print(f"floor p95 during / without: {floor_ratio:.2f}x (what the sweep does to any page: CPU and I/O)")
    ratio = during["p95"] / quiet["p95"]
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"\np95 during / without (before+after): {ratio:.2f}x (target at most {TARGET_RATIO}x): {verdict}; "
          f"against before alone {during['p95'] / before['p95']:.2f}x, after alone {during['p95'] / after['p95']:.2f}x")
    return ratio


def sweep_command(args) -> tuple[list[str], dict]:
    command = [sys.executable, str(ROOT / "manage.py"), "retention_sweep"]
    if args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    if args.niceness is not None:
        env["PORTAL_RETENTION_SWEEP_NICENESS"] = str(args.niceness)
    return command, env


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests in the inbox's partnership")
    parser.add_argument("--entries", type=int, default=1_000_000, help="decision-log entries before the sweep's")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=None, help="the sweep's (default: the engine's)")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--stop-after", type=float, default=None,
                        help="stop the sweep (SIGTERM) after this many seconds and report the rate so far")
    parser.add_argument("--niceness", type=int, default=None,
                        help="the sweep's PORTAL_RETENTION_SWEEP_NICENESS (default: the setting's, 10)")
    parser.add_argument("--seed-only", action="store_true", help="grow and seed the due copies, then stop")
    args = parser.parse_args()
    os.environ["PORTAL_FILES_ROOT"] = str(FILES)
    FILES.mkdir(parents=True, exist_ok=True)
    setup_django(DBNAME)

    from _grow import grow
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from http_pages import Session, serve

    from portal.models import DestructionRun, HeldCopy, Membership
    from portal.retention.services import BATCH_SIZE, due_copies
    from portal.roles import Role
    from sharing.models import DisclosureRequest

    setup_test_environment()
    call_command("migrate", "--no-input", verbosity=0)
    world = grow(requests=args.requests, entries=args.entries)
    due = due_copies().count()
    if due < args.copies:
        print(f"Seeding {args.copies - due:,} due consent records with scans (every run: the sweep destroys them)...",
              flush=True)
        seed_due_consents(world, args.copies - due)
    due = due_copies().count()
    if args.seed_only:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"{due:,} copies due; --seed-only: stopping before the sweep")
        return 0
    if args.explain:
        explain_batch(args.batch_size or BATCH_SIZE)
    # Let the seeding settle (its dirty pages written, the new rows' statistics known), so the
    # quiet baseline is not measured against the seeding's own aftermath.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")

    officer = Membership.objects.filter(role=Role.OFFICER, organisation_id=world["orgs"][0]).order_by("pk").first()
    inbox = reverse("sharing:inbox")
    urls = [inbox if tab == "open" else f"{inbox}?show={tab}" for tab in INBOX_TABS]
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-sweep-"))
    server, port = serve(os.environ["DATABASE_URL"], folder)
    try:
        session = Session(port, officer)
        sample(session, urls, count=3 * len(urls))  # warm up
        load_before = os.getloadavg()
        before_timings, before_floor = sample(session, urls, count=args.samples)

        command, env = sweep_command(args)
        loads = []
        stop_loads = threading.Event()

        progress = []  # (seconds, copies destroyed so far by the sweep's run)

        def watch_load():
            from django.db import connection as own

            from portal.models import DestructionRun

            while not stop_loads.wait(5):
                loads.append(os.getloadavg()[0])
                run = DestructionRun.objects.filter(trigger=DestructionRun.Trigger.COMMAND).order_by("-pk").first()
                if run is not None and run.pk > last_run:
                    progress.append((time.perf_counter() - started, run.destroyed_count))
                    if len(progress) % 6 == 0:
                        print(f"  {progress[-1][0]:.0f} s: {run.destroyed_count:,} destroyed, load {loads[-1]:.2f}",
                              flush=True)
            own.close()

        last_run = DestructionRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.perf_counter()
        watcher = threading.Thread(target=watch_load, daemon=True)
        watcher.start()
        print(f"Sweeping {due:,} due copies in a separate process: {' '.join(command[1:])}", flush=True)
        sweep = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        stopped = False

        def sweep_over() -> bool:
            nonlocal stopped
            if args.stop_after and not stopped and time.perf_counter() - started > args.stop_after:
                sweep.terminate()  # SIGTERM: the batch in flight rolls back, the run stays unfinished
                stopped = True
            return sweep.poll() is not None

        during_timings, during_floor = sample(session, urls, until=sweep_over)
        output, _ = sweep.communicate()
        sweep_seconds = time.perf_counter() - started
        stop_loads.set()
        watcher.join()
        if sweep.returncode != 0 and not stopped:
            raise SystemExit(f"The sweep failed ({sweep.returncode}):\n{output}")
        after_timings, after_floor = sample(session, urls, count=args.samples)
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
    left = due_copies().count()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_decisionlogentry")
        log_rows = cursor.fetchone()[0]
    print()
    print(output.strip())
    print(f"{DisclosureRequest.objects.count():,} requests, {HeldCopy.objects.count():,} held copies "
          f"(tombstones included), {log_rows:,} decision-log entries; {left} still due after the sweep")
    destroyed = due - left
    seconds_per_million = sweep_seconds * 1_000_000 / max(destroyed, 1)
    rate_verdict = "met" if seconds_per_million <= TARGET_SECONDS_PER_MILLION else "MISSED"
    if stopped:
        print(f"Sweep STOPPED after {args.stop_after:.0f} s (--stop-after): {destroyed:,} of {due:,} destroyed")
    print(f"Sweep: {destroyed:,} copies in {sweep_seconds:.1f} s wall time ({destroyed / sweep_seconds:,.0f} copies a second; "
          f"{seconds_per_million:.0f} s a million, target {TARGET_SECONDS_PER_MILLION} s: {rate_verdict})")
    if progress:
        # The rate once the command is up (Django start-up excluded), from the run's own count.
        (t0, n0), (t1, n1) = progress[0], progress[-1]
        if t1 > t0:
            print(f"  from the run's count: {n1 - n0:,} copies between {t0:.0f} s and {t1:.0f} s "
                  f"({(n1 - n0) / (t1 - t0):,.0f} a second)")
    ratio = inbox_report(before_timings, during_timings, after_timings, before_floor, during_floor, after_floor)
    print(f"Load average (1 min): before {load_before[0]:.2f}; "
          f"during {min(loads, default=0):.2f}-{max(loads, default=0):.2f}; "
          f"after {load_after[0]:.2f}  ({os.cpu_count()} cores)")
    met = ratio <= TARGET_RATIO and seconds_per_million <= TARGET_SECONDS_PER_MILLION and left == 0 and not stopped
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
