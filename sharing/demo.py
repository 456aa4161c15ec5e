"""Demo disclosure requests for `make run`: one in every state of the lifecycle, raised by the
demo police officer to the demo council and taken through the real services, so the inbox, the
request pages and the decision log all have something true to show. Idempotent."""
from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from consent.demo import demo_consent
from portal.models import HeldCopy, Membership, SubjectRole, User
from portal.roles import Role
from sharing.models import (
    ConsentReliance,
    Decision,
    DisclosureRequest,
    FlowchartRun,
    Outcome,
    OverrideStatus,
    PublicInterestOverride,
    RequestSubject,
    Status,
)
from sharing.retention import CONTENT_TYPE, disclosure_copies_record, released_copy_record
from sharing.services import consent_reliance, decide, override, raising, review
from sharing.services.disputes import dispute_raise

SUBJECTS = [
    ("Jordan Blake", SubjectRole.OFFENDER, "12 Mersey Square, Stockport SK1 1AA"),
    ("Casey Morgan", SubjectRole.VICTIM, "4 Hillgate Court, Stockport SK1 3BB"),
    ("Riley Adams", SubjectRole.OFFENDER, "77 Wellington Road South, Stockport SK2 6CC"),
    ("Alex Turner", SubjectRole.WITNESS, "9 Lancashire Hill, Stockport SK4 1DD"),
    ("Sam Whitaker", SubjectRole.OFFENDER, "31 Edgeley Road, Stockport SK3 9EE"),
    ("Jamie Holt", SubjectRole.OFFENDER, "2 Brinnington Road, Stockport SK5 8FF"),
    ("Taylor Reid", SubjectRole.VICTIM, "18 Cale Green, Stockport SK3 8GG"),
    ("Morgan Lee", SubjectRole.OFFENDER, "6 Offerton Lane, Stockport SK2 5HH"),
    ("Drew Parker", SubjectRole.OFFENDER, "50 Reddish Road, Stockport SK5 7JJ"),
    ("Charlie Shaw", SubjectRole.OTHER, "3 Heaton Lane, Stockport SK4 1KK"),
]


def _membership(username: str) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(
        user__username=username, role__in=[Role.OFFICER, Role.DESIGNATED_OFFICER]
    )


def _raise(
    index: int, *, submit: bool = True, requester: str = "officer.police", holder: str = "officer.council"
) -> DisclosureRequest:
    requester = _membership(requester)
    holding = _membership(holder).organisation
    user = requester.user
    request = raising.disclosure_draft_create(
        requester=user, requesting_organisation=requester.organisation, holding_organisation=holding, acting_user=user
    )
    name, role, address = SUBJECTS[index]
    raising.disclosure_draft_subject_add(
        disclosure=request, full_name=name, role=role, address=address,
        date_of_birth=datetime.date(1985 + index, 1 + index % 12, 10), acting_user=user,
    )
    if not submit:
        return request
    pack = request.protocol_pack
    gateway = raising.gateways_for(pack=pack, holding=holding).first()
    bases = [pack.lawful_bases.filter(category=category).order_by("order").last() for category in ("art6", "dpa_sch1")]
    raising.disclosure_draft_purpose_set(
        disclosure=request, purpose=pack.purposes.order_by("order").first(), forum=None, legal_gateway=gateway,
        lawful_bases=bases, acting_user=user,
    )
    raising.disclosure_draft_information_set(
        disclosure=request,
        information_requested="Any anti-social behaviour complaints and tenancy warnings for the address in the last 12 months.",
        special_category=False, criminal_offence_data=True, victim_witness_information=role != SubjectRole.OFFENDER,
        sub_judice=False, acting_user=user,
    )
    raising.disclosure_draft_urgency_set(
        disclosure=request, urgency="routine", needed_by=timezone.localdate() + datetime.timedelta(days=1 + index * 2),
        acting_user=user,
    )
    answers = {
        q.pk: ("yes", "Needed to assess the risk to neighbours before the ASB case review.")
        for q in pack.checklist_questions.all()
    }
    raising.disclosure_draft_checklist_set(disclosure=request, answers=answers, acting_user=user)
    return raising.disclosure_submit(disclosure=request, acting_user=user, acting_membership=requester)


def _assign(request: DisclosureRequest) -> DisclosureRequest:
    designated = _membership("do.council")
    assignee = User.objects.get(username="officer.council")
    return review.disclosure_assign(
        disclosure=request, assignee=assignee, acting_user=designated.user, acting_membership=designated
    )


def _flowchart(request: DisclosureRequest, answers: list[tuple[str, str]], outcome: str) -> FlowchartRun:
    assignee = User.objects.get(username="officer.council")
    run = review.flowchart_run_start(disclosure=request, acting_user=assignee)
    for node, answer in answers:
        run, _ = review.flowchart_answer(run=run, node_code=node, answer=answer, acting_user=assignee)
    confirmations = [c["code"] for c in request.protocol_pack.data["flowchart"]["share_confirmations"]]
    return review.flowchart_complete(
        run=run, outcome=outcome, confirmations=confirmations if outcome.startswith("share") else [],
        reasons="Necessary for the ASB case review; the minimum needed.", acting_user=assignee,
    )


def _decide(request: DisclosureRequest, outcome: str) -> DisclosureRequest:
    assignee = _membership("officer.council")
    marking = request.protocol_pack.marking_levels.order_by("order")[1]
    items = [] if outcome == Outcome.DECLINED else [
        decide.ItemInput("Two ASB complaints from neighbours (March and June) about noise late at night.", "fact", assignee.organisation),
        decide.ItemInput("The housing officer believes the behaviour is escalating.", "opinion", assignee.organisation),
    ]
    decide.disclosure_decide(
        disclosure=request, outcome=outcome,
        reasons="Shared to support the ASB case review; proportionate to the risk." if outcome != Outcome.DECLINED
        else "The complaints concern a different tenancy; nothing relevant is held.",
        withheld="Names of the complainants are withheld to protect them." if outcome == Outcome.PARTLY_RELEASED else "",
        marking=marking if outcome != Outcome.DECLINED else None, items=items, acting_user=assignee.user,
        acting_membership=assignee,
    )
    request.refresh_from_db()
    return request


SHARE_PATH = [("purpose", "yes"), ("identifiable", "yes"), ("confidential", "no")]


@transaction.atomic
def sharing_demo_load() -> str | None:
    if DisclosureRequest.objects.filter(requester__username="officer.police").exists():
        return None
    police_officer = User.objects.get(username="officer.police")
    _raise(0, submit=False)  # draft
    _raise(1)  # submitted, waiting to be assigned
    returned = _assign(_raise(2))
    review.disclosure_return(
        disclosure=returned, text="Which of the two flats at this address do you mean?",
        acting_user=User.objects.get(username="officer.council"),
    )
    _assign(_raise(3))  # in review
    advice = _assign(_raise(4))
    run = review.flowchart_run_start(disclosure=advice, acting_user=User.objects.get(username="officer.council"))
    run, _ = review.flowchart_answer(run=run, node_code="purpose", answer="not_sure", acting_user=run.responder)
    review.advice_seek(run=run, question="Is a case review a clear purpose under our protocol?", acting_user=run.responder)
    for index, outcome in ((5, Outcome.RELEASED), (6, Outcome.PARTLY_RELEASED), (7, Outcome.DECLINED)):
        request = _assign(_raise(index))
        _flowchart(request, SHARE_PATH if outcome != Outcome.DECLINED else [("purpose", "no")],
                   "share" if outcome != Outcome.DECLINED else "do_not_share")
        _decide(request, outcome)
    disputed = _assign(_raise(8))
    _flowchart(disputed, [("purpose", "no")], "do_not_share")
    _decide(disputed, Outcome.DECLINED)

    dispute_raise(
        disclosure=disputed, grounds="The address is the subject's, and the ASB panel meets next week.",
        acting_user=police_officer, acting_membership=_membership("officer.police"),
    )
    raising.disclosure_withdraw(disclosure=_raise(9), reason="The case was closed before the reply.", acting_user=police_officer)
    counts = {s.label: DisclosureRequest.objects.filter(status=s).count() for s in Status}
    return "requests in every state: " + ", ".join(f"{label.lower()} {n}" for label, n in counts.items() if n)


def sharing_partnerships_demo_load() -> str | None:
    """Issue 16: the probation service takes part in both partnerships, so its inbox holds a request
    under each protocol: one from Greater Manchester Police (Stockport), one from Durham Constabulary."""
    if DisclosureRequest.objects.filter(requester__username="officer.durham").exists():
        return None
    stockport = _raise(0, requester="officer.police", holder="officer.probation")
    durham = _raise(1, requester="officer.durham", holder="officer.probation")
    return (
        f"{stockport.reference} under the {stockport.protocol_pack.partnership_name} protocol and "
        f"{durham.reference} under the {durham.protocol_pack.partnership_name} protocol, both to "
        f"{durham.holding_organisation.name} (sign in as officer.probation)"
    )


# ---------------------------------------------------------------------------------------------
# Issue 4: a consented release, an approved public-interest override and a pending one.
# Registered as a loader of its own (after "Disclosure requests", and after consent's loader,
# whose demo consent the consented release relies on); each part is idempotent on its own.
# ---------------------------------------------------------------------------------------------

CONSENT_PATH = [("purpose", "yes"), ("identifiable", "yes"), ("confidential", "yes"), ("consent", "yes")]
PUBLIC_INTEREST_PATH = [*CONSENT_PATH[:3], ("consent", "no"), ("public-interest", "yes")]
OVERRIDE_SUBJECTS = [
    ("Kieran Doyle", SubjectRole.OFFENDER, "88 Castle Street, Stockport SK3 9AD"),
    ("Rowan Price", SubjectRole.OFFENDER, "15 Shaw Heath, Stockport SK3 8BD"),
]


def _raise_about(*, subject=None, person=None) -> DisclosureRequest:
    """A submitted request from the demo police officer to the demo council, about an existing
    data subject (the demo consent's) or a new person. The raising journey has no "choose a
    person already known" step, so an existing subject is linked to the draft directly."""

    requester = _membership("officer.police")
    holding = _membership("officer.council").organisation
    user = requester.user
    request = raising.disclosure_draft_create(
        requester=user, requesting_organisation=requester.organisation, holding_organisation=holding, acting_user=user
    )
    if subject is not None:
        RequestSubject.objects.create(request=request, subject=subject, role=SubjectRole.VICTIM)
        role = SubjectRole.VICTIM
    else:
        name, role, address = person
        raising.disclosure_draft_subject_add(
            disclosure=request, full_name=name, role=role, address=address,
            date_of_birth=datetime.date(1988, 6, 2), acting_user=user,
        )
    pack = request.protocol_pack
    gateway = raising.gateways_for(pack=pack, holding=holding).first()
    bases = [pack.lawful_bases.filter(category=category).order_by("order").last() for category in ("art6", "dpa_sch1")]
    raising.disclosure_draft_purpose_set(
        disclosure=request, purpose=pack.purposes.order_by("order").first(), forum=None, legal_gateway=gateway,
        lawful_bases=bases, acting_user=user,
    )
    raising.disclosure_draft_information_set(
        disclosure=request,
        information_requested="Any anti-social behaviour complaints and tenancy warnings for the address in the last 12 months.",
        special_category=False, criminal_offence_data=True, victim_witness_information=role != SubjectRole.OFFENDER,
        sub_judice=False, acting_user=user,
    )
    raising.disclosure_draft_urgency_set(
        disclosure=request, urgency="urgent", needed_by=timezone.localdate() + datetime.timedelta(days=5), acting_user=user,
    )
    answers = {
        q.pk: ("yes", "Needed to assess the risk before the ASB case review.") for q in pack.checklist_questions.all()
    }
    raising.disclosure_draft_checklist_set(disclosure=request, answers=answers, acting_user=user)
    return raising.disclosure_submit(disclosure=request, acting_user=user, acting_membership=requester)


def _flowchart_justified(request: DisclosureRequest, answers: list[tuple[str, str]], outcome: str, justification: str):
    assignee = User.objects.get(username="officer.council")
    run = review.flowchart_run_start(disclosure=request, acting_user=assignee)
    for node, answer in answers:
        run, _ = review.flowchart_answer(run=run, node_code=node, answer=answer, acting_user=assignee)
    confirmations = [c["code"] for c in request.protocol_pack.data["flowchart"]["share_confirmations"]]
    return review.flowchart_complete(
        run=run, outcome=outcome, confirmations=confirmations,
        reasons="Necessary for the ASB case review; the minimum needed.", justification=justification,
        acting_user=assignee,
    )


def _propose_override(request: DisclosureRequest):

    pack = request.protocol_pack
    return override.override_propose(
        disclosure=request,
        consent_position="not_sought",
        not_sought_reason="risk",
        grounds=list(pack.public_interest_grounds.filter(code__in=["prevention-of-crime", "public-safety"])),
        art6_condition=pack.lawful_bases.get(code="art6-1-e"),
        dpa_sch1_condition=pack.lawful_bases.filter(category="dpa_sch1").order_by("order").first(),
        proportionality="Only the complaints about this address in the last year, only to the officer leading the case review.",
        risk_of_not_sharing="Neighbours report threats; without the history the review cannot assess the risk of violence.",
        alternatives_considered="Asking the subject would alert them; anonymised figures would not show the pattern at this address.",
        acting_user=User.objects.get(username="officer.council"),
    )


def _consented_release() -> str:

    consent = demo_consent()
    if consent is None:
        return "no demo consent to rely on (load consent's demo first)"
    if ConsentReliance.objects.filter(consent=consent, decision__isnull=False).exists():
        return "consented release already there"
    request = _assign(_raise_about(subject=consent.subject))
    _flowchart_justified(request, CONSENT_PATH, "share", f"Signed consent {consent.reference} (SSP Appendix 5).")
    assignee = _membership("officer.council")
    consent_reliance.consent_reliance_choose(
        disclosure=request, consent=consent, information_items=list(consent.information_items),
        acting_user=assignee.user, acting_membership=assignee,
    )
    decide.disclosure_decide(
        disclosure=request, outcome=Outcome.RELEASED,
        reasons=f"Released with the consent of the person it is about ({consent.reference}).",
        marking=request.protocol_pack.marking_levels.order_by("order")[1],
        items=[decide.ItemInput("Two ASB complaints about noise at the address (March and June).", "fact", assignee.organisation)],
        acting_user=assignee.user, acting_membership=assignee,
    )
    return f"consented release {request.reference} relying on {consent.reference}"


def _override(approved: bool) -> str:

    status = OverrideStatus.APPROVED if approved else OverrideStatus.PROPOSED
    if PublicInterestOverride.objects.filter(status=status, request__requester__username="officer.police").exists():
        return f"{'approved' if approved else 'pending'} override already there"
    request = _assign(_raise_about(person=OVERRIDE_SUBJECTS[0 if approved else 1]))
    _flowchart_justified(request, PUBLIC_INTEREST_PATH, "share_public_interest", "Prevention of crime (SSP 6.3).")
    proposed = _propose_override(request)
    if not approved:
        return f"override on {request.reference} waiting for the designated officer"
    designated = _membership("do.council")
    override.override_decide(
        override=proposed, approved=True,
        reasons="The risk to neighbours outweighs the intrusion; the release is limited to what the review needs.",
        acting_user=designated.user, acting_membership=designated,
    )
    assignee = _membership("officer.council")
    decide.disclosure_decide(
        disclosure=request, outcome=Outcome.RELEASED,
        reasons="Released in the public interest under the approved override.",
        marking=request.protocol_pack.marking_levels.order_by("order")[1],
        items=[decide.ItemInput("Three complaints of threats to neighbours since January.", "fact", assignee.organisation)],
        acting_user=assignee.user, acting_membership=assignee,
    )
    return f"approved override and release on {request.reference}"


@transaction.atomic
def sharing_basis_demo_load() -> str | None:
    if not User.objects.filter(username__in=["officer.police", "officer.council", "do.council"]).count() == 3:
        return None
    return "; ".join([_consented_release(), _override(approved=True), _override(approved=False)])


# ---------------------------------------------------------------------------------------------
# Retention. The demo requests were recorded as held copies when they were raised and
# decided (a demo database from before retention existed gets them recorded here); a few review dates are
# brought forward so each demo designated officer has something due soon and something overdue.
# ---------------------------------------------------------------------------------------------

# (subject's name, kind, holder: requesting or holding side, days from today to the review date)
RETENTION_DEMO = [
    ("Charlie Shaw", "requests", "requesting", -3),  # withdrawn: overdue at the police
    ("Jordan Blake", "requests", "requesting", 9),  # the draft: due soon at the police
    ("Casey Morgan", "requests", "holding", -5),  # submitted long ago: overdue at the council
    ("Drew Parker", "requests", "holding", 10),  # disputed: due soon at the council
]


def _demo_requests():
    return DisclosureRequest.objects.filter(requester__username="officer.police").select_related(
        "requester", "assignee"
    )


def _record_missing_copies() -> int:
    """Record the copies of demo requests raised before held copies existed."""

    held = set(HeldCopy.objects.filter(content_type=CONTENT_TYPE).values_list("content_id", flat=True))
    recorded = 0
    for request in _demo_requests().exclude(pk__in=held):
        closed = request.status in (Status.RELEASED, Status.PARTLY_RELEASED, Status.DECLINED, Status.WITHDRAWN)
        disclosure_copies_record(request=request, closed=closed)
        release = (
            Decision.objects.filter(request=request, is_current=True, outcome__in=[Outcome.RELEASED, Outcome.PARTLY_RELEASED])
            .select_related("marking")
            .first()
        )
        if release is not None:
            released_copy_record(request=request, decision=release)
        recorded += 1
    return recorded


@transaction.atomic
def sharing_retention_demo_load() -> str | None:

    if not _demo_requests().exists():
        return None
    recorded = _record_missing_copies()
    today = timezone.localdate()
    if HeldCopy.objects.filter(
        content_type=CONTENT_TYPE, content_id__in=_demo_requests().values("pk"), review_date__lte=today + datetime.timedelta(days=30)
    ).exists():
        return f"review dates already brought forward ({recorded} request(s) recorded as held)" if recorded else None
    shown = []
    for name, kind, side, days in RETENTION_DEMO:
        request = _demo_requests().filter(subjects__subject__full_name=name).order_by("pk").first()
        if request is None:
            continue
        holder = request.requesting_organisation_id if side == "requesting" else request.holding_organisation_id
        review = today + datetime.timedelta(days=days)
        copies = HeldCopy.objects.filter(
            content_type=CONTENT_TYPE, content_id=request.pk, kind=kind, holder_id=holder, destroyed_at__isnull=True
        )
        # Backdated as if the clock had started long ago under the same policy: same period, earlier start.
        for copy in copies:
            period = copy.review_date - copy.started_on
            copies.filter(pk=copy.pk).update(review_date=review, started_on=review - period)
            shown.append(f"{request.reference} {'overdue' if days < 0 else 'due soon'}")
    return "retention review dates: " + ", ".join(shown) if shown else None
