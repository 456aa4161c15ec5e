"""Issue 19 soak: N signed-in users against a real gunicorn on loopback for a while, mixing
raising requests (the officer's whole journey through the pages, submitted), the inbox, request
pages and the decision log; every user also loads the floor view (the signed-in home page: the
session, the acting membership and a template, nothing else) between its steps. Afterwards every
submitted request is checked in the database with exactly one `request.submitted` entry in a
decision log whose chain verifies.

    .venv/bin/python bench/soak.py [--users 50] [--seconds 600] [--workers 3]

Prints the 5xx and no-answer counts (both must be 0), what was lost (must be nothing), and each
kind's p50/p95 with the p95 as a ratio to the floor view's p95 under the same load. Uses its own
database, portal_bench_soak (on DATABASE_URL's server), seeded once with bench/requests_pages.py's
partnership (10 organisations, 2,000 users) and 2,000 requests."""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from _common import percentiles, setup_django
from _http import Browser, RaisingForm, raise_request

DBNAME = "portal_bench_soak"
SEED_REQUESTS = 2000
KINDS = ("raising", "inbox", "request page", "decision log")


def prepare() -> None:
    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from requests_pages import seed

    from sharing.models import DisclosureRequest

    setup_test_environment()
    call_command("migrate", "--no-input", verbosity=0)
    have = DisclosureRequest.objects.filter(reference__startswith="DR-B-").count()
    if have < SEED_REQUESTS:
        print(f"Seeding {SEED_REQUESTS - have:,} requests (once; later runs reuse them)...", flush=True)
        seed(SEED_REQUESTS - have)


def raising_form(requester_membership) -> RaisingForm:
    from django.utils import timezone

    from portal.models import Organisation
    from portal.protocols.selectors import organisation_protocol_pack

    pack = organisation_protocol_pack(requester_membership.organisation_id)  # its partnership's, in force
    holder = (
        Organisation.objects.filter(name__startswith="Bench Organisation")
        .exclude(pk=requester_membership.organisation_id)
        .order_by("pk")
        .first()
    )
    gateway = pack.legal_gateways.filter(organisation_kinds__contains=[holder.kind]).order_by("order").first()
    return RaisingForm(
        holding_organisation=holder.pk,
        purpose=pack.purposes.get(code="reduce-crime-disorder").pk,
        legal_gateway=gateway.pk,
        art6=pack.lawful_bases.get(code="art6-1-e").pk,
        dpa_sch1=pack.lawful_bases.get(code="dpa-sch1-pt2-10").pk,
        questions=tuple(pack.checklist_questions.order_by("order").values_list("pk", flat=True)),
        needed_by=(timezone.localdate() + timezone.timedelta(days=20)).isoformat(),
    )


class Soak:
    def __init__(self, port: int, users: int, seconds: float):
        self.port, self.users, self.seconds = port, users, seconds
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[int, int] = defaultdict(int)
        self.no_answer: list[str] = []
        self.submitted: list[int] = []
        self.raising_failed = 0
        self.lock = threading.Lock()

    def record(self, kind: str, answer) -> None:
        with self.lock:
            if answer.status == 0:
                self.no_answer.append(answer.error)
                return
            self.statuses[answer.status] += 1
            self.timings[kind].append(answer.ms)

    def user_plans(self):
        """One plan a user: who they are and what they do, round the four kinds."""
        from django.urls import reverse

        from portal.models import Membership
        from portal.roles import Role
        from sharing.models import DisclosureRequest

        officers = list(Membership.objects.filter(role=Role.OFFICER, user__username__startswith="bench").order_by("pk")[: self.users])
        designated = list(Membership.objects.filter(role=Role.DESIGNATED_OFFICER, user__username__startswith="bench").order_by("pk"))
        auditor = Membership.objects.get(role=Role.AUDITOR, user__username__startswith="bench")
        inbox = reverse("sharing:inbox")
        log = reverse("portal:audit_decisions")
        plans = []
        for i in range(self.users):
            kind = KINDS[i % len(KINDS)]
            if kind == "raising":
                membership = officers[i]
                plans.append((kind, membership, raising_form(membership)))
            elif kind == "inbox":
                plans.append((kind, officers[i], [inbox, inbox + "?show=overdue", inbox + "?show=due_soon"]))
            elif kind == "request page":
                membership = designated[i % len(designated)]
                pks = DisclosureRequest.objects.filter(holding_organisation=membership.organisation).values_list("pk", flat=True)[:200]
                plans.append((kind, membership, [reverse("sharing:request_detail", args=[pk]) for pk in pks]))
            else:
                plans.append((kind, auditor, [log, log + "?action=request.submitted", log + f"?organisation={officers[0].organisation_id}"]))
        return plans

    def run_user(self, i: int, kind: str, browser: Browser, work, floor: str, until: float) -> None:
        rng = random.Random(i)
        n = 0
        while time.monotonic() < until:
            self.record("floor", browser.get(floor))
            if kind == "raising":
                pk = raise_request(browser, work, i * 100_000 + n, self.record)
                with self.lock:
                    if pk is None:
                        self.raising_failed += 1
                    else:
                        self.submitted.append(pk)
            else:
                self.record(kind, browser.get(rng.choice(work)))
            n += 1
            time.sleep(rng.uniform(0.2, 0.6))  # a person reads the page

    def run(self) -> None:
        from django.urls import reverse

        floor = reverse("portal:home")
        plans = [(kind, Browser.for_membership(self.port, membership), work) for kind, membership, work in self.user_plans()]
        until = time.monotonic() + self.seconds
        threads = [
            threading.Thread(target=self.run_user, args=(i, kind, browser, work, floor, until), daemon=True)
            for i, (kind, browser, work) in enumerate(plans)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.seconds + 120)


def check_nothing_lost(submitted: list[int]) -> list[str]:
    from django.db.models import Count

    from portal.accountability.services import decision_log_verify
    from portal.models import DecisionLogEntry
    from sharing.models import DisclosureRequest, Status

    problems = []
    found = dict(DisclosureRequest.objects.filter(pk__in=submitted).values_list("pk", "reference"))
    statuses = dict(DisclosureRequest.objects.filter(pk__in=submitted).values_list("pk", "status"))
    problems += [f"request {pk} missing" for pk in submitted if pk not in found]
    problems += [f"request {pk} is {statuses[pk]}" for pk in found if statuses[pk] != Status.SUBMITTED]
    entries = dict(
        DecisionLogEntry.objects.filter(action="request.submitted", reference__in=found.values())
        .values("reference").annotate(n=Count("id")).values_list("reference", "n")
    )
    problems += [f"{ref}: {entries.get(ref, 0)} submitted entries" for ref in found.values() if entries.get(ref, 0) != 1]
    report = decision_log_verify()
    if not report.intact:
        problems.append(f"decision log chain broken: {report.problem}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    args = parser.parse_args()
    setup_django(DBNAME)
    prepare()

    import os

    from tests.servers import GunicornServer

    folder = Path(tempfile.mkdtemp(prefix="portal-soak-"))
    server = GunicornServer(database_url=os.environ["DATABASE_URL"], folder=folder, workers=args.workers,
                            extra_env={"PORTAL_FILES_ROOT": str(folder / "files"), "REDIS_URL": ""})
    server.start()
    soak = Soak(server.port, args.users, args.seconds)
    print(f"Soak: {args.users} users, {args.seconds:.0f} s, gunicorn {args.workers} workers on port {server.port}", flush=True)
    started = time.monotonic()
    try:
        soak.run()
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    problems = check_nothing_lost(soak.submitted)

    total = sum(soak.statuses.values())
    fives = sum(n for status, n in soak.statuses.items() if status >= 500)
    print(f"\n{total:,} answers in {elapsed:.0f} s ({total / elapsed:.1f} a second); statuses {dict(sorted(soak.statuses.items()))}")
    print(f"5xx: {fives}   no answer: {len(soak.no_answer)}   raising journeys that went wrong: {soak.raising_failed}")
    print(f"submitted requests: {len(soak.submitted)}; lost or inconsistent: {len(problems)}" + (f" {problems[:5]}" if problems else ""))
    floor = percentiles(soak.timings["floor"])
    print(f"\n{'kind':<16} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'n':>6} {'p95 / floor p95':>16}")
    for kind in ("floor", *KINDS):
        if not soak.timings[kind]:
            continue
        r = percentiles(soak.timings[kind])
        print(f"{kind:<16} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} {r['n']:>6} {r['p95'] / floor['p95']:>15.2f}x")
    print(f"(load average after: {os.getloadavg()[0]:.1f}; gunicorn log in {server.log_path})")
    return 1 if fives or soak.no_answer or problems or soak.raising_failed else 0


if __name__ == "__main__":
    sys.exit(main())
