"""The holding organisation's review of a disclosure request, before the decision (DOMAIN.md §4
steps 3–5, §6; SSP 5.6, 9, Appendices 3 and 4).

- Assignment: B's designated officer assigns a request to one of B's officers, or an officer picks
  up an unassigned one. The assignee alone is granted the `access_disclosure` object permission
  (django-guardian, direct foreign keys); a reassignment moves it.
- Return for more information: the assignee or B's designated officer sends it back to the requester.
- The key-questions flowchart (SSP Appendix 3): one answer at a time, the path kept on the run;
  "not sure" sends the request to B's designated officer for advice; a safeguarding concern is
  recorded at any point without blocking; every other outcome is completed with the reasons.
- Sub judice (SSP 5.6): the consultation with the investigating officer or the CPS is recorded.

Every function here is one state change: atomic, on a locked request row, logged in the same
transaction (SSP Appendix 4 rule 7), notifications queued for after commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from portal.models import FlowchartAnswer, FlowchartNode, FlowchartOutcome, Membership, User
from portal.roles import Role
from portal.text import clean_text
from sharing import lifecycle
from sharing.lifecycle import disclosure_decision_record
from sharing.models import (
    DisclosureRequest,
    FlowchartRun,
    NoteKind,
    RequestNote,
    Status,
    SubJudiceConsultation,
)
from sharing.retention import disclosure_copies_record
from sharing.selectors import (
    HOLDING_ROLES,
    lock_disclosure_for,
)
from sharing.services.common import designated_officers, notify_about

PERMISSION = "sharing.access_disclosure"
# Open states in which the request can be (re)assigned: not while it is back with the requester.
ASSIGNABLE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_ADVICE)
SHARE_OUTCOMES = frozenset(
    {FlowchartOutcome.SHARE, FlowchartOutcome.SHARE_DEPERSONALISED, FlowchartOutcome.SHARE_PUBLIC_INTEREST}
)
# Answering "yes" to these questions (consent given; sufficient public interest) needs the
# responder's written justification (the consent issue makes it rigorous).
JUSTIFIED_QUESTIONS = frozenset({"consent", "public-interest"})
NOTE_MAX = 5000


# ---------------------------------------------------------------------------------------------
# Guarded reads for people who do not yet have need-to-know
# ---------------------------------------------------------------------------------------------


def is_holding_officer(*, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    return bool(
        membership
        and membership.role in HOLDING_ROLES
        and disclosure.holding_organisation_id is not None
        and membership.organisation_id == disclosure.holding_organisation_id
    )


def is_holding_designated_officer(*, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    return bool(
        membership
        and membership.role == Role.DESIGNATED_OFFICER
        and disclosure.holding_organisation_id is not None
        and membership.organisation_id == disclosure.holding_organisation_id
    )


def assignable_officers(*, organisation_id: int) -> list[Membership]:
    """B's active officers and designated officers, one entry per person."""
    seen: dict[int, Membership] = {}
    for membership in (
        Membership.objects.active()
        .filter(organisation_id=organisation_id, role__in=HOLDING_ROLES)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username", "role")
    ):
        seen.setdefault(membership.user_id, membership)
    return list(seen.values())


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


ASSIGNEE_ONLY = "Only the officer this request is assigned to can do this."


def _require_status(disclosure: DisclosureRequest, *statuses: str, message: str) -> None:
    if disclosure.status not in statuses:
        raise ValidationError(message)


def _is_assignee(*, user: User, disclosure: DisclosureRequest) -> bool:
    return disclosure.assignee_id is not None and disclosure.assignee_id == getattr(user, "pk", None)


def _is_designated_holding(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    return is_holding_designated_officer(membership=membership, disclosure=disclosure) and membership.user_id == user.pk


def _acting_membership(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> Membership | None:
    """The membership a service acts in: the one given, or for callers that give none (the demo,
    tests) the person's designated-officer membership of the holding organisation, if any."""
    if membership is not None:
        return membership
    return (
        Membership.objects.active()
        .filter(user=user, organisation_id=disclosure.holding_organisation_id, role=Role.DESIGNATED_OFFICER)
        .first()
    )


# ---------------------------------------------------------------------------------------------
# Who may do what (the view's guard, the buttons and the service call these; when the state
# allows it is for the transition table and the service to say)
# ---------------------------------------------------------------------------------------------


def disclosure_may_pick_up(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """An officer of the holding organisation, acting for it, when no one else has the request."""
    return is_holding_officer(membership=membership, disclosure=disclosure) and disclosure.assignee_id in (
        None,
        getattr(user, "pk", None),
    )


def disclosure_may_assign(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The holding organisation's designated officer, acting as such."""
    return _is_designated_holding(user=user, membership=membership, disclosure=disclosure)


def disclosure_may_return(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The assignee, or the holding organisation's designated officer."""
    return _is_assignee(user=user, disclosure=disclosure) or _is_designated_holding(
        user=user, membership=membership, disclosure=disclosure
    )


def flowchart_may_run(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The assignee runs the key-questions flowchart (while in review)."""
    return _is_assignee(user=user, disclosure=disclosure)


def sub_judice_may_record(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The assignee records the sub judice consultation (during the review)."""
    return _is_assignee(user=user, disclosure=disclosure)


def advice_may_seek(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The assignee seeks advice, from their own run of the flowchart."""
    return _is_assignee(user=user, disclosure=disclosure)


def advice_may_give(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The holding organisation's designated officer gives advice."""
    return _is_designated_holding(user=user, membership=membership, disclosure=disclosure)


# ---------------------------------------------------------------------------------------------
# Assignment
# ---------------------------------------------------------------------------------------------


def _assign(*, disclosure: DisclosureRequest, assignee: User, acting_user: User, picked_up: bool) -> DisclosureRequest:
    """Move the assignment (and the object permission) on a locked request, log it, tell the assignee."""
    if not (
        Membership.objects.active()
        .filter(user=assignee, organisation_id=disclosure.holding_organisation_id, role__in=HOLDING_ROLES)
        .exists()
    ):
        raise ValidationError({"assignee": "Choose an officer of your organisation"})
    previous = disclosure.assignee
    if previous is not None and previous.pk == assignee.pk and disclosure.status != Status.SUBMITTED:
        raise ValidationError({"assignee": f"This request is already assigned to {assignee.display_name}"})

    if picked_up:
        reasons = f"Picked up by {assignee.display_name}"
    elif previous is not None and previous.pk != assignee.pk:
        reasons = f"Reassigned from {previous.display_name} to {assignee.display_name}"
    else:
        reasons = f"Assigned to {assignee.display_name}"
    details = {"assignee_id": assignee.pk, "previous_assignee_id": previous.pk if previous else None}
    disclosure.assignee = assignee
    disclosure.assigned_at = timezone.now()
    if disclosure.status == Status.SUBMITTED:
        # The first assignment starts the review: the move and its entry are one.
        lifecycle.transition(
            disclosure,
            Status.IN_REVIEW,
            acting_user=acting_user,
            organisation=disclosure.holding_organisation,
            event="request.assigned",
            reasons=reasons,
            details=details,
            update_fields=["assignee", "assigned_at"],
        )
    else:
        disclosure.save(update_fields=["assignee", "assigned_at", "updated_at"])
        disclosure_decision_record(
            disclosure,
            actor=acting_user,
            organisation=disclosure.holding_organisation,
            action="request.assigned",
            reasons=reasons,
            details=details,
        )
    if previous is not None and previous.pk != assignee.pk:
        remove_perm(PERMISSION, previous, disclosure)
    assign_perm(PERMISSION, assignee, disclosure)
    disclosure_copies_record(request=disclosure)  # the holding organisation's copy: the assignee is its officer
    if assignee.pk != acting_user.pk:
        notify_about(
            disclosure=disclosure, recipients=[assignee], subject="A request for information has been assigned to you"
        )
    return disclosure


def _check_acting(acting_user: User, acting_membership: Membership | None) -> None:
    if acting_membership is None or acting_membership.user_id != acting_user.pk or not acting_membership.is_active:
        raise ValidationError("You cannot assign this request.")


@transaction.atomic
def disclosure_assign(
    *, disclosure: DisclosureRequest, assignee: User, acting_user: User, acting_membership: Membership
) -> DisclosureRequest:
    """B's designated officer assigns the request to an officer of B, or reassigns it while it is
    open (submitted, in review, awaiting advice). The assignee alone gets the object permission;
    a previous assignee loses it."""
    _check_acting(acting_user, acting_membership)
    refusal = "Only your organisation's designated officer can assign this request."
    disclosure = lock_disclosure_for(
        user=acting_user, membership=acting_membership, pk=disclosure.pk, refusal=refusal, triage=True
    )
    if not disclosure_may_assign(user=acting_user, membership=acting_membership, disclosure=disclosure):
        raise ValidationError(refusal)
    _require_status(
        disclosure,
        *ASSIGNABLE_STATUSES,
        message=f"This request is {Status(disclosure.status).label.lower()}: it cannot be assigned now.",
    )
    return _assign(disclosure=disclosure, assignee=assignee, acting_user=acting_user, picked_up=False)


@transaction.atomic
def disclosure_pick_up(
    *, disclosure: DisclosureRequest, acting_user: User, acting_membership: Membership
) -> DisclosureRequest:
    """An officer of B takes an unassigned submitted request, or takes back up one that was
    returned to the requester and has been resubmitted while assigned to them."""
    _check_acting(acting_user, acting_membership)
    refusal = "Only an officer of the holding organisation can pick up this request."
    disclosure = lock_disclosure_for(
        user=acting_user, membership=acting_membership, pk=disclosure.pk, refusal=refusal, triage=True
    )
    if not disclosure_may_pick_up(user=acting_user, membership=acting_membership, disclosure=disclosure):
        if not is_holding_officer(membership=acting_membership, disclosure=disclosure):
            raise ValidationError(refusal)
        raise ValidationError("This request has already been picked up by another officer.")
    if disclosure.assignee_id == acting_user.pk and disclosure.status != Status.SUBMITTED:
        raise ValidationError("This request is already assigned to you.")
    _require_status(
        disclosure,
        Status.SUBMITTED,
        message=f"This request is {Status(disclosure.status).label.lower()}: it cannot be picked up now.",
    )
    return _assign(disclosure=disclosure, assignee=acting_user, acting_user=acting_user, picked_up=True)


# ---------------------------------------------------------------------------------------------
# Return for more information
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def disclosure_return(
    *, disclosure: DisclosureRequest, text: str, acting_user: User, acting_membership: Membership | None = None
) -> RequestNote:
    """The assignee or B's designated officer asks the requester for more information."""
    refusal = "Only the assigned officer or the designated officer can return this request."
    disclosure = lock_disclosure_for(user=acting_user, membership=acting_membership, pk=disclosure.pk, refusal=refusal)
    acting_as = _acting_membership(user=acting_user, membership=acting_membership, disclosure=disclosure)
    if not disclosure_may_return(user=acting_user, membership=acting_as, disclosure=disclosure):
        raise ValidationError(refusal)
    if not lifecycle.can_transition(disclosure, Status.RETURNED):
        raise ValidationError(
            f"This request is {Status(disclosure.status).label.lower()}: it cannot be returned for more information."
        )
    text = clean_text(text, field="text", label="What more information you need", missing="Enter what more information you need")
    note = RequestNote.objects.create(
        request=disclosure,
        author=acting_user,
        organisation=disclosure.holding_organisation,
        kind=NoteKind.RETURNED,
        text=text,
    )
    lifecycle.transition(
        disclosure,
        Status.RETURNED,
        acting_user=acting_user,
        organisation=disclosure.holding_organisation,
        event="request.returned",
        reasons=text,
    )
    notify_about(
        disclosure=disclosure, recipients=[disclosure.requester], subject="Your request has been returned for more information"
    )
    return note


# ---------------------------------------------------------------------------------------------
# The key-questions flowchart
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowchartPosition:
    """Where a run stands: the next question to answer, or the outcome reached."""

    next_node: str | None
    outcome: str | None
    answered: tuple[str, ...]  # node codes answered, in order


def flowchart_nodes(*, disclosure: DisclosureRequest) -> dict[str, FlowchartNode]:
    return {node.code: node for node in disclosure.protocol_pack.flowchart_nodes.all()}


def flowchart_start_code(nodes: dict[str, FlowchartNode]) -> str:
    for node in nodes.values():
        if node.is_start:
            return node.code
    return next(iter(nodes))


def flowchart_position(*, run: FlowchartRun, nodes: dict[str, FlowchartNode]) -> FlowchartPosition:
    expected: str | None = flowchart_start_code(nodes)
    outcome: str | None = None
    answered: list[str] = []
    for step in run.path or []:
        node = nodes.get(step.get("node")) if isinstance(step, dict) else None
        if node is None or node.code != expected:
            break
        answered.append(node.code)
        target = node.answers.get(step.get("answer"), {})
        expected, outcome = target.get("node"), target.get("outcome")
        if outcome:
            break
    return FlowchartPosition(next_node=None if outcome else expected, outcome=outcome, answered=tuple(answered))


def flowchart_open_run(*, disclosure: DisclosureRequest, user: User) -> FlowchartRun | None:
    return (
        disclosure.flowchart_runs.filter(responder=user, completed_at__isnull=True).order_by("-started_at", "-pk").first()
    )


def flowchart_latest_completed(*, disclosure: DisclosureRequest) -> FlowchartRun | None:
    return disclosure.flowchart_runs.filter(completed_at__isnull=False).order_by("-completed_at", "-pk").first()


def justification_required(run: FlowchartRun) -> bool:
    return any(
        isinstance(step, dict) and step.get("node") in JUSTIFIED_QUESTIONS and step.get("answer") == FlowchartAnswer.YES
        for step in run.path or []
    )


def path_summary(run: FlowchartRun) -> list[dict]:
    """The path without the notes: node codes and answers only (safe for the decision log)."""
    return [
        {"node": step.get("node"), "answer": step.get("answer")} for step in run.path or [] if isinstance(step, dict)
    ]


def _lock_run(run: FlowchartRun, *, acting_user: User) -> tuple[DisclosureRequest, FlowchartRun]:
    request = lock_disclosure_for(user=acting_user, pk=run.request_id, refusal=ASSIGNEE_ONLY)
    run = FlowchartRun.objects.select_for_update().get(pk=run.pk)
    run.request = request
    return request, run


def _require_reviewing(disclosure: DisclosureRequest, user: User, rule=flowchart_may_run) -> None:
    if not rule(user=user, membership=None, disclosure=disclosure):
        raise ValidationError(ASSIGNEE_ONLY)
    _require_status(
        disclosure,
        Status.IN_REVIEW,
        message=f"This request is {Status(disclosure.status).label.lower()}: "
        "the flowchart can only be run while it is in review.",
    )


@transaction.atomic
def flowchart_run_start(*, disclosure: DisclosureRequest, acting_user: User) -> FlowchartRun:
    """The assignee's open run on this request, or a new one."""
    disclosure = lock_disclosure_for(user=acting_user, pk=disclosure.pk, refusal=ASSIGNEE_ONLY)
    _require_reviewing(disclosure, acting_user)
    run = flowchart_open_run(disclosure=disclosure, user=acting_user)
    if run is None:
        run = FlowchartRun.objects.create(request=disclosure, responder=acting_user, path=[])
    return run


@transaction.atomic
def flowchart_answer(
    *,
    run: FlowchartRun,
    node_code: str,
    answer: str,
    note: str = "",
    safeguarding_concern: bool = False,
    acting_user: User,
) -> tuple[FlowchartRun, dict]:
    """Record one answer. Answering a question already on the path again drops the answers
    after it. Returns the run and where the answer leads ({"node": code} or {"outcome": code})."""
    request, run = _lock_run(run, acting_user=acting_user)
    _require_reviewing(request, acting_user)
    if run.responder_id != acting_user.pk or run.completed_at is not None:
        raise ValidationError("This run of the flowchart is finished: start it again from the request page.")
    nodes = flowchart_nodes(disclosure=request)
    node = nodes.get(node_code)
    if node is None:
        raise ValidationError("There is no such question.")
    if answer not in FlowchartAnswer.values:
        raise ValidationError({"answer": "Select yes, no or not sure"})
    note = (note or "").strip()[:NOTE_MAX]
    position = flowchart_position(run=run, nodes=nodes)
    path = [dict(step) for step in (run.path or [])][: len(position.answered)]
    if node_code in position.answered:
        path = path[: position.answered.index(node_code)]
    elif node_code != position.next_node:
        raise ValidationError("Answer the questions in order.")
    path.append({"node": node_code, "answer": answer, "note": note})
    run.path = path
    run.save(update_fields=["path"])
    if safeguarding_concern and not run.safeguarding_concern:
        safeguarding_concern_record(disclosure=request, run=run, note=note, node_code=node_code, acting_user=acting_user)
    return run, dict(node.answers[answer])


def safeguarding_concern_record(
    *, disclosure: DisclosureRequest, run: FlowchartRun, note: str, node_code: str, acting_user: User
) -> None:
    """DOMAIN.md §6: a concern that a child is at risk of significant harm, or an adult of
    serious harm, is recorded at any point; it does not stop the review. Runs in the caller's
    transaction, on its locked rows."""
    run.safeguarding_concern = True
    run.safeguarding_note = note
    run.save(update_fields=["safeguarding_concern", "safeguarding_note"])
    text = "Safeguarding concern recorded while answering the key-questions flowchart."
    if note:
        text += f"\n\n{note}"
    RequestNote.objects.create(
        request=disclosure,
        author=acting_user,
        organisation=disclosure.holding_organisation,
        kind=NoteKind.SAFEGUARDING,
        text=text,
    )
    disclosure_decision_record(
        disclosure,
        action="request.safeguarding_concern",
        actor=acting_user,
        organisation=disclosure.holding_organisation,
        reasons="A concern that a child is at risk of significant harm, or an adult of serious harm, was recorded; "
        "the organisation's safeguarding procedures are to be followed now.",
        details={"question": node_code, "flowchart_run_id": run.pk},
    )


def confirmations_missing(texts: list[str]) -> str:
    """The one message for share confirmations not ticked, naming each still to confirm."""
    return "Confirm every point before sharing. Still to confirm: " + " ".join(texts)


@transaction.atomic
def flowchart_complete(
    *,
    run: FlowchartRun,
    outcome: str,
    confirmations: list[str] | tuple[str, ...] = (),
    reasons: str,
    justification: str = "",
    acting_user: User,
) -> FlowchartRun:
    """Finish a run at a share or do-not-share outcome, with the reasons (App 3 question 7: "have
    you properly recorded your decision?"). A share outcome needs every confirmation of the pack;
    a "yes" to consent or to public interest needs a written justification."""
    request, run = _lock_run(run, acting_user=acting_user)
    _require_reviewing(request, acting_user)
    if run.responder_id != acting_user.pk or run.completed_at is not None:
        raise ValidationError("This run of the flowchart is finished: start it again from the request page.")
    position = flowchart_position(run=run, nodes=flowchart_nodes(disclosure=request))
    if position.outcome is None or position.outcome != outcome:
        raise ValidationError("Answer the flowchart's questions before recording its outcome.")
    if outcome == FlowchartOutcome.SEEK_ADVICE:
        raise ValidationError("This outcome is to seek advice from your designated officer.")
    errors: dict[str, str] = {}
    reasons = (reasons or "").strip()
    justification = (justification or "").strip()
    if not reasons:
        errors["reasons"] = "Enter the reasons for your decision"
    points = request.protocol_pack.data["flowchart"]["share_confirmations"]
    chosen = [item["code"] for item in points if item["code"] in set(confirmations or ())]
    if outcome in SHARE_OUTCOMES and len(chosen) != len(points):
        errors["confirmations"] = confirmations_missing([item["text"] for item in points if item["code"] not in chosen])
    needs_justification = justification_required(run)
    if needs_justification and not justification:
        errors["justification"] = "Enter your justification for relying on consent or on the public interest"
    if errors:
        raise ValidationError(errors)
    run.outcome = outcome
    run.confirmations = chosen if outcome in SHARE_OUTCOMES else []
    run.reasons = reasons if not justification else f"{reasons}\n\nJustification: {justification}"
    run.completed_at = timezone.now()
    run.save(update_fields=["outcome", "confirmations", "reasons", "completed_at"])
    disclosure_decision_record(
        request,
        action="request.flowchart_outcome",
        actor=acting_user,
        organisation=request.holding_organisation,
        reasons=run.reasons,
        details={
            "outcome": outcome,
            "path": path_summary(run),
            "confirmations": run.confirmations,
            "safeguarding_concern": run.safeguarding_concern,
            "flowchart_run_id": run.pk,
        },
    )
    return run


# ---------------------------------------------------------------------------------------------
# Advice from the designated officer
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def advice_seek(*, run: FlowchartRun, question: str, acting_user: User) -> RequestNote:
    """ "Not sure" anywhere in the flowchart: the request goes to B's designated officer."""
    request, run = _lock_run(run, acting_user=acting_user)
    _require_reviewing(request, acting_user, rule=advice_may_seek)
    if run.responder_id != acting_user.pk or run.completed_at is not None:
        raise ValidationError("This run of the flowchart is finished: start it again from the request page.")
    position = flowchart_position(run=run, nodes=flowchart_nodes(disclosure=request))
    if position.outcome != FlowchartOutcome.SEEK_ADVICE:
        raise ValidationError("Advice is sought when you answer “not sure” to a question of the flowchart.")
    question = clean_text(question, field="question", label="What you need advice on", missing="Enter what you need advice on")
    run.outcome = FlowchartOutcome.SEEK_ADVICE
    run.reasons = question
    run.completed_at = timezone.now()
    run.save(update_fields=["outcome", "reasons", "completed_at"])
    note = RequestNote.objects.create(
        request=request,
        author=acting_user,
        organisation=request.holding_organisation,
        kind=NoteKind.ADVICE_SOUGHT,
        text=question,
    )
    lifecycle.transition(
        request,
        Status.AWAITING_ADVICE,
        acting_user=acting_user,
        organisation=request.holding_organisation,
        event="request.advice_sought",
        reasons=question,
        details={"path": path_summary(run), "flowchart_run_id": run.pk},
    )
    notify_about(
        disclosure=request,
        recipients=designated_officers(request.holding_organisation_id),
        subject="Your advice is needed on a request for information",
    )
    return note


@transaction.atomic
def advice_give(
    *, disclosure: DisclosureRequest, advice: str, acting_user: User, acting_membership: Membership | None = None
) -> RequestNote:
    """B's designated officer answers; the request goes back to the assignee's review."""
    refusal = "Only the designated officer of the holding organisation can give advice."
    disclosure = lock_disclosure_for(user=acting_user, membership=acting_membership, pk=disclosure.pk, refusal=refusal)
    acting_as = _acting_membership(user=acting_user, membership=acting_membership, disclosure=disclosure)
    if not advice_may_give(user=acting_user, membership=acting_as, disclosure=disclosure):
        raise ValidationError(refusal)
    _require_status(disclosure, Status.AWAITING_ADVICE, message="This request is not waiting for advice.")
    advice = clean_text(advice, field="advice", label="Your advice", missing="Enter your advice")
    note = RequestNote.objects.create(
        request=disclosure,
        author=acting_user,
        organisation=disclosure.holding_organisation,
        kind=NoteKind.ADVICE,
        text=advice,
    )
    lifecycle.transition(
        disclosure,
        Status.IN_REVIEW,
        acting_user=acting_user,
        organisation=disclosure.holding_organisation,
        event="request.advice_given",
        reasons=advice,
    )
    if disclosure.assignee_id:
        notify_about(
            disclosure=disclosure, recipients=[disclosure.assignee], subject="Advice has been given on a request assigned to you"
        )
    return note


# ---------------------------------------------------------------------------------------------
# Sub judice (SSP 5.6)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def sub_judice_consultation_record(
    *,
    disclosure: DisclosureRequest,
    consulted_name: str,
    consulted_role: str,
    consulted_at,
    outcome: str,
    acting_user: User,
) -> SubJudiceConsultation:
    """Record who was consulted (the investigating officer or the CPS), when, and what they said."""
    disclosure = lock_disclosure_for(user=acting_user, pk=disclosure.pk, refusal=ASSIGNEE_ONLY)
    if not sub_judice_may_record(user=acting_user, membership=None, disclosure=disclosure):
        raise ValidationError(ASSIGNEE_ONLY)
    if not disclosure.sub_judice:
        raise ValidationError("This request is not marked as under investigation or prosecution.")
    _require_status(
        disclosure,
        Status.IN_REVIEW,
        Status.AWAITING_ADVICE,
        message=f"This request is {Status(disclosure.status).label.lower()}: "
        "a consultation can only be recorded during the review.",
    )
    errors: dict[str, str] = {}
    consulted_name = (consulted_name or "").strip()
    outcome = (outcome or "").strip()
    if not consulted_name:
        errors["consulted_name"] = "Enter the name of the person consulted"
    if consulted_role not in SubJudiceConsultation.ConsultedRole.values:
        errors["consulted_role"] = "Select whether you consulted the investigating officer or the CPS"
    if consulted_at is None:
        errors["consulted_on"] = "Enter the date of the consultation"
    elif timezone.is_naive(consulted_at):
        consulted_at = timezone.make_aware(consulted_at)
    if consulted_at is not None and consulted_at > timezone.now():
        errors["consulted_on"] = "The date and time of the consultation must be in the past"
    if not outcome:
        errors["outcome"] = "Enter the outcome of the consultation"
    if errors:
        raise ValidationError(errors)
    consultation = SubJudiceConsultation.objects.create(
        request=disclosure,
        consulted_name=consulted_name,
        consulted_role=consulted_role,
        consulted_at=consulted_at,
        outcome=outcome,
        recorded_by=acting_user,
    )
    role_label = SubJudiceConsultation.ConsultedRole(consulted_role).label
    when = timezone.localtime(consulted_at).strftime("%d %B %Y at %H:%M")
    disclosure_decision_record(
        disclosure,
        action="request.sub_judice_consulted",
        actor=acting_user,
        organisation=disclosure.holding_organisation,
        reasons=f"{role_label} ({consulted_name}) consulted on {when}. Outcome: {outcome}",
        details={
            "consulted_role": consulted_role,
            "consulted_at": consulted_at.isoformat(),
            "consultation_id": consultation.pk,
        },
    )
    return consultation
