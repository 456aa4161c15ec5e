"""The consent a release relies on (SSP 6.1, Appendix 5; DOMAIN.md §4 step 4), and the check at
release of the basis a release needs (SSP 6).

When the responder's completed run of the key-questions flowchart answered "yes" to "Do you have
consent to share?", the release relies on consent. The responder chooses the consent record (one
given by or for a subject of the request) and which of its information items cover what is
released (`consent_reliance_choose`). At release `disclosure_decide` checks it again with
`consent.services.consent_coverage_problems` (recipient, purpose, information, not withdrawn, not
expired) through `release_basis_check`, which also asks for an approved public-interest override
when the run ended in "share in the public interest" (sharing/services/override.py). A consent
withdrawn later flags the open requests relying on it (sharing/services/withdrawal.py).

Every state change here is one atomic service on a locked request row that writes the decision
log in the same transaction (SSP Appendix 4 rule 7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from consent import selectors as consent_selectors
from consent import services as consent_services
from consent.models import ConsentRecord
from portal.models import FlowchartAnswer, Membership, User
from sharing.lifecycle import disclosure_decision_record
from sharing.models import (
    ConsentReliance,
    DisclosureRequest,
    FlowchartRun,
    OverrideStatus,
    PublicInterestOverride,
    Status,
)
from sharing.selectors import access_disclosure
from sharing.services.override import disclosure_lock_for, override_latest, relies_on_public_interest
from sharing.services.review import SHARE_OUTCOMES, flowchart_latest_completed

CONSENT_NODE = "consent"


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




def consent_reliance_current(*, disclosure: DisclosureRequest) -> ConsentReliance | None:
    return (
        disclosure.consent_reliances.filter(is_current=True)
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


def release_basis_check(*, disclosure: DisclosureRequest, run: FlowchartRun | None, on_date: date) -> ReleaseBasis:
    """SSP 6: a release through "consent: yes" needs a consent record that covers it; a release
    in the public interest needs an approved override. Any other share outcome needs neither."""
    basis = ReleaseBasis()
    if relies_on_public_interest(run):
        override = override_latest(disclosure=disclosure)
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
        reliance = consent_reliance_current(disclosure=disclosure)
        if reliance is None:
            basis.problems.append(
                "This release relies on consent: choose the consent record it relies on before you release "
                "anything (SSP 6.1)"
            )
        else:
            found = consent_services.consent_coverage_problems(
                consent=reliance.consent,
                recipient_organisation=disclosure.requesting_organisation,
                purpose=disclosure.purpose,
                information_items=list(reliance.information_items or []),
                on_date=on_date,
                disclosing_organisation=disclosure.holding_organisation,
            )
            if found:
                basis.consent_problems = list(found)
                basis.problems.extend(f"Consent {reliance.consent.reference}: {problem}" for problem in found)
            basis.reliance = reliance
    return basis




def consent_candidates(*, disclosure: DisclosureRequest, viewer: User | None = None) -> QuerySet[ConsentRecord]:
    """Consent records given by or for a subject of this request, newest first; and those about
    the same person typed in again on the consent form (same name and date of birth) that the
    viewer or the requester may see: the requesting officer records the consent they witnessed
    through Consent → Record a consent, not always from the request."""
    return consent_selectors.consents_about_subjects(
        subject_ids=disclosure.subjects.values_list("subject_id", flat=True),
        matching_seen_by=[viewer, disclosure.requester],
    )





def consent_reliance_may_choose(*, user: User, membership: Membership | None, disclosure: DisclosureRequest) -> bool:
    """The officer the request is assigned to (when, is for `consent_reliance_choose` to say)."""
    return disclosure.assignee_id is not None and disclosure.assignee_id == getattr(user, "pk", None)


@transaction.atomic
def consent_reliance_choose(
    *,
    disclosure: DisclosureRequest,
    consent: ConsentRecord,
    information_items: list[str],
    acting_user: User,
    acting_membership: Membership | None = None,
) -> ConsentReliance:
    """The responder chooses the consent record the release will rely on, and which of its
    information items cover what is released. Refused now if it does not cover this disclosure
    today; checked again at release."""
    disclosure = disclosure_lock_for(
        consent_reliance_may_choose,
        user=acting_user,
        membership=acting_membership,
        disclosure=disclosure,
        refusal="Only the officer this request is assigned to can choose the consent relied on",
    )
    if disclosure.status != Status.IN_REVIEW:
        raise ValidationError(
            f"This request is {Status(disclosure.status).label.lower()}: the consent relied on is chosen during the review."
        )
    if not relies_on_consent(flowchart_latest_completed(disclosure=disclosure)):
        raise ValidationError(
            "The key-questions flowchart did not end in sharing with consent: there is no consent to rely on."
        )
    consent = consent_candidates(disclosure=disclosure, viewer=acting_user).filter(pk=getattr(consent, "pk", None)).first()
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
        recipient_organisation=disclosure.requesting_organisation,
        purpose=disclosure.purpose,
        information_items=chosen,
        on_date=timezone.localdate(),
        disclosing_organisation=disclosure.holding_organisation,
    )
    if problems:
        raise ValidationError({"__all__": [f"Consent {consent.reference}: {problem}" for problem in problems]})
    disclosure.consent_reliances.filter(is_current=True).update(is_current=False)
    reliance = ConsentReliance.objects.create(
        request=disclosure, consent=consent, information_items=chosen, chosen_by=acting_user, is_current=True
    )
    disclosure_decision_record(
        disclosure,
        action="consent.reliance_chosen",
        actor=acting_user,
        organisation=disclosure.holding_organisation,
        reasons=f"The release will rely on consent {consent.reference}, for: " + "; ".join(chosen),
        details={"consent": consent.reference, "consent_id": consent.pk, "information_items": chosen},
    )
    return reliance


def consent_relied_upon_record(
    *, disclosure: DisclosureRequest, reliance: ConsentReliance, decision, acting_user: User
) -> None:
    """At a release that relies on consent (in `disclosure_decide`'s transaction): tie the choice
    to the release, let the responder and the designated officers see the record, and log it."""
    reliance.decision = decision
    reliance.relied_at = timezone.now()
    reliance.save(update_fields=["decision", "relied_at"])
    consent_services.consent_grant_for_request(consent=reliance.consent, request=disclosure, acting_user=acting_user)
    disclosure_decision_record(
        disclosure,
        action="consent.relied_upon",
        actor=acting_user,
        organisation=disclosure.holding_organisation,
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
    *, disclosure: DisclosureRequest, consent: ConsentRecord, problems: list[str], outcome: str, acting_user: User
) -> None:
    """A release refused because the consent relied on does not cover it. Called after the
    refused attempt's transaction has rolled back, so that the refusal itself is kept."""
    disclosure = access_disclosure(user=acting_user, pk=disclosure.pk, for_update=True)
    disclosure_decision_record(
        disclosure,
        action="consent.refused_at_release",
        actor=acting_user,
        organisation=disclosure.holding_organisation,
        reasons=f"Release refused: consent {consent.reference} does not cover it. " + " ".join(
            problem if problem.endswith(".") else f"{problem}." for problem in problems
        ),
        details={"consent": consent.reference, "consent_id": consent.pk, "problems": problems, "outcome": outcome},
    )


