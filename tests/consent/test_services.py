"""consent.services: recording a consent (valid and refused), the scan, and access granted to
those who relied on it at release."""
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm

from consent.models import ConsentRecord, GivenBy
from consent.selectors import access_consent, consents_about_subjects, visible_consents
from consent.services import (
    SubjectDetails,
    consent_grant_for_request,
    consent_scan_attach,
    information_items_clean,
)
from consent.signals_registry import register_subject_source, unregister_subject_source
from portal.models import DataSubject, DecisionLogEntry
from tests.sharing.factories import stockport_new_version

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TODAY = timezone.localdate


def errors_of(excinfo) -> dict:
    return {key: [str(m) for m in messages] for key, messages in excinfo.value.message_dict.items()}


def test_a_valid_consent_is_recorded_with_its_scope_and_logged(parties, make_consent):
    consent = make_consent()
    consent.refresh_from_db()
    assert consent.reference == f"CR-{TODAY():%Y}-{consent.pk:06d}"
    assert consent.holder == parties.a and consent.recorded_by == parties.requester
    assert consent.subject.full_name == "Casey Example" and consent.subject.holder == parties.a
    assert list(consent.recipients.all()) == [parties.a]
    assert list(consent.disclosers.all()) == [parties.b]
    assert consent.information_items == [
        "Anti-social behaviour complaints about my address",
        "Tenancy warnings about noise",
    ]
    assert consent.reasons_explained is True
    assert consent.state_label == "In force"
    entry = DecisionLogEntry.objects.get(action="consent.recorded")
    assert entry.reference == consent.reference
    assert entry.actor == parties.requester and entry.organisation == parties.a
    assert entry.recipient_name == parties.a.name
    assert "the reasons for asking were explained" in entry.reasons
    assert "Casey Example" not in entry.reasons + str(entry.details)  # no personal data in the log
    assert entry.details["information_items"] == 2


def test_reasons_not_explained_is_refused_and_nothing_is_stored(parties, make_consent):
    with pytest.raises(ValidationError) as excinfo:
        make_consent(reasons_explained=False)
    assert "not valid" in errors_of(excinfo)["reasons_explained"][0]
    assert ConsentRecord.objects.count() == 0
    assert not DataSubject.objects.filter(full_name="Casey Example").exists()
    assert not DecisionLogEntry.objects.filter(action="consent.recorded").exists()


def test_reasons_unanswered_is_refused(make_consent):
    with pytest.raises(ValidationError) as excinfo:
        make_consent(reasons_explained=None)
    assert "reasons_explained" in errors_of(excinfo)


@pytest.mark.parametrize(
    "overrides, field",
    [
        (dict(given_on=TODAY() + datetime.timedelta(days=1), witnessed_on=TODAY()), "given_on"),
        (dict(witnessed_on=TODAY() + datetime.timedelta(days=1)), "witnessed_on"),
        (dict(given_on=TODAY(), witnessed_on=TODAY() - datetime.timedelta(days=1)), "witnessed_on"),
        (dict(expires_on=TODAY() - datetime.timedelta(days=7)), "expires_on"),
        (dict(given_on=None), "given_on"),
        (dict(recipients=[]), "recipients"),
        (dict(purposes=[]), "purposes"),
        (dict(information_items=["", "   "]), "information_items"),
        (dict(information_items=["x" * 501]), "information_items"),
        (dict(information_items=[f"item {n}" for n in range(51)]), "information_items"),
        (dict(witness_name=""), "witness_name"),
        (dict(witness_position="a\x00b"), "witness_position"),
        (dict(given_by="stranger"), "given_by"),
        (dict(given_by=GivenBy.PARENT), "signatory_name"),
        (dict(given_by=GivenBy.OTHER, signatory_name="Sam Advocate"), "given_by_description"),
        (dict(new_subject=SubjectDetails(full_name="")), "full_name"),
        (dict(new_subject=SubjectDetails(full_name="A", date_of_birth=TODAY())), "date_of_birth"),
        (dict(new_subject=None), "subject"),
    ],
)
def test_impossible_consents_are_refused_on_their_field(make_consent, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        make_consent(**overrides)
    assert field in errors_of(excinfo)
    assert ConsentRecord.objects.count() == 0


def test_purposes_of_a_pack_no_longer_in_force_are_refused(parties, make_consent):
    newer = stockport_new_version()
    assert newer.is_current
    with pytest.raises(ValidationError) as excinfo:
        make_consent()  # purposes of the Stockport 2020 pack
    assert "purposes" in errors_of(excinfo)
    consent = make_consent(purposes=[newer.purposes.order_by("order").first()])
    assert consent.protocol_pack == newer


def test_given_by_a_parent_keeps_the_signatory(make_consent):
    consent = make_consent(
        given_by=GivenBy.PARENT, signatory_name="Alex Parent", signatory_address="4 Hillgate",
        signatory_date_of_birth=datetime.date(1970, 1, 1),
    )
    assert (consent.signatory_name, consent.given_by_description) == ("Alex Parent", "")


def test_signatory_details_are_dropped_when_the_person_signed_themselves(make_consent):
    consent = make_consent(signatory_name="Ignored", given_by_description="Ignored too")
    assert (consent.signatory_name, consent.given_by_description) == ("", "")


def test_items_are_split_stripped_and_deduplicated():
    errors = {}
    assert information_items_clean("  One  thing \n\nTwo\none THING\n", errors=errors) == ["One thing", "Two"]
    assert errors == {}


def test_only_officers_and_designated_officers_record(parties, make_consent):
    for name in ("chair", "auditor", "admin"):
        with pytest.raises(PermissionDenied):
            make_consent(recorder=name)
    membership = parties.memberships["officer_a"]
    with pytest.raises(PermissionDenied):  # someone else's membership
        make_consent(acting_user=parties.requester, acting_membership=membership)


def test_an_existing_subject_must_be_one_the_user_may_choose(parties, make_consent):
    first = make_consent()
    again = make_consent(new_subject=None, subject=first.subject)  # the recorder sees the first record
    assert again.subject == first.subject
    with pytest.raises(ValidationError) as excinfo:
        make_consent(recorder="officer_c", new_subject=None, subject=first.subject)
    assert "subject" in errors_of(excinfo)


def test_subject_sources_registered_by_other_apps_are_offered(parties, make_consent):
    stranger = DataSubject.objects.create(holder=parties.a, full_name="From a request")

    def source(*, user):
        return DataSubject.objects.filter(pk=stranger.pk) if user == parties.officer_c else DataSubject.objects.none()

    register_subject_source(source)
    try:
        consent = make_consent(recorder="officer_c", new_subject=None, subject=stranger, recipients=[parties.c])
    finally:
        unregister_subject_source(source)
    assert consent.subject == stranger


def test_a_scan_is_checked_like_an_attachment(parties, make_consent):
    with pytest.raises(ValidationError) as excinfo:
        make_consent(scan=SimpleUploadedFile("form.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf"))
    assert "not really a PDF" in errors_of(excinfo)["scan"][0]
    consent = make_consent(scan=SimpleUploadedFile("signed form.png", PNG, content_type="image/png"))
    assert consent.scan and consent.scan_content_type == "image/png" and consent.scan_original_name == "signed form.png"
    assert "signed form" not in consent.scan.name  # stored under a random name


def test_scan_attached_later_once_only_by_its_keepers(parties, make_consent):
    consent = make_consent()
    with pytest.raises(Http404):  # cannot see it
        consent_scan_attach(consent=consent, scan=io.BytesIO(PNG), acting_user=parties.officer_a)
    assign_perm("consent.access_consent", parties.officer_a, consent)
    with pytest.raises(PermissionDenied):  # can see it, but does not look after it
        consent_scan_attach(consent=consent, scan=io.BytesIO(PNG), acting_user=parties.officer_a)
    consent = consent_scan_attach(
        consent=consent, scan=SimpleUploadedFile("scan.png", PNG, content_type="image/png"), acting_user=parties.do_a
    )
    assert consent.scan_uploaded_by == parties.do_a
    assert DecisionLogEntry.objects.filter(action="consent.scan_attached", reference=consent.reference).exists()
    with pytest.raises(ValidationError):
        consent_scan_attach(
            consent=consent, scan=SimpleUploadedFile("again.png", PNG, content_type="image/png"), acting_user=parties.requester
        )


def test_grant_for_request_lets_the_responder_and_holding_designated_officers_see_it(parties, make_consent):
    request = parties.request(assignee=parties.assignee)
    request_subject = request.subjects.get().subject
    # The requester records consent for the person the request is about.
    register_subject_source(_subjects_of_requests)
    try:
        consent = make_consent(new_subject=None, subject=request_subject)
    finally:
        unregister_subject_source(_subjects_of_requests)
    assert list(consents_about_subjects(subject_ids=[request_subject.pk])) == [consent]
    assert not visible_consents(user=parties.assignee).exists()
    with pytest.raises(PermissionDenied):
        consent_grant_for_request(consent=consent, request=request, acting_user=parties.officer_b)
    granted = consent_grant_for_request(consent=consent, request=request, acting_user=parties.assignee)
    assert {user.username for user in granted} == {"assignee", "do_b"}
    assert access_consent(user=parties.assignee, pk=consent.pk) == consent
    assert access_consent(user=parties.do_b, pk=consent.pk) == consent
    assert consent_grant_for_request(consent=consent, request=request, acting_user=parties.do_b) == []


def test_grant_refuses_a_consent_about_someone_else(parties, make_consent):
    request = parties.request(assignee=parties.assignee)
    consent = make_consent()
    with pytest.raises(ValidationError, match="not about anyone"):
        consent_grant_for_request(consent=consent, request=request, acting_user=parties.assignee)


def _subjects_of_requests(*, user):
    from sharing.models import RequestSubject
    from sharing.selectors import visible_disclosures

    return DataSubject.objects.filter(
        pk__in=RequestSubject.objects.filter(request__in=visible_disclosures(user=user)).values("subject_id")
    )


def test_recording_without_a_protocol_in_force_is_refused(parties, make_consent):
    type(parties.pack).objects.update(is_current=False)
    with pytest.raises(ValidationError, match="No information sharing protocol"):
        make_consent()
