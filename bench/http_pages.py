"""Issue 17 benchmark: the portal's hot pages over HTTP at county scale, against their floor and
their peer, in one interleaved run.

    .venv/bin/python bench/http_pages.py [--requests 1000000] [--entries 10000000] [--samples 200]
        [--grow-only] [--verify] [--explain]

It grows its own database (portal_bench_h17 by default, `--db`) to the sizes asked for with
set-based seeding (bench/_grow.py: generate_series for requests, a fast chained COPY for the log;
a smaller database is extended, never reseeded), then serves the portal with gunicorn (2 gthread
workers, 4 threads each) on a loopback port under bench/bench_settings.py, and times, sequentially
over keep-alive connections, signed-in TOTP-verified sessions loading in turn:

- the floor: the page layout with nothing in it, through the same middleware;
- every inbox tab (officer), the request page (designated officer, different requests);
- the decision-log filters (auditor): unfiltered, organisation, action, user, reference, a week,
  a month, organisation + action + month, user + month;
- Django's admin changelist of the same organisation's open requests (a superuser).

Each page's p50/p95 and its ratio to the floor's are printed; `--explain` prints EXPLAIN (ANALYZE,
BUFFERS) of the hot queries; `--verify` times a raw scan of the log and a verification run by two
real Celery workers (throughput as a ratio of the raw scan).
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from _common import ROOT, percentiles, setup_django

INBOX_TABS = ("open", "new", "mine", "assigned", "overdue", "due_soon", "decided")
OPEN = ("submitted", "in_review", "awaiting_advice", "returned")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Session:
    """One signed-in identity on one keep-alive connection."""

    def __init__(self, port: int, membership):
        from _common import signed_in_client
        from django.conf import settings

        client = signed_in_client(membership)
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={client.session.session_key}"
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[float, int, str]:
        start = time.perf_counter()
        try:
            self.connection.request("GET", path, headers={"Cookie": self.cookie})
            response = self.connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            return self.get(path)
        return (time.perf_counter() - start) * 1000, response.status, body.decode(errors="replace")


def serve(dbname_url: str, folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATABASE_URL": dbname_url,
        "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
        "REDIS_URL": "",
        "PORTAL_FILES_ROOT": str(folder / "files"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "--worker-class", "gthread", "--threads", "4", "--timeout", "120",
               "--keep-alive", "30"]
    log = open(folder / "gunicorn.log", "ab")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz/")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.3)
        if process.poll() is not None:
            break
    raise SystemExit(f"gunicorn did not start; see {folder / 'gunicorn.log'}")


def plan(world_ids: dict) -> dict[str, tuple[str, list[str]]]:
    """label -> (identity, URLs to rotate over)."""
    from django.urls import reverse

    from portal.models import DecisionLogEntry
    from sharing.models import DisclosureRequest

    rng = random.Random(17)
    inbox = reverse("sharing:inbox")
    org = world_ids["org"]
    designated_org = world_ids["designated_org"]
    ids = list(DisclosureRequest.objects.filter(holding_organisation_id=designated_org, id__lte=200_000)
               .values_list("pk", flat=True)[:2000])
    rng.shuffle(ids)
    log = reverse("portal:audit_decisions")
    bounds = DecisionLogEntry.objects.order_by("id").values_list("occurred_at", flat=True)
    first, last = bounds.first(), bounds.last()
    span = (last - first).days - 40

    def q(**params):
        return f"{log}?{urlencode(params)}"

    def window(days: int) -> dict:
        begin = (first + timedelta(days=rng.randint(0, max(span, 1)))).date()
        return {"date_from": begin.isoformat(), "date_to": (begin + timedelta(days=days - 1)).isoformat()}

    actions = ["request.submitted", "request.assigned", "request.released", "request.declined", "consent.recorded"]
    orgs = world_ids["orgs"]
    users = world_ids["users"]
    refs = [f"DR-B-{rng.randint(1, world_ids['requests']):07d}" for _ in range(50)]
    admin = "/bench/admin/sharing/disclosurerequest/?" + urlencode(
        {"holding_organisation__id__exact": org, "status__in": ",".join(OPEN)})
    pages = {
        "floor (layout only)": ("officer", ["/bench/floor/"]),
        **{f"inbox: {tab}": ("officer", [f"{inbox}?show={tab}"]) for tab in INBOX_TABS},
        "request page": ("designated", [reverse("sharing:request_detail", args=[pk]) for pk in ids[:200]]),
        "Django admin changelist": ("admin", [admin]),
        "log: unfiltered": ("auditor", [log]),
        "log: organisation": ("auditor", [q(organisation=o) for o in orgs]),
        "log: action": ("auditor", [q(action=a) for a in actions]),
        "log: user": ("auditor", [q(user=u) for u in users[:50]]),
        "log: reference": ("auditor", [q(reference=r) for r in refs]),
        "log: a week": ("auditor", [q(**window(7)) for _ in range(50)]),
        "log: a month": ("auditor", [q(**window(31)) for _ in range(50)]),
        "log: org + action + month": ("auditor", [q(organisation=rng.choice(orgs), action=rng.choice(actions), **window(31))
                                                  for _ in range(50)]),
        "log: user + month": ("auditor", [q(user=rng.choice(users[:50]), **window(31)) for _ in range(50)]),
    }
    return pages


H17_INDEXES = ("sharing_inbox_open", "sharing_inbox_decided", "sharing_inbox_decided_ids", "portal_dle_time_cover", "portal_dle_org_action_time",
               "portal_dle_org_time", "portal_dle_action_time", "portal_dle_actor_time")


def explain_hot_queries(world_ids: dict) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the inbox's and the decision log's hot queries with this
    branch's indexes, then "before": in a transaction rolled back, without them (and with 0006's
    (occurred_at, id) index back), running the queries as they were (the inbox's counts were one
    7-way COUNT … FILTER over open-or-decided rows, and the paginator counted the tab again)."""
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from portal.accountability.selectors import DecisionLogFilter, decision_log_page
    from portal.models import User
    from sharing.models import DisclosureRequest
    from sharing.selectors import _inbox_rules, inbox_counts, inbox_disclosures, inbox_page_rows

    user = User.objects.get(pk=world_ids["officer_user"])
    org = world_ids["org"]
    today = timezone.localdate()
    month = {"date_from": today - timedelta(days=400), "date_to": today - timedelta(days=370)}

    def decided_page():
        tab = inbox_disclosures(organisation_id=org, user=user, show="decided")
        return inbox_page_rows(tab, tab[:25], show="decided")  # the page's ids, then its rows

    def log_page(**filters):
        decision_log_page(filters=DecisionLogFilter(partnership_id=world_ids["partnership"], **filters), before=None, after=None)

    def captured(fn) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            fn()
        return [q["sql"] for q in queries.captured_queries]

    common = {
        "inbox open tab, first page": captured(lambda: list(inbox_disclosures(organisation_id=org, user=user, show="open")[:25])),
        "inbox decided tab, first page": captured(lambda: decided_page()),
        "log: a month": captured(lambda: log_page(**month)),
        "log: organisation + action + month": captured(
            lambda: log_page(organisation_id=org, action="request.released", **month)),
        "log: user + month": captured(lambda: log_page(actor_id=world_ids["users"][0], **month)),
    }
    after = {"inbox counts": captured(lambda: inbox_counts(organisation_id=org, user=user)), **common}

    def old_counts():
        rules = _inbox_rules(user=user)
        DisclosureRequest.objects.filter(holding_organisation_id=org).filter(rules["open"] | rules["decided"]).aggregate(
            **{name: Count("pk", filter=rule) for name, rule in rules.items()})
        inbox_disclosures(organisation_id=org, user=user, show="open").count()  # the paginator's

    before = {"inbox counts": captured(old_counts), **common}

    def run(label: str, queries: dict) -> None:
        with connection.cursor() as cursor:
            for name, sqls in queries.items():
                total = 0.0
                print(f"\n=== {label}: {name}")
                for sql in sqls:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
                    total += float(plan[-1].split(":")[1].split()[0])
                    print("--- " + sql[:200].replace("\n", " ") + (" …" if len(sql) > 200 else ""))
                    print("\n".join(plan))
                print(f"=== {label}: {name}: {total:.1f} ms execution in {len(sqls)} queries")

    run("after", after)
    from django.db import transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            for name in H17_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            cursor.execute("CREATE INDEX IF NOT EXISTS portal_decisionlogentry_occurred_at_id ON portal_decisionlogentry (occurred_at, id)")
        run("before", before)
        transaction.set_rollback(True)


def measure_verification() -> None:
    """A raw scan of the log (all columns, fetched in Python in batches) against a verification
    run by two real Celery workers on this database."""
    from django.db import connection, transaction

    from portal.models import DecisionLogVerification

    started = time.monotonic()
    n = 0
    with transaction.atomic():
        connection.ensure_connection()
        named = connection.connection.cursor(name="bench_raw_scan")
        named.itersize = 20_000
        named.execute("SELECT * FROM portal_decisionlogentry ORDER BY id")
        for _ in named:
            n += 1
        named.close()
    raw = time.monotonic() - started
    print(f"\nRaw SELECT * scan: {n:,} entries in {raw:.1f} s = {n / raw:,.0f} entries/s", flush=True)

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        print("REDIS_URL not set: verification run skipped")
        return
    queue = f"bench-verify-{os.getpid()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "portal.settings.test",
           "PORTAL_TEST_REAL_WORKER": "1"}
    # One worker of two processes, as compose runs it (prefork, a process a core): two solo workers
    # would not share the run's two tasks, since the first one up prefetches both.
    workers = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork",
                                 "--concurrency=2", "--prefetch-multiplier=1", "-Q", queue,
                                 "-n", f"bench-{os.getpid()}@%h", "-l", "WARNING", "--without-gossip",
                                 "--without-mingle", "--without-heartbeat"], cwd=ROOT, env=env)]
    try:
        from portal.celery import app

        app.conf.update(broker_url=redis_url, task_always_eager=False, task_default_queue=queue)
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=1) or []) < 1:  # the worker up before the clock starts
            if time.monotonic() > deadline:
                raise SystemExit("the verification workers did not start")
        from portal.accountability.services import decision_log_verification_start

        run = decision_log_verification_start(source="command")
        while not DecisionLogVerification.objects.get(pk=run.pk).finished:
            time.sleep(1)
        run = DecisionLogVerification.objects.get(pk=run.pk)
        print(f"Verification run {run.pk}: {run.status}, {run.count:,} entries in {run.seconds:.1f} s = "
              f"{run.per_second:,} entries/s = {run.per_second / (n / raw):.2f}x the raw scan "
              f"(2 worker processes, {run.chunks_total} ranges; head {run.head_hash})", flush=True)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="portal_bench_h17")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--samples", type=int, default=200, help="per page")
    parser.add_argument("--grow-only", action="store_true")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    os.environ["BENCH_DB_SUFFIX"] = ""
    setup_django(args.db)

    from _grow import grow
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    from portal.models import DecisionLogEntry, Membership
    from portal.roles import Role
    from sharing.models import DisclosureRequest

    setup_test_environment()
    call_command("migrate", "--no-input", verbosity=0)
    started = time.monotonic()
    world = grow(requests=args.requests, entries=args.entries)
    n_requests = DisclosureRequest.objects.count()
    n_entries = DecisionLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    print(f"Database {args.db}: {n_requests:,} requests, ~{n_entries:,} decision-log entries "
          f"(growing took {time.monotonic() - started:.0f} s)", flush=True)
    if args.grow_only:
        return 0

    officer = Membership.objects.filter(role=Role.OFFICER, organisation_id=world["orgs"][0]).order_by("pk").first()
    designated = Membership.objects.filter(role=Role.DESIGNATED_OFFICER, organisation_id=world["orgs"][0]).order_by("pk").first()
    auditor = Membership.objects.get(role=Role.AUDITOR, user__username="bench1")
    admin = Membership.objects.filter(user__username="bench3").first()
    ids = {
        "org": world["orgs"][0], "designated_org": world["orgs"][0], "orgs": world["orgs"], "partnership": world["partnership"],
        "users": list(Membership.objects.filter(role=Role.OFFICER).order_by("pk").values_list("user_id", flat=True)[:200]),
        "requests": n_requests, "officer_user": officer.user_id,
    }
    if args.explain:
        explain_hot_queries(ids)
    if args.verify:
        measure_verification()

    folder = Path(tempfile.mkdtemp(prefix="portal-http-pages-"))
    process, port = serve(os.environ["DATABASE_URL"], folder)
    try:
        sessions = {"officer": Session(port, officer), "designated": Session(port, designated),
                    "auditor": Session(port, auditor), "admin": Session(port, admin)}
        pages = plan(ids)
        # Warm-up: each URL once (templates, connections, caches), not counted.
        for identity, urls in pages.values():
            for url in urls[:5]:
                elapsed, status, body = sessions[identity].get(url)
                if status != 200:
                    raise SystemExit(f"{url} answered {status}:\n{body[:2000]}")
        timings = {label: [] for label in pages}
        load = [os.getloadavg()[0]]
        for i in range(args.samples):
            for label, (identity, urls) in pages.items():  # interleaved: one of each page, in turn
                elapsed, status, body = sessions[identity].get(urls[i % len(urls)])
                if status != 200:
                    raise SystemExit(f"{label}: {urls[i % len(urls)]} answered {status}")
                timings[label].append(elapsed)
            if i % 20 == 0:
                load.append(os.getloadavg()[0])
    finally:
        process.terminate()
        process.wait(timeout=30)
    floor = percentiles(timings["floor (layout only)"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(f"\n{n_requests:,} requests, ~{n_entries:,} log entries ({size}); gunicorn 2 gthread workers x 4 threads; "
          f"{args.samples} samples a page, interleaved; load average {min(load):.2f}-{max(load):.2f}")
    print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p50/floor':>10} {'p95/floor':>10}")
    for label, values in timings.items():
        r = percentiles(values)
        print(f"{label:<28} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} {r['p50'] / floor['p50']:>9.2f}x "
              f"{r['p95'] / floor['p95']:>9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
