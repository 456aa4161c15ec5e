"""The requesting officer's services (sharing/services/raising.py): draft, sections, submit,
withdraw, resubmit — the rules, the decision log and the notifications, without the pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from portal.models import DataSubject, DecisionLogEntry, Notification, OrganisationKind, ProtocolPack, SubjectRole
from sharing.models import (
    ChecklistAnswer,
    DisclosureRequestUserObjectPermission,
    NoteKind,
    RequestNote,
    RequestSubject,
    Status,
    Urgency,
)
from sharing.services import raising as services
from tests.portal.factories import member_set
from tests.sharing.factories import gateway_for

pytestmark = pytest.mark.django_db

VALID_NHS = "9434765919"
SUBJECT_NAME = "Jordan Quintessa Example"


def today() -> datetime.date:
    return timezone.localdate()


def start_draft(parties, *, holding=None):
    return services.disclosure_draft_create(
        requester=parties.requester,
        requesting_organisation=parties.a,
        holding_organisation=holding or parties.b,
        acting_user=parties.requester,
    )


def bases(pack, *codes):
    return list(pack.lawful_bases.filter(code__in=codes))


def fill_draft(parties, draft, *, checklist_skip=(), special_category=False):
    """Fill every section of `draft` through the services, leaving out the checklist questions
    whose numbers are in `checklist_skip`."""
    pack, user = parties.pack, parties.requester
    services.disclosure_draft_subject_add(
        disclosure=draft,
        full_name=SUBJECT_NAME,
        aliases="JQ",
        date_of_birth=datetime.date(1990, 4, 1),
        address="1 Example Street, Stockport",
        nhs_number=VALID_NHS,
        role=SubjectRole.OFFENDER,
        acting_user=user,
    )
    codes = ["art6-1-e", "dpa-sch1-pt2-10"] + (["art9-2-g"] if special_category else [])
    services.disclosure_draft_purpose_set(
        disclosure=draft,
        purpose=pack.purposes.get(code="reduce-crime-disorder"),
        forum=None,
        legal_gateway=gateway_for(pack, parties.b),
        lawful_bases=bases(pack, *codes),
        acting_user=user,
    )
    services.disclosure_draft_information_set(
        disclosure=draft,
        information_requested="Records of anti-social behaviour complaints at the address since 2023.",
        special_category=special_category,
        criminal_offence_data=True,
        victim_witness_information=False,
        sub_judice=False,
        acting_user=user,
    )
    services.disclosure_draft_urgency_set(
        disclosure=draft, urgency=Urgency.URGENT, needed_by=today() + datetime.timedelta(days=7), acting_user=user
    )
    answers = {
        q.pk: ("yes", f"Reason for question {q.number}")
        for q in pack.checklist_questions.order_by("order")
        if q.number not in checklist_skip
    }
    services.disclosure_draft_checklist_set(disclosure=draft, answers=answers, acting_user=user)
    draft.refresh_from_db()
    return draft


def submit(parties, draft, *, who="requester"):
    return services.disclosure_submit(
        disclosure=draft, acting_user=getattr(parties, who), acting_membership=parties.memberships[who]
    )


def messages_of(error: ValidationError) -> list[str]:
    return list(error.messages)


# --- Starting a draft ------------------------------------------------------------------------


def test_draft_create_gives_a_reference_the_pack_in_force_and_no_grants(parties):
    draft = start_draft(parties)
    assert re.fullmatch(r"DR-\d{4}-\d{6}", draft.reference)
    assert draft.reference.endswith(f"{draft.pk:06d}")
    assert draft.status == Status.DRAFT
    assert draft.protocol_pack == parties.pack
    assert draft.requester == parties.requester and draft.requesting_organisation == parties.a
    assert draft.holding_organisation == parties.b
    assert not DisclosureRequestUserObjectPermission.objects.filter(content_object=draft).exists()
    assert DecisionLogEntry.objects.filter(reference=draft.reference).count() == 0


def test_draft_create_refused_without_a_protocol_in_force(parties):
    ProtocolPack.objects.update(is_current=False)
    with pytest.raises(ValidationError, match="No information sharing protocol is in force"):
        start_draft(parties)


@pytest.mark.parametrize("who", ["a", "b"])
def test_draft_create_refused_when_sharing_is_suspended(parties, who):
    organisation = getattr(parties, who)
    member_set(organisation, sharing_suspended=True)
    with pytest.raises(ValidationError) as error:
        start_draft(parties)
    assert f"Sharing with {organisation.name} is suspended" in " ".join(messages_of(error.value))


def test_draft_create_refused_when_b_has_not_signed(parties):
    member_set(parties.b, signed_protocol_on=None)
    with pytest.raises(ValidationError, match="has not signed the information sharing protocol"):
        start_draft(parties)


def test_draft_create_refused_to_own_organisation_and_to_non_members(parties):
    with pytest.raises(ValidationError, match="other than your own"):
        start_draft(parties, holding=parties.a)
    with pytest.raises(ValidationError, match="cannot raise requests"):
        services.disclosure_draft_create(
            requester=parties.officer_b,
            requesting_organisation=parties.a,
            holding_organisation=parties.b,
            acting_user=parties.officer_b,
        )


# --- Sections ----------------------------------------------------------------------------------


def test_nhs_number_check_digit():
    assert services.nhs_number_is_valid("9434765919")
    assert services.nhs_number_is_valid(services.nhs_number_normalise("943 476 5919"))
    assert not services.nhs_number_is_valid("9434765918")  # wrong check digit
    assert not services.nhs_number_is_valid("943476591")  # nine digits
    assert not services.nhs_number_is_valid("94347659190")
    assert not services.nhs_number_is_valid("943476591x")
    assert not services.nhs_number_is_valid("１２３４５６７８９０")  # not ASCII digits
    # The first nine digits of 000000006x weigh 12, remainder 1: check digit 10, never valid.
    assert not any(services.nhs_number_is_valid(f"000000006{d}") for d in range(10))


def test_subject_rules(parties):
    draft = start_draft(parties)
    kwargs = {"disclosure": draft, "full_name": "A Person", "role": SubjectRole.VICTIM, "acting_user": parties.requester}
    with pytest.raises(ValidationError) as error:
        services.disclosure_draft_subject_add(**{**kwargs, "date_of_birth": today()})
    assert error.value.message_dict == {"date_of_birth": ["Date of birth must be in the past"]}
    with pytest.raises(ValidationError) as error:
        services.disclosure_draft_subject_add(**{**kwargs, "nhs_number": "943 476 5918"})
    assert "nhs_number" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.disclosure_draft_subject_add(**{**kwargs, "full_name": "  ", "role": "bystander"})
    assert set(error.value.message_dict) == {"full_name", "role"}
    with pytest.raises(ValidationError) as error:
        services.disclosure_draft_subject_add(**{**kwargs, "address": "x\x00y"})
    assert "address" in error.value.message_dict

    link = services.disclosure_draft_subject_add(**{**kwargs, "nhs_number": "943 476 5919"})
    assert link.subject.nhs_number == VALID_NHS
    assert link.subject.holder == parties.a
    services.disclosure_draft_subject_update(
        disclosure=draft,
        request_subject_pk=link.pk,
        full_name="A Person Renamed",
        role=SubjectRole.WITNESS,
        acting_user=parties.requester,
    )
    link.refresh_from_db()
    link.subject.refresh_from_db()
    assert (link.role, link.subject.full_name, link.subject.nhs_number) == (SubjectRole.WITNESS, "A Person Renamed", "")
    subject_pk = link.subject_id
    services.disclosure_draft_subject_remove(disclosure=draft, request_subject_pk=link.pk, acting_user=parties.requester)
    assert not RequestSubject.objects.filter(request=draft).exists()
    assert not DataSubject.objects.filter(pk=subject_pk).exists()


def test_only_the_requester_changes_a_draft(parties):
    draft = start_draft(parties)
    # The designated officer of A can see the draft, but not change it; others cannot even see it.
    with pytest.raises(ValidationError, match="Only the officer who raised"):
        services.disclosure_draft_third_parties_set(disclosure=draft, third_parties="x", acting_user=parties.do_a)
    with pytest.raises(Http404):
        services.disclosure_draft_third_parties_set(disclosure=draft, third_parties="x", acting_user=parties.officer_a)


def test_gateway_the_holding_organisation_may_not_rely_on_is_refused(parties):
    draft = start_draft(parties)
    common_law = parties.pack.legal_gateways.get(code="common-law")  # police only; B is a local authority
    assert parties.b.kind not in common_law.organisation_kinds
    with pytest.raises(ValidationError) as error:
        services.disclosure_draft_purpose_set(
            disclosure=draft,
            purpose=None,
            forum=None,
            legal_gateway=common_law,
            lawful_bases=[],
            acting_user=parties.requester,
        )
    assert "legal_gateway" in error.value.message_dict
    assert "SSP Appendix 1" in error.value.message_dict["legal_gateway"][0]
    draft.refresh_from_db()
    assert draft.legal_gateway is None

    # And if B's kind changes after the gateway was chosen, submitting is refused.
    fill_draft(parties, draft)
    parties.b.kind = OrganisationKind.PRISON
    parties.b.save()
    with pytest.raises(services.SubmitRefused) as refused:
        submit(parties, draft)
    assert any("cannot rely on the legal gateway" in p.message for p in refused.value.problems)


def test_needed_by_in_the_past_is_refused(parties):
    draft = start_draft(parties)
    with pytest.raises(ValidationError) as error:
        services.disclosure_draft_urgency_set(
            disclosure=draft,
            urgency=Urgency.ROUTINE,
            needed_by=today() - datetime.timedelta(days=1),
            acting_user=parties.requester,
        )
    assert "needed_by" in error.value.message_dict
    services.disclosure_draft_urgency_set(
        disclosure=draft, urgency=Urgency.ROUTINE, needed_by=today(), acting_user=parties.requester
    )


def test_checklist_saves_partly_needs_reasons_and_clears_unanswered(parties):
    draft = start_draft(parties)
    questions = list(parties.pack.checklist_questions.order_by("order"))
    first, second = questions[0], questions[1]
    with pytest.raises(ValidationError) as error:
        services.disclosure_draft_checklist_set(
            disclosure=draft, answers={first.pk: ("yes", "  ")}, acting_user=parties.requester
        )
    assert error.value.message_dict == {f"reason_{first.pk}": ["Give your reason for your answer to question 1"]}
    services.disclosure_draft_checklist_set(
        disclosure=draft,
        answers={first.pk: ("yes", "To assess risk"), second.pk: ("no", "Not needed")},
        acting_user=parties.requester,
    )
    assert ChecklistAnswer.objects.filter(request=draft).count() == 2
    services.disclosure_draft_checklist_set(
        disclosure=draft, answers={second.pk: ("yes", "Changed my mind")}, acting_user=parties.requester
    )
    assert list(ChecklistAnswer.objects.filter(request=draft).values_list("question_id", "answer", "reason")) == [
        (second.pk, "yes", "Changed my mind")
    ]
    progress = services.draft_progress(disclosure=draft)
    assert progress["checklist"] == services.INCOMPLETE
    assert progress["subjects"] == services.NOT_STARTED


# --- Submit ------------------------------------------------------------------------------------


def test_submit_a_complete_draft(parties):
    draft = fill_draft(parties, start_draft(parties))
    assert all(status.completed for status in services.draft_progress(disclosure=draft).values())
    request = submit(parties, draft)
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert request.submitted_at is not None

    entry = DecisionLogEntry.objects.get(reference=request.reference, action="request.submitted")
    assert entry.actor == parties.requester
    assert entry.organisation == parties.a
    assert entry.recipient_name == parties.b.name
    assert entry.reasons == "Submitted for Reducing crime and disorder, anti-social behaviour and substance misuse"
    assert entry.purpose == request.purpose.name
    assert entry.protocol_version == f"{parties.pack.slug}@{parties.pack.version}"
    assert entry.details["lawful_bases"] == ["art6-1-e", "dpa-sch1-pt2-10"]
    assert SUBJECT_NAME not in str(entry.details) + entry.reasons

    notifications = list(Notification.objects.filter(reference=request.reference))
    assert [n.recipient for n in notifications] == [parties.do_b]
    assert notifications[0].subject == "A new disclosure request needs assigning"

    with pytest.raises(ValidationError, match="can no longer be changed"):
        submit(parties, request)


def test_submit_names_every_gap(parties):
    draft = start_draft(parties)
    with pytest.raises(services.SubmitRefused) as refused:
        submit(parties, draft)
    messages = [p.message for p in refused.value.problems]
    for expected in [
        "Add at least one person the request is about",
        "Select the purpose of the request",
        "Select the legal gateway for the request",
        "Select at least one UK GDPR Article 6 lawful basis",
        "Enter exactly what information you are asking for",
        "Say whether it involves special category data",
        "Say whether the matter is under investigation or prosecution",
        "Select how urgent the request is",
        "Enter the date you need the information by",
    ]:
        assert expected in messages
    count = parties.pack.checklist_questions.count()
    assert [m for m in messages if m.startswith("Answer checklist question")] == [
        f"Answer checklist question {n}" for n in range(1, count + 1)
    ]
    assert {p.section for p in refused.value.problems} == set(services.SECTIONS)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not DecisionLogEntry.objects.filter(reference=draft.reference).exists()


def test_submit_refused_with_an_unanswered_checklist_question(parties):
    draft = fill_draft(parties, start_draft(parties), checklist_skip={3})
    with pytest.raises(services.SubmitRefused) as refused:
        submit(parties, draft)
    question = parties.pack.checklist_questions.get(order=2)
    assert refused.value.problems == [
        services.Problem("checklist", "Answer checklist question 3", f"id_answer_{question.pk}_0")
    ]


def test_special_category_needs_art9_and_nhs_numbers(parties):
    draft = fill_draft(parties, start_draft(parties))
    services.disclosure_draft_subject_add(
        disclosure=draft, full_name="Second Person", role=SubjectRole.VICTIM, acting_user=parties.requester
    )
    services.disclosure_draft_information_set(
        disclosure=draft,
        information_requested="Health records",
        special_category=True,
        criminal_offence_data=True,
        victim_witness_information=True,
        sub_judice=False,
        acting_user=parties.requester,
    )
    with pytest.raises(services.SubmitRefused) as refused:
        submit(parties, draft)
    problems = refused.value.problems
    assert [p.message for p in problems] == [
        "Enter the NHS number of person 2: the request involves health or other special category data",
        "Select a UK GDPR Article 9 condition: the request involves special category data",
    ]
    assert problems[0].subject_pk == RequestSubject.objects.get(subject__full_name="Second Person").pk


def test_criminal_offence_data_needs_a_schedule_1_condition(parties):
    draft = fill_draft(parties, start_draft(parties))
    services.disclosure_draft_purpose_set(
        disclosure=draft,
        purpose=draft.purpose,
        forum=None,
        legal_gateway=draft.legal_gateway,
        lawful_bases=bases(parties.pack, "art6-1-e"),
        acting_user=parties.requester,
    )
    with pytest.raises(services.SubmitRefused) as refused:
        submit(parties, draft)
    assert [p.message for p in refused.value.problems] == [
        "Select a DPA 2018 Schedule 1 condition: the request involves criminal offence data"
    ]


@pytest.mark.parametrize("change", ["a_suspended", "b_suspended", "b_unsigned"])
def test_submit_refused_when_sharing_is_not_allowed(parties, change):
    draft = fill_draft(parties, start_draft(parties))
    if change == "a_suspended":
        member_set(parties.a, sharing_suspended=True)
        expected = f"Sharing with {parties.a.name} is suspended, so it cannot raise new requests (SSP 13.3)"
    elif change == "b_suspended":
        member_set(parties.b, sharing_suspended=True)
        expected = f"Sharing with {parties.b.name} is suspended, so it cannot be sent requests (SSP 13.3)"
    else:
        member_set(parties.b, signed_protocol_on=None)
        expected = f"{parties.b.name} has not signed the information sharing protocol, so it cannot be sent requests"
    with pytest.raises(services.SubmitRefused) as refused:
        submit(parties, draft)
    assert refused.value.problems == [services.Problem("", expected)]
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_submit_needs_the_requester_acting_for_the_requesting_organisation(parties):
    draft = fill_draft(parties, start_draft(parties))
    with pytest.raises(ValidationError, match="Only the officer who raised"):
        submit(parties, draft, who="do_a")
    with pytest.raises(ValidationError, match="Act as an officer of"):
        services.disclosure_submit(
            disclosure=draft, acting_user=parties.requester, acting_membership=parties.memberships["officer_b"]
        )


# --- Withdraw ----------------------------------------------------------------------------------


def test_withdraw_by_the_requester_logs_the_reason_and_tells_the_assignee(parties):
    request = parties.request(status=Status.IN_REVIEW, assignee=parties.assignee)
    with pytest.raises(ValidationError) as error:
        services.disclosure_withdraw(disclosure=request, reason=" ", acting_user=parties.requester)
    assert error.value.message_dict == {"reason": ["Enter why you are withdrawing the request"]}
    services.disclosure_withdraw(disclosure=request, reason="Dealt with at MARAC instead", acting_user=parties.requester)
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    entry = DecisionLogEntry.objects.get(reference=request.reference, action="request.withdrawn")
    assert (entry.actor, entry.organisation, entry.reasons) == (
        parties.requester,
        parties.a,
        "Dealt with at MARAC instead",
    )
    assert [n.recipient for n in Notification.objects.filter(reference=request.reference)] == [parties.assignee]


def test_withdraw_by_designated_officer_of_a_and_not_by_others(parties):
    request = parties.request()
    with pytest.raises(ValidationError, match="can withdraw it"):
        services.disclosure_withdraw(disclosure=request, reason="no", acting_user=parties.do_b)
    with pytest.raises(Http404):
        services.disclosure_withdraw(disclosure=request, reason="no", acting_user=parties.officer_a)
    services.disclosure_withdraw(disclosure=request, reason="No longer needed", acting_user=parties.do_a)
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert not Notification.objects.filter(reference=request.reference).exists()  # no assignee yet


def test_withdraw_refused_once_decided(parties):
    request = parties.request(status=Status.RELEASED)
    with pytest.raises(ValidationError, match="released: it cannot be moved to withdrawn"):
        services.disclosure_withdraw(disclosure=request, reason="Too late", acting_user=parties.requester)


# --- Answer a return ---------------------------------------------------------------------------


def returned(parties, **kwargs):
    request = parties.request(status=Status.RETURNED, **kwargs)
    RequestNote.objects.create(
        request=request, author=parties.do_b, organisation=parties.b, kind=NoteKind.RETURNED, text="Which address?"
    )
    return request


def test_resubmit_answers_and_notifies_the_assignee(parties):
    request = returned(parties, assignee=parties.assignee)
    services.disclosure_resubmit(
        disclosure=request,
        answer="1 Example Street",
        acting_user=parties.requester,
        acting_membership=parties.memberships["requester"],
    )
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    note = request.notes.get(kind=NoteKind.ANSWER)
    assert (note.text, note.author, note.organisation) == ("1 Example Street", parties.requester, parties.a)
    entry = DecisionLogEntry.objects.get(reference=request.reference, action="request.resubmitted")
    assert "1 Example Street" not in entry.reasons
    assert [n.recipient for n in Notification.objects.filter(reference=request.reference)] == [parties.assignee]


def test_resubmit_without_assignee_notifies_designated_officers_of_b(parties):
    request = returned(parties)
    services.disclosure_resubmit(disclosure=request, answer="More detail", acting_user=parties.requester)
    assert [n.recipient for n in Notification.objects.filter(reference=request.reference)] == [parties.do_b]


def test_resubmit_rules(parties):
    request = returned(parties)
    with pytest.raises(ValidationError) as error:
        services.disclosure_resubmit(disclosure=request, answer="", acting_user=parties.requester)
    assert error.value.message_dict == {"answer": ["Enter the information you were asked for"]}
    with pytest.raises(ValidationError, match="Only the officer who raised"):
        services.disclosure_resubmit(disclosure=request, answer="x", acting_user=parties.do_a)
    submitted = parties.request()
    with pytest.raises(ValidationError, match="has not been returned"):
        services.disclosure_resubmit(disclosure=submitted, answer="x", acting_user=parties.requester)
