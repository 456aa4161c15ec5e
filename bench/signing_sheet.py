"""Issue 5 benchmark: render the signing-in sheet (SSP Appendix 6) of a meeting with 60 signed-in
attendees, 10 times, and print p50 and max seconds. The target: under 2 seconds.

The time is the whole `meetings.pdf.signing_sheet_pdf` call: reading the meeting's attendees from
the database, the template, and WeasyPrint laying out and writing the PDF (with the default blank
rows for wet signatures).

    .venv/bin/python bench/signing_sheet.py [--attendees 60] [--runs 10]

It uses its own database (portal_bench_meetings, on DATABASE_URL's server or the embedded one),
migrated on first use; each run's meeting is rolled back.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from _common import setup_django

DBNAME = "portal_bench_meetings"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=60)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    setup_django(DBNAME)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", "--no-input", verbosity=0)

    from meetings import services
    from meetings.pdf import signing_sheet_pdf
    from portal.models import Membership, Organisation, OrganisationKind, User
    from portal.protocols.services import protocol_pack_load
    from portal.roles import Role

    times: list[float] = []
    with transaction.atomic():
        pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
        org = Organisation.objects.create(
            name="Bench Council", kind=OrganisationKind.LOCAL_AUTHORITY, standing="responsible_authority"
        )
        chair_user = User.objects.create(username="bench-chair", first_name="Bench", last_name="Chair")
        chair = Membership.objects.create(user=chair_user, organisation=org, role=Role.CHAIR)
        from django.utils import timezone

        meeting = services.meeting_create(
            forum=pack.forums.get(code="marac"),
            title="MARAC benchmark",
            starts_at=timezone.now(),
            location="Town Hall",
            is_online=False,
            marking=pack.marking_levels.get(code="restricted"),
            acting_user=chair_user,
            acting_membership=chair,
        )
        users = User.objects.bulk_create(
            [
                User(username=f"bench-attendee-{n}", first_name="Attendee", last_name=f"Number {n}")
                for n in range(args.attendees - 1)
            ]
        )
        members = Membership.objects.bulk_create(
            [Membership(user=u, organisation=org, role=Role.OFFICER) for u in users]
        )
        services.attendance_sign_in(meeting=meeting, agreed=True, acting_user=chair_user, acting_membership=chair)
        for member in members:
            services.attendee_invite_member(
                meeting=meeting, membership_id=member.pk, acting_user=chair_user, acting_membership=chair
            )
            services.attendance_sign_in(meeting=meeting, agreed=True, acting_user=member.user, acting_membership=member)
        signing_sheet_pdf(meeting=meeting, printed_by=chair_user, organisation_name=org.name)  # warm up
        for _ in range(args.runs):
            started = time.perf_counter()
            pdf = signing_sheet_pdf(meeting=meeting, printed_by=chair_user, organisation_name=org.name)
            times.append(time.perf_counter() - started)
        transaction.set_rollback(True)

    print(f"Signing-in sheet, {args.attendees} attendees signed in, {args.runs} runs ({len(pdf):,} bytes)")
    print(f"  p50 {statistics.median(times):.3f} s   max {max(times):.3f} s   (target: under 2 s)")
    return 0 if max(times) < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
