"""Issue 3 benchmark: seed 100,000 disclosure requests across 10 organisations and 2,000 users,
then report p50/p95 server time for the inbox, the request page and the decision log page.

Server time is the time Django takes to answer a request in-process (test Client: middleware,
view, template, every SQL query), without network or browser time.

    .venv/bin/python bench/requests_pages.py [--requests 100000] [--samples 200] [--reseed]

It uses its own database (portal_bench, on DATABASE_URL's server or the embedded one).
"""
from __future__ import annotations

import argparse
import random
import sys

from _common import percentiles, setup_django, signed_in_client, timed_get

DBNAME = "portal_bench"


def seed(n_requests: int) -> None:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.accountability import chain
    from portal.models import (
        DataSubject,
        DecisionLogEntry,
        Membership,
        Organisation,
        OrganisationKind,
        PartnershipMember,
        User,
    )
    from portal.protocols.services import protocol_pack_load
    from portal.roles import Role
    from sharing.models import ChecklistAnswer, DisclosureRequest, RequestSubject, Status

    rng = random.Random(2026)
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    kinds = [OrganisationKind.POLICE, OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.PROBATION,
             OrganisationKind.FIRE_AND_RESCUE, OrganisationKind.SOCIAL_LANDLORD]
    orgs = [
        Organisation.objects.get_or_create(name=f"Bench Organisation {i}", defaults={"kind": kinds[i % len(kinds)]})[0]
        for i in range(10)
    ]
    # Standing and signing are per partnership (ADR 0009): each organisation is a signed member
    # of the pack's partnership.
    for org in orgs:
        PartnershipMember.objects.get_or_create(
            partnership=pack.partnership, organisation=org,
            defaults={"standing": "responsible_authority", "signed_protocol_on": pack.effective_date},
        )
    password = make_password("bench-password-not-used", hasher="md5")
    users = User.objects.bulk_create(
        [User(username=f"bench{i}", first_name="Bench", last_name=f"User {i}", password=password,
              email=f"bench{i}@example.org") for i in range(2000)]
    )
    memberships = []
    for i, user in enumerate(users):
        role = Role.DESIGNATED_OFFICER if i % 50 == 0 else (Role.AUDITOR if i == 1 else Role.OFFICER)
        # An auditor serves one partnership (issue 16).
        memberships.append(Membership(user=user, organisation=orgs[i % 10], role=role,
                                      partnership=pack.partnership if role == Role.AUDITOR else None))
    Membership.objects.bulk_create(memberships)
    by_org = {org.pk: [m.user for m in memberships if m.organisation_id == org.pk and m.role == Role.OFFICER] for org in orgs}

    purposes = list(pack.purposes.all())
    questions = list(pack.checklist_questions.all())
    gateways = {org.pk: pack.legal_gateways.filter(organisation_kinds__contains=[org.kind]).first() for org in orgs}
    statuses = [Status.SUBMITTED, Status.IN_REVIEW, Status.RELEASED, Status.DECLINED, Status.PARTLY_RELEASED,
                Status.RETURNED, Status.WITHDRAWN]
    today = timezone.localdate()
    batch = 5000
    previous = DecisionLogEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first() or chain.GENESIS
    made = 0
    while made < n_requests:
        size = min(batch, n_requests - made)
        with transaction.atomic():
            rows = []
            for k in range(size):
                a, b = rng.sample(orgs, 2)
                status = rng.choice(statuses)
                rows.append(DisclosureRequest(
                    reference=f"DR-B-{made + k:07d}", status=status, protocol_pack=pack,
                    requesting_organisation=a, requester=rng.choice(by_org[a.pk]), holding_organisation=b,
                    assignee=rng.choice(by_org[b.pk]) if status != Status.SUBMITTED else None,
                    purpose=rng.choice(purposes), legal_gateway=gateways[b.pk],
                    information_requested="Records of incidents at the address in the last year.",
                    special_category=False, criminal_offence_data=True, victim_witness_information=False,
                    sub_judice=False, urgency="routine", needed_by=today + timezone.timedelta(days=rng.randint(-20, 40)),
                    submitted_at=timezone.now(),
                ))
            requests = DisclosureRequest.objects.bulk_create(rows)
            subjects = DataSubject.objects.bulk_create(
                [DataSubject(holder=r.requesting_organisation, full_name=f"Subject {r.reference}",
                             address="1 Bench Street") for r in requests])
            RequestSubject.objects.bulk_create(
                [RequestSubject(request=r, subject=s, role="offender") for r, s in zip(requests, subjects)])
            ChecklistAnswer.objects.bulk_create(
                [ChecklistAnswer(request=r, question=q, answer="yes", reason="Bench reason") for r in requests for q in questions])
            entries = []
            for r in requests:
                for action in ("request.submitted", "request.assigned", "request.released")[: rng.randint(1, 3)]:
                    fields = {
                        "occurred_at": timezone.now(), "actor_id": r.requester_id, "actor_name": "Bench User",
                        "organisation_id": r.requesting_organisation_id, "organisation_name": "Bench",
                        "action": action, "reference": r.reference, "recipient_name": "Bench", "purpose": "Bench",
                        "reasons": "Bench reasons", "protocol_version": "safer-stockport@2020", "details": {},
                    }
                    entry_hash = chain.entry_digest(previous_hash=previous, fields=fields)
                    entries.append(DecisionLogEntry(**fields, previous_hash=previous, entry_hash=entry_hash))
                    previous = entry_hash
            DecisionLogEntry.objects.bulk_create(entries)
        made += size
        print(f"  seeded {made:,} requests", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(label: str, client, urls: list[str], samples: int) -> dict:
    timings = [timed_get(client, urls[i % len(urls)], label)[0] for i in range(samples)]
    return {"page": label, **percentiles(timings)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    setup_django(DBNAME)

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from portal.models import Membership
    from portal.roles import Role
    from sharing.models import DisclosureRequest

    setup_test_environment()
    if args.reseed:
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)
    have = DisclosureRequest.objects.count()
    if have < args.requests:
        print(f"Seeding {args.requests - have:,} requests (once; later runs reuse them)...", flush=True)
        seed(args.requests - have)

    officer = Membership.objects.filter(role=Role.OFFICER, user__username__startswith="bench").order_by("pk").first()
    designated = Membership.objects.filter(role=Role.DESIGNATED_OFFICER, user__username__startswith="bench").order_by("pk").first()
    auditor = Membership.objects.filter(role=Role.AUDITOR, user__username__startswith="bench").first()
    request_ids = list(
        DisclosureRequest.objects.filter(holding_organisation=designated.organisation).values_list("pk", flat=True)[:500]
    )
    random.Random(1).shuffle(request_ids)
    inbox = reverse("sharing:inbox")
    results = [
        measure("inbox (officer, first page)", signed_in_client(officer), [inbox, inbox + "?show=overdue", inbox + "?show=due_soon"], args.samples),
        measure("request page (designated officer)", signed_in_client(designated),
                [reverse("sharing:request_detail", args=[pk]) for pk in request_ids], args.samples),
        measure("decision log (auditor)", signed_in_client(auditor),
                [reverse("portal:audit_decisions"), reverse("portal:audit_decisions") + f"?organisation={officer.organisation_id}",
                 reverse("portal:audit_decisions") + "?action=request.released"], args.samples),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_decisionlogentry")
        log_rows = cursor.fetchone()[0]
    print(f"\n{DisclosureRequest.objects.count():,} requests, {log_rows:,} decision log entries")
    print(f"{'page':<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'n':>5}")
    for r in results:
        print(f"{r['page']:<36} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} {r['n']:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
