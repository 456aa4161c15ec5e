"""State changes of `oversight` (one function per change, atomic, keyword-only).

SSP 17, SDP 13: the protocol is reviewed by its review date. The partnership admin and the
designated officers of its organisations are told 60 and 14 days before, and when it has passed,
once each (`ReviewReminder` rows, unique per pack and kind, are the proof)."""
from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone

from oversight import rollup
from oversight.models import (
    REMINDER_DUE_AT,
    ProposalStatus,
    ProposedVersion,
    ProtocolSignature,
    ReminderKind,
    ReviewReminder,
    RollupRefresh,
    VersionApproval,
)
from oversight.selectors import approving_organisations, drafts_raised_under
from portal.accountability.services import decision_record
from portal.models import Membership, Organisation, Partnership, PartnershipMember, ProtocolPack, User
from portal.notifications.services import notify
from portal.protocols.selectors import current_protocol_pack
from portal.protocols.services import protocol_pack_load
from portal.protocols.validation import PackIssue, ProtocolPackError, pack_parse, pack_validate
from portal.roles import Role
from portal.text import text_problem
from sharing.models import DisclosureRequest

SUBJECTS = {
    ReminderKind.DAYS_60: "The {name} protocol is due for review in 60 days",
    ReminderKind.DAYS_14: "The {name} protocol is due for review in 14 days",
    ReminderKind.PASSED: "The {name} protocol's review date has passed",
}


def review_reminder_recipients(*, pack: ProtocolPack) -> list[User]:
    """The partnership's admins and the designated officers of its member organisations (those
    acting for every partnership of their organisation, or for this one)."""
    members = PartnershipMember.objects.filter(partnership_id=pack.partnership_id).values("organisation")
    memberships = Membership.objects.active().filter(
        Q(role=Role.ADMIN, partnership_id=pack.partnership_id)
        | Q(role=Role.DESIGNATED_OFFICER, organisation__in=members)
        & (Q(partnership__isnull=True) | Q(partnership_id=pack.partnership_id))
    )
    return list(User.objects.filter(pk__in=memberships.values("user")).order_by("pk"))


def _due_kinds(pack: ProtocolPack, today: date) -> list[str]:
    days_left = (pack.review_date - today).days
    return [kind for kind, at in REMINDER_DUE_AT if days_left <= at]


def review_reminder_send(*, pack: ProtocolPack, today: date | None = None) -> ReviewReminder | None:
    """Send the most urgent reminder now due for `pack`, if it has not gone; record the less urgent
    ones it overtakes as covered. Safe to run twice at once: the second finds the row."""
    due = _due_kinds(pack, today or timezone.localdate())
    if not due:
        return None
    latest, overtaken = due[-1], due[:-1]
    try:
        with transaction.atomic():
            reminder = ReviewReminder.objects.create(pack=pack, kind=latest, review_date=pack.review_date)
            ReviewReminder.objects.bulk_create(
                [ReviewReminder(pack=pack, kind=kind, review_date=pack.review_date, covered=True) for kind in overtaken],
                ignore_conflicts=True,
            )
            recipients = review_reminder_recipients(pack=pack)
            notify(
                recipients=recipients,
                subject=SUBJECTS[latest].format(name=pack.partnership_name),
                reference=f"{pack.slug}@{pack.version}",
                path=reverse("oversight:versions"),  # the review's inputs (lessons learnt) are listed there
            )
            reminder.recipients = len(recipients)
            reminder.save(update_fields=["recipients"])
    except IntegrityError:  # sent already (by this run yesterday, or by a concurrent one)
        return None
    return reminder


def review_reminders_send(*, today: date | None = None) -> int:
    """Daily (beat `protocol-review-reminders`): every pack in force. Returns reminders sent."""
    sent = 0
    for pack in ProtocolPack.objects.filter(is_current=True).order_by("pk"):
        if review_reminder_send(pack=pack, today=today) is not None:
            sent += 1
    return sent


# ---------------------------------------------------------------------------------------------
# The monitoring report's roll-up (issue 12; oversight/rollup.py)
# ---------------------------------------------------------------------------------------------


def report_rollup_refresh(*, now: datetime | None = None) -> int:
    """Hourly (beat `report-rollup-refresh`): roll every closed month, from the first request
    raised, that was never rolled or was written since (dirty); each month in its own
    transaction. Returns the months rolled. Counts only: nothing it writes names anyone."""
    now = now or timezone.now()
    last = rollup.last_rollable_month(now)
    first = DisclosureRequest.objects.filter(submitted_at__isnull=False).aggregate(first=Min("submitted_at"))["first"]
    rolled = 0
    if first is not None:
        clean = rollup.clean_months()
        month = rollup.month_of(first)
        while month <= last:
            if month not in clean:
                with transaction.atomic():
                    rollup.roll_month(month)
                rolled += 1
            month = rollup.next_month(month)
    with transaction.atomic():
        RollupRefresh.objects.all().delete()
        RollupRefresh.objects.create(finished_at=timezone.now(), months_rolled=rolled)
    return rolled


# ---------------------------------------------------------------------------------------------
# New protocol versions (SSP 17, SDP 13)
# ---------------------------------------------------------------------------------------------

DEFAULT_APPROVAL = "designated_officers_of_every_signatory"
APPROVAL_LABELS = {
    "designated_officers_of_every_signatory": "by a designated officer of every signatory organisation",
    "board": "by the partnership board, recorded by the partnership admin",
}


def approval_rule_of(pack: ProtocolPack) -> str:
    return ((pack.data or {}).get("review") or {}).get("approval") or DEFAULT_APPROVAL


def protocol_version_propose(
    *, partnership: Partnership, text: str, source_name: str, acting_user: User, acting_membership: Membership
) -> ProposedVersion:
    """Validate an uploaded pack with the loader's own checks and keep it, awaiting approval.
    Raises ProtocolPackError (each issue with its field path) and saves nothing when refused."""
    data = pack_parse(text)
    pack_validate(data)
    issues = []
    if data["slug"] != partnership.slug:
        issues.append(PackIssue("slug", f"must be {partnership.slug!r}, this partnership's protocol"))
    if ProtocolPack.objects.filter(slug=data["slug"], version=data["version"]).exists():
        issues.append(PackIssue("version", f"version {data['version']!r} is already loaded; a changed protocol needs a new version"))
    if issues:
        raise ProtocolPackError(issues)
    base = current_protocol_pack(partnership)
    if base is None:
        raise ProtocolPackError([PackIssue("", "the partnership has no protocol in force: load the first with manage.py load_protocol")])
    with transaction.atomic():
        if ProposedVersion.objects.select_for_update().filter(partnership=partnership, status=ProposalStatus.AWAITING).exists():
            raise ValidationError("Another new version is waiting for approval: it must come into force or be withdrawn first")
        proposal = ProposedVersion.objects.create(
            partnership=partnership,
            base_pack=base,
            version=data["version"],
            text=text,
            data=data,
            source_name=source_name[:300],
            approval_rule=approval_rule_of(base),
            uploaded_by=acting_user,
        )
        decision_record(
            actor=acting_user,
            organisation=acting_membership.organisation,
            action="protocol.version_proposed",
            reasons=f"Version {proposal.version} uploaded to replace version {base.version}; it comes into force when "
            f"approved ({APPROVAL_LABELS[proposal.approval_rule]}).",
            reference=f"{base.slug}/{proposal.version}",
            protocol_version=base.version,
            partnership=partnership,
        )
    return proposal


def version_approval_missing(*, proposal: ProposedVersion) -> list[Organisation]:
    approved = set(proposal.approvals.filter(voided_at__isnull=True).values_list("organisation_id", flat=True))
    return [org for org in approving_organisations(proposal=proposal) if org.pk not in approved]


def version_may_approve(*, proposal: ProposedVersion, membership: Membership | None) -> bool:
    """A designated officer of a signatory organisation that has not approved yet (acting for this
    partnership), or, where the pack leaves it to the board, the partnership's admin."""
    if membership is None or proposal.status != ProposalStatus.AWAITING:
        return False
    if proposal.approval_rule == "board":
        return membership.role == Role.ADMIN and membership.partnership_id == proposal.partnership_id
    if membership.role != Role.DESIGNATED_OFFICER or membership.partnership_id not in (None, proposal.partnership_id):
        return False
    return any(org.pk == membership.organisation_id for org in version_approval_missing(proposal=proposal))


def protocol_version_approve(
    *, proposal: ProposedVersion, acting_user: User, acting_membership: Membership, note: str = ""
) -> ProposedVersion:
    """Record one approval (decision-logged); the last one needed loads the version, which comes
    into force. Requests already decided keep the version they were decided under; the requesters
    of drafts raised under the old one are told a new one is in force and where to read what changed."""
    with transaction.atomic():
        proposal = ProposedVersion.objects.select_for_update().get(pk=proposal.pk)
        if not version_may_approve(proposal=proposal, membership=acting_membership):
            raise PermissionDenied("You cannot approve this version")
        board = proposal.approval_rule == "board"
        VersionApproval.objects.create(
            proposal=proposal, organisation=None if board else acting_membership.organisation, approved_by=acting_user, note=note
        )
        decision_record(
            actor=acting_user,
            organisation=acting_membership.organisation,
            action="protocol.version_approved",
            reasons=note or (f"Approved for {'the board' if board else acting_membership.organisation.name}."),
            reference=f"{proposal.base_pack.slug}/{proposal.version}",
            protocol_version=proposal.base_pack.version,
            partnership=proposal.partnership,
        )
        if board or not version_approval_missing(proposal=proposal):
            _bring_into_force(proposal=proposal, acting_user=acting_user, acting_membership=acting_membership)
    return proposal


def _bring_into_force(*, proposal: ProposedVersion, acting_user: User, acting_membership: Membership) -> None:
    pack, _ = protocol_pack_load(path_or_text=proposal.text, acting_user=acting_user)
    proposal.status = ProposalStatus.IN_FORCE
    proposal.pack = pack
    proposal.in_force_at = timezone.now()
    proposal.save(update_fields=["status", "pack", "in_force_at"])
    drafts = drafts_raised_under(pack=proposal.base_pack)
    decision_record(
        actor=acting_user,
        organisation=acting_membership.organisation,
        action="protocol.version_in_force",
        reasons=f"Every approval needed is recorded: version {pack.version} is in force; {len(drafts)} draft request(s) "
        f"raised under version {proposal.base_pack.version} told what changed.",
        reference=f"{pack.slug}/{pack.version}",
        protocol_version=pack.version,
        partnership=proposal.partnership,
    )
    requesters = {user.pk: user for user in User.objects.filter(pk__in={requester for _, _, requester in drafts})}
    path = reverse("oversight:version_changes", kwargs={"pk": proposal.pk})
    for _pk, reference, requester_id in drafts:
        notify(
            recipients=[requesters[requester_id]],
            subject=f"A new version of the protocol is in force: your draft {reference} was started under the old one",
            reference=reference,
            path=path,
        )


def version_may_withdraw(*, proposal: ProposedVersion, membership: Membership | None) -> bool:
    """Any admin of the proposal's partnership (the one who uploaded it or another), while it waits."""
    return (
        membership is not None
        and proposal.status == ProposalStatus.AWAITING
        and membership.role == Role.ADMIN
        and membership.partnership_id == proposal.partnership_id
    )


def protocol_version_withdraw(
    *, proposal: ProposedVersion, reason: str, acting_user: User, acting_membership: Membership
) -> ProposedVersion:
    """Withdraw a version waiting for approval (SSP 17): it never comes into force, the approvals
    recorded on it are void, and the designated officers who approved it are told (reference and
    link only). Decision-logged with the reason; the version in force is untouched."""
    text, problem = text_problem(reason, label="The reason", max_length=2000, missing="Enter why the version is withdrawn")
    if problem:
        raise ValidationError({"reason": problem})
    with transaction.atomic():
        proposal = ProposedVersion.objects.select_for_update().select_related("base_pack").get(pk=proposal.pk)
        if proposal.status != ProposalStatus.AWAITING:
            raise ValidationError("Only a version waiting for approval can be withdrawn")
        if not version_may_withdraw(proposal=proposal, membership=acting_membership):
            raise PermissionDenied("Only an admin of this partnership withdraws a proposed version")
        now = timezone.now()
        approvers = list(
            User.objects.filter(pk__in=proposal.approvals.filter(voided_at__isnull=True).values("approved_by")).order_by("pk")
        )
        voided = proposal.approvals.filter(voided_at__isnull=True).update(voided_at=now)
        proposal.status = ProposalStatus.WITHDRAWN
        proposal.withdrawn_by, proposal.withdrawn_at, proposal.withdrawn_reason = acting_user, now, text
        proposal.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawn_reason"])
        reference = f"{proposal.base_pack.slug}/{proposal.version}"
        decision_record(
            actor=acting_user,
            organisation=acting_membership.organisation,
            action="protocol.version_withdrawn",
            reasons=f"Proposed version {proposal.version} withdrawn; {voided} approval(s) on it void. {text}",
            reference=reference,
            protocol_version=proposal.base_pack.version,
            partnership=proposal.partnership,
            details={"approvals_voided": voided},
        )
        notify(
            recipients=[user for user in approvers if user.pk != acting_user.pk],
            subject=f"A proposed protocol version you approved has been withdrawn: {reference}",
            reference=reference,
            path=reverse("oversight:version", kwargs={"pk": proposal.pk}),
        )
    return proposal


# ---------------------------------------------------------------------------------------------
# Signing the protocol (SDP 4.5, Appendix 2)
# ---------------------------------------------------------------------------------------------


def protocol_sign(
    *, pack: ProtocolPack, signatory_name: str, signatory_title: str, acting_user: User, acting_membership: Membership
) -> ProtocolSignature:
    """The organisation's signature of the version in force (once per version), recorded by its
    designated officer; its signing date in the partnership becomes today. Decision-logged."""
    if acting_membership.role != Role.DESIGNATED_OFFICER or not pack.is_current:
        raise PermissionDenied("Only a designated officer signs the protocol in force for their organisation")
    organisation = acting_membership.organisation
    with transaction.atomic():
        place = PartnershipMember.objects.select_for_update().filter(partnership_id=pack.partnership_id, organisation=organisation).first()
        if place is None:
            raise PermissionDenied("Your organisation is not a member of this partnership")
        if ProtocolSignature.objects.filter(pack=pack, organisation=organisation).exists():
            raise ValidationError("Your organisation has signed this version already")
        signature = ProtocolSignature.objects.create(
            pack=pack, organisation=organisation, signatory_name=signatory_name, signatory_title=signatory_title, signed_by=acting_user
        )
        place.signed_protocol_on = timezone.localdate()
        place.save(update_fields=["signed_protocol_on"])
        decision_record(
            actor=acting_user,
            organisation=organisation,
            action="protocol.signed",
            reasons=f"Authorised Signatory Form (Appendix 2) signed for version {pack.version} by {signatory_name}, {signatory_title}.",
            reference=f"{pack.slug}/{pack.version}",
            protocol_version=pack.version,
            partnership=pack.partnership,
        )
    return signature
