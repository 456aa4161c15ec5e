"""Partnership admins manage organisations, users and memberships (DOMAIN.md §3; SSP 1.2, 3, 9,
13.3; SDP 4.1–4.5, Appendix 2).

Every function is one state change and one transaction. Rules are enforced here, not in forms
or views: a broken rule raises `ValidationError`, keyed by field name where one field is at
fault, so a view can show it against that field.

- Deactivating a user, setting their password or resetting their second factor ends every
  session they hold at once (server-side sessions, `portal.auth.services.sessions_end_for_user`).
- An admin cannot deactivate themselves or end their own last admin membership, so the
  partnership is never left without someone able to manage it from the inside.
- Failed sign-ins lock an account by username (django-axes); `account_unlock` is the admin's way out.
- Adding an organisation, changing its details (what changed, before and after), and suspending
  and resuming sharing (SSP 13.3) are decisions: they write the decision log.
- Every account change is a decision too (who may sign in, with which role, where): each writes
  one decision-log entry with its reasons. Entries name the account by username and id in
  `details`, never by email, and never carry a password or a code.
- No one grants a role to themselves: an admin who needs another role asks another partnership
  admin, whose grant is the logged decision.
"""

from __future__ import annotations

import datetime
import re

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accountability.services import decision_record
from portal.auth.services import sessions_end_for_user
from portal.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipMember,
    StatutoryStanding,
    User,
)
from portal.roles import Role
from portal.selectors.partnerships import PARTNERSHIP_ROLES


class _Unset:
    """Marks an argument the caller did not pass, so updates touch only what was given."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def _account_details(user: User, **extra) -> dict:
    """What the decision log carries about the account a change is about: id and username only."""
    return {"user_id": user.pk, "username": user.username, **extra}


def _account_record(*, user: User, action: str, reasons: str, acting_user: User | None, **extra) -> None:
    decision_record(
        actor=acting_user, organisation=None, action=action, reasons=reasons, details=_account_details(user, **extra)
    )


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


# An organisation's own details, and those of its place in a partnership, in the order the log lists them.
ORGANISATION_FIELDS = ("name", "kind", "ico_registration", "safeguarding_route")
MEMBER_FIELDS = ("standing", "signed_protocol_on")
FIELD_ORDER = ("name", "kind", "standing", "ico_registration", "signed_protocol_on", "safeguarding_route")
# The values the log keeps (before and after): the organisation's own particulars. The
# safeguarding route is free text that may name a contact person: only its change is logged.
LOGGED_VALUES = ("name", "kind", "standing", "ico_registration", "signed_protocol_on")


def _organisation_values(record, fields) -> dict:
    """The fields' values (of an organisation or its PartnershipMember) as the decision log keeps
    them (JSON: dates as ISO strings)."""
    values = {}
    for field in fields:
        value = getattr(record, field)
        values[field] = value.isoformat() if isinstance(value, datetime.date) else value
    return values


def _logged_values(values: dict) -> dict:
    return {field: value for field, value in values.items() if field in LOGGED_VALUES}
# The ICO's data protection register: Z and 7 digits, or ZA and 6 digits.
ICO_REGISTRATION = re.compile(r"Z\d{7}|ZA\d{6}")


def _organisation_check(*, organisation: Organisation, exclude_pk: int | None = None) -> None:
    errors: dict[str, str] = {}
    organisation.name = organisation.name.strip()
    if not organisation.name:
        errors["name"] = "Enter the organisation's name"
    elif Organisation.objects.filter(name__iexact=organisation.name).exclude(pk=exclude_pk).exists():
        errors["name"] = "An organisation with this name already exists"
    if organisation.kind not in OrganisationKind.values:
        errors["kind"] = "Select the kind of organisation"
    organisation.ico_registration = organisation.ico_registration.strip().upper()
    if organisation.ico_registration and not ICO_REGISTRATION.fullmatch(organisation.ico_registration):
        errors["ico_registration"] = (
            "Enter the ICO registration number as Z and 7 digits, like Z1234567, or ZA and 6 digits, like ZA123456"
        )
    if errors:
        raise ValidationError(errors)


def _standing_check(standing: str) -> None:
    if standing not in StatutoryStanding.values:
        raise ValidationError({"standing": "Select the organisation's statutory standing"})


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    ico_registration: str = "",
    safeguarding_route: str = "",
    partnership: Partnership | None = None,
    standing: str = "",
    signed_protocol_on: datetime.date | None = None,
    acting_user: User | None,
) -> Organisation:
    """Add a partner organisation, and with `partnership` make it a member of that partnership
    with its standing and signing date there. Sharing starts unsuspended."""
    organisation = Organisation(
        name=name, kind=kind, ico_registration=ico_registration, safeguarding_route=safeguarding_route
    )
    _organisation_check(organisation=organisation)
    if partnership is not None:
        _standing_check(standing)
    organisation.save()
    decision_record(
        actor=acting_user,
        organisation=None,
        action="organisation.created",
        recipient=organisation,
        reasons=f"Partner organisation added: {organisation.name}",
        details={
            "organisation_id": organisation.pk,
            "values": _logged_values(
                {
                    **_organisation_values(organisation, ORGANISATION_FIELDS),
                    **({"standing": standing, "signed_protocol_on": _iso(signed_protocol_on)} if partnership else {}),
                }
            ),
        },
        partnership=partnership,
    )
    if partnership is not None:
        partnership_member_add(
            partnership=partnership,
            organisation=organisation,
            standing=standing,
            signed_protocol_on=signed_protocol_on,
            acting_user=acting_user,
        )
    return organisation


@transaction.atomic
def partnership_member_add(
    *,
    partnership: Partnership,
    organisation: Organisation,
    standing: str,
    signed_protocol_on: datetime.date | None = None,
    acting_user: User | None,
) -> PartnershipMember:
    """Make an existing organisation a member of another partnership (a police force or the
    probation service signs the protocol of every partnership of its area)."""
    _standing_check(standing)
    if PartnershipMember.objects.filter(partnership=partnership, organisation=organisation).exists():
        raise ValidationError({"organisation": f"{organisation.name} is already a member of {partnership.name}"})
    member = PartnershipMember.objects.create(
        partnership=partnership, organisation=organisation, standing=standing, signed_protocol_on=signed_protocol_on
    )
    decision_record(
        actor=acting_user,
        organisation=None,
        action="partnership.member_added",
        recipient=organisation,
        reasons=f"{organisation.name} joined {partnership.name}",
        details={"organisation_id": organisation.pk, "standing": standing, "signed_protocol_on": _iso(signed_protocol_on)},
        partnership=partnership,
    )
    return member


def _iso(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    acting_user: User | None,
    partnership: Partnership | None = None,
    **changes,
) -> Organisation:
    """Change an organisation's details (`ORGANISATION_FIELDS`), and with `partnership` its
    standing and signing date in that partnership (`MEMBER_FIELDS`). Only the fields passed
    change; the decision log records which, with their old and new values. Suspending sharing
    has its own services below."""
    unknown = set(changes) - set(ORGANISATION_FIELDS) - set(MEMBER_FIELDS)
    if unknown or (partnership is None and set(changes) & set(MEMBER_FIELDS)):
        raise TypeError(f"organisation_update cannot change {sorted(unknown or set(changes) & set(MEMBER_FIELDS))}")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    member = None
    if partnership is not None:
        member = PartnershipMember.objects.select_for_update().get(partnership=partnership, organisation=organisation)
    before, after = {}, {}
    for field in FIELD_ORDER:
        if field not in changes:
            continue
        target = organisation if field in ORGANISATION_FIELDS else member
        before[field] = _iso(getattr(target, field))
        setattr(target, field, changes[field])
    _organisation_check(organisation=organisation, exclude_pk=organisation.pk)
    if member is not None:
        _standing_check(member.standing)
    for field in before:
        after[field] = _iso(getattr(organisation if field in ORGANISATION_FIELDS else member, field))
    changed = [field for field in before if before[field] != after[field]]
    if not changed:
        return organisation
    organisation_fields = [f for f in changed if f in ORGANISATION_FIELDS]
    member_fields = [f for f in changed if f in MEMBER_FIELDS]
    if organisation_fields:
        organisation.save(update_fields=organisation_fields)
    if member_fields:
        member.save(update_fields=member_fields)
    decision_record(
        actor=acting_user,
        organisation=None,
        action="organisation.updated",
        recipient=organisation,
        reasons=f"Organisation details changed: {', '.join(field.replace('_', ' ') for field in changed)}",
        details={
            "organisation_id": organisation.pk,
            "fields": changed,
            "changes": {field: [before[field], after[field]] for field in changed if field in LOGGED_VALUES},
        },
        partnership=partnership,
    )
    return organisation


def _member_for_update(*, partnership: Partnership, organisation: Organisation) -> PartnershipMember:
    member = (
        PartnershipMember.objects.select_for_update()
        .select_related("organisation")
        .filter(partnership=partnership, organisation=organisation)
        .first()
    )
    if member is None:
        raise ValidationError(f"{organisation.name} is not a member of {partnership.name}")
    return member


@transaction.atomic
def organisation_suspend_sharing(
    *,
    organisation: Organisation,
    partnership: Partnership,
    reason: str,
    acting_user: User | None,
    deciding_organisation: Organisation | None = None,
    reference: str = "",
    details: dict | None = None,
) -> PartnershipMember:
    """SSP 13.3: suspend sharing with a non-compliant partner in one partnership; the portal then
    refuses new requests to or from it under that partnership's protocol, releases on requests
    already open and anything new shared with it at meetings, until sharing is resumed. A
    partner's governance decision (governance.services.noncompliance) names the organisation that
    decided, its reference and review date, in the same entry."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why sharing with this organisation is suspended"})
    member = _member_for_update(partnership=partnership, organisation=organisation)
    if member.sharing_suspended:
        raise ValidationError("Sharing with this organisation is already suspended")
    member.sharing_suspended = True
    member.sharing_suspended_reason = reason
    member.save(update_fields=["sharing_suspended", "sharing_suspended_reason"])
    decision_record(
        actor=acting_user,
        organisation=deciding_organisation,
        action="organisation.suspended",
        recipient=member.organisation,
        reasons=reason,
        reference=reference,
        details=details,
        partnership=partnership,
    )
    return member


@transaction.atomic
def organisation_resume_sharing(
    *,
    organisation: Organisation,
    partnership: Partnership,
    acting_user: User | None,
    reason: str = "",
    deciding_organisation: Organisation | None = None,
    reference: str = "",
) -> PartnershipMember:
    """End a suspension under SSP 13.3 (with `reason`, the lifting decision's own reasons)."""
    member = _member_for_update(partnership=partnership, organisation=organisation)
    if not member.sharing_suspended:
        raise ValidationError("Sharing with this organisation is not suspended")
    member.sharing_suspended = False
    previous_reason = member.sharing_suspended_reason
    member.sharing_suspended_reason = ""
    member.save(update_fields=["sharing_suspended", "sharing_suspended_reason"])
    lifted = f"Suspension lifted (it was: {previous_reason})"
    decision_record(
        actor=acting_user,
        organisation=deciding_organisation,
        action="organisation.resumed",
        recipient=member.organisation,
        reasons=f"{reason.strip()}. {lifted}" if reason.strip() else lifted,
        reference=reference,
        partnership=partnership,
    )
    return member


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


def _user_check(*, user: User, exclude_pk: int | None = None, password: str | None = None) -> None:
    """Every problem with the account's details (and, given, its password) at once."""
    errors: dict[str, str | list[str]] = {}
    user.username = user.username.strip()
    user.email = User.objects.normalize_email(user.email.strip())
    if not user.username:
        errors["username"] = "Enter a username"
    elif User.objects.filter(username__iexact=user.username).exclude(pk=exclude_pk).exists():
        errors["username"] = "This username is already taken"
    if not user.first_name.strip():
        errors["first_name"] = "Enter the first name"
    if not user.last_name.strip():
        errors["last_name"] = "Enter the last name"
    if not user.email:
        errors["email"] = "Enter an email address"
    if password is not None:
        try:
            validate_password(password, user=user)
        except ValidationError as error:
            errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)


def _password_check(*, password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error


def user_create_check(*, username: str, first_name: str, last_name: str, email: str, job_title: str = "", password: str) -> None:
    """What user_create would refuse, without creating anything (the page shows every problem at once)."""
    user = User(username=username, first_name=first_name.strip(), last_name=last_name.strip(), email=email)
    _user_check(user=user, password=password)


@transaction.atomic
def user_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str = "",
    password: str,
    acting_user: User | None,
) -> User:
    """Create an account. It holds no role until a membership is added, and the user enrols
    their authenticator at first sign-in."""
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        job_title=job_title.strip(),
        is_active=True,
    )
    _user_check(user=user, password=password)
    user.set_password(password)
    user.save()
    _account_record(
        user=user,
        action="account.created",
        reasons="Account created by a partnership admin; it holds no role until a membership is added",
        acting_user=acting_user,
    )
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    acting_user: User | None,
    username: str | _Unset = UNSET,
    first_name: str | _Unset = UNSET,
    last_name: str | _Unset = UNSET,
    email: str | _Unset = UNSET,
    job_title: str | _Unset = UNSET,
) -> User:
    """Change a user's name and contact details. Passwords, activity and second factors have
    their own services because they end sessions."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changes = {
        "username": username,
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "job_title": job_title,
    }
    changed = [field for field, value in changes.items() if value is not UNSET]
    for field in changed:
        value = changes[field]
        setattr(user, field, value.strip() if field != "email" else value)
    _user_check(user=user, exclude_pk=user.pk)
    if changed:
        user.save(update_fields=changed)
        # The names of the fields given, not their values (an email address is personal data).
        _account_record(
            user=user,
            action="account.updated",
            reasons=f"Account details changed: {', '.join(field.replace('_', ' ') for field in changed)}",
            acting_user=acting_user,
            fields=changed,
        )
    return user


@transaction.atomic
def user_deactivate(*, user: User, acting_user: User | None) -> User:
    """Stop a user signing in and end every session they hold at once. Their memberships stay
    as they are (an inactive user's memberships never count as active), so reactivation
    restores exactly what they had."""
    if acting_user is not None and user.pk == acting_user.pk:
        raise ValidationError("You cannot deactivate your own account. Ask another partnership admin.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError("This user is already deactivated")
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = sessions_end_for_user(user=user)
    _account_record(
        user=user,
        action="account.deactivated",
        reasons="Account deactivated: the user can no longer sign in and every session they held was ended",
        acting_user=acting_user,
        sessions_ended=ended,
    )
    return user


@transaction.atomic
def user_reactivate(*, user: User, acting_user: User | None) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise ValidationError("This user is already active")
    user.is_active = True
    user.save(update_fields=["is_active"])
    _account_record(
        user=user,
        action="account.reactivated",
        reasons="Account reactivated: the user may sign in again with the memberships they held",
        acting_user=acting_user,
    )
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str, acting_user: User | None) -> User:
    """An admin sets a new password (Django's validators apply) and every session of the
    user ends, so whoever held the old password is signed out."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _password_check(password=password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])
    ended = sessions_end_for_user(user=user)
    _account_record(
        user=user,
        action="account.password_set",
        reasons="Password set by a partnership admin; every session the user held was ended",
        acting_user=acting_user,
        sessions_ended=ended,
    )
    return user


@transaction.atomic
def user_reset_second_factor(*, user: User, acting_user: User | None) -> User:
    """Delete the user's authenticator and backup codes (a lost phone, a leaked code) and end
    their sessions: at the next sign-in they enrol a new authenticator."""
    user = User.objects.select_for_update().get(pk=user.pk)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()  # its tokens go with it
    ended = sessions_end_for_user(user=user)
    _account_record(
        user=user,
        action="account.second_factor_reset",
        reasons="Authenticator and backup codes removed; the user enrols a new authenticator at the next sign-in",
        acting_user=acting_user,
        sessions_ended=ended,
    )
    return user


# ---------------------------------------------------------------------------------------------
# Memberships
# ---------------------------------------------------------------------------------------------


# Apps above the core hear of an ended membership through listeners they register in
# AppConfig.ready() (`fn(*, membership, acting_user)`), called inside `membership_end`'s
# transaction: sharing flags the ended person's open work to their organisation's designated
# officers. The core never imports the apps.
_MEMBERSHIP_END_LISTENERS: list = []


def register_membership_end_listener(fn):
    if fn not in _MEMBERSHIP_END_LISTENERS:
        _MEMBERSHIP_END_LISTENERS.append(fn)
    return fn


def membership_may_grant(*, acting_user: User | None, user: User) -> bool:
    """No one grants a role to themselves (a system call, with no acting user, may)."""
    return acting_user is None or acting_user.pk != user.pk


def _membership_record(*, membership: Membership, action: str, reasons: str, acting_user: User | None) -> None:
    decision_record(
        actor=acting_user,
        organisation=None,
        action=action,
        recipient=membership.organisation,
        reasons=reasons,
        details=_account_details(membership.user, membership_id=membership.pk, role=membership.role),
    )


@transaction.atomic
def membership_add(
    *, user: User, organisation: Organisation, role: str, acting_user: User | None, partnership: Partnership | None = None
) -> Membership:
    """Give a user a role in an organisation. An ended membership with the same user,
    organisation, role and partnership is brought back rather than duplicated.

    A partnership admin or auditor serves one partnership (`partnership`, which the organisation
    must be a member of; by default the organisation's only one); a designated officer may be
    limited to one; other roles act in every partnership of their organisation."""
    if not membership_may_grant(acting_user=acting_user, user=user):
        raise ValidationError(
            "You cannot give yourself a role. Ask another partnership admin to add this membership."
        )
    if role not in Role.values:
        raise ValidationError({"role": "Select a role"})
    partnership = _membership_partnership(organisation=organisation, role=role, partnership=partnership)
    membership = (
        Membership.objects.select_for_update()
        .filter(user=user, organisation=organisation, role=role, partnership=partnership)
        .first()
    )
    if membership is not None:
        if membership.is_active:
            raise ValidationError(f"{user.display_name} is already a {Role(role).label.lower()} at {organisation.name}")
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        restored = " (an ended membership brought back)"
    else:
        membership = Membership.objects.create(user=user, organisation=organisation, role=role, partnership=partnership)
        restored = ""
    _membership_record(
        membership=membership,
        action="membership.granted",
        reasons=f"Role {Role(role).label.lower()} at {organisation.name} granted{restored}",
        acting_user=acting_user,
    )
    return membership


def _membership_partnership(*, organisation: Organisation, role: str, partnership: Partnership | None):
    members = PartnershipMember.objects.filter(organisation=organisation)
    if partnership is not None:
        if not members.filter(partnership=partnership).exists():
            raise ValidationError({"organisation": f"{organisation.name} is not a member of {partnership.name}"})
        return partnership
    if role not in PARTNERSHIP_ROLES:
        return None
    places = list(members.select_related("partnership")[:2])
    if len(places) != 1:
        raise ValidationError(
            {"organisation": f"Choose which partnership this {Role(role).label.lower()} serves"}
            if places
            else {"organisation": f"{organisation.name} is not a member of any partnership"}
        )
    return places[0].partnership


@transaction.atomic
def membership_end(*, membership: Membership, acting_user: User | None) -> Membership:
    """End one role of one user in one organisation. The row stays: what they held is history."""
    membership = Membership.objects.select_for_update().select_related("organisation").get(pk=membership.pk)
    if not membership.is_active:
        raise ValidationError("This membership has already ended")
    if acting_user is not None and membership.user_id == acting_user.pk and membership.role == Role.ADMIN:
        other_admin = (
            Membership.objects.filter(user_id=acting_user.pk, role=Role.ADMIN, is_active=True)
            .exclude(pk=membership.pk)
            .exists()
        )
        if not other_admin:
            raise ValidationError(
                "You cannot end your own last partnership admin membership. Ask another partnership admin."
            )
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    _membership_record(
        membership=membership,
        action="membership.ended",
        reasons=f"Role {Role(membership.role).label.lower()} at {membership.organisation.name} ended",
        acting_user=acting_user,
    )
    for listener in list(_MEMBERSHIP_END_LISTENERS):
        listener(membership=membership, acting_user=acting_user)
    return membership


# ---------------------------------------------------------------------------------------------
# Sign-in lockout (django-axes)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def account_unlock(*, username: str, acting_user: User | None) -> int:
    """Clear the failed sign-ins recorded against a username, which lifts the lockout.
    Axes records the username as typed, so every spelling that differs only in case goes too
    (usernames are unique regardless of case). Returns how many records were removed."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": "Enter the username to unlock"})
    spellings = set(
        AccessAttempt.objects.filter(username__iexact=username).values_list("username", flat=True).distinct()
    )
    spellings.add(username)
    removed = sum(axes_reset(username=spelling) for spelling in sorted(spellings))
    account = User.objects.filter(username__iexact=username).first()
    decision_record(
        actor=acting_user,
        organisation=None,
        action="account.unlocked",
        reasons=f"Sign-in lockout lifted: {removed} failed sign-in record{'s' if removed != 1 else ''} cleared",
        # The username as typed: it may name no account (a lockout is kept per username typed).
        details={"user_id": account.pk if account else None, "username": username, "records_cleared": removed},
    )
    return removed
