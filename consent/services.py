"""Recording, withdrawing and relying on consent (SSP 6.1–6.2, Appendix 5; DOMAIN.md §4 step 4).

- `consent_record`: an officer or designated officer records a consent given on the Appendix 5
  form. A consent is refused when the reasons for asking were not explained (it would not be
  informed consent, SSP 6.1), when its dates are impossible (given or witnessed in the future,
  witnessed before it was given, expiring before it was given), or when it names no recipient,
  purpose or information.
- `consent_scan_attach`: the scan of the signed form, if it was not attached when recorded.
- `consent_withdraw`: the person withdraws their consent. From then on the consent covers
  nothing, and every app registered with `signals_registry.register_withdrawal_listener` (sharing:
  the open requests relying on it) is told inside the same transaction.
- `consent_coverage_problems`: does this consent cover this disclosure? One message per failing
  condition; sharing calls it at release and refuses the release when there is any.
- `consent_grant_for_request`: a disclosure relied on this consent, so its responder and the
  disclosing organisation's designated officers may now see the record.

Every state change is one atomic function that writes the decision log in its own transaction
(SSP Appendix 4 rule 7). Consent does not import sharing: a request is only ever read here
through its own attributes (`assignee_id`, `holding_organisation_id`, `subjects`, `reference`).
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone
from guardian.shortcuts import assign_perm

from consent.models import ConsentRecord, GivenBy
from consent.retention import consent_held_copy_record
from consent.selectors import (
    access_consent,
    consent_destroyed_at,
    consent_subject_choices,
    same_person_subjects,
    visible_consents,
)
from consent.signals_registry import withdrawal_listeners
from portal.accountability.services import decision_record
from portal.models import DataSubject, Membership, Organisation, Partnership, ProtocolPack, Purpose, User
from portal.notifications.services import notify
from portal.protocols.selectors import current_protocol_pack
from portal.roles import Role
from portal.selectors.partnerships import membership_partnerships
from portal.text import collect_text
from portal.uploads import clean_filename, validate_upload

PERMISSION = "consent.access_consent"
RECORDING_ROLES = frozenset({Role.OFFICER, Role.DESIGNATED_OFFICER})

MAX_NAME = 200
MAX_POSITION = 200
MAX_DESCRIPTION = 500
MAX_ADDRESS = 1000
MAX_ITEM = 500
MAX_ITEMS = 50
MAX_HOW = 2000


@dataclass(frozen=True)
class SubjectDetails:
    """A person not yet known to the portal, typed in when the consent is recorded."""

    full_name: str
    date_of_birth: datetime.date | None = None
    address: str = ""


def long_date(day: datetime.date) -> str:
    return dateformat.format(day, "j F Y")


def information_items_clean(items: Iterable[str] | str, *, errors: dict, field: str = "information_items") -> list[str]:
    """The information items as a list of distinct, stripped, non-empty lines (a string is split
    into lines), in the order given."""
    if isinstance(items, str):
        items = items.splitlines()
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in items or []:
        item = " ".join(str(raw or "").split())
        if not item:
            continue
        if "\x00" in item:
            errors.setdefault(field, "The information must not contain null characters")
            continue
        if len(item) > MAX_ITEM:
            errors.setdefault(field, f"Each item of information must be {MAX_ITEM} characters or fewer")
            continue
        if _item_key(item) in seen:
            continue
        seen.add(_item_key(item))
        cleaned.append(item)
    if not cleaned and field not in errors:
        errors[field] = "Enter the information this consent applies to, one item a line"
    elif len(cleaned) > MAX_ITEMS:
        errors.setdefault(field, f"A consent can list at most {MAX_ITEMS} items of information")
    return cleaned


def _item_key(item: str) -> str:
    return " ".join(str(item or "").split()).casefold()


def _names(organisations: Iterable[Organisation], *, limit: int) -> str:
    """Organisation names joined for a decision-log column of at most `limit` characters."""
    names = sorted(org.name for org in organisations)
    text = ", ".join(names)
    if len(text) <= limit:
        return text
    shown: list[str] = []
    for name in names:
        candidate = ", ".join([*shown, name]) + f" and {len(names) - len(shown) - 1} more"
        if len(candidate) > limit:
            break
        shown.append(name)
    return (", ".join(shown) + f" and {len(names) - len(shown)} more")[:limit]


def _protocol_version(pack: ProtocolPack) -> str:
    return f"{pack.slug}@{pack.version}"


def consent_pack(*, membership: Membership, partnership: Partnership | None) -> ProtocolPack | None:
    """The pack a consent is recorded under: that of `partnership`, which must be one the acting
    membership takes part in, or of its only partnership."""
    partnerships = membership_partnerships(membership=membership)
    if partnership is None:
        only = list(partnerships[:2])
        if len(only) > 1:
            raise ValidationError({"partnership": "Select which partnership's protocol the consent is given under"})
        partnership = only[0] if only else None
    elif not partnerships.filter(pk=partnership.pk).exists():
        raise PermissionDenied("Your organisation is not a member of that partnership")
    return current_protocol_pack(partnership)


def _check_membership(*, acting_user: User, acting_membership: Membership | None) -> Membership:
    if (
        acting_membership is None
        or acting_membership.user_id != acting_user.pk
        or not acting_membership.is_active
        or not acting_user.is_active
        or acting_membership.role not in RECORDING_ROLES
    ):
        raise PermissionDenied("Only partner officers and designated officers can record consent")
    return acting_membership


def _acting_organisation(*, consent: ConsentRecord, acting_user: User, acting_membership: Membership | None):
    if acting_membership is not None and acting_membership.user_id == acting_user.pk:
        return acting_membership.organisation
    memberships = Membership.objects.active().filter(user=acting_user).select_related("organisation")
    at_holder = memberships.filter(organisation_id=consent.holder_id).first()
    chosen = at_holder or memberships.order_by("pk").first()
    return chosen.organisation if chosen else None


# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------


def consent_record_problems(
    *,
    acting_user: User,
    pack: ProtocolPack,
    given_by: str,
    reasons_explained: bool | None,
    recipients: Sequence[Organisation],
    purposes: Sequence[Purpose],
    information_items: Iterable[str] | str,
    given_on: datetime.date | None,
    witness_name: str,
    witness_position: str,
    witnessed_on: datetime.date | None,
    subject: DataSubject | None = None,
    new_subject: SubjectDetails | None = None,
    given_by_description: str = "",
    signatory_name: str = "",
    signatory_address: str = "",
    signatory_date_of_birth: datetime.date | None = None,
    disclosers: Sequence[Organisation] = (),
    expires_on: datetime.date | None = None,
    scan=None,
) -> tuple[dict[str, str], dict]:
    """What stops this consent being recorded, by form field (empty when nothing does), and the
    values cleaned for the writer. Writes nothing."""
    today = timezone.localdate()
    errors: dict[str, str] = {}

    # Who it is about.
    subject_values: dict | None = None
    if (subject is None) == (new_subject is None):
        errors["subject"] = "Say who the consent is about"
    elif subject is not None:
        if not consent_subject_choices(user=acting_user).filter(pk=subject.pk).exists():
            errors["subject"] = "You cannot record consent for that person: enter their details instead"
    else:
        subject_values = {
            "full_name": collect_text(
                new_subject.full_name, field="full_name", label="Full name", max_length=MAX_NAME, errors=errors,
                missing="Enter the full name of the person the information is about",
            ),
            "address": collect_text(new_subject.address, field="address", label="Address", max_length=MAX_ADDRESS, errors=errors),
            "date_of_birth": new_subject.date_of_birth,
        }
        if new_subject.date_of_birth is not None and new_subject.date_of_birth >= today:
            errors["date_of_birth"] = "Date of birth must be in the past"

    # Who gave it.
    if given_by not in GivenBy.values:
        errors["given_by"] = "Select who gave the consent"
    acting_for = given_by in GivenBy.values and given_by != GivenBy.SUBJECT
    given_by_description = collect_text(
        given_by_description, field="given_by_description", label="How they act for the person",
        max_length=MAX_DESCRIPTION, errors=errors,
        missing="Describe how they act for the person" if given_by == GivenBy.OTHER else "",
    )
    signatory_name = collect_text(
        signatory_name, field="signatory_name", label="Their name", max_length=MAX_NAME, errors=errors,
        missing="Enter the name of the person who gave consent for them" if acting_for else "",
    )
    signatory_address = collect_text(
        signatory_address, field="signatory_address", label="Their address", max_length=MAX_ADDRESS, errors=errors
    )
    if signatory_date_of_birth is not None and signatory_date_of_birth >= today:
        errors["signatory_date_of_birth"] = "Their date of birth must be in the past"
    if not acting_for:
        # What was typed for a signatory means nothing when the person signed for themselves.
        given_by_description, signatory_name, signatory_address, signatory_date_of_birth = "", "", "", None

    # SSP 6.1: informed consent only.
    if reasons_explained is None:
        errors["reasons_explained"] = "Say whether the reasons for asking for consent were explained"
    elif not reasons_explained:
        errors["reasons_explained"] = (
            "The reasons for asking must be explained before consent is given: a consent given without "
            "them is not valid, so it cannot be recorded"
        )

    # What it covers.
    recipients = list(recipients or [])
    disclosers = list(disclosers or [])
    purposes = list(purposes or [])
    if not recipients:
        errors["recipients"] = "Select the organisations the information may be disclosed to"
    elif not all(isinstance(org, Organisation) for org in recipients):
        errors["recipients"] = "Select the organisations from the list"
    if not all(isinstance(org, Organisation) for org in disclosers):
        errors["disclosers"] = "Select the organisations from the list"
    if not purposes:
        errors["purposes"] = "Select the purposes the consent covers"
    elif any(not isinstance(p, Purpose) or p.pack_id != pack.pk for p in purposes):
        errors["purposes"] = "Select purposes from the protocol in force"
    items = information_items_clean(information_items, errors=errors)

    # When, and witnessed by whom.
    if given_on is None:
        errors["given_on"] = "Enter the date consent was given"
    elif given_on > today:
        errors["given_on"] = "The date consent was given cannot be in the future"
    witness_name = collect_text(
        witness_name, field="witness_name", label="The witness's name", max_length=MAX_NAME, errors=errors,
        missing="Enter the name of the requesting officer who witnessed the consent",
    )
    witness_position = collect_text(
        witness_position, field="witness_position", label="The witness's position", max_length=MAX_POSITION,
        errors=errors, missing="Enter the position of the officer who witnessed the consent",
    )
    if witnessed_on is None:
        errors["witnessed_on"] = "Enter the date the consent was witnessed"
    elif witnessed_on > today:
        errors["witnessed_on"] = "The date it was witnessed cannot be in the future"
    elif given_on is not None and witnessed_on < given_on:
        errors["witnessed_on"] = "The consent cannot be witnessed before it was given"
    if expires_on is not None and given_on is not None and expires_on <= given_on:
        errors["expires_on"] = "The expiry date must be after the date consent was given"

    checked_scan = None
    if scan is not None:
        try:
            checked_scan = validate_upload(scan)
        except ValidationError as error:
            errors["scan"] = error.messages[0]
    return errors, {
        "subject_values": subject_values,
        "given_by_description": given_by_description,
        "signatory_name": signatory_name,
        "signatory_address": signatory_address,
        "signatory_date_of_birth": signatory_date_of_birth,
        "recipients": recipients,
        "disclosers": disclosers,
        "purposes": purposes,
        "items": items,
        "witness_name": witness_name,
        "witness_position": witness_position,
        "checked_scan": checked_scan,
    }


@transaction.atomic
def consent_record(
    *,
    acting_user: User,
    acting_membership: Membership,
    given_by: str,
    reasons_explained: bool | None,
    recipients: Sequence[Organisation],
    purposes: Sequence[Purpose],
    information_items: Iterable[str] | str,
    given_on: datetime.date | None,
    witness_name: str,
    witness_position: str,
    witnessed_on: datetime.date | None,
    subject: DataSubject | None = None,
    new_subject: SubjectDetails | None = None,
    given_by_description: str = "",
    signatory_name: str = "",
    signatory_address: str = "",
    signatory_date_of_birth: datetime.date | None = None,
    disclosers: Sequence[Organisation] = (),
    expires_on: datetime.date | None = None,
    scan=None,
    partnership: Partnership | None = None,
) -> ConsentRecord:
    """Record a consent given on the SSP Appendix 5 form, held by the acting organisation, under
    the protocol in force for `partnership` (by default the acting membership's only partnership):
    the consent covers sharing in that partnership.

    `subject` is someone the acting user may already record consent for
    (`selectors.consent_subject_choices`); otherwise `new_subject` describes a person new to the
    portal, whose record is held by the acting organisation. Raises ValidationError keyed by
    field (the form's field names) for anything that cannot be recorded."""
    membership = _check_membership(acting_user=acting_user, acting_membership=acting_membership)
    pack = consent_pack(membership=membership, partnership=partnership)
    if pack is None:
        raise ValidationError(
            "No information sharing protocol is in force, so consent cannot be recorded. Ask your partnership admin."
        )
    errors, cleaned = consent_record_problems(
        acting_user=acting_user,
        pack=pack,
        given_by=given_by,
        reasons_explained=reasons_explained,
        recipients=recipients,
        purposes=purposes,
        information_items=information_items,
        given_on=given_on,
        witness_name=witness_name,
        witness_position=witness_position,
        witnessed_on=witnessed_on,
        subject=subject,
        new_subject=new_subject,
        given_by_description=given_by_description,
        signatory_name=signatory_name,
        signatory_address=signatory_address,
        signatory_date_of_birth=signatory_date_of_birth,
        disclosers=disclosers,
        expires_on=expires_on,
        scan=scan,
    )
    if errors:
        raise ValidationError(errors)
    subject_values, checked_scan, items = cleaned["subject_values"], cleaned["checked_scan"], cleaned["items"]
    recipients, disclosers, purposes = cleaned["recipients"], cleaned["disclosers"], cleaned["purposes"]
    given_by_description, signatory_name = cleaned["given_by_description"], cleaned["signatory_name"]
    signatory_address, signatory_date_of_birth = cleaned["signatory_address"], cleaned["signatory_date_of_birth"]
    witness_name, witness_position = cleaned["witness_name"], cleaned["witness_position"]
    today = timezone.localdate()

    if subject is None:
        subject = DataSubject.objects.create(holder=membership.organisation, **subject_values)
    consent = ConsentRecord.objects.create(
        # A placeholder until the row has its id; never seen outside this transaction.
        reference=f"NEW-{uuid.uuid4().hex[:16]}",
        protocol_pack=pack,
        subject=subject,
        holder=membership.organisation,
        recorded_by=acting_user,
        given_by=given_by,
        given_by_description=given_by_description,
        signatory_name=signatory_name,
        signatory_address=signatory_address,
        signatory_date_of_birth=signatory_date_of_birth,
        reasons_explained=True,
        information_items=items,
        given_on=given_on,
        witness_name=witness_name,
        witness_position=witness_position,
        witnessed_on=witnessed_on,
        expires_on=expires_on,
    )
    consent.reference = f"CR-{today:%Y}-{consent.pk:06d}"
    consent.save(update_fields=["reference"])
    consent.recipients.set(recipients)
    consent.disclosers.set(disclosers)
    consent.purposes.set(purposes)
    stored = _store_scan(consent=consent, scan=scan, checked=checked_scan, acting_user=acting_user)
    try:
        # The holder's copy, under its retention policy for consent records (SSP 8.4, 14).
        consent_held_copy_record(consent=consent, officer=acting_user)
        decision_record(
            actor=acting_user,
            organisation=membership.organisation,
            action="consent.recorded",
            reasons=_recorded_reasons(consent),
            reference=consent.reference,
            recipient=_names(recipients, limit=200),
            purpose="; ".join(p.name for p in purposes)[:300],
            protocol_version=_protocol_version(pack),
            partnership=pack.partnership,
            details={
                "given_by": given_by,
                "reasons_explained": True,
                "disclosers": sorted(org.name for org in disclosers),
                "recipients": sorted(org.name for org in recipients),
                "purposes": [p.code for p in purposes],
                "information_items": len(items),
                "given_on": given_on.isoformat(),
                "expires_on": expires_on.isoformat() if expires_on else "",
                "scan": stored,
            },
        )
    except Exception:
        if stored:
            consent.scan.delete(save=False)
        raise
    return consent


def _recorded_reasons(consent: ConsentRecord) -> str:
    who = GivenBy(consent.given_by).label
    who = who[0].lower() + who[1:]
    text = (
        f"Consent given by {who} on {long_date(consent.given_on)} (SSP Appendix 5); the reasons for asking "
        f"were explained; witnessed by {consent.witness_name}, {consent.witness_position}, on "
        f"{long_date(consent.witnessed_on)}."
    )
    if consent.expires_on:
        text += f" It expires on {long_date(consent.expires_on)}."
    return text


def _store_scan(*, consent: ConsentRecord, scan, checked, acting_user: User) -> bool:
    if scan is None or checked is None:
        return False
    content_type, digest = checked
    consent.scan_original_name = clean_filename(scan.name)
    consent.scan_content_type = content_type
    consent.scan_size = scan.size
    consent.scan_sha256 = digest
    consent.scan_uploaded_by = acting_user
    consent.scan_uploaded_at = timezone.now()
    scan.seek(0)
    consent.scan.save("scan", File(scan), save=False)
    try:
        consent.save(
            update_fields=[
                "scan", "scan_original_name", "scan_content_type", "scan_size", "scan_sha256",
                "scan_uploaded_by", "scan_uploaded_at",
            ]
        )
    except Exception:
        consent.scan.delete(save=False)
        raise
    return True


def destroyed_message(destroyed_at: datetime.datetime) -> str:
    return f"This consent record was destroyed under retention on {long_date(timezone.localtime(destroyed_at).date())}"


def _refuse_destroyed(consent: ConsentRecord) -> None:
    destroyed_at = consent_destroyed_at(consent=consent)
    if destroyed_at is not None:
        raise ValidationError(f"{destroyed_message(destroyed_at)}: it can no longer be changed")


def consent_may_withdraw(*, membership: Membership | None) -> bool:
    """Recording a withdrawal needs an acting officer or designated officer membership (the page
    guard and its button; the service itself lets anyone who can see the record withdraw it)."""
    return membership is not None and membership.role in RECORDING_ROLES


def consent_may_change(*, user: User, consent: ConsentRecord) -> bool:
    """The officer who recorded it and the holder's designated officers look after the record."""
    if consent.recorded_by_id == user.pk:
        return True
    return (
        Membership.objects.active()
        .filter(user=user, organisation_id=consent.holder_id, role=Role.DESIGNATED_OFFICER)
        .exists()
    )


@transaction.atomic
def consent_scan_attach(*, consent: ConsentRecord, scan, acting_user: User) -> ConsentRecord:
    """Attach the scan of the signed form to a record that has none yet."""
    consent = access_consent(user=acting_user, pk=consent.pk, for_update=True)
    if not consent_may_change(user=acting_user, consent=consent):
        raise PermissionDenied("Only the officer who recorded the consent or their designated officer can do this")
    _refuse_destroyed(consent)
    if consent.scan:
        raise ValidationError({"scan": "A scan of the signed form is already attached to this record"})
    if scan is None:
        raise ValidationError({"scan": "Choose the scan of the signed form"})
    try:
        checked = validate_upload(scan)
    except ValidationError as error:
        raise ValidationError({"scan": error.messages[0]}) from None
    _store_scan(consent=consent, scan=scan, checked=checked, acting_user=acting_user)
    try:
        decision_record(
            actor=acting_user,
            organisation=_acting_organisation(consent=consent, acting_user=acting_user, acting_membership=None),
            action="consent.scan_attached",
            reasons="The scan of the signed consent form (SSP Appendix 5) was attached to the record.",
            reference=consent.reference,
            protocol_version=_protocol_version(consent.protocol_pack),
            partnership=consent.protocol_pack.partnership,
            details={"content_type": consent.scan_content_type, "size": consent.scan_size, "sha256": consent.scan_sha256},
        )
    except Exception:
        consent.scan.delete(save=False)
        raise
    return consent


# ---------------------------------------------------------------------------------------------
# Withdrawal
# ---------------------------------------------------------------------------------------------


def _as_moment(value: datetime.date | datetime.datetime) -> datetime.datetime:
    """A withdrawal's moment: a datetime as given (made aware in UK time if naive); a date alone
    is now if it is today, else the start of that day."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if value == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


@transaction.atomic
def consent_withdraw(
    *,
    consent: ConsentRecord,
    withdrawn_at: datetime.date | datetime.datetime | None,
    how_communicated: str,
    acting_user: User,
    acting_membership: Membership | None = None,
) -> ConsentRecord:
    """The person withdrew their consent: record when, how they said so, and who recorded it.

    Anyone who can see the record may record the withdrawal (it only ever stops sharing). Every
    registered withdrawal listener is called in this transaction (sharing flags the open requests
    that relied on it), then the decision log is written."""
    consent = access_consent(user=acting_user, pk=consent.pk, for_update=True)
    _refuse_destroyed(consent)
    if consent.withdrawn_at is not None:
        raise ValidationError(
            f"This consent was already withdrawn on {long_date(timezone.localtime(consent.withdrawn_at).date())}"
        )
    errors: dict[str, str] = {}
    how = collect_text(
        how_communicated, field="how_communicated", label="How they withdrew it", max_length=MAX_HOW, errors=errors,
        missing="Say how the person told you they withdrew their consent",
    )
    moment = None
    if withdrawn_at is None:
        errors["withdrawn_at"] = "Enter the date the consent was withdrawn"
    else:
        moment = _as_moment(withdrawn_at)
        if moment > timezone.now() + datetime.timedelta(minutes=1):
            errors["withdrawn_at"] = "The date consent was withdrawn cannot be in the future"
        elif timezone.localtime(moment).date() < consent.given_on:
            errors["withdrawn_at"] = (
                f"The consent cannot be withdrawn before it was given ({long_date(consent.given_on)})"
            )
    if errors:
        raise ValidationError(errors)

    consent.withdrawn_at = min(moment, timezone.now())
    consent.withdrawal_how = how
    consent.withdrawal_recorded_by = acting_user
    consent.withdrawal_recorded_at = timezone.now()
    consent.save(update_fields=["withdrawn_at", "withdrawal_how", "withdrawal_recorded_by", "withdrawal_recorded_at"])

    for listener in withdrawal_listeners():
        listener(consent=consent, acting_user=acting_user)
    # "Kept for six years after it is withdrawn": the retention clock starts again on that day.
    consent_held_copy_record(consent=consent)

    organisation = _acting_organisation(consent=consent, acting_user=acting_user, acting_membership=acting_membership)
    decision_record(
        actor=acting_user,
        organisation=organisation,
        action="consent.withdrawn",
        reasons=(
            f"Consent withdrawn on {long_date(timezone.localtime(consent.withdrawn_at).date())}. "
            f"How it was communicated: {how}"
        ),
        reference=consent.reference,
        recipient=_names(consent.recipients.all(), limit=200),
        purpose="; ".join(consent.purposes.values_list("name", flat=True))[:300],
        protocol_version=_protocol_version(consent.protocol_pack),
        partnership=consent.protocol_pack.partnership,
        details={"withdrawn_at": consent.withdrawn_at.isoformat(), "listeners": len(withdrawal_listeners())},
    )
    _notify_keepers(
        consent=consent, acting_user=acting_user, subject="A consent record you look after has been withdrawn"
    )
    return consent


def _notify_keepers(*, consent: ConsentRecord, acting_user: User, subject: str) -> None:
    designated = [
        m.user
        for m in Membership.objects.active()
        .filter(organisation_id=consent.holder_id, role=Role.DESIGNATED_OFFICER)
        .select_related("user")
    ]
    recipients = [user for user in [consent.recorded_by, *designated] if user.pk != acting_user.pk]
    notify(
        recipients=recipients,
        subject=subject,
        reference=consent.reference,
        path=reverse("consent:detail", kwargs={"pk": consent.pk}),
    )


# ---------------------------------------------------------------------------------------------
# Coverage, at release (called by sharing)
# ---------------------------------------------------------------------------------------------


def _purpose_covered(consent: ConsentRecord, purpose: Purpose) -> bool:
    # The same purpose in a newer version of the same protocol is still the purpose consented to.
    for covered in consent.purposes.select_related("pack"):
        if covered.pk == purpose.pk:
            return True
        if covered.code == purpose.code and covered.pack.slug == purpose.pack.slug:
            return True
    return False


def consent_coverage_problems(
    *,
    consent: ConsentRecord,
    recipient_organisation: Organisation,
    purpose: Purpose | None,
    information_items: list[str] | None = None,
    on_date: datetime.date | None = None,
    disclosing_organisation: Organisation | None = None,
) -> list[str]:
    """Why `consent` does not cover disclosing `information_items` to `recipient_organisation` for
    `purpose` on `on_date` (today if None): one user-readable message per failing condition; an
    empty list means it is covered. DOMAIN.md §4 step 4: recipient, purpose and information within
    its scope, not withdrawn, not expired.

    `information_items` are the consent's own items the discloser relies on (compared ignoring
    case and spacing); None skips that check, an empty list is a problem (nothing was said to be
    covered). `disclosing_organisation`, when given, must be one the consent allows to disclose
    (a consent naming no discloser allows any)."""
    on_date = on_date or timezone.localdate()
    destroyed_at = consent_destroyed_at(consent=consent)
    if destroyed_at is not None:
        # Its content is gone: nothing is left to check a disclosure against.
        return [f"{destroyed_message(destroyed_at)}, so it covers no disclosure"]
    problems: list[str] = []
    if not consent.reasons_explained:
        problems.append("The reasons for asking were not explained, so the consent is not valid")
    if consent.withdrawn_at is not None:
        problems.append(f"The consent was withdrawn on {long_date(timezone.localtime(consent.withdrawn_at).date())}")
    if on_date < consent.given_on:
        problems.append(f"The consent was not given until {long_date(consent.given_on)}")
    if consent.expires_on is not None and on_date > consent.expires_on:
        problems.append(f"The consent expired on {long_date(consent.expires_on)}")
    if recipient_organisation is None or not consent.recipients.filter(pk=recipient_organisation.pk).exists():
        name = recipient_organisation.name if recipient_organisation is not None else "the recipient"
        problems.append(f"The consent does not allow disclosure to {name}")
    if disclosing_organisation is not None:
        named = consent.disclosers.all()
        if named.exists() and not named.filter(pk=disclosing_organisation.pk).exists():
            problems.append(f"The consent does not allow {disclosing_organisation.name} to disclose")
    if purpose is None:
        problems.append("No purpose is given for the disclosure, so the consent cannot be checked against it")
    elif consent.protocol_pack.partnership_id != purpose.pack.partnership_id:
        # A consent covers sharing in the partnership whose protocol it was given under (ADR 0009).
        problems.append(
            f"The consent was given under the {consent.protocol_pack.partnership_name} protocol, not the "
            f"{purpose.pack.partnership_name} protocol this disclosure is made under"
        )
    elif not _purpose_covered(consent, purpose):
        problems.append(f"The consent does not cover the purpose “{purpose.name}”")
    if information_items is not None:
        covered = {_item_key(item) for item in consent.information_items}
        wanted = [" ".join(str(item or "").split()) for item in information_items]
        wanted = [item for item in wanted if item]
        if not wanted:
            problems.append("Choose which of the information the consent applies to covers what is disclosed")
        else:
            missing = [item for item in wanted if _item_key(item) not in covered]
            if missing:
                problems.append("The consent does not cover: " + "; ".join(missing))
    return problems


def consent_covers(**kwargs) -> bool:
    return not consent_coverage_problems(**kwargs)


# ---------------------------------------------------------------------------------------------
# Access for those who relied on it (called by sharing at release)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def consent_grant_for_request(*, consent: ConsentRecord, request, acting_user: User) -> list[User]:
    """A disclosure request relied on `consent`: grant `access_consent` to the request's assignee
    (the responder) and the holding organisation's designated officers, so the record behind the
    release can be checked later (SSP 8.2). Returns the users newly granted.

    `request` is a sharing DisclosureRequest, read only through its attributes. The consent must
    be about one of the request's subjects (or the same person: `selectors.same_person_subjects`), and `acting_user` must be the request's assignee or a
    designated officer of its holding organisation."""
    destroyed_at = consent_destroyed_at(consent=consent)
    if destroyed_at is not None:
        raise ValidationError(destroyed_message(destroyed_at))
    subject_ids = set(request.subjects.values_list("subject_id", flat=True))
    if consent.subject_id not in subject_ids and not same_person_subjects(subject_ids=subject_ids).filter(
        pk=consent.subject_id
    ).exists():
        raise ValidationError("That consent is not about anyone this request is about")
    holding_id = request.holding_organisation_id
    designated = list(
        Membership.objects.active()
        .filter(organisation_id=holding_id, role=Role.DESIGNATED_OFFICER)
        .select_related("user")
    )
    designated_users = [m.user for m in designated]
    if acting_user.pk != request.assignee_id and acting_user.pk not in {u.pk for u in designated_users}:
        raise PermissionDenied("Only the responder or the holding organisation's designated officer can rely on consent")
    candidates: dict[int, User] = {}
    if request.assignee_id:
        candidates[request.assignee_id] = request.assignee
    for user in designated_users:
        candidates.setdefault(user.pk, user)
    granted = []
    for user in candidates.values():
        if visible_consents(user=user).filter(pk=consent.pk).exists():
            continue
        assign_perm(PERMISSION, user, consent)
        granted.append(user)
    return granted
