"""Breach services (SDP 8): report, the ICO decision, the investigation, the summary incident
report, lessons learnt, close. One function per step, atomic, each writing its decision-log
entry; the linked records are held (portal.retention, reason "breach") from the report until
the case closes. Emails carry the reference and a link only.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance.models import Breach, BreachStatus, DataCategory, IcoDecision
from governance.references import create_with_reference
from governance.selectors.breaches import (
    RELEASED,
    access_breach,
    breach_designated_officers,
    breach_dpos,
    breach_involved_organisation_ids,
    breach_may_handle,
    breach_occurred_choices,
    breach_source_organisation_ids,
)
from meetings.models import AgendaItem
from meetings.selectors import visible_meetings
from portal.accountability.services import decision_record
from portal.models import LegalHoldReason, Membership, Organisation, User
from portal.notifications.services import notify
from portal.protocols.selectors import current_protocol_pack
from portal.retention.services import legal_holds_for_case_lift, legal_holds_for_case_place
from portal.selectors.partnerships import partnerships_shared
from portal.text import text_problem
from sharing.models import Decision
from sharing.selectors import request_subjects_visible_to, visible_disclosures

DECISION_EVENTS = {
    "breach.reported": "Breach: reported (72-hour clock started)",
    "breach.ico_decided": "Breach: ICO decision recorded",
    "breach.investigation_recorded": "Breach: investigation recorded",
    "breach.summary_shared": "Breach: summary incident report shared with the partners involved",
    "breach.lessons_marked": "Breach: lessons learnt marked for the protocol review",
    "breach.closed": "Breach: closed",
}
MAX_PEOPLE = 10_000_000
EARLIEST_YEARS = 20
# A clock a few minutes fast on the reporter's computer is not "in the future".
CLOCK_TOLERANCE = datetime.timedelta(minutes=5)


def breach_decision_record(breach: Breach, *, actor: User, organisation: Organisation, action: str, reasons: str,
                           details: dict | None = None) -> None:
    pack = current_protocol_pack(breach.partnership_id)
    decision_record(
        actor=actor,
        organisation=organisation,
        action=action,
        reasons=reasons,
        reference=breach.reference,
        purpose="Personal data breach (SDP 8)",
        protocol_version=f"{pack.slug}@{pack.version}" if pack else "",
        details={"breach": breach.pk, **(details or {})},
        partnership=breach.partnership,
    )


def _path(breach: Breach) -> str:
    return reverse("governance:breach_detail", args=[breach.pk])


def _ids(values) -> set[int]:
    try:
        return {int(v) for v in values or ()}
    except (TypeError, ValueError):
        return {-1}


def _pick(queryset, ids: set[int], field: str, noun: str, errors: dict) -> list:
    found = list(queryset.filter(pk__in=ids)) if ids else []
    if len(found) != len(ids):
        errors[field] = f"Choose {noun} from the list"
    return found


def _report_text_and_dates(what_happened, happened_at, discovered_at, errors: dict) -> str:
    what, problem = text_problem(
        what_happened, label="What happened", missing="Enter what happened, without naming anyone"
    )
    if problem:
        errors["what_happened"] = problem
    now = timezone.now()
    earliest = now - datetime.timedelta(days=365 * EARLIEST_YEARS)
    if happened_at is None:
        errors["happened_at"] = "Enter when it happened"
    elif happened_at > now + CLOCK_TOLERANCE:
        errors["happened_at"] = "When it happened must be in the past"
    elif happened_at < earliest:
        errors["happened_at"] = f"When it happened must be within the last {EARLIEST_YEARS} years"
    if discovered_at is None:
        errors["discovered_at"] = "Enter when it was discovered"
    elif discovered_at > now + CLOCK_TOLERANCE:
        errors["discovered_at"] = "When it was discovered must be in the past"
    elif happened_at is not None and "happened_at" not in errors and discovered_at < happened_at:
        errors["discovered_at"] = "When it was discovered must be the same as or after when it happened"
    return what


def _report_numbers(categories: list, people_affected, errors: dict) -> None:
    if not categories:
        errors["data_categories"] = "Choose the kinds of information involved"
    elif not set(categories) <= set(DataCategory.values):
        errors["data_categories"] = "Choose the kinds of information from the list"
    if people_affected is None:
        errors["people_affected"] = "Enter roughly how many people's information is involved"
    elif not 1 <= people_affected <= MAX_PEOPLE:
        errors["people_affected"] = f"The number of people must be between 1 and {MAX_PEOPLE:,}"


def _report_partnership(membership, occurred, requests, releases, meetings, errors: dict):
    """The partnership of the records linked (one only), else the first the reporter's
    organisation shares with the one where it occurred."""
    linked = {r.protocol_pack.partnership_id for r in requests} | {d.request.protocol_pack.partnership_id for d in releases}
    linked |= {m.protocol_pack.partnership_id for m in meetings}
    shared = partnerships_shared(first=membership.organisation_id, second=occurred.pk)
    if len(linked) > 1:
        errors["requests"] = "Report a breach touching two partnerships as two breaches, one for each"
        return None
    if linked:
        partnership = shared.filter(pk__in=linked).first()
        if partnership is None:
            errors["occurred_organisation"] = "That organisation is not a partner of the records you linked"
        return partnership
    partnership = shared.first()
    if partnership is None:
        errors["occurred_organisation"] = "Choose an organisation of your partnership"
    return partnership


@transaction.atomic
def breach_report(
    *,
    reporter: User,
    membership: Membership | None,
    what_happened: str,
    happened_at: datetime.datetime | None,
    discovered_at: datetime.datetime | None,
    occurred_organisation_id: int | None,
    data_categories: Iterable[str],
    people_affected: int | None,
    request_ids: Iterable = (),
    release_ids: Iterable = (),
    meeting_ids: Iterable = (),
    subject_ids: Iterable = (),
) -> Breach:
    """Anyone signed in with a membership reports a breach. Starts the 72-hour clock from
    discovery, holds what it links to, and tells the DPOs of the organisation where it occurred
    and of each source organisation at once."""
    if membership is None or membership.user_id != reporter.pk:
        raise PermissionDenied("Sign in with a role in an organisation to report a breach")
    errors: dict[str, str] = {}
    what = _report_text_and_dates(what_happened, happened_at, discovered_at, errors)
    occurred = breach_occurred_choices(membership=membership).filter(pk=occurred_organisation_id or 0).first()
    if occurred is None:
        errors["occurred_organisation"] = "Choose the organisation whose staff were involved"
    categories = list(dict.fromkeys(data_categories or ()))
    _report_numbers(categories, people_affected, errors)
    requests = _pick(visible_disclosures(user=reporter).exclude(reference=""), _ids(request_ids), "requests", "requests", errors)
    releases = _pick(
        Decision.objects.filter(request__in=visible_disclosures(user=reporter), outcome__in=RELEASED).select_related("request"),
        _ids(release_ids), "releases", "releases", errors,
    )
    meetings = _pick(visible_meetings(user=reporter).select_related("protocol_pack"), _ids(meeting_ids), "meetings", "meetings", errors)
    subjects = _pick(request_subjects_visible_to(user=reporter), _ids(subject_ids), "subjects", "people", errors)
    partnership = (
        _report_partnership(membership, occurred, requests, releases, meetings, errors) if occurred is not None else None
    )
    if errors:
        raise ValidationError(errors)

    breach = create_with_reference(
        Breach, lambda row: f"BR-{timezone.localdate():%Y}-{row.pk:06d}",
        partnership=partnership,
        reported_by=reporter,
        reporter_organisation=membership.organisation,
        occurred_organisation=occurred,
        what_happened=what,
        happened_at=happened_at,
        discovered_at=discovered_at,
        data_categories=categories,
        people_affected=people_affected,
    )
    breach.requests.set(requests)
    breach.releases.set(releases)
    breach.meetings.set(meetings)
    breach.subjects.set(subjects)
    sources = breach_source_organisation_ids(releases=releases, requests=requests)
    breach.source_organisations.set(sources)
    references = {r.reference for r in requests} | {d.request.reference for d in releases}
    references |= set(
        AgendaItem.objects.filter(meeting__in=meetings).values_list("request__reference", flat=True)
    )
    holds = legal_holds_for_case_place(
        case_reference=breach.reference,
        organisation=occurred,
        reason_kind=LegalHoldReason.BREACH,
        request_references=references - {""},
        subjects=subjects,
        acting_user=reporter,
        partnership=partnership,
    )
    breach.holds.set(holds)
    breach_decision_record(
        breach,
        actor=reporter,
        organisation=membership.organisation,
        action="breach.reported",
        reasons=(
            f"Reported against {occurred.name}; discovered {timezone.localtime(discovered_at):%d/%m/%Y %H:%M}: "
            f"the ICO decision is due by {timezone.localtime(breach.ico_deadline):%d/%m/%Y %H:%M}."
        ),
        details={
            "occurred_organisation": occurred.pk,
            "source_organisations": sorted(sources),
            "data_categories": categories,
            "people_affected": people_affected,
            "links": {
                "requests": sorted(r.reference for r in requests),
                "releases": sorted(d.pk for d in releases),
                "meetings": sorted(m.reference for m in meetings),
                "subjects": len(subjects),
            },
            "holds": [h.pk for h in holds],
        },
    )
    notify(
        recipients=breach_dpos(organisation_ids={occurred.pk} | sources),
        subject="A data breach has been reported: the 72-hour clock has started",
        reference=breach.reference,
        path=_path(breach),
    )
    return breach


def _lock_for_handling(*, breach: Breach, acting_user: User, membership: Membership | None) -> Breach:
    breach = access_breach(user=acting_user, pk=breach.pk, for_update=True)
    if not breach_may_handle(membership=membership, breach=breach) or membership.user_id != acting_user.pk:
        if breach.status != BreachStatus.OPEN:
            raise ValidationError("This breach is closed")
        raise PermissionDenied("Only the data protection officer of the organisation where it occurred handles it")
    return breach


@transaction.atomic
def breach_ico_decide(
    *,
    breach: Breach,
    decision: str,
    reasons: str,
    ico_reference: str = "",
    reported_at: datetime.datetime | None = None,
    acting_user: User,
    membership: Membership | None,
) -> Breach:
    """SDP 8: the DPO decides whether to notify the supervisory authority, with reasons; a report
    carries the ICO's reference and when it was made. Stops the clock."""
    breach = _lock_for_handling(breach=breach, acting_user=acting_user, membership=membership)
    errors: dict[str, str] = {}
    if breach.ico_decided_at is not None:
        raise ValidationError("The ICO decision has already been recorded")
    if decision not in IcoDecision.values:
        errors["decision"] = "Choose whether to report it to the ICO"
    text, problem = text_problem(reasons, label="Reasons", missing="Enter the reasons for the decision")
    if problem:
        errors["reasons"] = problem
    reference, problem = text_problem(ico_reference, label="ICO reference", max_length=40)
    if problem:
        errors["ico_reference"] = problem
    now = timezone.now()
    if decision == IcoDecision.REPORT:
        if not reference and "ico_reference" not in errors:
            errors["ico_reference"] = "Enter the reference the ICO gave the report"
        if reported_at is None:
            errors["reported_at"] = "Enter when it was reported to the ICO"
        elif reported_at > now + CLOCK_TOLERANCE:
            errors["reported_at"] = "When it was reported must be in the past"
        elif reported_at < breach.discovered_at:
            errors["reported_at"] = "When it was reported must be after it was discovered"
    else:
        reference, reported_at = "", None
    if errors:
        raise ValidationError(errors)
    breach.ico_decision, breach.ico_reasons, breach.ico_reference = decision, text, reference
    breach.ico_reported_at, breach.ico_decided_at, breach.ico_decided_by = reported_at, now, acting_user
    breach.save(update_fields=[
        "ico_decision", "ico_reasons", "ico_reference", "ico_reported_at", "ico_decided_at", "ico_decided_by", "updated_at"
    ])
    late = now > breach.ico_deadline
    breach_decision_record(
        breach,
        actor=acting_user,
        organisation=membership.organisation,
        action="breach.ico_decided",
        reasons=f"{IcoDecision(decision).label}: {text}",
        details={
            "decision": decision,
            "ico_reference": reference,
            "reported_at": reported_at.isoformat() if reported_at else None,
            "within_72_hours": not late,
        },
    )
    return breach


@transaction.atomic
def breach_investigation_record(*, breach: Breach, findings: str, acting_user: User, membership: Membership | None) -> Breach:
    breach = _lock_for_handling(breach=breach, acting_user=acting_user, membership=membership)
    text, problem = text_problem(findings, label="The investigation", max_length=20_000,
                                 missing="Enter what the investigation found")
    if problem:
        raise ValidationError({"findings": problem})
    breach.investigation, breach.investigation_recorded_at = text, timezone.now()
    breach.save(update_fields=["investigation", "investigation_recorded_at", "updated_at"])
    breach_decision_record(
        breach, actor=acting_user, organisation=membership.organisation, action="breach.investigation_recorded",
        reasons="Investigation findings recorded.", details={"length": len(text)},
    )
    return breach


@transaction.atomic
def breach_summary_share(*, breach: Breach, summary: str, acting_user: User, membership: Membership | None) -> Breach:
    """SDP 8: a summary incident investigation report, shared with the partners involved: their
    DPOs and designated officers are told and may read it."""
    breach = _lock_for_handling(breach=breach, acting_user=acting_user, membership=membership)
    if not breach.investigation_recorded_at:
        raise ValidationError("Record the investigation before sharing the summary report")
    text, problem = text_problem(summary, label="The summary report", max_length=20_000,
                                 missing="Enter the summary incident report, without naming anyone")
    if problem:
        raise ValidationError({"summary": problem})
    breach.summary_report, breach.summary_shared_at = text, timezone.now()
    breach.save(update_fields=["summary_report", "summary_shared_at", "updated_at"])
    involved = breach_involved_organisation_ids(breach=breach)
    partners = sorted(Organisation.objects.filter(pk__in=involved).values_list("name", flat=True))
    breach_decision_record(
        breach, actor=acting_user, organisation=membership.organisation, action="breach.summary_shared",
        reasons=f"Summary incident report shared with {', '.join(partners)}.", details={"organisations": sorted(involved)},
    )
    recipients = list(breach_dpos(organisation_ids=involved)) + list(breach_designated_officers(organisation_ids=involved))
    notify(
        recipients=[u for u in recipients if u.pk != acting_user.pk],
        subject="A summary incident report has been shared with your organisation",
        reference=breach.reference,
        path=_path(breach),
    )
    return breach


@transaction.atomic
def breach_lessons_mark(*, breach: Breach, lessons_learnt: bool, note: str, acting_user: User,
                        membership: Membership | None) -> Breach:
    """SDP 8: the lessons learnt become an input to the next review of the protocol."""
    breach = _lock_for_handling(breach=breach, acting_user=acting_user, membership=membership)
    text, problem = text_problem(note, label="The lessons learnt",
                                 missing="Enter the lessons for the protocol review" if lessons_learnt else "")
    if problem:
        raise ValidationError({"note": problem})
    breach.lessons_learnt, breach.lessons_note = bool(lessons_learnt), text if lessons_learnt else ""
    breach.save(update_fields=["lessons_learnt", "lessons_note", "updated_at"])
    breach_decision_record(
        breach, actor=acting_user, organisation=membership.organisation, action="breach.lessons_marked",
        reasons=text if lessons_learnt else "No lessons for the protocol review.",
        details={"lessons_learnt": bool(lessons_learnt)},
    )
    return breach


def breach_close_problems(breach: Breach) -> list[str]:
    problems = []
    if breach.ico_decided_at is None:
        problems.append("Record the ICO decision")
    if breach.investigation_recorded_at is None:
        problems.append("Record the investigation")
    if breach.summary_shared_at is None:
        problems.append("Share the summary incident report")
    return problems


@transaction.atomic
def breach_close(*, breach: Breach, acting_user: User, membership: Membership | None) -> Breach:
    """Close the case once decided, investigated and reported; its legal holds are lifted."""
    breach = _lock_for_handling(breach=breach, acting_user=acting_user, membership=membership)
    problems = breach_close_problems(breach)
    if problems:
        raise ValidationError(problems)
    breach.status, breach.closed_at, breach.closed_by = BreachStatus.CLOSED, timezone.now(), acting_user
    breach.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    lifted = legal_holds_for_case_lift(
        case_reference=breach.reference, holds=breach.holds.all(), organisation=membership.organisation,
        acting_user=acting_user, partnership=breach.partnership,
    )
    breach_decision_record(
        breach, actor=acting_user, organisation=membership.organisation, action="breach.closed",
        reasons=f"Decided, investigated and reported; {lifted} legal hold{'s' if lifted != 1 else ''} lifted.",
        details={"holds_lifted": lifted, "lessons_learnt": breach.lessons_learnt},
    )
    return breach
