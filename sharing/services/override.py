"""Public-interest overrides (SSP 6.2–6.4; DOMAIN.md §4 step 4): sharing without consent.

When the key-questions flowchart ended in "share in the public interest", the responder records
why consent was not sought (or that it was refused), the grounds, the Art 6 / Art 9 / DPA 2018
Sch 1 conditions, proportionality, the risk of not sharing and the alternatives considered
(`override_propose`). The holding organisation's designated officer approves or rejects it with
reasons (`override_decide`); never the person who proposed it, nor the responder (four eyes).
Nothing is released until it is approved (`release_basis_check` in
sharing/services/consent_reliance.py); a rejection goes back to the responder with the reasons.

Every state change here is one atomic service on a locked request row that writes the decision
log in the same transaction (SSP Appendix 4 rule 7) and queues notifications for after commit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portal.models import FlowchartOutcome, LawfulBasis, Membership, PublicInterestGround, User
from portal.models.protocol import LawfulBasisCategory
from portal.text import clean_text, collect_text
from sharing.lifecycle import disclosure_decision_record
from sharing.models import (
    ConsentPosition,
    DisclosureRequest,
    FlowchartRun,
    NoteKind,
    NotSoughtReason,
    OverrideStatus,
    PublicInterestOverride,
    RequestNote,
    Status,
)
from sharing.selectors import access_disclosure
from sharing.services.common import designated_officers, notify_about
from sharing.services.review import flowchart_latest_completed, is_holding_designated_officer

LIVE_OVERRIDE = (OverrideStatus.PROPOSED, OverrideStatus.APPROVED)


def _state_label(disclosure: DisclosureRequest) -> str:
    return Status(disclosure.status).label.lower()


def disclosure_lock_for(rule, *, user: User, membership: Membership | None, disclosure: DisclosureRequest, refusal: str):
    """`request` locked for this transaction through the guarded selector, when `rule` (a
    `*_may_*` permission rule) allows `user`; PermissionDenied(`refusal`) otherwise. The rule is
    asked before the lock as well as after it, so that someone without need-to-know is refused by
    the rule, not by the lock's 404, and a change made while waiting for the lock is seen."""
    if not rule(user=user, membership=membership, disclosure=disclosure):
        raise PermissionDenied(refusal)
    locked = access_disclosure(user=user, pk=disclosure.pk, for_update=True)
    if not rule(user=user, membership=membership, disclosure=locked):
        raise PermissionDenied(refusal)
    return locked


def relies_on_public_interest(run: FlowchartRun | None) -> bool:
    return run is not None and run.outcome == FlowchartOutcome.SHARE_PUBLIC_INTEREST


def override_latest(*, disclosure: DisclosureRequest) -> PublicInterestOverride | None:
    return disclosure.overrides.select_related("proposed_by", "decided_by").order_by("-proposed_at", "-pk").first()


def override_live(*, disclosure: DisclosureRequest) -> PublicInterestOverride | None:
    """The override proposed or approved on this request, if any (there is at most one)."""
    return disclosure.overrides.filter(status__in=LIVE_OVERRIDE).order_by("-proposed_at", "-pk").first()




def override_conditions_needed(*, disclosure: DisclosureRequest) -> dict[str, bool]:
    """Which conditions beyond Art 6 the override must give: Art 9 for special category data,
    DPA 2018 Schedule 1 for criminal-offence data."""
    return {"art9": bool(disclosure.special_category), "dpa_sch1": bool(disclosure.criminal_offence_data)}


def override_may_propose(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The officer the request is assigned to (when, is for `override_propose` to say)."""
    return disclosure.assignee_id is not None and disclosure.assignee_id == getattr(user, "pk", None)


def override_may_decide(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The holding organisation's designated officer, acting as such."""
    return bool(
        membership is not None
        and membership.user_id == getattr(user, "pk", None)
        and is_holding_designated_officer(membership=membership, disclosure=disclosure)
    )


def override_four_eyes_problem(*, user: User, override: PublicInterestOverride, disclosure: DisclosureRequest) -> str:
    """Why `user` may not decide this override (four eyes), or "" when they may."""
    if override.proposed_by_id == user.pk:
        return "You proposed this override: another designated officer must approve or reject it (four eyes)"
    if disclosure.assignee_id == user.pk:
        return (
            "You are the responder on this request: another designated officer must approve or reject its "
            "override (four eyes)"
        )
    return ""


def override_summary(override: PublicInterestOverride, grounds: list[PublicInterestGround]) -> str:
    """The override's case as one text, for the decision log."""
    if override.consent_position == ConsentPosition.REFUSED:
        consent_line = "Consent was sought and refused."
    else:
        consent_line = f"Consent was not sought: {NotSoughtReason(override.not_sought_reason).label.lower()}."
    if override.consent_explanation:
        consent_line += f" {override.consent_explanation}"
    lines = [
        consent_line,
        "Public-interest grounds: " + "; ".join(g.name for g in grounds) + ".",
        f"Art 6 condition: {override.art6_condition.reference} ({override.art6_condition.name}).",
    ]
    if override.art9_condition_id:
        lines.append(f"Art 9 condition: {override.art9_condition.reference} ({override.art9_condition.name}).")
    if override.dpa_sch1_condition_id:
        lines.append(
            f"DPA 2018 Schedule 1 condition: {override.dpa_sch1_condition.reference} "
            f"({override.dpa_sch1_condition.name})."
        )
    lines += [
        f"Proportionality: {override.proportionality}",
        f"Risk of not sharing: {override.risk_of_not_sharing}",
        f"Less intrusive alternatives considered: {override.alternatives_considered}",
    ]
    return "\n".join(lines)


OVERRIDE_TEXTS = (
    ("proportionality", "Explain why this much information, to these people, is proportionate", "The proportionality case"),
    ("risk_of_not_sharing", "Enter the risk of not sharing", "The risk of not sharing"),
    ("alternatives_considered", "Enter the less intrusive alternatives you considered", "The alternatives considered"),
)


def override_propose_state_problem(*, disclosure: DisclosureRequest, run: FlowchartRun | None) -> str:
    """Why no override can be proposed on the request now, or "" when one can."""
    if disclosure.status != Status.IN_REVIEW:
        return f"This request is {_state_label(disclosure)}: an override is proposed during the review."
    if not relies_on_public_interest(run):
        return (
            "An override is proposed when the key-questions flowchart ends in “share in the public interest”: "
            "run the flowchart first."
        )
    live = override_live(disclosure=disclosure)
    if live is not None:
        return (
            "This request's override is already waiting for a designated officer's approval."
            if live.status == OverrideStatus.PROPOSED
            else "This request's override has already been approved."
        )
    return ""


def _basis(disclosure: DisclosureRequest, pk, category: str, *, field: str, missing: str, errors: dict):
    basis = (
        LawfulBasis.objects.filter(pack_id=disclosure.protocol_pack_id, category=category, pk=getattr(pk, "pk", pk))
        .first()
        if pk
        else None
    )
    if basis is None:
        errors.setdefault(field, [missing])
    return basis


def override_case_problems(
    *,
    disclosure: DisclosureRequest,
    consent_position: str,
    not_sought_reason: str,
    consent_explanation: str,
    grounds,
    art6_condition,
    art9_condition,
    dpa_sch1_condition,
    texts: dict[str, str],
) -> tuple[dict, dict]:
    """The override's case checked as a whole (reads only): the cleaned case, ready to write,
    and the problems by field (empty when there are none)."""
    errors: dict = {}
    if consent_position not in ConsentPosition.values:
        errors["consent_position"] = ["Select whether consent was not sought or was refused"]
    elif consent_position == ConsentPosition.NOT_SOUGHT and not_sought_reason not in NotSoughtReason.values:
        errors["not_sought_reason"] = ["Select why consent was not sought"]
    explanation_required = consent_position == ConsentPosition.NOT_SOUGHT and not_sought_reason == NotSoughtReason.OTHER
    case = {
        "consent_position": consent_position,
        "not_sought_reason": not_sought_reason if consent_position == ConsentPosition.NOT_SOUGHT else "",
        "consent_explanation": collect_text(
            consent_explanation,
            field="consent_explanation",
            label="The explanation",
            errors=errors,
            missing="Explain why consent was not sought" if explanation_required else "",
        ),
    }
    ground_ids = {getattr(g, "pk", g) for g in grounds or ()}
    case["grounds"] = list(
        PublicInterestGround.objects.filter(
            pack_id=disclosure.protocol_pack_id, pk__in=[i for i in ground_ids if isinstance(i, int)]
        )
    )
    if not ground_ids or len(case["grounds"]) != len(ground_ids):
        errors["grounds"] = ["Select the public-interest grounds from this request's protocol"]
    case["art6_condition"] = _basis(
        disclosure, art6_condition, LawfulBasisCategory.ART6, field="art6_condition",
        missing="Select the Article 6 condition", errors=errors,
    )
    needed = override_conditions_needed(disclosure=disclosure)
    case["art9_condition"] = case["dpa_sch1_condition"] = None
    if needed["art9"]:
        case["art9_condition"] = _basis(
            disclosure, art9_condition, LawfulBasisCategory.ART9, field="art9_condition",
            missing="Select the Article 9 condition: special category data is involved", errors=errors,
        )
    elif art9_condition:
        errors["art9_condition"] = ["Special category data is not involved: leave the Article 9 condition empty"]
    if needed["dpa_sch1"]:
        case["dpa_sch1_condition"] = _basis(
            disclosure, dpa_sch1_condition, LawfulBasisCategory.DPA_SCH1, field="dpa_sch1_condition",
            missing="Select the DPA 2018 Schedule 1 condition: criminal-offence data is involved", errors=errors,
        )
    elif dpa_sch1_condition:
        errors["dpa_sch1_condition"] = ["Criminal-offence data is not involved: leave the Schedule 1 condition empty"]
    for name, missing, label in OVERRIDE_TEXTS:
        case[name] = collect_text(texts.get(name), field=name, label=label, errors=errors, missing=missing)
    return case, errors


@transaction.atomic
def override_propose(
    *,
    disclosure: DisclosureRequest,
    consent_position: str,
    not_sought_reason: str = "",
    consent_explanation: str = "",
    grounds: list[PublicInterestGround] | tuple = (),
    art6_condition: LawfulBasis | int | None,
    art9_condition: LawfulBasis | int | None = None,
    dpa_sch1_condition: LawfulBasis | int | None = None,
    proportionality: str,
    risk_of_not_sharing: str,
    alternatives_considered: str,
    acting_user: User,
    acting_membership: Membership | None = None,
) -> PublicInterestOverride:
    """The responder proposes sharing without consent in the public interest (SSP 6.2–6.4). It
    goes to the holding organisation's designated officers for approval."""
    disclosure = disclosure_lock_for(
        override_may_propose,
        user=acting_user,
        membership=acting_membership,
        disclosure=disclosure,
        refusal="Only the officer this request is assigned to can propose an override",
    )
    run = flowchart_latest_completed(disclosure=disclosure)
    problem = override_propose_state_problem(disclosure=disclosure, run=run)
    if problem:
        raise ValidationError(problem)
    case, errors = override_case_problems(
        disclosure=disclosure,
        consent_position=consent_position,
        not_sought_reason=not_sought_reason,
        consent_explanation=consent_explanation,
        grounds=grounds,
        art6_condition=art6_condition,
        art9_condition=art9_condition,
        dpa_sch1_condition=dpa_sch1_condition,
        texts={
            "proportionality": proportionality,
            "risk_of_not_sharing": risk_of_not_sharing,
            "alternatives_considered": alternatives_considered,
        },
    )
    if errors:
        raise ValidationError(errors)
    return _override_write(disclosure=disclosure, run=run, case=case, acting_user=acting_user)


def _override_write(
    *, disclosure: DisclosureRequest, run: FlowchartRun | None, case: dict, acting_user: User
) -> PublicInterestOverride:
    """Record the checked case as a proposed override, log it and tell the approvers."""
    chosen_grounds = case.pop("grounds")
    override = PublicInterestOverride.objects.create(
        request=disclosure, flowchart_run=run, proposed_by=acting_user, status=OverrideStatus.PROPOSED, **case
    )
    override.grounds.set(chosen_grounds)
    art6, art9, dpa = override.art6_condition, override.art9_condition, override.dpa_sch1_condition
    disclosure_decision_record(
        disclosure,
        action="override.proposed",
        actor=acting_user,
        organisation=disclosure.holding_organisation,
        reasons=override_summary(override, chosen_grounds),
        details={
            "override_id": override.pk,
            "consent_position": override.consent_position,
            "not_sought_reason": override.not_sought_reason,
            "grounds": sorted(g.code for g in chosen_grounds),
            "art6": art6.code,
            "art9": art9.code if art9 else "",
            "dpa_sch1": dpa.code if dpa else "",
            "flowchart_run_id": run.pk if run else None,
        },
    )
    approvers = [u for u in designated_officers(disclosure.holding_organisation_id) if u.pk != acting_user.pk]
    notify_about(
        disclosure=disclosure, recipients=approvers, subject="A public-interest override is waiting for your approval",
        urgent=True,
    )
    return override


@transaction.atomic
def override_decide(
    *,
    override: PublicInterestOverride,
    approved: bool,
    reasons: str,
    acting_user: User,
    acting_membership: Membership | None,
) -> PublicInterestOverride:
    """The holding organisation's designated officer approves the override (the release may go
    ahead) or rejects it (back to the responder, with the reasons on the request). Four eyes:
    never the officer who proposed it, nor the responder."""
    request = disclosure_lock_for(
        override_may_decide,
        user=acting_user,
        membership=acting_membership,
        disclosure=override.request,
        refusal="Only the holding organisation's designated officer can decide an override",
    )
    override = PublicInterestOverride.objects.select_for_update().get(pk=override.pk, request=request)
    refusal = override_four_eyes_problem(user=acting_user, override=override, disclosure=request)
    if refusal:
        raise ValidationError(refusal)
    if override.status != OverrideStatus.PROPOSED:
        raise ValidationError("This override has already been decided.")
    if request.status not in (Status.IN_REVIEW, Status.AWAITING_ADVICE):
        raise ValidationError(f"This request is {_state_label(request)}: its override can no longer be decided.")
    reasons = clean_text(reasons, field="reasons", label="Your reasons", missing="Enter the reasons for your decision")
    override.status = OverrideStatus.APPROVED if approved else OverrideStatus.REJECTED
    override.decided_by = acting_user
    override.decided_at = timezone.now()
    override.decision_reasons = reasons
    override.save(update_fields=["status", "decided_by", "decided_at", "decision_reasons"])
    if not approved:
        RequestNote.objects.create(
            request=request,
            author=acting_user,
            organisation=request.holding_organisation,
            kind=NoteKind.OVERRIDE_REJECTED,
            text=reasons,
        )
    disclosure_decision_record(
        request,
        action="override.approved" if approved else "override.rejected",
        actor=acting_user,
        organisation=request.holding_organisation,
        reasons=reasons,
        details={"override_id": override.pk, "proposed_by_id": override.proposed_by_id},
    )
    if request.assignee_id:
        notify_about(
            disclosure=request,
            recipients=[request.assignee],
            subject="The public-interest override has been approved"
            if approved
            else "The public-interest override has been rejected",
        )
    return override


