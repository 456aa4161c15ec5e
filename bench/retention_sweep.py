"""Issue 6 benchmark: a destruction sweep of 100,000 due held copies, and the inbox meanwhile.

Seeds its own database once with the issue 3 partnership (100,000 requests across 10
organisations and 2,000 users, as bench/requests_pages.py does), so the inbox has its real load.
Every run then adds 100,000 consent records recorded years ago by those organisations, each with
its data subject, a scan file on disk and one held copy whose review date has passed (the real
"consent.record" content: the purge clears the record's and the person's personal fields and
deletes the scan). It measures the p95 server time of an officer's inbox with no sweep running,
then runs `manage.py retention_sweep` in a separate process on the same database and keeps
measuring the inbox until the sweep ends, then once more after it (target: p95 during the sweep
under 2x the p95 without, before and after pooled). It reports the sweep's total time and rate, and the load average.

Server time is the time Django takes to answer a request in-process (test Client: middleware,
view, template, every SQL query), without network or browser time.

    .venv/bin/python bench/retention_sweep.py [--copies 100000] [--samples 300] [--batch-size 500] [--reseed]

It uses its own database (portal_bench_sweep, on DATABASE_URL's server or the embedded one) and
its own files folder (PORTAL_FILES_ROOT, default /tmp/portal_bench_sweep_files).
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

from _common import ROOT, percentiles, setup_django, timed_get

DBNAME = "portal_bench_sweep"
FILES = Path(os.environ.get("PORTAL_FILES_ROOT") or Path(tempfile.gettempdir()) / "portal_bench_sweep_files")
PDF = b"%PDF-1.4\n% a signed Appendix 5 consent form\n%%EOF\n"
TARGET_RATIO = 2.0


def seed_due_consents(n: int) -> None:
    """n consent records given seven years ago, spread over the organisations, each with a scan
    and its holder's copy due (review dates over the last 60 days)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from consent.models import ConsentRecord, GivenBy
    from portal.models import DataSubject, HeldCopy, Membership, ProtocolPack, RetentionRecordKind
    from portal.roles import Role

    pack = ProtocolPack.objects.order_by("-pk").first()
    officers = {}
    for m in Membership.objects.filter(role=Role.OFFICER, user__username__startswith="bench").order_by("pk"):
        officers.setdefault(m.organisation_id, m.user)
    orgs = sorted(officers)
    today = timezone.localdate()
    given_on = today - datetime.timedelta(days=7 * 365)
    run = uuid.uuid4().hex[:6].upper()
    (FILES / "consent").mkdir(parents=True, exist_ok=True)
    batch = 5000
    made = 0
    while made < n:
        size = min(batch, n - made)
        with transaction.atomic():
            holders = [orgs[(made + k) % len(orgs)] for k in range(size)]
            subjects = DataSubject.objects.bulk_create(
                [DataSubject(holder_id=h, full_name=f"Sweep Subject {run}-{made + k}", address="1 Bench Street")
                 for k, h in enumerate(holders)]
            )
            records = []
            for k, (holder, subject) in enumerate(zip(holders, subjects)):
                name = f"consent/{uuid.uuid4().hex}"
                (FILES / name).write_bytes(PDF)
                records.append(ConsentRecord(
                    reference=f"CR-{run}-{made + k:06d}", protocol_pack=pack, subject=subject, holder_id=holder,
                    recorded_by=officers[holder], given_by=GivenBy.PARENT, signatory_name="Bench Parent",
                    signatory_address="1 Bench Street", reasons_explained=True,
                    information_items=["Tenancy warnings about noise"], given_on=given_on,
                    witness_name="Bench Officer", witness_position="Police constable", witnessed_on=given_on,
                    scan=name, scan_original_name="signed-form.pdf", scan_content_type="application/pdf",
                    scan_size=len(PDF), scan_uploaded_by=officers[holder], scan_uploaded_at=timezone.now(),
                ))
            records = ConsentRecord.objects.bulk_create(records)
            copies = []
            for k, record in enumerate(records):
                review_date = today - datetime.timedelta(days=1 + (made + k) % 60)
                copies.append(HeldCopy(
                    content_type="consent.record", content_id=record.pk, kind=RetentionRecordKind.CONSENT_RECORDS,
                    holder_id=record.holder_id, reference=record.reference, subject_ids=[record.subject_id],
                    officer=officers[record.holder_id],
                    policy_description="Portal default for consent records: 2190 days",
                    started_on=review_date - datetime.timedelta(days=2190), review_date=review_date,
                ))
            HeldCopy.objects.bulk_create(copies)
        made += size
        print(f"  seeded {made:,} due consent records", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def sample(client, urls: list[str], *, count: int | None = None, until=None) -> list[float]:
    """Inbox server times in ms: `count` of them, or as many as fit until `until()` is true."""
    timings = []
    i = 0
    while (count is not None and i < count) or (until is not None and not until()):
        timings.append(timed_get(client, urls[i % len(urls)])[0])
        i += 1
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100_000, help="requests in the inbox's partnership")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=None, help="the sweep's (default: the engine's)")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    os.environ["PORTAL_FILES_ROOT"] = str(FILES)
    FILES.mkdir(parents=True, exist_ok=True)
    setup_django(DBNAME)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from portal.middleware import ACTING_MEMBERSHIP
    from portal.models import HeldCopy, Membership
    from portal.retention.services import due_copies
    from portal.roles import Role
    from sharing.models import DisclosureRequest
    from tests.conftest import sign_in_fully

    setup_test_environment()
    if args.reseed:
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)
    have = DisclosureRequest.objects.count()
    if have < args.requests:
        from requests_pages import seed

        print(f"Seeding {args.requests - have:,} requests for the inbox (once; later runs reuse them)...", flush=True)
        seed(args.requests - have)
    due = due_copies().count()
    if due < args.copies:
        print(f"Seeding {args.copies - due:,} due consent records with scans (every run: the sweep destroys them)...",
              flush=True)
        seed_due_consents(args.copies - due)
    due = due_copies().count()
    # Let the seeding settle (its dirty pages written, the new rows' statistics known), so the
    # quiet baseline is not measured against the seeding's own aftermath.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")

    officer = Membership.objects.filter(role=Role.OFFICER, user__username__startswith="bench").order_by("pk").first()
    client = sign_in_fully(Client(), officer.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = officer.pk
    session.save()
    inbox = reverse("sharing:inbox")
    urls = [inbox, inbox + "?show=overdue", inbox + "?show=due_soon"]

    sample(client, urls, count=20)  # warm up
    load_before = os.getloadavg()
    before_timings = sample(client, urls, count=args.samples)

    command = [sys.executable, str(ROOT / "manage.py"), "retention_sweep"]
    if args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    loads = []
    stop_loads = threading.Event()

    def watch_load():
        while not stop_loads.wait(5):
            loads.append(os.getloadavg()[0])

    watcher = threading.Thread(target=watch_load, daemon=True)
    watcher.start()
    print(f"Sweeping {due:,} due copies in a separate process: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    sweep = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    during_timings = sample(client, urls, until=lambda: sweep.poll() is not None)
    output, _ = sweep.communicate()
    sweep_seconds = time.perf_counter() - started
    stop_loads.set()
    if sweep.returncode != 0:
        raise SystemExit(f"The sweep failed ({sweep.returncode}):\n{output}")
    during = percentiles(during_timings)
    after_timings = sample(client, urls, count=args.samples)
    before, after = percentiles(before_timings), percentiles(after_timings)
    # The baseline brackets the sweep: whatever else the machine does drifts over minutes.
    quiet = percentiles(before_timings + after_timings)
    load_after = os.getloadavg()
    left = due_copies().count()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_decisionlogentry")
        log_rows = cursor.fetchone()[0]
    print()
    print(output.strip())
    print(f"{DisclosureRequest.objects.count():,} requests, {HeldCopy.objects.count():,} held copies "
          f"(tombstones included), {log_rows:,} decision-log entries; {left} still due after the sweep")
    print(f"Sweep: {due:,} copies in {sweep_seconds:.1f} s wall time ({due / sweep_seconds:,.0f} copies a second)")
    print(f"\n{'inbox (officer)':<24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'n':>5}")
    rows = [("no sweep (before)", before), ("during the sweep", during), ("no sweep (after)", after),
            ("no sweep (before+after)", quiet)]
    for label, r in rows:
        print(f"{label:<24} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} {r['n']:>5}")
    ratio = during["p95"] / quiet["p95"]
    verdict = "met" if ratio < TARGET_RATIO else "MISSED"
    print(f"\np95 during / without (before+after): {ratio:.2f}x (target under {TARGET_RATIO:.0f}x): {verdict}; "
          f"against before alone {during['p95'] / before['p95']:.2f}x, after alone {during['p95'] / after['p95']:.2f}x")
    print(f"Load average (1 min): before {load_before[0]:.2f}; "
          f"during {min(loads, default=0):.2f}-{max(loads, default=0):.2f}; "
          f"after {load_after[0]:.2f}  ({os.cpu_count()} cores)")
    return 0 if ratio < TARGET_RATIO and left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
