"""The demo partnership `make run` loads: the Stockport protocol pack, its partner organisations,
and one demo user for every role, each with an authenticator already enrolled so nobody needs
a phone (`manage.py demo_code USERNAME` prints the current code; backup codes are printed too).

Idempotent: a second run finds everything in place and only issues fresh backup codes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.auth.services import TOTP_DEVICE_NAME, backup_codes_replace, new_totp_key
from portal.models import Membership, Organisation, OrganisationKind, User
from portal.protocols.services import organisations_sync_from_pack, protocol_pack_load
from portal.roles import Role
from portal.services.accounts import organisation_update

DEMO_PASSWORD = "demo-partnership-2026"
DEMO_PACK = "stockport-2020.yaml"
DEMO_SAFEGUARDING_ROUTE = (
    "Phone the Stockport Multi-Agency Safeguarding and Support Hub on 0161 217 6028 (out of hours: "
    "0161 718 2118). If someone is in immediate danger, call 999."
)


@dataclass
class DemoUser:
    username: str
    first_name: str
    last_name: str
    memberships: list[tuple[str, str]]  # (organisation kind to pick, role)
    backup_codes: list[str] = field(default_factory=list)
    membership_objects: list[Membership] = field(default_factory=list)


DEMO_USERS = [
    DemoUser("officer.police", "Priya", "Shah", [(OrganisationKind.POLICE, Role.OFFICER)]),
    DemoUser("officer.council", "Tom", "Hughes", [(OrganisationKind.LOCAL_AUTHORITY, Role.OFFICER)]),
    DemoUser("do.police", "Aisha", "Khan", [(OrganisationKind.POLICE, Role.DESIGNATED_OFFICER)]),
    DemoUser("do.council", "Gareth", "Lewis", [(OrganisationKind.LOCAL_AUTHORITY, Role.DESIGNATED_OFFICER)]),
    DemoUser(
        "chair",
        "Mary",
        "Okafor",
        [(OrganisationKind.LOCAL_AUTHORITY, Role.CHAIR), (OrganisationKind.LOCAL_AUTHORITY, Role.OFFICER)],
    ),
    DemoUser("auditor", "Sam", "Doyle", [(OrganisationKind.LOCAL_AUTHORITY, Role.AUDITOR)]),
    DemoUser("admin", "Jo", "Patel", [(OrganisationKind.LOCAL_AUTHORITY, Role.ADMIN)]),
]


def _organisation_of_kind(kind: str) -> Organisation:
    organisation = Organisation.objects.filter(kind=kind).order_by("pk").first()
    if organisation is None:
        raise RuntimeError(f"The demo protocol pack has no partner of kind {kind!r}")
    return organisation


@transaction.atomic
def demo_partnership_load() -> list[DemoUser]:
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / DEMO_PACK)
    organisations_sync_from_pack(pack=pack)
    # The Stockport document gives no signing dates; in the demo every partner has signed, and
    # each has a safeguarding route for the flowchart to show.
    for organisation in Organisation.objects.filter(signed_protocol_on__isnull=True):
        organisation_update(
            organisation=organisation,
            acting_user=None,
            signed_protocol_on=pack.effective_date,
            safeguarding_route=organisation.safeguarding_route or DEMO_SAFEGUARDING_ROUTE,
        )
    loaded = []
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@demo.invalid",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        spec.membership_objects = [
            Membership.objects.get_or_create(user=user, organisation=_organisation_of_kind(kind), role=role)[0]
            for kind, role in spec.memberships
        ]
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=new_totp_key(), confirmed=True)
        spec.backup_codes = backup_codes_replace(user=user)
        loaded.append(spec)
    return loaded
