"""The basis of a release (SSP 6; DOMAIN.md §4 step 4): consent relied on, or a public-interest
override approved by a designated officer, and the designated officers' queue.

- Consent (SSP 6.1, Appendix 5): when the responder's completed run of the key-questions
  flowchart answered "yes" to "Do you have consent to share?", the release relies on consent.
  The responder chooses the consent record (one given by or for a subject of the request) and
  which of its information items cover what is released (`consent_reliance_choose`). At release
  `disclosure_decide` checks it again with `consent.services.consent_coverage_problems`
  (recipient, purpose, information, not withdrawn, not expired) through `release_basis_check`.
  A consent withdrawn later flags every open request relying on it to its responder
  (`consent_withdrawal_flag`, registered with the consent app in SharingConfig.ready()).
- Public-interest override (SSP 6.2–6.4): when the run ended in "share in the public interest",
  the responder records why consent was not sought (or that it was refused), the grounds, the
  Art 6 / Art 9 / DPA 2018 Sch 1 conditions, proportionality, the risk of not sharing and the
  alternatives considered (`override_propose`). The holding organisation's designated officer
  approves or rejects it with reasons (`override_decide`); never the person who proposed it, nor
  the responder (four eyes). Nothing is released until it is approved; a rejection goes back to
  the responder with the reasons.
- The designated officers' queue: overrides, disputes, requests for advice and onward
  disclosure requests waiting for the designated officers of one organisation, oldest first.

Every state change here is one atomic service on a locked request row that writes the decision
log in the same transaction (SSP Appendix 4 rule 7) and queues notifications for after commit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from consent import selectors as consent_selectors
from consent import services as consent_services
from consent.models import ConsentRecord
from portal.models import (
    DataSubject,
    FlowchartAnswer,
    FlowchartOutcome,
    LawfulBasis,
    Membership,
    PublicInterestGround,
    User,
)
from portal.models.protocol import LawfulBasisCategory
from sharing.lifecycle import OPEN_STATUSES
from sharing.models import (
    ConsentPosition,
    ConsentReliance,
    DisclosureRequest,
    Dispute,
    DisputeStatus,
    FlowchartRun,
    NoteKind,
    NotSoughtReason,
    OnwardRequest,
    OnwardStatus,
    OverrideStatus,
    PublicInterestOverride,
    RequestNote,
    RequestSubject,
    Status,
)
from sharing.selectors import access_disclosure, lock_disclosure_for_system, visible_disclosures
from sharing.services.common import designated_officers, log_decision, notify_about
from sharing.services.review import (
    SHARE_OUTCOMES,
    flowchart_latest_completed,
    is_holding_designated_officer,
)

TEXT_MAX_LENGTH = 5000
CONSENT_NODE = "consent"
LIVE_OVERRIDE = (OverrideStatus.PROPOSED, OverrideStatus.APPROVED)
# A consent withdrawn while a request relying on it is still being handled is flagged on it.
FLAGGED_STATUSES = {*OPEN_STATUSES, Status.DISPUTED}


def _clean_text(value: str, *, field: str, missing: str, label: str, required: bool = True) -> str:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationError({field: missing})
        return ""
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError({field: f"{label} must be {TEXT_MAX_LENGTH:,} characters or fewer"})
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise ValidationError({field: f"{label} must not contain control characters"})
    return text


def _collect(errors: dict[str, list[str]], field: str, call):
    """Run a cleaning call, putting its ValidationError under `errors` instead of raising."""
    try:
        return call()
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key if key != "__all__" else field, []).extend(messages)
        return None


def _state_label(request: DisclosureRequest) -> str:
    return Status(request.status).label.lower()


# ---------------------------------------------------------------------------------------------
# Which basis a release needs
# ---------------------------------------------------------------------------------------------


def relies_on_consent(run: FlowchartRun | None) -> bool:
    """The run ended in a share outcome through a "yes" to the consent question."""
    return bool(
        run is not None
        and run.outcome in SHARE_OUTCOMES
        and any(
            isinstance(step, dict) and step.get("node") == CONSENT_NODE and step.get("answer") == FlowchartAnswer.YES
            for step in run.path or []
        )
    )


def relies_on_public_interest(run: FlowchartRun | None) -> bool:
    return run is not None and run.outcome == FlowchartOutcome.SHARE_PUBLIC_INTEREST


def override_latest(*, request: DisclosureRequest) -> PublicInterestOverride | None:
    return request.overrides.select_related("proposed_by", "decided_by").order_by("-proposed_at", "-pk").first()


def override_live(*, request: DisclosureRequest) -> PublicInterestOverride | None:
    """The override proposed or approved on this request, if any (there is at most one)."""
    return request.overrides.filter(status__in=LIVE_OVERRIDE).order_by("-proposed_at", "-pk").first()


def consent_reliance_current(*, request: DisclosureRequest) -> ConsentReliance | None:
    return (
        request.consent_reliances.filter(is_current=True)
        .select_related("consent", "consent__subject", "chosen_by")
        .first()
    )


@dataclass
class ReleaseBasis:
    """What `disclosure_decide` needs to know about the basis of a release: the problems that stop
    it (`problems`; the consent's own failing conditions are also in `consent_problems`), and the
    override or consent relied on when it may go ahead."""

    problems: list[str] = field(default_factory=list)
    consent_problems: list[str] = field(default_factory=list)
    reliance: ConsentReliance | None = None
    override: PublicInterestOverride | None = None


def release_basis_check(*, request: DisclosureRequest, run: FlowchartRun | None, on_date: date) -> ReleaseBasis:
    """SSP 6: a release through "consent: yes" needs a consent record that covers it; a release
    in the public interest needs an approved override. Any other share outcome needs neither."""
    basis = ReleaseBasis()
    if relies_on_public_interest(run):
        override = override_latest(request=request)
        if override is None:
            basis.problems.append(
                "This release rests on the public interest: propose a public-interest override and have it "
                "approved by a designated officer before you release anything (SSP 6.2–6.4)"
            )
        elif override.status == OverrideStatus.PROPOSED:
            basis.problems.append(
                "The public-interest override is waiting for a designated officer's approval: nothing can be "
                "released until it is approved"
            )
        elif override.status == OverrideStatus.REJECTED:
            basis.problems.append(
                "The public-interest override was rejected: propose a new one, or decline the request"
            )
        else:
            basis.override = override
    if relies_on_consent(run):
        reliance = consent_reliance_current(request=request)
        if reliance is None:
            basis.problems.append(
                "This release relies on consent: choose the consent record it relies on before you release "
                "anything (SSP 6.1)"
            )
        else:
            found = consent_services.consent_coverage_problems(
                consent=reliance.consent,
                recipient_organisation=request.requesting_organisation,
                purpose=request.purpose,
                information_items=list(reliance.information_items or []),
                on_date=on_date,
                disclosing_organisation=request.holding_organisation,
            )
            if found:
                basis.consent_problems = list(found)
                basis.problems.extend(f"Consent {reliance.consent.reference}: {problem}" for problem in found)
            basis.reliance = reliance
    return basis


# ---------------------------------------------------------------------------------------------
# Consent relied on (SSP 6.1, Appendix 5)
# ---------------------------------------------------------------------------------------------


def consent_candidates(*, request: DisclosureRequest) -> QuerySet[ConsentRecord]:
    """Consent records given by or for a subject of this request, newest first."""
    return consent_selectors.consents_about_subjects(subject_ids=request.subjects.values_list("subject_id", flat=True))


def request_subjects_visible_to(*, user: User):
    """For the consent app (`register_subject_source`): the people `user` may record a consent
    for because they are subjects of requests `user` has need-to-know on."""
    return DataSubject.objects.filter(
        pk__in=RequestSubject.objects.filter(request__in=visible_disclosures(user=user)).values("subject_id")
    )


@transaction.atomic
def consent_reliance_choose(
    *,
    request: DisclosureRequest,
    consent: ConsentRecord,
    information_items: list[str],
    acting_user: User,
    acting_membership: Membership | None = None,
) -> ConsentReliance:
    """The responder chooses the consent record the release will rely on, and which of its
    information items cover what is released. Refused now if it does not cover this disclosure
    today; checked again at release."""
    # Checked before the lock as well as after it: someone without need-to-know is refused for
    # not being the assignee, as before, not with the lock's 404.
    if request.assignee_id != acting_user.pk:
        raise PermissionDenied("Only the officer this request is assigned to can choose the consent relied on")
    request = access_disclosure(user=acting_user, pk=request.pk, for_update=True)
    if request.assignee_id != acting_user.pk:
        raise PermissionDenied("Only the officer this request is assigned to can choose the consent relied on")
    if request.status != Status.IN_REVIEW:
        raise ValidationError(
            f"This request is {_state_label(request)}: the consent relied on is chosen during the review."
        )
    if not relies_on_consent(flowchart_latest_completed(request=request)):
        raise ValidationError(
            "The key-questions flowchart did not end in sharing with consent: there is no consent to rely on."
        )
    consent = consent_candidates(request=request).filter(pk=getattr(consent, "pk", None)).first()
    if consent is None:
        raise ValidationError({"consent": "Select a consent record given by or for a subject of this request"})
    chosen = list(dict.fromkeys(" ".join(str(item or "").split()) for item in information_items or ()))
    chosen = [item for item in chosen if item]
    if not chosen:
        raise ValidationError(
            {"information_items": "Select the information covered by this consent that you will release"}
        )
    problems = consent_services.consent_coverage_problems(
        consent=consent,
        recipient_organisation=request.requesting_organisation,
        purpose=request.purpose,
        information_items=chosen,
        on_date=timezone.localdate(),
        disclosing_organisation=request.holding_organisation,
    )
    if problems:
        raise ValidationError({"__all__": [f"Consent {consent.reference}: {problem}" for problem in problems]})
    request.consent_reliances.filter(is_current=True).update(is_current=False)
    reliance = ConsentReliance.objects.create(
        request=request, consent=consent, information_items=chosen, chosen_by=acting_user, is_current=True
    )
    log_decision(
        request=request,
        action="consent.reliance_chosen",
        actor=acting_user,
        organisation=request.holding_organisation,
        reasons=f"The release will rely on consent {consent.reference}, for: " + "; ".join(chosen),
        details={"consent": consent.reference, "consent_id": consent.pk, "information_items": chosen},
    )
    return reliance


def consent_relied_upon_record(
    *, request: DisclosureRequest, reliance: ConsentReliance, decision, acting_user: User
) -> None:
    """At a release that relies on consent (in `disclosure_decide`'s transaction): tie the choice
    to the release, let the responder and the designated officers see the record, and log it."""
    reliance.decision = decision
    reliance.relied_at = timezone.now()
    reliance.save(update_fields=["decision", "relied_at"])
    consent_services.consent_grant_for_request(consent=reliance.consent, request=request, acting_user=acting_user)
    log_decision(
        request=request,
        action="consent.relied_upon",
        actor=acting_user,
        organisation=request.holding_organisation,
        reasons=f"Released relying on consent {reliance.consent.reference}, for: "
        + "; ".join(reliance.information_items or []),
        details={
            "consent": reliance.consent.reference,
            "consent_id": reliance.consent_id,
            "decision_id": decision.pk,
            "information_items": list(reliance.information_items or []),
        },
    )


@transaction.atomic
def consent_refusal_record(
    *, request: DisclosureRequest, consent: ConsentRecord, problems: list[str], outcome: str, acting_user: User
) -> None:
    """A release refused because the consent relied on does not cover it. Called after the
    refused attempt's transaction has rolled back, so that the refusal itself is kept."""
    request = access_disclosure(user=acting_user, pk=request.pk, for_update=True)
    log_decision(
        request=request,
        action="consent.refused_at_release",
        actor=acting_user,
        organisation=request.holding_organisation,
        reasons=f"Release refused: consent {consent.reference} does not cover it. " + " ".join(
            problem if problem.endswith(".") else f"{problem}." for problem in problems
        ),
        details={"consent": consent.reference, "consent_id": consent.pk, "problems": problems, "outcome": outcome},
    )


def consent_withdrawal_flag(*, consent: ConsentRecord, acting_user: User) -> list[DisclosureRequest]:
    """Listener for `consent.services.consent_withdraw`, run inside the withdrawal's transaction:
    every request still being handled that relies on the consent gets a note for its responder,
    a decision-log entry and a notification. Any later release relying on it is refused by the
    coverage check."""
    flagged = []
    reliances = (
        ConsentReliance.objects.filter(consent_id=consent.pk, is_current=True, request__status__in=FLAGGED_STATUSES)
        .order_by("request_id")
        .values_list("request_id", flat=True)
    )
    when = timezone.localtime(consent.withdrawn_at).strftime("%d %B %Y") if consent.withdrawn_at else "today"
    text = (
        f"Consent {consent.reference}, which this request relies on, was withdrawn on {when}. It no longer covers "
        "any release: choose another basis for sharing (run the key-questions flowchart again) or decline."
    )
    for request_id in reliances:
        request = lock_disclosure_for_system(pk=request_id)
        if request.status not in FLAGGED_STATUSES:
            continue
        RequestNote.objects.create(
            request=request,
            author=acting_user,
            organisation=consent.holder,
            kind=NoteKind.CONSENT_WITHDRAWN,
            text=text,
        )
        log_decision(
            request=request,
            action="consent.withdrawal_flagged",
            actor=acting_user,
            organisation=consent.holder,
            reasons=text,
            details={"consent": consent.reference, "consent_id": consent.pk},
        )
        recipients = [request.assignee] if request.assignee_id else designated_officers(request.holding_organisation_id)
        notify_about(
            request=request, recipients=recipients, subject="Consent relied on for a request has been withdrawn"
        )
        flagged.append(request)
    return flagged


# ---------------------------------------------------------------------------------------------
# Public-interest override (SSP 6.2–6.4)
# ---------------------------------------------------------------------------------------------


def override_conditions_needed(*, request: DisclosureRequest) -> dict[str, bool]:
    """Which conditions beyond Art 6 the override must give: Art 9 for special category data,
    DPA 2018 Schedule 1 for criminal-offence data."""
    return {"art9": bool(request.special_category), "dpa_sch1": bool(request.criminal_offence_data)}


def override_may_propose(*, user: User, request: DisclosureRequest) -> bool:
    return (
        request.assignee_id is not None
        and request.assignee_id == getattr(user, "pk", None)
        and request.status == Status.IN_REVIEW
        and relies_on_public_interest(flowchart_latest_completed(request=request))
    )


def override_may_decide(*, user: User, membership: Membership | None, request: DisclosureRequest) -> bool:
    """The holding organisation's designated officer, acting as such."""
    return bool(
        membership is not None
        and membership.user_id == getattr(user, "pk", None)
        and is_holding_designated_officer(membership=membership, request=request)
    )


def override_four_eyes_problem(*, user: User, override: PublicInterestOverride, request: DisclosureRequest) -> str:
    """Why `user` may not decide this override (four eyes), or "" when they may."""
    if override.proposed_by_id == user.pk:
        return "You proposed this override: another designated officer must approve or reject it (four eyes)"
    if request.assignee_id == user.pk:
        return (
            "You are the responder on this request: another designated officer must approve or reject its "
            "override (four eyes)"
        )
    return ""


def _basis(request: DisclosureRequest, pk, category: str, *, field: str, missing: str) -> LawfulBasis:
    basis = (
        LawfulBasis.objects.filter(pack_id=request.protocol_pack_id, category=category, pk=getattr(pk, "pk", pk))
        .first()
        if pk
        else None
    )
    if basis is None:
        raise ValidationError({field: missing})
    return basis


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


@transaction.atomic
def override_propose(
    *,
    request: DisclosureRequest,
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
    # Checked before the lock as well as after it: someone without need-to-know is refused for
    # not being the assignee, as before, not with the lock's 404.
    if request.assignee_id != acting_user.pk:
        raise PermissionDenied("Only the officer this request is assigned to can propose an override")
    request = access_disclosure(user=acting_user, pk=request.pk, for_update=True)
    if request.assignee_id != acting_user.pk:
        raise PermissionDenied("Only the officer this request is assigned to can propose an override")
    if request.status != Status.IN_REVIEW:
        raise ValidationError(f"This request is {_state_label(request)}: an override is proposed during the review.")
    run = flowchart_latest_completed(request=request)
    if not relies_on_public_interest(run):
        raise ValidationError(
            "An override is proposed when the key-questions flowchart ends in “share in the public interest”: "
            "run the flowchart first."
        )
    live = override_live(request=request)
    if live is not None:
        raise ValidationError(
            "This request's override is already waiting for a designated officer's approval."
            if live.status == OverrideStatus.PROPOSED
            else "This request's override has already been approved."
        )

    errors: dict[str, list[str]] = {}
    if consent_position not in ConsentPosition.values:
        errors["consent_position"] = ["Select whether consent was not sought or was refused"]
    elif consent_position == ConsentPosition.NOT_SOUGHT and not_sought_reason not in NotSoughtReason.values:
        errors["not_sought_reason"] = ["Select why consent was not sought"]
    explanation_required = consent_position == ConsentPosition.NOT_SOUGHT and not_sought_reason == NotSoughtReason.OTHER
    consent_explanation = _collect(
        errors,
        "consent_explanation",
        lambda: _clean_text(
            consent_explanation,
            field="consent_explanation",
            missing="Explain why consent was not sought",
            label="The explanation",
            required=explanation_required,
        ),
    )
    ground_ids = {getattr(g, "pk", g) for g in grounds or ()}
    chosen_grounds = list(
        PublicInterestGround.objects.filter(
            pack_id=request.protocol_pack_id, pk__in=[i for i in ground_ids if isinstance(i, int)]
        )
    )
    if not ground_ids or len(chosen_grounds) != len(ground_ids):
        errors["grounds"] = ["Select the public-interest grounds from this request's protocol"]
    art6 = _collect(
        errors,
        "art6_condition",
        lambda: _basis(request, art6_condition, LawfulBasisCategory.ART6, field="art6_condition",
                       missing="Select the Article 6 condition"),
    )
    needed = override_conditions_needed(request=request)
    art9 = dpa = None
    if needed["art9"]:
        art9 = _collect(
            errors,
            "art9_condition",
            lambda: _basis(request, art9_condition, LawfulBasisCategory.ART9, field="art9_condition",
                           missing="Select the Article 9 condition: special category data is involved"),
        )
    elif art9_condition:
        errors["art9_condition"] = ["Special category data is not involved: leave the Article 9 condition empty"]
    if needed["dpa_sch1"]:
        dpa = _collect(
            errors,
            "dpa_sch1_condition",
            lambda: _basis(request, dpa_sch1_condition, LawfulBasisCategory.DPA_SCH1, field="dpa_sch1_condition",
                           missing="Select the DPA 2018 Schedule 1 condition: criminal-offence data is involved"),
        )
    elif dpa_sch1_condition:
        errors["dpa_sch1_condition"] = ["Criminal-offence data is not involved: leave the Schedule 1 condition empty"]
    texts = {}
    for name, missing, label in (
        (
            "proportionality",
            "Explain why this much information, to these people, is proportionate",
            "The proportionality case",
        ),
        ("risk_of_not_sharing", "Enter the risk of not sharing", "The risk of not sharing"),
        (
            "alternatives_considered",
            "Enter the less intrusive alternatives you considered",
            "The alternatives considered",
        ),
    ):
        value = {"proportionality": proportionality, "risk_of_not_sharing": risk_of_not_sharing,
                 "alternatives_considered": alternatives_considered}[name]
        texts[name] = _collect(
            errors, name, lambda value=value, name=name, missing=missing, label=label: _clean_text(
                value, field=name, missing=missing, label=label
            )
        )
    if errors:
        raise ValidationError(errors)

    override = PublicInterestOverride.objects.create(
        request=request,
        flowchart_run=run,
        consent_position=consent_position,
        not_sought_reason=not_sought_reason if consent_position == ConsentPosition.NOT_SOUGHT else "",
        consent_explanation=consent_explanation or "",
        art6_condition=art6,
        art9_condition=art9,
        dpa_sch1_condition=dpa,
        proposed_by=acting_user,
        status=OverrideStatus.PROPOSED,
        **texts,
    )
    override.grounds.set(chosen_grounds)
    log_decision(
        request=request,
        action="override.proposed",
        actor=acting_user,
        organisation=request.holding_organisation,
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
    approvers = [u for u in designated_officers(request.holding_organisation_id) if u.pk != acting_user.pk]
    notify_about(
        request=request, recipients=approvers, subject="A public-interest override is waiting for your approval"
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
    # Checked before the lock as well as after it: someone without need-to-know is refused for
    # not being the designated officer, as before, not with the lock's 404.
    if not override_may_decide(user=acting_user, membership=acting_membership, request=override.request):
        raise PermissionDenied("Only the holding organisation's designated officer can decide an override")
    request = access_disclosure(user=acting_user, pk=override.request_id, for_update=True)
    if not override_may_decide(user=acting_user, membership=acting_membership, request=request):
        raise PermissionDenied("Only the holding organisation's designated officer can decide an override")
    override = PublicInterestOverride.objects.select_for_update().get(pk=override.pk, request=request)
    refusal = override_four_eyes_problem(user=acting_user, override=override, request=request)
    if refusal:
        raise ValidationError(refusal)
    if override.status != OverrideStatus.PROPOSED:
        raise ValidationError("This override has already been decided.")
    if request.status not in (Status.IN_REVIEW, Status.AWAITING_ADVICE):
        raise ValidationError(f"This request is {_state_label(request)}: its override can no longer be decided.")
    reasons = _clean_text(reasons, field="reasons", missing="Enter the reasons for your decision", label="Your reasons")
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
    log_decision(
        request=request,
        action="override.approved" if approved else "override.rejected",
        actor=acting_user,
        organisation=request.holding_organisation,
        reasons=reasons,
        details={"override_id": override.pk, "proposed_by_id": override.proposed_by_id},
    )
    if request.assignee_id:
        notify_about(
            request=request,
            recipients=[request.assignee],
            subject="The public-interest override has been approved"
            if approved
            else "The public-interest override has been rejected",
        )
    return override


# ---------------------------------------------------------------------------------------------
# The designated officers' queue (reads)
# ---------------------------------------------------------------------------------------------

QUEUE_CAP = 25
QUEUE_SECTIONS = ("overrides", "disputes", "advice", "onward")


@dataclass
class QueueSection:
    code: str
    title: str
    rows: list
    total: int
    page: int = 1
    cap: int = QUEUE_CAP

    @property
    def first(self) -> int:
        return (self.page - 1) * self.cap + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.cap + len(self.rows)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.cap))


def age_label(since: datetime | None, *, now: datetime | None = None) -> str:
    """How long something has waited, in whole days (hours under a day)."""
    if since is None:
        return ""
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    days, hours = seconds // 86400, seconds // 3600
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "less than an hour"


def designated_queue(*, organisation_id: int, cap: int = QUEUE_CAP, pages: dict[str, int] | None = None) -> list[QueueSection]:
    """What waits for the designated officers of one organisation, oldest first, each section a
    page of `cap` rows (`pages`: the page wanted per section code, default the first; past the
    end gives the last) with its full count. Triage fields only: no subject, no content.
    A fixed number of queries whatever the sizes."""
    pages = pages or {}
    request_fields = ("request__requesting_organisation", "request__purpose")
    overrides = PublicInterestOverride.objects.filter(
        status=OverrideStatus.PROPOSED,
        request__holding_organisation_id=organisation_id,
        request__status__in=(Status.IN_REVIEW, Status.AWAITING_ADVICE),
    )
    disputes = Dispute.objects.filter(
        status=DisputeStatus.OPEN, request__status=Status.DISPUTED, request__holding_organisation_id=organisation_id
    )
    sought = (
        RequestNote.objects.filter(request=OuterRef("pk"), kind=NoteKind.ADVICE_SOUGHT)
        .values("request")
        .annotate(latest=Max("created_at"))
        .values("latest")
    )
    advice = DisclosureRequest.objects.filter(
        holding_organisation_id=organisation_id, status=Status.AWAITING_ADVICE
    ).annotate(waiting_since=Subquery(sought))
    onward = OnwardRequest.objects.filter(status=OnwardStatus.PENDING, request__holding_organisation_id=organisation_id)
    querysets = [
        ("overrides", "Public-interest overrides to approve",
         overrides.select_related(*request_fields, "request", "proposed_by").order_by("proposed_at", "pk")),
        ("disputes", "Disputed decisions",
         disputes.select_related(*request_fields, "request", "raised_by").order_by("raised_at", "pk")),
        ("advice", "Requests for advice",
         advice.select_related("requesting_organisation", "purpose", "assignee").order_by("waiting_since", "pk")),
        ("onward", "Onward disclosure requests",
         onward.select_related(*request_fields, "request", "to_organisation", "requested_by").order_by("requested_at", "pk")),
    ]
    sections = []
    for code, title, rows in querysets:
        total = rows.count()
        last_page = max(1, -(-total // cap))
        page = min(max(1, pages.get(code, 1)), last_page)
        offset = (page - 1) * cap
        sections.append(QueueSection(code, title, list(rows[offset : offset + cap]), total, page, cap))
    return sections

