"""Issue 19 fault drills, each printing what happened, so anyone can rerun them:

    .venv/bin/python bench/drills.py web        # gunicorn restarted with SIGTERM, then reloaded with SIGHUP, under load
    .venv/bin/python bench/drills.py worker     # the Celery worker SIGKILLed mid-sweep; the recovery check resumes it
    .venv/bin/python bench/drills.py redis      # Redis (a private redis-server) stopped while requests are raised
    .venv/bin/python bench/drills.py postgres   # PostgreSQL (a private server) stopped, started and restarted under load
    .venv/bin/python bench/drills.py all        # each of them, one after the other, each in its own process

Loopback only; nothing of the machine's own services is stopped. web, worker and redis use
bench/soak.py's database (portal_bench_soak on DATABASE_URL's server, seeded on first use);
worker needs REDIS_URL (its own queue there); redis and postgres run private servers on free ports
(postgres: initdb in a temporary folder, as the postgres user when run as root). The load is
signed-in officers (the home page) and /healthz/, each request on a new connection, so a refused
connection shows as "no answer"."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from _common import setup_django
from _http import Browser

LOAD_CLIENTS = 4


class Load:
    """Signed-in users and /healthz/ requested continuously; every answer kept with its time."""

    def __init__(self, port: int, membership):
        self.port = port
        self.browsers = [Browser.for_membership(port, membership) for _ in range(LOAD_CLIENTS)]
        self.answers: list[tuple[float, int, str]] = []  # (seconds since start, status or 0, error)
        self.stopping = threading.Event()
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self.run, args=(b, i), daemon=True) for i, b in enumerate(self.browsers)]

    def run(self, browser: Browser, i: int) -> None:
        paths = ["/", "/healthz/"]
        n = i
        while not self.stopping.is_set():
            browser.port = self.port
            answer = browser.get(paths[n % 2])
            n += 1
            self.answers.append((time.monotonic() - self.started, answer.status, answer.error[:80]))
            if answer.status == 0:
                time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)

    def now(self) -> float:
        return time.monotonic() - self.started

    def report(self, label: str, since: float, until: float | None = None) -> Counter:
        window = [a for a in self.answers if a[0] >= since and (until is None or a[0] < until)]
        counts = Counter("no answer" if status == 0 else str(status) for _, status, _ in window)
        bad = [a for a in window if a[1] == 0 or a[1] >= 500]
        span = f"; failures from {bad[0][0] - since:.1f} s to {bad[-1][0] - since:.1f} s after it began" if bad else ""
        errors = Counter(error.split("(")[0] for _, status, error in bad if status == 0)
        print(f"  {label}: {len(window)} requests, {dict(sorted(counts.items()))}{span}"
              + (f"; errors {dict(errors)}" if errors else ""), flush=True)
        return counts


def officer():
    from portal.models import Membership
    from portal.roles import Role

    return Membership.objects.filter(role=Role.OFFICER, user__username__startswith="bench").order_by("pk").first()


def bench_database() -> None:
    setup_django("portal_bench_soak")
    from soak import prepare

    prepare()


def gunicorn(folder: Path, **kwargs):
    from tests.servers import GunicornServer

    env = {"PORTAL_FILES_ROOT": str(folder / "files"), "REDIS_URL": "", **kwargs.pop("extra_env", {})}
    return GunicornServer(database_url=os.environ["DATABASE_URL"], folder=folder, workers=3, extra_env=env, **kwargs)


# --- web ------------------------------------------------------------------------------------


def drill_web(folder: Path) -> None:
    bench_database()
    print("web: gunicorn (3 workers) under continuous requests; restarted with SIGTERM, then reloaded with SIGHUP", flush=True)
    server = gunicorn(folder)
    server.start()
    with Load(server.port, officer()) as load:
        time.sleep(3)
        load.report("before", 0)
        began = load.now()
        server.stop()
        stopped = load.now()
        server = gunicorn(folder, port=server.port)
        server.start()
        up = load.now()
        time.sleep(3)
        print(f"  SIGTERM restart: stopped in {stopped - began:.1f} s, answering again {up - began:.1f} s after the SIGTERM")
        load.report("SIGTERM restart, from the SIGTERM to 3 s after it answered", began, load.now())
        began = load.now()
        server.reload()
        server.reload()
        time.sleep(3)
        load.report("two SIGHUP reloads, from the first SIGHUP to 3 s after the second finished", began, load.now())
    server.stop()


# --- worker ---------------------------------------------------------------------------------


def drill_worker(folder: Path) -> None:
    bench_database()
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from portal.models import DecisionLogEntry, DestructionRun, HeldCopy, Organisation
    from portal.protocols.selectors import organisation_protocol_pack
    from portal.tasks import retention_recover, retention_sweep
    from tests.portal.test_retention_worker import seed_due_consents
    from tests.workers import celery_workers_on

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        sys.exit("worker: set REDIS_URL (the drill uses its own queue there)")
    abandoned_after, check_every = 5, 1
    os.environ["PORTAL_RETENTION_RUN_ABANDONED_AFTER"] = str(abandoned_after)
    orgs = list(Organisation.objects.filter(name__startswith="Bench Organisation").order_by("pk")[:2])
    me = officer()
    parties = SimpleNamespace(a=orgs[0], b=orgs[1], pack=organisation_protocol_pack(me.organisation_id), requester=me.user)
    print("worker: seeding 3,000 consent records with 4,000 due held copies...", flush=True)
    _, copy_ids = seed_due_consents(parties, prefix=f"CR-D{uuid.uuid4().hex[:6]}-")  # a run of its own
    first_run = DestructionRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def destroyed() -> int:
        return HeldCopy.objects.filter(pk__in=copy_ids, destroyed_at__isnull=False).count()

    with celery_workers_on(redis_url=redis_url, tmp_path=folder) as workers:
        worker = workers.start()
        retention_sweep.apply_async(kwargs={"batch_size": 10})
        while destroyed() < len(copy_ids) // 5:
            time.sleep(0.1)
        worker.kill()
        killed_at, killed = timezone.now(), destroyed()
        print(f"  worker SIGKILLed mid-sweep with {killed:,} of {len(copy_ids):,} copies destroyed", flush=True)
        workers.start()
        print(f"  a second worker is up {(timezone.now() - killed_at).total_seconds():.1f} s after the kill; "
              f"the recovery check is sent every {check_every} s (beat does it every 10 minutes; "
              f"PORTAL_RETENTION_RUN_ABANDONED_AFTER={abandoned_after} s here, 600 s by default)", flush=True)
        runs = DestructionRun.objects.filter(pk__gt=first_run)
        recovery = runs.filter(trigger=DestructionRun.Trigger.RECOVERY)
        deadline = time.monotonic() + 300
        while not recovery.filter(finished_at__isnull=False).exists() and time.monotonic() < deadline:
            if not recovery.exists():
                retention_recover.apply_async()
            time.sleep(check_every)
    for run in runs.order_by("pk"):
        state = "finished" if run.finished_at else ("abandoned" if run.abandoned_at else "unfinished")
        ended = run.finished_at or run.abandoned_at
        after = f", {(ended - killed_at).total_seconds():.1f} s after the kill" if ended else ""
        print(f"  run {run.pk} ({run.trigger}): {state}{after}, {run.destroyed_count:,} destroyed")
    per_copy = (
        DecisionLogEntry.objects.filter(action="retention.destroyed", details__copy__in=copy_ids)
        .values("details__copy").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    abandoned = DecisionLogEntry.objects.filter(action="retention.run_abandoned", details__run__in=list(runs.values_list("pk", flat=True)))
    print(f"  copies destroyed: {destroyed():,} of {len(copy_ids):,}; destroyed twice: {per_copy}; "
          f"run_abandoned entries in the decision log: {abandoned.count()}")
    connection.close()


# --- redis ----------------------------------------------------------------------------------


def drill_redis(folder: Path) -> None:
    bench_database()
    from _http import raise_request
    from django.utils import timezone
    from soak import raising_form

    from portal.models import Notification
    from tests.workers import RedisServer, _switch_app, worker_start

    redis = RedisServer(folder / "redis")
    redis.start()
    mail = folder / "mail"
    mail.mkdir()
    env = {"REDIS_URL": redis.url, "PORTAL_TEST_REAL_WORKER": "1"}
    server = gunicorn(folder, extra_env=env)
    server.start()
    worker = worker_start(redis_url=redis.url, queue="celery", mail_dir=mail, log_path=folder / "worker.log")
    from portal.celery import app

    previous = _switch_app(app, {"broker_url": redis.url, "task_always_eager": False, "task_default_queue": "celery"})
    worker.wait_ready(app)
    me = officer()
    form = raising_form(me)
    raiser = Browser.for_membership(server.port, me)
    submitted: list[int] = []
    answers: Counter = Counter()

    def record(kind, answer):
        answers["no answer" if answer.status == 0 else str(answer.status)] += 1

    print("redis: a private redis-server, gunicorn and a worker on it; Redis stopped for 30 s", flush=True)
    outage_began = timezone.now()
    with Load(server.port, me) as load:
        time.sleep(2)
        redis.stop()
        down = load.now()
        print(f"  Redis stopped (answers a ping: {redis.answers()})", flush=True)
        started = time.monotonic()
        for n in range(3):
            pk = raise_request(raiser, form, 900_000 + n, record)
            if pk:
                submitted.append(pk)
        print(f"  3 requests raised through the pages while Redis was down: {len(submitted)} submitted in "
              f"{time.monotonic() - started:.1f} s; their answers {dict(answers)}", flush=True)
        time.sleep(max(0.0, 30 - (load.now() - down)))
        load.report("while Redis was down", down, load.now())
        ours = Notification.objects.filter(created_at__gte=outage_began)
        pending = ours.filter(sent_at__isnull=True).count()
        redis.start()
        back, back_clock = load.now(), time.monotonic()
        print(f"  notifications made during the outage: {ours.count()}, unsent when Redis came back: {pending}", flush=True)
        # Nobody runs the sweep here: the worker queues it when it reconnects (portal/worker_steps.py).
        deadline = back_clock + 120
        while ours.filter(sent_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        took = time.monotonic() - back_clock
        time.sleep(max(0.0, 3 - took))
        load.report("after it was back", back)
    print(f"  {took:.1f} s after Redis came back: {ours.filter(sent_at__isnull=False).count()} sent, "
          f"{ours.filter(sent_at__isnull=True).count()} unsent; mail files: {len(list(mail.glob('*')))}")
    worker.stop()
    server.stop()
    redis.stop()
    _switch_app(app, previous)


# --- postgres -------------------------------------------------------------------------------


class PostgresServer:
    """A private PostgreSQL in `folder` on a free port (as the postgres user when run as root)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "pgdata"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust")
        self.start()

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "postgres.log"), "-w", *extra, action)

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"


def drill_postgres(folder: Path) -> None:
    pg = PostgresServer(folder / "postgres")
    pg.init()
    try:
        os.environ["DATABASE_URL"] = pg.url("portal_drill")
        print(f"postgres: a private server on port {pg.port}; migrating a fresh database...", flush=True)
        setup_django("portal_drill")
        from django.core.management import call_command
        from django.db import connection

        from portal.roles import Role
        from tests.portal.factories import MembershipFactory

        call_command("migrate", "--no-input", verbosity=0)
        membership = MembershipFactory(role=Role.OFFICER)
        server = gunicorn(folder, extra_env={"DJANGO_CONN_MAX_AGE": "60"})  # production's persistent connections
        server.start()
        load = Load(server.port, membership)
        connection.close()
        with load:
            time.sleep(3)
            load.report("before", 0)
            began = load.now()
            pg.stop()
            time.sleep(5)
            load.report("PostgreSQL down for 5 s", began, load.now())
            began = load.now()
            pg.start()
            time.sleep(5)
            load.report("the 5 s after it was started again", began, load.now())
            began = load.now()
            pg.restart()
            back = load.now()
            time.sleep(5)
            print(f"  pg_ctl restart -m fast took {back - began:.1f} s")
            load.report("a restart, and the 5 s after it", began, load.now())
        server.stop()
    finally:
        try:
            pg.stop()
        except subprocess.CalledProcessError:
            pass


DRILLS = {"web": drill_web, "worker": drill_worker, "redis": drill_redis, "postgres": drill_postgres}


def main() -> int:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which == "all":
        failed = 0
        for name in DRILLS:
            failed |= subprocess.run([sys.executable, __file__, name]).returncode
        return failed
    if which not in DRILLS:
        sys.exit(f"usage: drills.py [{'|'.join(DRILLS)}|all]")
    folder = Path(tempfile.mkdtemp(prefix=f"portal-drill-{which}-"))
    if which == "postgres" and os.geteuid() == 0:
        os.chmod(folder, 0o755)
    DRILLS[which](folder)
    print(f"  (files in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
