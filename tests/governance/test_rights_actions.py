"""Carrying out what a rights case agreed (governance/services/rights.py; UK GDPR Arts 16-18,
21; SDP 9) through the services that own the records, from the DPO's task list. The governance
`w` partnership: A (police) asked B (council) about Jordan Example (born 1 April 1990), a person
record A holds; B released."""
from __future__ import annotations

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.models import ObjectionOutcome, ProcessingRestriction
from governance.services import rights as services
from portal.models import DecisionLogEntry, HeldCopy, LegalHold, LegalHoldReason, RetentionRecordKind
from portal.retention.services import held_copy_record, legal_holds_for_case_place
from sharing.models import Outcome, Status
from sharing.services.decide import disclosure_decide_problems
from sharing.services.raising import disclosure_submit_problems
from tests.dates import date_parts
from tests.sharing.factories import DisclosureRequestFactory

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode())


def case_for(w, right, who):
    membership = w.m[who]
    case = services.rights_case_open(
        right=right, received_on=timezone.localdate() - datetime.timedelta(days=2),
        request_summary="Please act on my records.", acting_user=membership.user, acting_membership=membership,
    )
    services.rights_case_subjects_link(case=case, subject_ids=[w.subject.pk], acting_user=membership.user,
                                       acting_membership=membership)
    return case


def test_rectification_page_checks_answers_then_corrects_the_record_through_its_owner(w):
    case = case_for(w, "rectification", "dpo_a")
    client = w.client("dpo_a")
    url = reverse("governance:rights_rectify", kwargs={"pk": case.pk})
    assert "Rectify the record" in page(client.get(reverse("governance:rights_case", kwargs={"pk": case.pk})))
    assert "Jordan Example" in page(client.get(url))
    form = {"subject": w.subject.pk, "full_name": "Jordan Exemple", "aliases": "",
            **date_parts("date_of_birth", w.subject.date_of_birth or ""),
            "nhs_number": w.subject.nhs_number, "address": w.subject.address}
    check = page(client.post(url, form))
    assert "Check the correction" in check and "Jordan Exemple" in check
    w.subject.refresh_from_db()
    assert w.subject.full_name == "Jordan Example"  # nothing changed until confirmed
    done = page(client.post(url, {**form, "confirm": "1"}))
    assert "Record rectified" in done
    w.subject.refresh_from_db()
    assert w.subject.full_name == "Jordan Exemple"
    entry = DecisionLogEntry.objects.get(action="subject.rectified")
    assert entry.reference == case.reference and entry.details["fields"] == ["full_name"]
    assert "Exemple" not in entry.reasons  # the log names fields, never values
    assert DecisionLogEntry.objects.filter(action="governance.rights_rectified", reference=case.reference).exists()


def test_a_date_of_birth_is_corrected_in_three_boxes_and_carried_through_the_check_page(w):
    case = case_for(w, "rectification", "dpo_a")
    client = w.client("dpo_a")
    url = reverse("governance:rights_rectify", kwargs={"pk": case.pk})
    form = {"subject": w.subject.pk, "full_name": w.subject.full_name, "aliases": w.subject.aliases,
            "nhs_number": w.subject.nhs_number, "address": w.subject.address}
    shown = page(client.get(url, {"subject": w.subject.pk}))
    assert 'name="date_of_birth_day"' in shown and 'name="date_of_birth_year"' in shown

    # Half a date: the GOV.UK message, and what was typed stays in the boxes.
    refused = page(client.post(url, {**form, **date_parts("date_of_birth", ""), "date_of_birth_day": "2",
                                     "date_of_birth_year": "1990"}))
    assert "Date of birth must include a month" in refused
    assert 'name="date_of_birth_day" type="text" inputmode="numeric" value="2"' in refused
    assert 'name="date_of_birth_year" type="text" inputmode="numeric" value="1990"' in refused
    w.subject.refresh_from_db()
    before = w.subject.date_of_birth

    corrected = {**form, **date_parts("date_of_birth", "2/4/1990")}
    check = page(client.post(url, corrected))
    assert "Check the correction" in check and "Date of birth" in check
    # The check page carries the three boxes, not one, to the confirm step.
    assert 'type="hidden" name="date_of_birth_day" value="2"' in check
    assert 'type="hidden" name="date_of_birth_year" value="1990"' in check
    w.subject.refresh_from_db()
    assert w.subject.date_of_birth == before
    done = page(client.post(url, {**corrected, "confirm": "1"}))
    assert "Record rectified" in done and "1 detail corrected" in done
    w.subject.refresh_from_db()
    assert w.subject.date_of_birth == datetime.date(1990, 4, 2)
    entry = DecisionLogEntry.objects.get(action="subject.rectified")
    assert entry.details["fields"] == ["date_of_birth"] and "1990" not in entry.reasons


def test_rectification_is_refused_for_another_organisations_record_and_other_rights(w):
    case = case_for(w, "rectification", "dpo_b")  # B receives, but A holds the record
    with pytest.raises(ValidationError):
        services.rights_case_rectify(case=case, subject_id=w.subject.pk, changes={"full_name": "X"},
                                     acting_user=w.m["dpo_b"].user, acting_membership=w.m["dpo_b"])
    access = case_for(w, "access", "dpo_a")
    with pytest.raises(ValidationError):
        services.rights_case_rectify(case=access, subject_id=w.subject.pk, changes={"full_name": "X"},
                                     acting_user=w.m["dpo_a"].user, acting_membership=w.m["dpo_a"])
    w.subject.refresh_from_db()
    assert w.subject.full_name == "Jordan Example"


def copy_of(w, holder, reference, request_reference=""):
    return held_copy_record(
        content_type="sharing.request", content_id=w.request.pk, kind=RetentionRecordKind.REQUESTS, holder=holder,
        reference=reference, request_reference=request_reference, subject_ids=[w.subject.pk],
    )


def test_erasure_destroys_the_organisations_own_copies_through_the_engine_keeping_held_ones(w):
    mine = copy_of(w, w.a, w.request.reference, w.request.reference)
    theirs = copy_of(w, w.b, w.request.reference, w.request.reference)
    case = case_for(w, "erasure", "dpo_a")
    # The case's own subject-access holds do not stop the erasure it agreed.
    assert LegalHold.objects.filter(case_reference=case.reference, lifted_at__isnull=True).exists()
    client = w.client("dpo_a")
    url = reverse("governance:rights_erase", kwargs={"pk": case.pk})
    form = {"subjects": [w.subject.pk], "reasons": "No longer necessary; no exemption applies."}
    check = page(client.post(url, form))
    assert "Check what is destroyed" in check and w.request.reference in check
    mine.refresh_from_db()
    assert mine.destroyed_at is None
    done = page(client.post(url, {**form, "confirm": "1"}))
    assert "Erasure carried out" in done and "1 copy destroyed" in done
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.destroyed_at is not None and mine.destroyed_by_run.trigger == "erasure"
    assert theirs.destroyed_at is None  # B's copy is B's to decide on
    tombstone = DecisionLogEntry.objects.get(action="retention.destroyed", details__copy=mine.pk)
    assert case.reference in tombstone.reasons
    assert DecisionLogEntry.objects.filter(action="governance.rights_erased", reference=case.reference).exists()


def test_erasure_keeps_a_copy_under_another_cases_hold(w):
    mine = copy_of(w, w.a, w.request.reference, w.request.reference)
    legal_holds_for_case_place(case_reference="BR-2026-000009", organisation=w.a, reason_kind=LegalHoldReason.BREACH,
                               request_references=[w.request.reference], acting_user=w.m["dpo_a"].user)
    case = case_for(w, "erasure", "dpo_a")
    erasure = services.rights_case_erase(case=case, subject_ids=[w.subject.pk], reasons="Agreed",
                                         acting_user=w.m["dpo_a"].user, acting_membership=w.m["dpo_a"])
    assert not erasure.destroyed and [c.pk for c, _ in erasure.kept] == [mine.pk]
    mine.refresh_from_db()
    assert mine.destroyed_at is None


def test_erasure_of_the_last_copy_clears_the_person(w):
    copy_of(w, w.a, "CR-1")
    HeldCopy.objects.exclude(holder=w.a).delete()
    case = case_for(w, "erasure", "dpo_a")
    services.rights_case_erase(case=case, subject_ids=[w.subject.pk], reasons="Agreed",
                               acting_user=w.m["dpo_a"].user, acting_membership=w.m["dpo_a"])
    w.subject.refresh_from_db()
    # The request's content is another organisation's too (B holds no copy here): the person
    # record A holds is cleared once no live copy names them.
    assert w.subject.full_name == ""


def new_request(w, status):
    return DisclosureRequestFactory(
        requesting_organisation=w.a, requester=w.m["officer_a"].user, holding_organisation=w.b,
        assignee=w.m["officer_b"].user, status=status, protocol_pack=w.pack,
    )


def release_refusal(request) -> str:
    errors, _ = disclosure_decide_problems(disclosure=request, outcome=Outcome.RELEASED, reasons="Necessary")
    return " ".join(errors.get("__all__", []))


def test_restriction_refuses_release_and_raising_about_the_person_until_lifted(w):
    case = case_for(w, "restriction", "dpo_b")
    open_request = new_request(w, Status.IN_REVIEW)  # its own record of the same person
    draft = new_request(w, Status.DRAFT)
    assert "restricted" not in release_refusal(open_request)
    client = w.client("dpo_b")
    response = client.post(reverse("governance:rights_restrict", kwargs={"pk": case.pk}),
                           {"subjects": [w.subject.pk], "reasons": "Accuracy contested (Art 18(1)(a))."})
    assert "Processing restricted" in page(response)
    assert ProcessingRestriction.objects.filter(case=case, lifted_at__isnull=True).count() == 1
    assert "restricted" in release_refusal(open_request) and case.reference in release_refusal(open_request)
    assert any("restricted" in p.message for p in disclosure_submit_problems(disclosure=draft))
    # Lifting is a recorded decision; then release may go ahead again.
    lift = reverse("governance:rights_restriction_lift", kwargs={"pk": case.pk})
    assert "Enter why the restriction is lifted" in page(client.post(lift, {"reasons": " "}))
    assert "Restriction lifted" in page(client.post(lift, {"reasons": "Accuracy verified."}))
    assert "restricted" not in release_refusal(open_request)
    assert DecisionLogEntry.objects.filter(action="governance.rights_restriction_lifted", reference=case.reference).exists()


def test_objection_records_the_outcome_and_upheld_restricts(w):
    case = case_for(w, "objection", "dpo_b")
    open_request = new_request(w, Status.IN_REVIEW)
    with pytest.raises(ValidationError) as refused:
        services.rights_case_objection(case=case, outcome=ObjectionOutcome.UPHELD, reasons="No grounds", subject_ids=[],
                                       acting_user=w.m["dpo_b"].user, acting_membership=w.m["dpo_b"])
    assert "subjects" in refused.value.message_dict
    client = w.client("dpo_b")
    response = client.post(reverse("governance:rights_objection", kwargs={"pk": case.pk}),
                           {"outcome": "upheld", "subjects": [w.subject.pk], "reasons": "No compelling grounds."})
    assert "Objection's outcome recorded" in page(response)
    case.refresh_from_db()
    assert case.objection_outcome == ObjectionOutcome.UPHELD
    assert "restricted" in release_refusal(open_request)


def test_objection_not_upheld_restricts_nothing(w):
    case = case_for(w, "objection", "dpo_b")
    open_request = new_request(w, Status.IN_REVIEW)
    services.rights_case_objection(case=case, outcome=ObjectionOutcome.NOT_UPHELD, reasons="Compelling grounds.",
                                   acting_user=w.m["dpo_b"].user, acting_membership=w.m["dpo_b"])
    assert not ProcessingRestriction.objects.filter(case=case).exists()
    assert "restricted" not in release_refusal(open_request)


def test_action_pages_are_only_for_their_own_right(w):
    case = case_for(w, "access", "dpo_b")
    client = w.client("dpo_b")
    for name in ("rights_rectify", "rights_erase", "rights_restrict", "rights_objection"):
        response = client.get(reverse(f"governance:{name}", kwargs={"pk": case.pk}))
        assert response.status_code == 302


@pytest.mark.parametrize(
    ("right", "who", "url_name", "data", "title"),
    [
        ("rectification", "dpo_a", "governance:rights_rectify", {"full_name": "", "date_of_birth": "31/2/1990"},
         "Rectify the record"),
        ("erasure", "dpo_a", "governance:rights_erase", {"reasons": " "}, "Erase records"),
        ("restriction", "dpo_b", "governance:rights_restrict", {"reasons": " "}, "Restrict processing"),
    ],
)
def test_a_refused_action_page_says_error_once_in_its_title(w, right, who, url_name, data, title):
    # base.html puts "Error: " before the title of a page whose form has errors; a page that
    # added its own said it twice to a screen reader.
    case = case_for(w, right, who)
    data = {"subject": w.subject.pk, "subjects": [w.subject.pk], **data}
    body = page(w.client(who).post(reverse(url_name, kwargs={"pk": case.pk}), data))
    assert f"<title>Error: {title}: {case.reference} –" in body
    assert "Error: Error:" not in body


def test_a_refused_lift_says_error_once_in_its_title(w):
    case = case_for(w, "restriction", "dpo_b")
    client = w.client("dpo_b")
    client.post(reverse("governance:rights_restrict", kwargs={"pk": case.pk}),
                {"subjects": [w.subject.pk], "reasons": "Accuracy contested (Art 18(1)(a))."})
    body = page(client.post(reverse("governance:rights_restriction_lift", kwargs={"pk": case.pk}), {"reasons": " "}))
    assert f"<title>Error: Lift the restriction: {case.reference} –" in body
    assert "Error: Error:" not in body
