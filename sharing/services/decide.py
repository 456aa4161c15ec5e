"""The holding organisation's decision: release in full, release in part, or decline
(DOMAIN.md §4 step 6, §5; SSP 5.6, 7, 8.2, Appendix 2 q4, Appendix 4 rule 7; SDP 5.1).

- A release (full or partial) needs the latest completed run of the key-questions flowchart to
  have ended in a share outcome. A decline needs its reasons, and nothing more: the responder may
  decline without running the flowchart (for example, the information is not held), because the
  reasons are recorded exactly like a release's (App 4 rule 7).
- A request under investigation or prosecution (SSP 5.6) is not released until the consultation
  with the investigating officer or the CPS is recorded.
- Released items are each labelled fact or opinion and name the originating organisation, which
  keeps ownership; the release carries the protective marking the responder chose from the
  request's protocol pack and the handling conditions (use only for the purpose requested; no
  onward sharing without the originator's consent; the level's handling rules). A level the pack
  forbids on the internet is refused unless settings.PORTAL_SECURE_NETWORK is true (SSP App 7).
- The decision records the protocol pack in force when it is made (`decided_under`).
- The basis of a release (SSP 6; sharing/services/override.py): a run that shared through
  "consent: yes" needs the consent record chosen to cover the release now (recipient, purpose,
  information, not withdrawn, not expired); a run that ended in "share in the public interest"
  needs an approved public-interest override. A release refused because the consent does not
  cover it is itself logged ("consent.refused_at_release"), after the refused attempt has rolled
  back, so the refusal is kept.
- SSP 13.3: while either organisation's sharing is suspended in the request's partnership,
  nothing is released on it, even if it was raised before the suspension; a decline still is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from portal.models import MarkingLevel, Membership, Organisation, User
from portal.protocols.markings import marking_allowed_here, marking_refusal
from portal.protocols.selectors import current_version_of
from portal.restrictions import processing_restriction_refusal
from portal.selectors.partnerships import sharing_refusal
from portal.uploads import clean_filename, validate_upload
from sharing import lifecycle
from sharing.models import (
    Decision,
    DisclosureRequest,
    FactOrOpinion,
    Outcome,
    ReleaseAttachment,
    ReleaseItem,
    Status,
)
from sharing.retention import disclosure_copies_record, released_copy_record
from sharing.selectors import lock_disclosure_for
from sharing.services import consent_reliance as basis_services
from sharing.services.common import notify_about
from sharing.services.review import SHARE_OUTCOMES, flowchart_latest_completed

LOG_ACTIONS = {
    Outcome.RELEASED: "request.released",
    Outcome.PARTLY_RELEASED: "request.partly_released",
    Outcome.DECLINED: "request.declined",
}
RELEASES = (Outcome.RELEASED, Outcome.PARTLY_RELEASED)
MAX_ITEMS = 50
MAX_ATTACHMENTS = 20


@dataclass(frozen=True)
class ItemInput:
    text: str
    fact_or_opinion: str
    originating_organisation: Organisation


def handling_conditions(
    *, disclosure: DisclosureRequest, marking: MarkingLevel | None, originators: list[Organisation]
) -> str:
    """The conditions attached to every release (SSP 8.2; SDP 5.1), then the level's handling rules."""
    purpose = disclosure.purpose.name if disclosure.purpose_id else "the purpose given in the request"
    names = [org.name for org in originators] or [disclosure.holding_organisation.name]
    owners = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    lines = [
        (
            f"Use only for the purpose requested ({purpose}). "
            f"Do not share onward without the consent of {owners} (SSP 8.2; SDP 5.1)."
        )
    ]
    if marking is not None:
        for rule in marking.handling_rules or []:
            lines.append(f"{rule.get('action', '')}: {rule.get('rule', '')}".strip(": "))
    return "\n".join(lines)


def marking_choices(*, disclosure: DisclosureRequest):
    return disclosure.protocol_pack.marking_levels.order_by("order")


def disclosure_may_decide(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The officer the request is assigned to decides it (when, is `disclosure_decidable`)."""
    return disclosure.assignee_id is not None and disclosure.assignee_id == getattr(user, "pk", None)


def disclosure_decidable(*, disclosure: DisclosureRequest) -> bool:
    """Whether the transition table lets the request be decided now (every outcome leaves the
    same state, in review)."""
    return all(lifecycle.can_transition(disclosure, outcome) for outcome in Outcome.values)


class ReleaseRefused(ValidationError):
    """The decision's ValidationError when the consent relied on does not cover the release:
    it carries what `disclosure_decide` needs to log the refusal once the attempt has rolled back."""

    def __init__(self, errors, *, reliance, consent_problems: list[str], outcome: str):
        super().__init__(errors)
        self.reliance = reliance
        self.consent_problems = consent_problems
        self.outcome = outcome


def disclosure_decide(
    *,
    disclosure: DisclosureRequest,
    outcome: str,
    reasons: str,
    withheld: str = "",
    marking: MarkingLevel | None = None,
    items: list[ItemInput] | tuple[ItemInput, ...] = (),
    attachments: list | tuple = (),
    acting_user: User,
    acting_membership: Membership | None = None,
) -> Decision:
    """Record the assignee's decision and move the request to released, partly released or
    declined. Raises ValidationError (keyed by field where it can) when a rule refuses it.

    A release refused because the consent relied on does not cover it rolls back like any other
    refusal; the refusal is then written to the decision log in a transaction of its own."""
    try:
        return _disclosure_decide(
            disclosure=disclosure,
            outcome=outcome,
            reasons=reasons,
            withheld=withheld,
            marking=marking,
            items=items,
            attachments=attachments,
            acting_user=acting_user,
            acting_membership=acting_membership,
        )
    except ReleaseRefused as refused:
        basis_services.consent_refusal_record(
            disclosure=disclosure,
            consent=refused.reliance.consent,
            problems=refused.consent_problems,
            outcome=refused.outcome,
            acting_user=acting_user,
        )
        raise


def _refuse(errors: dict[str, list[str]], field: str | None, message: str) -> None:
    errors.setdefault(field or "__all__", []).append(message)


@dataclass(frozen=True)
class CheckedDecision:
    """What `disclosure_decide_problems` read and cleaned, for the writer."""

    reasons: str
    withheld: str
    items: list[ItemInput]
    attachments: list[tuple[object, str, str]]  # (upload, content type, sha256), validated
    basis: basis_services.ReleaseBasis | None


def _release_basis_problems(*, disclosure: DisclosureRequest, errors: dict[str, list[str]]):
    """The flowchart's share outcome, the consent or override it relies on, and the sub judice
    consultation (SSP 5.6, 6). Returns the basis check (None without a share outcome)."""
    basis = None
    latest = flowchart_latest_completed(disclosure=disclosure)
    if latest is None or latest.outcome not in SHARE_OUTCOMES:
        _refuse(
            errors,
            None,
            "You cannot release information until the key-questions flowchart has been completed with an "
            "outcome to share",
        )
    else:
        basis = basis_services.release_basis_check(disclosure=disclosure, run=latest, on_date=timezone.localdate())
        for message in basis.problems:
            _refuse(errors, None, message)
    if disclosure.sub_judice and not disclosure.sub_judice_consultations.exists():
        _refuse(
            errors,
            None,
            "This request is under investigation or prosecution: record the consultation with the "
            "investigating officer or the CPS before releasing anything (SSP 5.6)",
        )
    return basis


def _marking_problems(*, disclosure: DisclosureRequest, marking: MarkingLevel | None, errors: dict[str, list[str]]) -> None:
    if marking is None:
        _refuse(errors, "marking", "Select the protective marking")
    elif marking.pack_id != disclosure.protocol_pack_id:
        _refuse(errors, "marking", "Select a protective marking from this request's protocol")
    elif not marking_allowed_here(marking):
        _refuse(errors, "marking", marking_refusal(marking, "release it"))


def _item_problems(*, items: list[ItemInput], attachments: list, errors: dict[str, list[str]]) -> None:
    if not items:
        _refuse(errors, "items", "Add at least one item of information to release")
    if len(items) > MAX_ITEMS:
        _refuse(errors, "items", f"A release can have at most {MAX_ITEMS} items")
    for number, item in enumerate(items, start=1):
        if not (item.text or "").strip():
            _refuse(errors, "items", f"Enter the information for item {number}")
        if item.fact_or_opinion not in FactOrOpinion.values:
            _refuse(errors, "items", f"Select whether item {number} is fact or opinion")
        if not isinstance(item.originating_organisation, Organisation):
            _refuse(errors, "items", f"Select the organisation item {number} comes from")
    if len(attachments) > MAX_ATTACHMENTS:
        _refuse(errors, "attachments", f"A release can have at most {MAX_ATTACHMENTS} attachments")


def _attachment_problems(*, attachments: list, errors: dict[str, list[str]]) -> list[tuple[object, str, str]]:
    checked: list[tuple[object, str, str]] = []
    for upload in attachments:
        try:
            content_type, digest = validate_upload(upload)
        except ValidationError as error:
            for message in error.messages:
                _refuse(errors, "attachments", message)
        else:
            checked.append((upload, content_type, digest))
    return checked


def disclosure_decide_problems(
    *,
    disclosure: DisclosureRequest,
    outcome: str,
    reasons: str,
    withheld: str = "",
    marking: MarkingLevel | None = None,
    items: list[ItemInput] | tuple[ItemInput, ...] = (),
    attachments: list | tuple = (),
) -> tuple[dict[str, list[str]], CheckedDecision]:
    """Every rule a decision of `outcome` (a valid Outcome) must meet, checked without writing
    anything: the problems by field ("__all__" for the decision as a whole, empty when there are
    none) and the cleaned values."""
    errors: dict[str, list[str]] = {}
    reasons = (reasons or "").strip()
    withheld = (withheld or "").strip()
    items = list(items or [])
    attachments = list(attachments or [])
    if not reasons:
        _refuse(errors, "reasons", "Enter the reasons for your decision")
    if outcome == Outcome.PARTLY_RELEASED and not withheld:
        _refuse(errors, "withheld", "Enter what is withheld and why")
    basis = None
    if outcome not in RELEASES:
        if items or attachments:
            _refuse(errors, None, "A decline releases nothing: it cannot have items or attachments")
        if marking is not None:
            _refuse(errors, "marking", "A decline has no protective marking")
    else:
        suspended = sharing_refusal(
            partnership=disclosure.protocol_pack.partnership_id,
            organisations=[disclosure.requesting_organisation_id, disclosure.holding_organisation_id],
            doing="release information on this request",
        )
        if suspended:
            _refuse(errors, None, suspended)
        restricted = processing_restriction_refusal(
            organisation_ids=[disclosure.requesting_organisation_id, disclosure.holding_organisation_id],
            subject_ids=disclosure.subjects.values_list("subject_id", flat=True),
            doing="release information on this request",
        )
        if restricted:
            _refuse(errors, None, restricted)
        basis = _release_basis_problems(disclosure=disclosure, errors=errors)
        _marking_problems(disclosure=disclosure, marking=marking, errors=errors)
        _item_problems(items=items, attachments=attachments, errors=errors)
    checked = _attachment_problems(attachments=attachments, errors=errors)
    return errors, CheckedDecision(
        reasons=reasons, withheld=withheld, items=items, attachments=checked, basis=basis
    )


@transaction.atomic
def _disclosure_decide(
    *,
    disclosure: DisclosureRequest,
    outcome: str,
    reasons: str,
    withheld: str = "",
    marking: MarkingLevel | None = None,
    items: list[ItemInput] | tuple[ItemInput, ...] = (),
    attachments: list | tuple = (),
    acting_user: User,
    acting_membership: Membership | None = None,
) -> Decision:
    """The rule checks on the locked request, then the writer."""
    refusal = "Only the officer this request is assigned to can decide it."
    disclosure = lock_disclosure_for(user=acting_user, pk=disclosure.pk, refusal=refusal)
    if not disclosure_may_decide(user=acting_user, membership=acting_membership, disclosure=disclosure):
        raise ValidationError(refusal)
    if not disclosure_decidable(disclosure=disclosure):
        raise ValidationError(f"This request is {Status(disclosure.status).label.lower()}: it cannot be decided now.")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Select release in full, release in part or decline"})
    errors, checked = disclosure_decide_problems(
        disclosure=disclosure,
        outcome=outcome,
        reasons=reasons,
        withheld=withheld,
        marking=marking,
        items=items,
        attachments=attachments,
    )
    if errors:
        basis = checked.basis
        if basis is not None and basis.consent_problems:
            raise ReleaseRefused(
                errors, reliance=basis.reliance, consent_problems=basis.consent_problems, outcome=outcome
            )
        raise ValidationError(errors)
    return _decision_write(
        disclosure=disclosure, outcome=outcome, marking=marking, checked=checked, acting_user=acting_user
    )


def _decision_write(
    *,
    disclosure: DisclosureRequest,
    outcome: str,
    marking: MarkingLevel | None,
    checked: CheckedDecision,
    acting_user: User,
) -> Decision:
    """Write the checked decision, in the caller's transaction on the locked request: the
    decision and its items, the stored attachments, the move (and its log entry), the copies,
    the consent relied upon and the requester's notification."""
    reasons, withheld, items, basis = checked.reasons, checked.withheld, checked.items, checked.basis
    releasing = outcome in RELEASES
    now = timezone.now()
    pack = current_version_of(disclosure.protocol_pack)
    originators: list[Organisation] = []
    for item in items:
        if item.originating_organisation.pk not in {org.pk for org in originators}:
            originators.append(item.originating_organisation)
    disclosure.decisions.filter(is_current=True).update(is_current=False)
    decision = Decision.objects.create(
        request=disclosure,
        outcome=outcome,
        reasons=reasons,
        withheld=withheld if outcome == Outcome.PARTLY_RELEASED else "",
        marking=marking if releasing else None,
        handling_conditions=handling_conditions(disclosure=disclosure, marking=marking, originators=originators)
        if releasing
        else "",
        decided_by=acting_user,
        organisation=disclosure.holding_organisation,
        protocol_pack=pack,
        is_current=True,
    )
    ReleaseItem.objects.bulk_create(
        ReleaseItem(
            decision=decision,
            text=item.text.strip(),
            fact_or_opinion=item.fact_or_opinion,
            originating_organisation=item.originating_organisation,
            order=order,
        )
        for order, item in enumerate(items)
    )
    disclosure.decided_at = now
    disclosure.decided_under = pack

    stored: list[ReleaseAttachment] = []
    try:
        for upload, content_type, digest in checked.attachments:
            attachment = ReleaseAttachment(
                decision=decision,
                original_name=clean_filename(upload.name),
                content_type=content_type,
                size=upload.size,
                sha256=digest,
                uploaded_by=acting_user,
            )
            upload.seek(0)
            attachment.file.save("upload", File(upload), save=False)
            attachment.save()
            stored.append(attachment)
        details = {
            "outcome": outcome,
            "decision_id": decision.pk,
            "decided_under": f"{pack.slug}@{pack.version}",
            "marking": marking.code if releasing and marking else "",
            "items": len(items),
            "attachments": len(stored),
        }
        if basis is not None and basis.override is not None:
            details["override_id"] = basis.override.pk
        if basis is not None and basis.reliance is not None:
            details["consent"] = basis.reliance.consent.reference
        lifecycle.transition(
            disclosure,
            outcome,
            acting_user=acting_user,
            organisation=disclosure.holding_organisation,
            event=LOG_ACTIONS[outcome],
            reasons=reasons if outcome != Outcome.PARTLY_RELEASED else f"{reasons}\n\nWithheld: {withheld}",
            details=details,
            update_fields=["decided_at", "decided_under"],
        )
        # Closed: the organisations' copies of the request count from today; a release is a copy
        # of released data held by the requesting organisation, at the release's marking.
        disclosure_copies_record(request=disclosure, closed=True)
        if releasing:
            released_copy_record(request=disclosure, decision=decision)
        if basis is not None and basis.reliance is not None:
            basis_services.consent_relied_upon_record(
                disclosure=disclosure, reliance=basis.reliance, decision=decision, acting_user=acting_user
            )
        notify_about(
            disclosure=disclosure, recipients=[disclosure.requester], subject="A decision has been made on your request"
        )
    except Exception:
        # The transaction rolls back: do not leave the stored files behind.
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return decision
