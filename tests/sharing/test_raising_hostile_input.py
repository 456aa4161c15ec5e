"""Hostile input to every form of the requesting officer's journey: huge strings, NUL and other
control characters, spreadsheet formula prefixes, HTML and script tags. Whatever is posted, the
answer is a page with a clear error or a redirect after a safe save — never a 500 (the test
client re-raises any exception a view lets out) — and nothing posted comes back unescaped."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharing.models import NoteKind, RequestNote, RequestSubject, Status
from tests.dates import date_parts
from tests.sharing.test_raising_services import fill_draft, start_draft

pytestmark = pytest.mark.django_db

MARKERS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<iframe src=javascript:alert(1)>")
RAW_MARKERS = ("<script>alert(", "<img src=x", "<iframe src=")

printable = st.characters(blacklist_categories=("Cs",))  # lone surrogates cannot be sent as UTF-8
control = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from(["\x7f", "\u200b", "\u202e", "\ufeff"])

hostile = st.one_of(
    st.text(printable, max_size=300),
    st.text(control, min_size=1, max_size=40),
    st.builds(
        lambda prefix, rest: prefix + rest,
        st.sampled_from(["=", "+", "-", "@", "=HYPERLINK(", "=cmd|' /C calc'!A0"]),
        st.text(printable, max_size=60),
    ),
    st.builds(
        lambda before, tag, after: before + tag + after,
        st.text(printable, max_size=30),
        st.sampled_from(MARKERS),
        st.text(control, max_size=5),
    ),
    # Huge: up to 100,000 characters, some with NUL or tags repeated throughout.
    st.builds(
        lambda unit, n: (unit * n)[:100_000],
        st.sampled_from(["A", "é", "\x00", "<script>alert(1)</script>", "=1+1", "\u202e"]),
        st.integers(1_000, 100_000),
    ),
)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(response):
    assert response.status_code in (200, 302), response.status_code
    body = response.content.decode()
    for marker in RAW_MARKERS:
        assert marker not in body
    return response


def draft_url(name, draft, **kwargs):
    return reverse(f"sharing:{name}", kwargs={"pk": draft.pk, **kwargs})


@SETTINGS
@given(value=hostile)
def test_raise_start(parties, value):
    response = parties.client("requester").post(reverse("sharing:raise_start"), {"holding_organisation": value})
    check(response)
    assert response.status_code == 200  # never a valid organisation id


@SETTINGS
@given(full_name=hostile, aliases=hostile, date_of_birth=hostile, address=hostile, nhs_number=hostile, role=hostile)
def test_subject_add(parties, full_name, aliases, date_of_birth, address, nhs_number, role):
    draft = getattr(parties, "hostile_draft", None) or start_draft(parties)
    parties.hostile_draft = draft
    data = {
        "full_name": full_name,
        "aliases": aliases,
        **date_parts("date_of_birth", date_of_birth),
        "address": address,
        "nhs_number": nhs_number,
        "role": role,
    }
    check(parties.client("requester").post(draft_url("draft_subject_add", draft), data))


@SETTINGS
@given(field=st.sampled_from(["full_name", "aliases", "address", "date_of_birth", "nhs_number"]), value=hostile)
def test_subject_edit_one_field_at_a_time(parties, field, value):
    draft = getattr(parties, "hostile_draft", None) or fill_draft(parties, start_draft(parties))
    parties.hostile_draft = draft
    link = RequestSubject.objects.filter(request=draft).select_related("subject").first()
    data = {"full_name": "Sam Person", "role": "victim"}
    data.update(date_parts(field, value) if field == "date_of_birth" else {field: value})
    response = check(parties.client("requester").post(draft_url("draft_subject_edit", draft, subject_pk=link.pk), data))
    if response.status_code == 302 and field in ("full_name", "aliases", "address"):
        link.subject.refresh_from_db()
        assert getattr(link.subject, field) == value.strip()  # saved as typed, formula prefixes and all


@SETTINGS
@given(value=hostile)
def test_third_parties(parties, value):
    draft = getattr(parties, "hostile_draft", None) or start_draft(parties)
    parties.hostile_draft = draft
    response = parties.client("requester").post(draft_url("draft_subjects", draft), {"third_parties": value})
    check(response)
    if response.status_code == 302:
        draft.refresh_from_db()
        assert draft.third_parties == value.strip()
    else:
        assert "govuk-error-summary" in response.content.decode()


@SETTINGS
@given(purpose=hostile, forum=hostile, gateway=hostile, bases=st.lists(hostile, max_size=3))
def test_purpose(parties, purpose, forum, gateway, bases):
    draft = getattr(parties, "hostile_draft", None) or start_draft(parties)
    parties.hostile_draft = draft
    data = {"purpose": purpose, "forum": forum, "legal_gateway": gateway, "lawful_bases_art6": bases}
    check(parties.client("requester").post(draft_url("draft_purpose", draft), data))


@SETTINGS
@given(text=hostile, flag=hostile, keep_flags_valid=st.booleans())
def test_information(parties, text, flag, keep_flags_valid):
    draft = getattr(parties, "hostile_draft", None) or start_draft(parties)
    parties.hostile_draft = draft
    flags = "no" if keep_flags_valid else flag
    data = {
        "information_requested": text,
        "special_category": flags,
        "criminal_offence_data": "yes",
        "victim_witness_information": flags,
        "sub_judice": "no",
    }
    response = check(parties.client("requester").post(draft_url("draft_information", draft), data))
    if response.status_code == 302:
        draft.refresh_from_db()
        assert draft.information_requested == text.strip()


@SETTINGS
@given(urgency=hostile, needed_by=hostile)
def test_urgency(parties, urgency, needed_by):
    draft = getattr(parties, "hostile_draft", None) or start_draft(parties)
    parties.hostile_draft = draft
    check(
        parties.client("requester").post(
            draft_url("draft_urgency", draft), {"urgency": urgency, "needed_by": needed_by}
        )
    )


@SETTINGS
@given(answer=hostile | st.sampled_from(["yes", "no"]), reason=hostile, extra_key=hostile)
def test_checklist(parties, answer, reason, extra_key):
    draft = getattr(parties, "hostile_draft", None) or start_draft(parties)
    parties.hostile_draft = draft
    question = parties.pack.checklist_questions.order_by("order").first()
    data = {f"answer_{question.pk}": answer, f"reason_{question.pk}": reason, extra_key[:200] or "x": reason}
    response = check(parties.client("requester").post(draft_url("draft_checklist", draft), data))
    stored = draft.checklist_answers.filter(question=question).first()
    if response.status_code == 302 and answer in ("yes", "no"):
        assert (stored.answer, stored.reason) == (answer, reason.strip())
    elif response.status_code == 302:
        assert stored is None  # nothing answered: nothing kept


@SETTINGS
@given(reason=hostile)
def test_withdraw(parties, reason):
    request = parties.request()
    path = reverse("sharing:request_withdraw", kwargs={"pk": request.pk})
    response = check(parties.client("requester").post(path, {"reason": reason}))
    request.refresh_from_db()
    if response.status_code == 302:
        assert request.status == Status.WITHDRAWN
    else:
        assert request.status == Status.SUBMITTED


@SETTINGS
@given(answer=hostile)
def test_answer_a_return(parties, answer):
    request = parties.request(status=Status.RETURNED)
    RequestNote.objects.create(
        request=request, author=parties.do_b, organisation=parties.b, kind=NoteKind.RETURNED, text=MARKERS[0]
    )
    path = reverse("sharing:request_answer", kwargs={"pk": request.pk})
    response = check(parties.client("requester").post(path, {"answer": answer}))
    if response.status_code == 302:
        assert request.notes.get(kind=NoteKind.ANSWER).text == answer.strip()


@SETTINGS
@given(status=hostile, page=hostile)
def test_my_requests_filters(parties, status, page):
    response = check(parties.client("requester").get(reverse("sharing:my_requests"), {"status": status, "page": page}))
    assert response.status_code == 200


def test_reflected_values_are_escaped_on_every_page(parties):
    """The markers, saved where they can be, come back escaped on every page that shows them."""
    draft = fill_draft(parties, start_draft(parties))
    client = parties.client("requester")
    link = RequestSubject.objects.get(request=draft)
    client.post(
        draft_url("draft_subject_edit", draft, subject_pk=link.pk),
        {"full_name": MARKERS[0], "aliases": MARKERS[1], "address": MARKERS[2], "role": "victim"},
    )
    client.post(draft_url("draft_subjects", draft), {"third_parties": MARKERS[0]})
    data = {f"answer_{q.pk}": "yes" for q in parties.pack.checklist_questions.all()}
    data.update({f"reason_{q.pk}": MARKERS[1] for q in parties.pack.checklist_questions.all()})
    assert client.post(draft_url("draft_checklist", draft), data).status_code == 302
    link.subject.refresh_from_db()
    assert link.subject.full_name == MARKERS[0]
    for name in ["draft_tasks", "draft_subjects", "draft_checklist", "draft_check_answers"]:
        body = check(client.get(draft_url(name, draft))).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body or name in ("draft_tasks", "draft_checklist")
    check(client.get(draft_url("draft_subject_edit", draft, subject_pk=link.pk)))
    check(client.get(draft_url("draft_subject_remove", draft, subject_pk=link.pk)))
    check(client.get(reverse("sharing:my_requests")))
