"""The demo partnerships `make run` loads: the Stockport and Durham protocol packs, both in force,
each for its own partnership, their partner organisations (the probation service and a prison in
both), and demo users for every role, each with an authenticator already enrolled so nobody needs
a phone (`manage.py demo_code USERNAME` prints the current code; backup codes are printed too).

Idempotent: a second run finds everything in place and only issues fresh backup codes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.auth.services import TOTP_DEVICE_NAME, backup_codes_replace, new_totp_key
from portal.models import Membership, Organisation, OrganisationKind, Partnership, PartnershipMember, User
from portal.protocols.services import organisations_sync_from_pack, protocol_pack_load
from portal.roles import Role
from portal.selectors.partnerships import PARTNERSHIP_ROLES
from portal.services.accounts import organisation_update, partnership_member_add

DEMO_PASSWORD = "demo-partnership-2026"
DEMO_PARTNERSHIP_SLUG = "safer-stockport"  # the demo's first partnership: the sharing, consent and meeting demos
DEMO_PACKS = ("stockport-2020.yaml", "durham-2021.yaml")
STOCKPORT, DURHAM = "safer-stockport", "safe-durham"
DEMO_SAFEGUARDING_ROUTE = (
    "Phone the Stockport Multi-Agency Safeguarding and Support Hub on 0161 217 6028 (out of hours: "
    "0161 718 2118). If someone is in immediate danger, call 999."
)
# Organisations of one partnership that the demo also makes members of the other, as agencies
# serving several areas are: (partnership slug, organisation name, standing there).
DEMO_SHARED_MEMBERS = [
    (DURHAM, "National Probation Service", "responsible_authority"),
    (STOCKPORT, "HM Prison Durham", "invited"),
]


@dataclass
class DemoUser:
    username: str
    first_name: str
    last_name: str
    # (partnership slug, organisation kind to pick there, role); an admin or auditor serves that partnership.
    memberships: list[tuple[str, str, str]]
    backup_codes: list[str] = field(default_factory=list)
    membership_objects: list[Membership] = field(default_factory=list)


DEMO_USERS = [
    DemoUser("officer.police", "Priya", "Shah", [(STOCKPORT, OrganisationKind.POLICE, Role.OFFICER)]),
    DemoUser("officer.council", "Tom", "Hughes", [(STOCKPORT, OrganisationKind.LOCAL_AUTHORITY, Role.OFFICER)]),
    DemoUser("do.police", "Aisha", "Khan", [(STOCKPORT, OrganisationKind.POLICE, Role.DESIGNATED_OFFICER)]),
    DemoUser("do.council", "Gareth", "Lewis", [(STOCKPORT, OrganisationKind.LOCAL_AUTHORITY, Role.DESIGNATED_OFFICER)]),
    DemoUser(
        "chair",
        "Mary",
        "Okafor",
        [
            (STOCKPORT, OrganisationKind.LOCAL_AUTHORITY, Role.CHAIR),
            (STOCKPORT, OrganisationKind.LOCAL_AUTHORITY, Role.OFFICER),
        ],
    ),
    DemoUser("auditor", "Sam", "Doyle", [(STOCKPORT, OrganisationKind.LOCAL_AUTHORITY, Role.AUDITOR)]),
    DemoUser("admin", "Jo", "Patel", [(STOCKPORT, OrganisationKind.LOCAL_AUTHORITY, Role.ADMIN)]),
    # The probation service signs both protocols: one officer, one inbox, both partnerships.
    DemoUser("officer.probation", "Dan", "Roberts", [(STOCKPORT, "National Probation Service", Role.OFFICER)]),
    DemoUser("officer.durham", "Claire", "Watson", [(DURHAM, OrganisationKind.POLICE, Role.OFFICER)]),
    DemoUser("do.durham", "Neil", "Foster", [(DURHAM, OrganisationKind.LOCAL_AUTHORITY, Role.DESIGNATED_OFFICER)]),
    DemoUser("admin.durham", "Ruth", "Clarke", [(DURHAM, OrganisationKind.LOCAL_AUTHORITY, Role.ADMIN)]),
    # Data protection officers (SDP 8, 9): breaches, complaints and rights cases of their organisation.
    DemoUser("dpo.police", "Helen", "Marsh", [(STOCKPORT, OrganisationKind.POLICE, Role.DPO)]),
    DemoUser("dpo.council", "Imran", "Qureshi", [(STOCKPORT, OrganisationKind.LOCAL_AUTHORITY, Role.DPO)]),
    DemoUser("dpo.nhs", "Laura", "Bennett", [(STOCKPORT, OrganisationKind.ICB, Role.DPO)]),
    DemoUser("dpo.durham", "Owen", "Price", [(DURHAM, OrganisationKind.POLICE, Role.DPO)]),
]


def _demo_organisation(partnership: Partnership, kind_or_name: str) -> Organisation:
    """The partnership's first member of that kind (by the pack's order of loading), or the member of that name."""
    members = Organisation.objects.filter(partnership_places__partnership=partnership)
    organisation = (
        members.filter(kind=kind_or_name).order_by("pk").first()
        if kind_or_name in OrganisationKind.values
        else members.filter(name=kind_or_name).first()
    )
    if organisation is None:
        raise RuntimeError(f"The demo partnership {partnership.slug} has no member {kind_or_name!r}")
    return organisation


def _demo_pack_load(name: str):
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / name)
    organisations_sync_from_pack(pack=pack)
    return pack


@transaction.atomic
def demo_partnership_load() -> list[DemoUser]:
    packs = {pack.partnership.slug: pack for pack in map(_demo_pack_load, DEMO_PACKS)}
    for slug, name, standing in DEMO_SHARED_MEMBERS:
        partnership = packs[slug].partnership
        organisation = Organisation.objects.get(name=name)
        if not PartnershipMember.objects.filter(partnership=partnership, organisation=organisation).exists():
            partnership_member_add(
                partnership=partnership,
                organisation=organisation,
                standing=standing,
                signed_protocol_on=packs[slug].effective_date,
                acting_user=None,
            )
    # Neither document gives signing dates; in the demo every partner has signed, and each has a
    # safeguarding route for the flowchart to show.
    for member in PartnershipMember.objects.filter(signed_protocol_on__isnull=True).select_related("partnership"):
        organisation_update(
            organisation=member.organisation,
            partnership=member.partnership,
            acting_user=None,
            signed_protocol_on=packs[member.partnership.slug].effective_date,
        )
    for organisation in Organisation.objects.filter(safeguarding_route=""):
        organisation_update(organisation=organisation, acting_user=None, safeguarding_route=DEMO_SAFEGUARDING_ROUTE)
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
            _demo_membership(user=user, partnership=packs[slug].partnership, kind_or_name=kind, role=role)
            for slug, kind, role in spec.memberships
        ]
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=new_totp_key(), confirmed=True)
        spec.backup_codes = backup_codes_replace(user=user)
        loaded.append(spec)
    return loaded


def _demo_membership(*, user: User, partnership: Partnership, kind_or_name: str, role: str) -> Membership:
    return Membership.objects.get_or_create(
        user=user,
        organisation=_demo_organisation(partnership, kind_or_name),
        role=role,
        partnership=partnership if role in PARTNERSHIP_ROLES else None,
    )[0]
