"""The requesting officer's pages (sharing/views/raising.py): the whole journey through the
client, each way a draft can be wrong, withdraw, answer a return, who may see the draft pages,
and the "my requests" list's query count."""

from __future__ import annotations

import datetime
import html

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.models import AccessLogEntry, DecisionLogEntry
from sharing.models import DisclosureRequest, NoteKind, RequestNote, RequestSubject, Status
from sharing.selectors import disclosure_role, visible_disclosures
from sharing.views import raising as views
from tests.dates import date_parts
from tests.portal.factories import member_set, place
from tests.sharing.factories import gateway_for
from tests.sharing.test_raising_services import SUBJECT_NAME, VALID_NHS, fill_draft, start_draft

pytestmark = pytest.mark.django_db

OTHERS = ["officer_a", "do_a", "assignee", "officer_b", "do_b", "officer_c", "do_c", "chair", "auditor", "admin"]


def url(name, draft, **kwargs):
    return reverse(f"sharing:{name}", kwargs={"pk": draft.pk, **kwargs})


def page(response) -> str:
    return response.content.decode()


def iso(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def basis_pk(pack, code):
    return pack.lawful_bases.get(code=code).pk


def draft_urls(draft, subject_pk):
    """(name, path, method) of every page of a draft."""
    return [
        ("draft_tasks", url("draft_tasks", draft), "get"),
        ("draft_subjects", url("draft_subjects", draft), "get"),
        ("draft_subject_add", url("draft_subject_add", draft), "get"),
        ("draft_subject_edit", url("draft_subject_edit", draft, subject_pk=subject_pk), "get"),
        ("draft_subject_remove", url("draft_subject_remove", draft, subject_pk=subject_pk), "get"),
        ("draft_subject_remove", url("draft_subject_remove", draft, subject_pk=subject_pk), "post"),
        ("draft_purpose", url("draft_purpose", draft), "get"),
        ("draft_information", url("draft_information", draft), "get"),
        ("draft_urgency", url("draft_urgency", draft), "get"),
        ("draft_checklist", url("draft_checklist", draft), "get"),
        ("draft_check_answers", url("draft_check_answers", draft), "get"),
        ("draft_submit", url("draft_submit", draft), "post"),
    ]


# --- The journey ------------------------------------------------------------------------------


def test_requester_raises_fills_in_and_submits(parties, django_capture_on_commit_callbacks):
    client = parties.client("requester")
    pack = parties.pack

    home = page(client.get(reverse("portal:home")))
    assert reverse("sharing:raise_start") in home and reverse("sharing:my_requests") in home

    start = client.get(reverse("sharing:raise_start"))
    assert start.status_code == 200
    assert parties.b.name in page(start) and parties.a.name not in page(start).split("<main")[1]
    response = client.post(reverse("sharing:raise_start"), {"holding_organisation": place(parties.b).pk})
    draft = DisclosureRequest.objects.get(requester=parties.requester)
    assert response.status_code == 302 and response.url == url("draft_tasks", draft)

    tasks = page(client.get(url("draft_tasks", draft)))
    assert tasks.count("Not yet started") == 5
    assert "govuk-task-list" in tasks

    # People.
    response = client.post(
        url("draft_subject_add", draft),
        {
            "full_name": SUBJECT_NAME,
            "aliases": "JQ",
            **date_parts("date_of_birth", "1990-04-01"),
            "address": "1 Example Street\nStockport",
            "nhs_number": "943 476 5919",
            "role": "offender",
        },
    )
    assert response.status_code == 302 and response.url == url("draft_subjects", draft)
    link = RequestSubject.objects.get(request=draft)
    assert link.subject.nhs_number == VALID_NHS and link.subject.holder == parties.a
    subjects_page = page(client.get(url("draft_subjects", draft)))
    assert SUBJECT_NAME in subjects_page and url("draft_subject_edit", draft, subject_pk=link.pk) in subjects_page
    response = client.post(url("draft_subjects", draft), {"third_parties": "A neighbour, name unknown"})
    assert response.status_code == 302 and response.url == url("draft_tasks", draft)

    # Purpose and legal basis: only the gateways B's kind may rely on are offered.
    purpose_page = page(client.get(url("draft_purpose", draft)))
    gateway = gateway_for(pack, parties.b)
    assert gateway.name in purpose_page
    assert pack.legal_gateways.get(code="common-law").name not in purpose_page
    response = client.post(
        url("draft_purpose", draft),
        {
            "purpose": pack.purposes.get(code="reduce-crime-disorder").pk,
            "forum": "",
            "legal_gateway": gateway.pk,
            "lawful_bases_art6": [basis_pk(pack, "art6-1-e")],
            "lawful_bases_dpa_sch1": [basis_pk(pack, "dpa-sch1-pt2-10")],
        },
    )
    assert response.status_code == 302

    response = client.post(
        url("draft_information", draft),
        {
            "information_requested": "Complaints of anti-social behaviour at the address since 2023.",
            "special_category": "no",
            "criminal_offence_data": "yes",
            "victim_witness_information": "no",
            "sub_judice": "no",
        },
    )
    assert response.status_code == 302
    response = client.post(url("draft_urgency", draft), {"urgency": "urgent", "needed_by": iso(7)})
    assert response.status_code == 302

    checklist_page = page(client.get(url("draft_checklist", draft)))
    assert "govuk-details" in checklist_page  # the guidance of the questions that have some
    data = {}
    for question in pack.checklist_questions.all():
        data[f"answer_{question.pk}"] = "yes"
        data[f"reason_{question.pk}"] = f"Reason {question.number}"
    assert client.post(url("draft_checklist", draft), data).status_code == 302

    tasks = page(client.get(url("draft_tasks", draft)))
    assert tasks.count("Completed") == 5
    assert "Not yet started" not in tasks and "Incomplete" not in tasks
    assert "Ready to send" in tasks

    before = AccessLogEntry.objects.filter(reference=draft.reference, kind="view").count()
    check = client.get(url("draft_check_answers", draft))
    assert check.status_code == 200
    assert SUBJECT_NAME in page(check) and "Reason 8" in page(check)
    assert AccessLogEntry.objects.filter(reference=draft.reference, kind="view").count() == before + 1
    entry = AccessLogEntry.objects.filter(reference=draft.reference).latest("pk")
    assert (entry.user, entry.organisation, entry.object_type) == (parties.requester, parties.a, "disclosure_request")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("draft_submit", draft))
    assert response.status_code == 302 and response.url == reverse("sharing:request_detail", kwargs={"pk": draft.pk})
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.submitted_at is not None
    # What happens next: who acts (B's designated officers, by name) and by when.
    banner = " ".join(page(client.get(response.url)).split("govuk-notification-banner__content")[1].split("</div>")[0].split())
    assert f"has been sent to {parties.b.name}" in banner and "What happens next" in banner
    assert parties.do_b.display_name in banner
    assert f"needed by {draft.needed_by:%-d %B %Y}" in banner

    log = DecisionLogEntry.objects.get(reference=draft.reference, action="request.submitted")
    assert log.reasons.startswith("Submitted for Reducing crime and disorder")
    assert (log.actor, log.organisation, log.recipient_name) == (parties.requester, parties.a, parties.b.name)

    assert [m.to for m in mail.outbox] == [[parties.do_b.email]]
    message = mail.outbox[0]
    assert draft.reference in message.subject and "A new disclosure request needs assigning" in message.subject
    assert reverse("sharing:request_detail", kwargs={"pk": draft.pk}) in message.body
    for secret in (SUBJECT_NAME, "Jordan", "Example Street", VALID_NHS, "anti-social behaviour at the address"):
        assert secret not in message.subject and secret not in message.body

    # The request page offers the requester's next step.
    detail = client.get(reverse("sharing:request_detail", kwargs={"pk": draft.pk}))
    assert detail.status_code == 200 and "Withdraw request" in page(detail)

    # The draft pages now send the requester on to the request page.
    response = client.get(url("draft_purpose", draft))
    assert response.status_code == 302 and response.url == reverse("sharing:request_detail", kwargs={"pk": draft.pk})


# --- What keeps a draft from being sent ------------------------------------------------------


def test_unanswered_checklist_question_is_listed_and_linked(parties):
    draft = fill_draft(parties, start_draft(parties), checklist_skip={3})
    client = parties.client("requester")
    response = client.post(url("draft_submit", draft))
    assert response.status_code == 200
    body = page(response)
    assert "<title>Error: " in body and "govuk-error-summary" in body
    question = parties.pack.checklist_questions.get(order=2)
    assert (
        f'<a href="{url("draft_checklist", draft)}#id_answer_{question.pk}_0">Answer checklist question 3</a>' in body
    )
    # The anchor exists on the checklist page.
    assert f'id="id_answer_{question.pk}_0"' in page(client.get(url("draft_checklist", draft)))
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_an_empty_draft_lists_every_gap_on_check_your_answers(parties):
    draft = start_draft(parties)
    response = parties.client("requester").post(url("draft_submit", draft))
    body = page(response)
    assert f'href="{url("draft_subjects", draft)}#add-subject"' in body
    assert f'href="{url("draft_purpose", draft)}#id_purpose_0"' in body
    assert f'href="{url("draft_information", draft)}#id_information_requested"' in body
    assert f'href="{url("draft_urgency", draft)}#id_needed_by"' in body
    for number in range(1, parties.pack.checklist_questions.count() + 1):
        assert f"Answer checklist question {number}<" in body


def test_checklist_answer_without_reason_keeps_what_was_typed(parties):
    draft = start_draft(parties)
    questions = list(parties.pack.checklist_questions.order_by("order"))
    client = parties.client("requester")
    data = {f"answer_{questions[0].pk}": "yes", f"reason_{questions[1].pk}": "A reason <kept>"}
    response = client.post(url("draft_checklist", draft), data)
    assert response.status_code == 200
    body = page(response)
    assert "Give your reason for your answer to question 1" in body
    assert "Answer question 2 yes or no" in body
    assert "A reason &lt;kept&gt;" in body
    assert (
        f'id="id_answer_{questions[0].pk}_0" name="answer_{questions[0].pk}" type="radio" value="yes" checked' in body
    )
    # A partly answered checklist is saved.
    data = {f"answer_{questions[0].pk}": "no", f"reason_{questions[0].pk}": "Because"}
    assert client.post(url("draft_checklist", draft), data).status_code == 302
    assert "Incomplete" in page(client.get(url("draft_tasks", draft)))


def test_gateway_not_for_b_kind_is_refused_even_if_posted(parties):
    draft = start_draft(parties)
    pack = parties.pack
    common_law = pack.legal_gateways.get(code="common-law")
    response = parties.client("requester").post(
        url("draft_purpose", draft),
        {
            "purpose": pack.purposes.first().pk,
            "legal_gateway": common_law.pk,
            "lawful_bases_art6": [basis_pk(pack, "art6-1-e")],
        },
    )
    assert response.status_code == 200
    assert f"Select a legal gateway that {parties.b.name} may rely on" in html.unescape(page(response))
    draft.refresh_from_db()
    assert draft.legal_gateway is None and draft.purpose is None
    # Checkbox choices typed are kept.
    assert f'value="{basis_pk(pack, "art6-1-e")}" checked' in page(response)


def test_lawful_basis_from_another_category_field_or_garbage_is_refused(parties):
    draft = start_draft(parties)
    response = parties.client("requester").post(
        url("draft_purpose", draft),
        {"purpose": "x", "legal_gateway": "999999", "lawful_bases_art6": ["abc"], "forum": "-1"},
    )
    assert response.status_code == 200
    assert page(response).count("govuk-error-message") >= 3


def test_special_category_needs_art9_on_check_your_answers(parties):
    draft = fill_draft(parties, start_draft(parties))
    client = parties.client("requester")
    client.post(
        url("draft_information", draft),
        {
            "information_requested": "Health records",
            "special_category": "yes",
            "criminal_offence_data": "yes",
            "victim_witness_information": "no",
            "sub_judice": "no",
        },
    )
    body = page(client.post(url("draft_submit", draft)))
    assert (
        f'<a href="{url("draft_purpose", draft)}#id_lawful_bases_art9_0">Select a UK GDPR Article 9 condition: '
        "the request involves special category data</a>" in body
    )
    assert 'id="id_lawful_bases_art9_0"' in page(client.get(url("draft_purpose", draft)))


def test_special_category_needs_nhs_numbers_linked_to_the_person(parties):
    draft = fill_draft(parties, start_draft(parties), special_category=True)
    link = RequestSubject.objects.get(request=draft)
    link.subject.nhs_number = ""
    link.subject.save()
    client = parties.client("requester")
    body = page(client.post(url("draft_submit", draft)))
    edit = url("draft_subject_edit", draft, subject_pk=link.pk)
    assert f'<a href="{edit}#id_nhs_number">Enter the NHS number of person 1' in body
    assert 'id="id_nhs_number"' in page(client.get(edit))


def test_nhs_number_check_digit_on_the_form(parties):
    draft = start_draft(parties)
    response = parties.client("requester").post(
        url("draft_subject_add", draft), {"full_name": "Sam Person", "nhs_number": "943 476 5918", "role": "victim"}
    )
    assert response.status_code == 200
    body = page(response)
    assert "Enter a valid NHS number: 10 digits, like 943 476 5919" in body
    assert 'value="Sam Person"' in body and 'value="943 476 5918"' in body
    assert not RequestSubject.objects.filter(request=draft).exists()


def test_date_of_birth_must_be_in_the_past(parties):
    draft = start_draft(parties)
    response = parties.client("requester").post(
        url("draft_subject_add", draft), {"full_name": "Sam Person", **date_parts("date_of_birth", iso(1)), "role": "victim"}
    )
    assert response.status_code == 200
    assert "Date of birth must be in the past" in page(response)


def test_needed_by_in_the_past_is_refused_and_typed_values_kept(parties):
    draft = start_draft(parties)
    response = parties.client("requester").post(
        url("draft_urgency", draft), {"urgency": "immediate", "needed_by": iso(-1)}
    )
    assert response.status_code == 200
    body = page(response)
    assert "The date you need it by must be today or in the future" in body
    assert f'value="{iso(-1)}"' in body
    assert 'value="immediate" checked' in body
    draft.refresh_from_db()
    assert draft.needed_by is None


@pytest.mark.parametrize(
    "born, message",
    [
        ("1850-01-01", "Date of birth must be the same as or after 1 January 1900"),
        ("01/01/9999", "Date of birth must be in the past"),
    ],
)
def test_an_absurd_date_of_birth_is_refused_on_its_field(parties, born, message):
    draft = start_draft(parties)
    response = parties.client("requester").post(
        url("draft_subject_add", draft), {"full_name": "Sam Person", **date_parts("date_of_birth", born), "role": "victim"}
    )
    assert response.status_code == 200
    assert message in page(response) and 'value="Sam Person"' in page(response)
    assert not RequestSubject.objects.filter(request=draft).exists()


def test_needed_by_far_in_the_future_is_refused(parties):
    draft = start_draft(parties)
    response = parties.client("requester").post(
        url("draft_urgency", draft), {"urgency": "routine", "needed_by": "01/01/9999"}
    )
    assert response.status_code == 200
    latest = timezone.localdate().replace(year=timezone.localdate().year + 1)
    assert f"The date you need it by must be the same as or before {latest.day} {latest:%B %Y}" in page(response)
    draft.refresh_from_db()
    assert draft.needed_by is None


@pytest.mark.parametrize("change", ["a_suspended", "b_suspended", "b_unsigned"])
def test_submit_refused_when_either_organisation_may_not_share(parties, change):
    draft = fill_draft(parties, start_draft(parties))
    organisation = parties.a if change == "a_suspended" else parties.b
    if change == "b_unsigned":
        member_set(organisation, signed_protocol_on=None)
    else:
        member_set(organisation, sharing_suspended=True)
    client = parties.client("requester")
    body = html.unescape(page(client.post(url("draft_submit", draft))))
    assert "govuk-error-summary" in body
    assert ("has not signed" if change == "b_unsigned" else f"Sharing with {organisation.name} is suspended") in body
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    # The task list says so too.
    assert "SSP 13.3" in page(client.get(url("draft_tasks", draft))) or change == "b_unsigned"


def test_start_refused_for_suspended_or_unsigned_holder(parties):
    member_set(parties.c, sharing_suspended=True)
    client = parties.client("requester")
    form = page(client.get(reverse("sharing:raise_start")))
    assert f"{parties.c.name} (sharing suspended)" in html.unescape(form)
    response = client.post(reverse("sharing:raise_start"), {"holding_organisation": place(parties.c).pk})
    assert response.status_code == 200
    assert f"Sharing with {parties.c.name} is suspended" in html.unescape(page(response))
    assert not DisclosureRequest.objects.filter(requester=parties.requester).exists()
    response = client.post(reverse("sharing:raise_start"), {"holding_organisation": place(parties.a).pk})
    assert response.status_code == 200 and "Select the organisation that holds the information" in page(response)


@pytest.mark.parametrize("who", ["chair", "auditor", "admin"])
def test_only_officers_raise_requests(parties, who):
    client = parties.client(who)
    assert client.get(reverse("sharing:raise_start")).status_code == 403
    assert client.get(reverse("sharing:my_requests")).status_code == 403


# --- Who may see a draft -----------------------------------------------------------------------


def test_nobody_but_the_requester_reaches_the_draft_pages(parties):
    draft = fill_draft(parties, start_draft(parties))
    link = RequestSubject.objects.get(request=draft)
    for who in OTHERS:
        client = parties.client(who)
        for name, path, method in draft_urls(draft, link.pk):
            response = getattr(client, method)(path)
            # A's designated officer may see the request (need-to-know) but not change the draft.
            assert response.status_code == (403 if who == "do_a" else 404), (who, name, method)
    requester = parties.client("requester")
    for name, path, method in draft_urls(draft, link.pk):
        if method == "get":
            assert requester.get(path).status_code == 200, name
    # A missing draft and a missing person are 404 too.
    assert requester.get(reverse("sharing:draft_tasks", kwargs={"pk": draft.pk + 1000})).status_code == 404
    assert requester.get(url("draft_subject_edit", draft, subject_pk=link.pk + 1000)).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert RequestSubject.objects.filter(request=draft).exists()


def test_remove_a_person_after_confirming(parties):
    draft = fill_draft(parties, start_draft(parties))
    link = RequestSubject.objects.get(request=draft)
    client = parties.client("requester")
    confirm = client.get(url("draft_subject_remove", draft, subject_pk=link.pk))
    assert f"Remove {SUBJECT_NAME} from the request?" in page(confirm)
    response = client.post(url("draft_subject_remove", draft, subject_pk=link.pk))
    assert response.status_code == 302
    assert not RequestSubject.objects.filter(request=draft).exists()


def test_edit_a_person(parties):
    draft = fill_draft(parties, start_draft(parties))
    link = RequestSubject.objects.get(request=draft)
    client = parties.client("requester")
    assert f'value="{SUBJECT_NAME}"' in page(client.get(url("draft_subject_edit", draft, subject_pk=link.pk)))
    response = client.post(
        url("draft_subject_edit", draft, subject_pk=link.pk), {"full_name": "Renamed Person", "role": "witness"}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.subject.full_name, link.role) == ("Renamed Person", "witness")


# --- Withdraw ----------------------------------------------------------------------------------


def test_withdraw_a_submitted_request(parties, django_capture_on_commit_callbacks):
    request = parties.request(status=Status.IN_REVIEW, assignee=parties.assignee)
    path = reverse("sharing:request_withdraw", kwargs={"pk": request.pk})
    for who in ["officer_a", "officer_b", "do_b", "assignee", "officer_c", "do_c", "chair", "auditor", "admin"]:
        # The holding side can see the request (403: not theirs to withdraw); the rest cannot (404).
        expected = 403 if who in ("do_b", "assignee") else 404
        assert parties.client(who).get(path).status_code == expected, who
        assert parties.client(who).post(path, {"reason": "x"}).status_code == expected, who
    client = parties.client("requester")
    assert client.get(path).status_code == 200
    response = client.post(path, {"reason": ""})
    assert response.status_code == 200 and "Enter why you are withdrawing the request" in page(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"reason": "Dealt with at the MARAC"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert DecisionLogEntry.objects.get(reference=request.reference, action="request.withdrawn").reasons == (
        "Dealt with at the MARAC"
    )
    assert [m.to for m in mail.outbox] == [[parties.assignee.email]]
    # Once withdrawn, the page sends people back to the request.
    response = client.get(path)
    assert response.status_code == 302 and response.url == reverse("sharing:request_detail", kwargs={"pk": request.pk})


def test_designated_officer_of_a_withdraws_a_draft_too(parties):
    draft = start_draft(parties)
    path = reverse("sharing:request_withdraw", kwargs={"pk": draft.pk})
    response = parties.client("do_a").post(path, {"reason": "Raised in error"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN


# --- Answer a return ---------------------------------------------------------------------------


def test_times_read_as_24_hour_clock_everywhere(parties):
    from django.template import Context, Template

    request = parties.request(status=Status.RETURNED, assignee=parties.assignee)
    note = RequestNote.objects.create(
        request=request, author=parties.assignee, organisation=parties.b, kind=NoteKind.RETURNED, text="Which address?"
    )
    morning = timezone.make_aware(datetime.datetime(2026, 3, 27, 7, 9))
    RequestNote.objects.filter(pk=note.pk).update(created_at=morning)
    body = page(parties.client("requester").get(reverse("sharing:request_answer", kwargs={"pk": request.pk})))
    assert "27 March 2026, 07:09" in body and "a.m." not in body
    # A date or time shown without a format of its own reads the same way.
    shown = Template("{{ at }}|{{ at|time }}|{{ at|date }}").render(Context({"at": morning}))
    assert shown == "27 March 2026, 07:09|07:09|27 March 2026"


def test_answer_a_returned_request(parties, django_capture_on_commit_callbacks):
    request = parties.request(status=Status.RETURNED, assignee=parties.assignee)
    RequestNote.objects.create(
        request=request,
        author=parties.assignee,
        organisation=parties.b,
        kind=NoteKind.RETURNED,
        text="Which of the two addresses <b>do you mean</b>?",
    )
    path = reverse("sharing:request_answer", kwargs={"pk": request.pk})
    for who in OTHERS:
        sees_request = visible_disclosures(user=getattr(parties, who)).filter(pk=request.pk).exists()
        assert parties.client(who).get(path).status_code == (403 if sees_request else 404), who
    client = parties.client("requester")
    question = client.get(path)
    assert question.status_code == 200
    assert "Which of the two addresses &lt;b&gt;do you mean&lt;/b&gt;?" in page(question)
    assert AccessLogEntry.objects.filter(reference=request.reference, user=parties.requester).exists()
    response = client.post(path, {"answer": ""})
    assert "Enter the information you were asked for" in page(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"answer": "The first one"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert request.notes.get(kind=NoteKind.ANSWER).text == "The first one"
    assert DecisionLogEntry.objects.filter(reference=request.reference, action="request.resubmitted").exists()
    assert [m.to for m in mail.outbox] == [[parties.assignee.email]]
    assert "The first one" not in mail.outbox[0].body
    # Not returned any more: back to the request page.
    assert client.get(path).status_code == 302


# --- The request page's buttons -----------------------------------------------------------------


def test_request_actions(parties):
    def labels(request, who):
        user = getattr(parties, who)
        roles = disclosure_role(user=user, request=request)
        return [
            a.label
            for a in views.request_actions(user=user, membership=parties.memberships[who], request=request, roles=roles)
        ]

    draft = start_draft(parties)
    assert labels(draft, "requester") == ["Continue draft", "Withdraw request"]
    assert labels(draft, "do_a") == ["Withdraw request"]
    submitted = parties.request()
    assert labels(submitted, "requester") == ["Withdraw request"]
    assert labels(submitted, "do_b") == []
    returned = parties.request(status=Status.RETURNED)
    assert labels(returned, "requester") == ["Answer and resubmit", "Withdraw request"]
    released = parties.request(status=Status.RELEASED)
    assert labels(released, "requester") == []


# --- My requests ------------------------------------------------------------------------------


def test_my_requests_lists_own_requests_and_designated_officer_sees_the_organisations(parties):
    mine = parties.request()
    draft = start_draft(parties)
    other = parties.request(requester=parties.officer_a)
    other_draft = parties.request(requester=parties.officer_a, status=Status.DRAFT)
    to_a = parties.request(
        requester=parties.officer_b, requesting_organisation=parties.b, holding_organisation=parties.a
    )

    body = page(parties.client("requester").get(reverse("sharing:my_requests")))
    assert mine.reference in body and draft.reference in body
    assert url("draft_tasks", draft) in body
    assert other.reference not in body and to_a.reference not in body

    body = page(parties.client("do_a").get(reverse("sharing:my_requests")))
    assert mine.reference in body and other.reference in body
    assert draft.reference not in body and other_draft.reference not in body and to_a.reference not in body

    body = page(parties.client("requester").get(reverse("sharing:my_requests"), {"status": "draft"}))
    assert draft.reference in body and mine.reference not in body
    response = parties.client("requester").get(reverse("sharing:my_requests"), {"status": "<script>"})
    assert response.status_code == 200 and "<script>" not in page(response).split("<main")[1]


@pytest.mark.parametrize("count", [3, 30])
def test_my_requests_query_count_is_constant(parties, django_assert_max_num_queries, count):
    for _ in range(count):
        parties.request(with_subject=False, with_checklist=False)
    client = parties.client("requester")
    client.get(reverse("sharing:my_requests"))  # warm the session and the partnership-name cache
    # 14: the page, plus who each row is about (one query) and their access-log entries (one INSERT)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("sharing:my_requests"))
    assert response.status_code == 200
    assert page(response).count('class="govuk-table__row"') == min(count, views.REQUESTS_PER_PAGE) + 1
