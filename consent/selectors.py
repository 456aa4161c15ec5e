"""Guarded reads of consent records (SSP 8.2 need-to-know; SDP 5.1 d).

`access_consent` is the only way a view gets a consent record: it answers 404 both for "missing"
and for "not yours", so an id cannot be probed. Membership of an organisation gives nothing by
itself: the officer who recorded it, the designated officers of the organisation that holds it,
and anyone granted `access_consent` on the record (the responder and designated officers of an
organisation that disclosed relying on it: `consent_grant_for_request`) get through.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower, Trim
from django.http import Http404

from consent.models import ConsentRecord, ConsentRecordUserObjectPermission
from consent.signals_registry import subject_sources
from portal.models import DataSubject, HeldCopy, Membership, User
from portal.roles import Role

ACCESS_PERMISSION = "access_consent"
RETENTION_CONTENT_TYPE = "consent.record"  # consent.retention.CONTENT_TYPE


def designated_organisation_ids(user: User) -> list[int]:
    return list(
        Membership.objects.active()
        .filter(user=user, role=Role.DESIGNATED_OFFICER)
        .values_list("organisation_id", flat=True)
    )


def visible_consents(*, user: User) -> QuerySet[ConsentRecord]:
    """Every consent record `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return ConsentRecord.objects.none()
    granted = ConsentRecordUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=ACCESS_PERMISSION
    )
    rule = Q(recorded_by=user) | Q(Exists(granted))
    designated = designated_organisation_ids(user)
    if designated:
        rule |= Q(holder_id__in=designated)
    return ConsentRecord.objects.filter(rule)


def access_consent(*, user: User, pk: int | str, for_update: bool = False) -> ConsentRecord:
    """The consent record, if `user` may see it; Http404 otherwise, whatever the reason."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such consent record") from None
    if not -(2**63) <= pk < 2**63:
        raise Http404("No such consent record")
    queryset = visible_consents(user=user).select_related(
        "subject", "holder", "recorded_by", "protocol_pack", "withdrawal_recorded_by", "scan_uploaded_by"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    consent = queryset.filter(pk=pk).first()
    if consent is None:
        raise Http404("No such consent record")
    return consent


def consent_search(*, user: User, query: str = "") -> QuerySet[ConsentRecord]:
    """The records `user` can see, newest first, optionally narrowed by reference or by the
    subject's name (only ever within what they can see)."""
    queryset = visible_consents(user=user)
    query = " ".join((query or "").replace("\x00", "").split())[:200]
    if query:
        queryset = queryset.filter(Q(reference__iexact=query) | Q(subject__full_name__icontains=query))
    return queryset.select_related("subject", "holder", "recorded_by").prefetch_related("recipients").order_by(
        "-recorded_at", "-pk"
    )


def consent_subject_choices(*, user: User) -> QuerySet[DataSubject]:
    """The people `user` may record a consent for without typing them in again: the subjects of
    the consent records they can see, and whatever the apps above offer (signals_registry)."""
    ids = visible_consents(user=user).values("subject_id")
    rule = Q(pk__in=ids)
    for source in subject_sources():
        rule |= Q(pk__in=source(user=user).values("pk"))
    # A person whose details were destroyed under retention cannot be chosen: type them in again.
    return DataSubject.objects.filter(rule).exclude(full_name="").order_by("full_name", "pk")


def same_person_subjects(*, subject_ids) -> QuerySet[DataSubject]:
    """Other person records that are the same person as one of these: what someone types on the
    consent form (full name and date of birth, `services.SubjectDetails`) matches, case and spacing
    aside. A name alone never matches (too many people share one), nor a person without a date of
    birth; two records whose NHS numbers are both given and differ are two people."""
    ids = [int(pk) for pk in subject_ids]
    rule = Q(pk__in=[])
    for person in DataSubject.objects.filter(pk__in=ids).exclude(full_name="").exclude(date_of_birth=None):
        same = Q(name_key=" ".join(person.full_name.split()).lower(), date_of_birth=person.date_of_birth)
        if person.nhs_number:
            same &= Q(nhs_number="") | Q(nhs_number=person.nhs_number)
        rule |= same
    spaced = Func(F("full_name"), Value(r"\s+"), Value(" "), Value("g"), function="regexp_replace")
    return DataSubject.objects.annotate(name_key=Lower(Trim(spaced))).filter(rule).exclude(pk__in=ids)


def consents_about_subjects(*, subject_ids, matching_seen_by: Iterable[User] = ()) -> QuerySet[ConsentRecord]:
    """Consent records about any of these people, newest first, with what the release page needs
    to show them (recipients, disclosers, purposes).

    With `matching_seen_by`, also the records about the same person recorded under another person
    record (`same_person_subjects`: typed in again on the consent form), but only those one of
    these users may see: a match by name and date of birth alone is no need-to-know.

    For the responder choosing the consent a release relies on (sharing's decide page). It does
    not check the user: the responder at the disclosing organisation cannot see a record before
    relying on it (`consent_grant_for_request` grants that), so the caller must already have
    need-to-know on a request about these people, loaded through `access_disclosure`."""
    destroyed = HeldCopy.objects.filter(
        content_type=RETENTION_CONTENT_TYPE, content_id=OuterRef("pk"), destroyed_at__isnull=False
    )
    subject_ids = list(subject_ids)
    rule = Q(subject_id__in=subject_ids)
    seen = Q(pk__in=[])
    for user in matching_seen_by:
        if user is not None:
            seen |= Q(pk__in=visible_consents(user=user).values("pk"))
    if seen != Q(pk__in=[]):
        rule |= Q(subject_id__in=same_person_subjects(subject_ids=subject_ids).values("pk")) & seen
    return (
        ConsentRecord.objects.filter(rule)
        .exclude(Exists(destroyed))  # destroyed under retention: nothing left to rely on
        .select_related("subject", "holder", "protocol_pack")
        .prefetch_related("recipients", "disclosers", "purposes")
        .order_by("-given_on", "-pk")
    )


# ---------------------------------------------------------------------------------------------
# Retention: a destroyed record keeps its row (the tombstone) but none of its content
# ---------------------------------------------------------------------------------------------


def consents_destroyed(*, consent_ids: Iterable[int]) -> dict[int, datetime.datetime]:
    """When each of these records was destroyed under retention (those destroyed only): one query
    for a whole page of records. A record has one copy, its holder's, so its tombstone is the
    record's."""
    ids = [int(pk) for pk in consent_ids]
    if not ids:
        return {}
    return dict(
        HeldCopy.objects.filter(
            content_type=RETENTION_CONTENT_TYPE, content_id__in=ids, destroyed_at__isnull=False
        ).values_list("content_id", "destroyed_at")
    )


def consent_tombstone(*, consent: ConsentRecord) -> HeldCopy | None:
    """The tombstone of a record destroyed under retention (what was held, by whom, under which
    policy, destroyed when), or None while it is held."""
    return (
        HeldCopy.objects.filter(content_type=RETENTION_CONTENT_TYPE, content_id=consent.pk, destroyed_at__isnull=False)
        .select_related("holder")
        .order_by("destroyed_at", "pk")
        .first()
    )


def consent_destroyed_at(*, consent: ConsentRecord) -> datetime.datetime | None:
    """When the record was destroyed under retention, or None while it is held."""
    return consents_destroyed(consent_ids=[consent.pk]).get(consent.pk)

