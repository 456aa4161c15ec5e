"""Reads for data-subject rights cases (SDP 9): the DPO's search for a person across the portal,
the records that mention them (by reference, never their content), and need-to-know on cases.

Tolerant matching (`subjects_matching`): names compare with case, accents and spacing ignored
(PostgreSQL `unaccent`, installed by governance's migration) and, failing that, by trigram
similarity (`pg_trgm`) for a misspelling; aliases likewise; a date of birth matches itself or its
day and month transposed (3/4 for 4/3); an NHS number compares its digits only. An NHS number
alone matches; otherwise a name is needed, narrowed by the date of birth when given.

A case is seen by the DPOs of the receiving organisation and of each organisation consulted on
it; `access_rights_case` answers 404 alike for missing and not-yours.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, Func, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.http import Http404

from consent.models import ConsentRecord
from governance.models import ConsultationStatus, RightsCase, RightsConsultation
from meetings.models import AgendaItem
from portal.models import DataSubject, LegalHold, Membership, Organisation
from portal.roles import Role
from sharing.models import DisclosureRequest, RequestSubject

NAME_SIMILARITY = 0.4
MAX_MATCHES = 100


def _normal(expression):
    """lower(unaccent(name)) without any whitespace: "  José  O'Neil" and "jose o'neil" agree."""
    unaccented = Func(expression, function="unaccent")
    return Lower(Func(unaccented, Value(r"\s+"), Value(""), Value("g"), function="regexp_replace"))


def normal_text(value: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and not ch.isspace()).lower()


def _digits(expression):
    return Func(expression, Value(r"\D"), Value(""), Value("g"), function="regexp_replace")


def dates_of_birth(value: datetime.date | None) -> list[datetime.date]:
    """The date and, when it is a real date, the date with day and month transposed."""
    if value is None:
        return []
    dates = [value]
    try:
        swapped = value.replace(day=value.month, month=value.day)
    except ValueError:
        swapped = None
    if swapped and swapped != value:
        dates.append(swapped)
    return dates


def subjects_matching(
    *, name: str = "", date_of_birth: datetime.date | None = None, nhs_number: str = ""
) -> QuerySet[DataSubject]:
    """Every person record in the portal that may be this person, whichever organisation holds it."""
    name_key = normal_text(name)
    digits = "".join(ch for ch in (nhs_number or "") if ch.isdigit())
    if not name_key and not digits:
        return DataSubject.objects.none()
    subjects = DataSubject.objects.exclude(full_name="").annotate(
        name_key=_normal(F("full_name")),
        alias_key=_normal(F("aliases")),
        nhs_key=_digits(F("nhs_number")),
        similar=Func(
            Lower(Func(F("full_name"), function="unaccent")),
            Value(" ".join(normal_text(w) for w in name.split())),
            function="similarity",
        ),
    )
    by_name = Q(pk__in=[])
    if name_key:
        by_name = Q(name_key=name_key) | Q(alias_key__contains=name_key) | Q(similar__gte=NAME_SIMILARITY)
        if date_of_birth is not None:
            by_name &= Q(date_of_birth__in=dates_of_birth(date_of_birth))
    by_nhs = Q(nhs_key=digits) & ~Q(nhs_key="") if digits else Q(pk__in=[])
    return subjects.filter(by_name | by_nhs).select_related("holder").order_by("full_name", "pk")[:MAX_MATCHES]


@dataclass(frozen=True)
class FoundRecord:
    """One record that mentions a person, as the DPO sees it: what it is, its reference, which
    organisations are party to it and when, never its content."""

    kind: str
    reference: str
    organisations: tuple[Organisation, ...]
    when: datetime.date | None
    subject_id: int

    @property
    def organisation_ids(self) -> set[int]:
        return {o.pk for o in self.organisations}


def records_mentioning(*, subject_ids) -> list[FoundRecord]:
    """The requests (and their releases), consent records and meeting cases about these people."""
    ids = list(subject_ids)
    found: list[FoundRecord] = []
    links = (
        RequestSubject.objects.filter(subject_id__in=ids)
        .select_related("request__requesting_organisation", "request__holding_organisation")
        .order_by("request__reference")
    )
    for link in links:
        request = link.request
        kind = "Disclosure request" + (f" ({request.get_status_display().lower()})" if request.status else "")
        parties = tuple(o for o in (request.requesting_organisation, request.holding_organisation) if o is not None)
        found.append(FoundRecord(kind, request.reference, parties, request.created_at.date(), link.subject_id))
    for consent in ConsentRecord.objects.filter(subject_id__in=ids).select_related("holder").order_by("reference"):
        found.append(FoundRecord("Consent record", consent.reference, (consent.holder,), consent.given_on, consent.subject_id))
    items = (
        AgendaItem.objects.filter(subjects__in=ids)
        .select_related("meeting__chair_organisation", "request")
        .prefetch_related("subjects")
        .distinct()
    )
    for item in items:
        for subject in item.subjects.all():
            if subject.pk in ids:
                found.append(
                    FoundRecord(
                        "Case at a meeting",
                        f"{item.meeting.reference} case {item.number}",
                        (item.meeting.chair_organisation,),
                        item.meeting.starts_at.date(),
                        subject.pk,
                    )
                )
    return found


def request_references_mentioning(*, subject_ids) -> list[str]:
    return sorted(set(
        DisclosureRequest.objects.filter(subjects__subject_id__in=list(subject_ids)).values_list("reference", flat=True)
    ))


def _is_dpo(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.DPO


def visible_rights_cases(*, membership: Membership | None) -> QuerySet[RightsCase]:
    cases = RightsCase.objects.select_related("receiving_organisation", "partnership")
    if not _is_dpo(membership):
        return cases.none()
    mine = Q(receiving_organisation_id=membership.organisation_id) | Q(
        pk__in=RightsConsultation.objects.filter(organisation_id=membership.organisation_id).values("case")
    )
    return cases.filter(mine)


def access_rights_case(*, membership: Membership | None, pk: int, for_update: bool = False) -> RightsCase:
    cases = visible_rights_cases(membership=membership)
    if for_update:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(pk=pk).first()
    if case is None:
        raise Http404("No such case")
    return case


def access_consultation(*, membership: Membership | None, pk: int, for_update: bool = False) -> RightsConsultation:
    """A consultation, for the DPO of the organisation consulted or of the receiving organisation."""
    consultations = RightsConsultation.objects.select_related("case", "organisation", "case__receiving_organisation")
    if not _is_dpo(membership):
        raise Http404("No such consultation")
    consultations = consultations.filter(
        Q(organisation_id=membership.organisation_id) | Q(case__receiving_organisation_id=membership.organisation_id)
    )
    if for_update:
        consultations = consultations.select_for_update(of=("self",))
    consultation = consultations.filter(pk=pk).first()
    if consultation is None:
        raise Http404("No such consultation")
    return consultation


def consultations_awaiting(*, membership: Membership | None) -> QuerySet[RightsConsultation]:
    if not _is_dpo(membership):
        return RightsConsultation.objects.none()
    return RightsConsultation.objects.filter(
        organisation_id=membership.organisation_id, status=ConsultationStatus.AWAITING
    ).select_related("case")


def case_holds(*, case: RightsCase) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(case_reference=case.reference)


def dpos_of(*, organisation: Organisation | int) -> list:
    memberships = Membership.objects.active().filter(organisation=organisation, role=Role.DPO).select_related("user")
    return list({m.user_id: m.user for m in memberships}.values())


def subjects_matching_ids(*, ids) -> QuerySet[DataSubject]:
    """The person records chosen from a search's results (the form posts their ids back)."""
    return DataSubject.objects.filter(pk__in=list(ids)[:MAX_MATCHES]).exclude(full_name="").select_related("holder")


def restrictions_standing(*, case: RightsCase) -> QuerySet:
    from governance.models import ProcessingRestriction

    return ProcessingRestriction.objects.filter(case=case, lifted_at__isnull=True).select_related("subject", "organisation")


def _identity_keys(subject: DataSubject) -> set[tuple]:
    keys = {("pk", subject.pk)}
    digits = "".join(ch for ch in subject.nhs_number or "" if ch.isdigit())
    if digits:
        keys.add(("nhs", digits))
    name = normal_text(subject.full_name)
    if name:
        for born in dates_of_birth(subject.date_of_birth) or [None]:
            keys.add(("name", name, born))
    return keys


def restrictions_standing_for(*, organisation_ids, subject_ids) -> list[str]:
    """portal.restrictions' check: each standing restriction one of these organisations placed on
    one of these people, matched as the rights search matches (same record, NHS number, or name
    with case, accents and spacing ignored and the same date of birth, day and month either way),
    so a new request's own record of the person is caught too. Organisation and case only."""
    from governance.models import ProcessingRestriction

    standing = list(
        ProcessingRestriction.objects.filter(organisation_id__in=list(organisation_ids), lifted_at__isnull=True)
        .select_related("subject", "organisation", "case")
    )
    if not standing:
        return []
    wanted: set[tuple] = set()
    for subject in DataSubject.objects.filter(pk__in=list(subject_ids)):
        wanted |= _identity_keys(subject)
    return [
        f"{r.organisation.name}, {r.case.reference}" for r in standing if _identity_keys(r.subject) & wanted
    ]


def copies_to_erase(*, organisation, subject_ids) -> QuerySet:
    """What an erasure would destroy: the organisation's live copies naming these people."""
    from portal.models import HeldCopy

    return HeldCopy.objects.filter(
        holder=organisation, destroyed_at__isnull=True, subject_ids__overlap=[int(pk) for pk in subject_ids]
    ).order_by("reference")


def case_events(*, case: RightsCase, action: str) -> int:
    """How many times `action` was decision-logged on this case."""
    from portal.models import DecisionLogEntry

    return DecisionLogEntry.objects.filter(reference=case.reference, action=action).count()


def audit_rights_cases(*, membership: Membership | None, q: str = "", status: str = "") -> QuerySet[RightsCase]:
    """The auditor's read of the partnership's rights cases (issue 11): its own partnership only,
    searched by reference or organisation; nothing but the case's own record."""
    if membership is None or membership.role != Role.AUDITOR:
        return RightsCase.objects.none()
    cases = RightsCase.objects.filter(partnership_id=membership.partnership_id).select_related("receiving_organisation")
    q = (q or "").strip()[:100]
    if q:
        cases = cases.filter(Q(reference__icontains=q) | Q(receiving_organisation__name__icontains=q))
    if status:
        cases = cases.filter(status=status)
    return cases


def audit_rights_case(*, membership: Membership | None, pk: int) -> RightsCase:
    case = audit_rights_cases(membership=membership).filter(pk=pk).first()
    if case is None:
        raise Http404("No such case")
    return case


def case_log(*, case: RightsCase) -> QuerySet:
    """The case's decision-log entries (actions, organisations, times; reasons as recorded)."""
    from portal.models import DecisionLogEntry

    return DecisionLogEntry.objects.filter(reference=case.reference).select_related("organisation").order_by("pk")[:200]
