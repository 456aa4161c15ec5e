"""The request page (sharing:request_detail) and attachment downloads: need-to-know (404 alike for
missing and not yours), the access log, released items under the marking with the handling
conditions, and a constant number of queries however much there is on the request."""
import io
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from portal.models import AccessLogEntry, DataSubject, SubjectRole
from sharing.models import (
    FlowchartRun,
    NoteKind,
    Outcome,
    ReleaseAttachment,
    RequestNote,
    RequestSubject,
    Status,
    SubJudiceConsultation,
)
from tests.sharing.factories import decision_make

pytestmark = pytest.mark.django_db

WITH_ACCESS = ["requester", "assignee", "do_a", "do_b"]
WITHOUT_ACCESS = ["officer_a", "officer_b", "officer_c", "do_c", "chair", "auditor", "admin"]


def _without_tokens(response) -> str:
    """The page minus what differs on every response (CSP nonce, CSRF token)."""
    body = response.content.decode()
    return re.sub(r'(nonce|value)="[^"]*"', "", body)


def url(request):
    return reverse("sharing:request_detail", kwargs={"pk": request.pk})


@pytest.fixture
def released(parties):
    request = parties.request(status=Status.RELEASED, assignee=parties.assignee, decided_at=timezone.now())
    decision = decision_make(
        request,
        outcome=Outcome.RELEASED,
        items=3,
        handling_conditions="Use only for the purpose requested.\nDo not share onward without consent.",
    )
    return request, decision


@pytest.mark.parametrize("name", WITH_ACCESS)
def test_need_to_know_people_see_the_page(parties, name):
    request = parties.request(assignee=parties.assignee, status=Status.IN_REVIEW)
    response = parties.client(name).get(url(request))
    assert response.status_code == 200
    body = response.content.decode()
    assert request.reference in body
    assert "Jordan Example" in body  # the subject
    assert "Needed to assess risk at the address." in body  # the checklist reasons


def test_someone_granted_on_the_object_sees_the_page(parties):
    request = parties.request()
    assign_perm("sharing.access_disclosure", parties.officer_c, request)
    assert parties.client("officer_c").get(url(request)).status_code == 200


@pytest.mark.parametrize("name", WITHOUT_ACCESS)
def test_everyone_else_gets_the_same_404_as_for_a_missing_request(parties, name):
    request = parties.request(assignee=parties.assignee, status=Status.IN_REVIEW)
    client = parties.client(name)
    not_yours = client.get(url(request))
    missing = client.get(reverse("sharing:request_detail", kwargs={"pk": request.pk + 10_000}))
    assert not_yours.status_code == missing.status_code == 404
    assert _without_tokens(not_yours) == _without_tokens(missing)
    assert "Jordan Example" not in not_yours.content.decode()
    assert not AccessLogEntry.objects.filter(reference=request.reference).exists()


def test_viewing_writes_the_access_log(parties):
    request = parties.request()
    parties.client("do_b").get(url(request))
    entry = AccessLogEntry.objects.get(reference=request.reference)
    assert (entry.user, entry.organisation, entry.kind) == (parties.do_b, parties.b, "view")
    assert entry.object_type == "disclosure_request"
    assert entry.path == url(request)


def test_released_items_under_the_marking_top_and_bottom_with_handling_conditions(parties, released):
    request, decision = released
    body = parties.client("requester").get(url(request)).content.decode()
    banners = re.findall(r'<div class="portal-marking"[^>]*aria-label="([^"]+)"', body)
    assert len(banners) == 2, banners  # top and bottom of the page
    assert body.count("RESTRICTED") >= 2
    assert body.index("RESTRICTED") < body.index("<main")
    assert body.rindex("RESTRICTED") > body.index("</main>")
    assert "Use only for the purpose requested." in body
    assert "Do not share onward without consent." in body
    for item in decision.items.all():
        assert item.text in body
    assert "Fact" in body and "Opinion" in body
    assert parties.b.name in body
    assert reverse("sharing:request_pdf", kwargs={"pk": request.pk}) in body


def test_standard_handling_conditions_when_none_were_written(parties):
    request = parties.request(status=Status.PARTLY_RELEASED, assignee=parties.assignee)
    decision_make(request, outcome=Outcome.PARTLY_RELEASED, items=1)
    body = parties.client("requester").get(url(request)).content.decode()
    assert "Use this information only for the purpose it was requested for." in body
    assert "Third-party details withheld." in body
    assert "Top and bottom of each page" in body  # Restricted's handling rule


def test_without_a_release_the_page_is_marked_at_the_packs_personal_data_level(parties):
    """Issue 15: the request names people before anything is released, so the page carries the
    level the request's pack gives personal data about them (Stockport: Restricted), top and bottom."""
    request = parties.request(status=Status.DECLINED, assignee=parties.assignee)
    decision_make(request, outcome=Outcome.DECLINED, reasons="Not necessary for the purpose.")
    body = parties.client("requester").get(url(request)).content.decode()
    assert body.count('class="portal-marking"') == 2
    assert body.index("RESTRICTED") < body.index("<main") and body.rindex("RESTRICTED") > body.index("</main>")
    assert "Not necessary for the purpose." in body
    assert "Download a PDF copy" not in body


@pytest.mark.parametrize(
    ("who", "name", "status"),
    [
        ("requester", "request_detail", Status.IN_REVIEW),
        ("assignee", "request_detail", Status.IN_REVIEW),
        ("assignee", "flowchart_start", Status.IN_REVIEW),
        ("assignee", "request_decide", Status.IN_REVIEW),
        ("assignee", "request_return", Status.IN_REVIEW),
        ("do_b", "request_assign", Status.SUBMITTED),
        ("requester", "draft_tasks", Status.DRAFT),
        ("requester", "draft_subjects", Status.DRAFT),
        ("requester", "draft_subject_add", Status.DRAFT),
        ("requester", "draft_check_answers", Status.DRAFT),
    ],
)
def test_request_pages_before_release_carry_the_marking_banner(parties, who, name, status):
    request = parties.request(status=status, assignee=parties.assignee if status == Status.IN_REVIEW else None)
    response = parties.client(who).get(reverse(f"sharing:{name}", kwargs={"pk": request.pk}))
    assert response.status_code == 200, name
    body = response.content.decode()
    assert re.findall(r'<div class="portal-marking"[^>]*aria-label="([^"]+)"', body) == [
        "Protective marking", "Protective marking, end of page"
    ], name
    assert "RESTRICTED" in body


def test_flowchart_runs_only_for_the_holding_side(parties):
    request = parties.request(status=Status.IN_REVIEW, assignee=parties.assignee)
    FlowchartRun.objects.create(
        request=request,
        responder=parties.assignee,
        path=[{"node": "purpose", "answer": "yes", "note": "Crime prevention"}],
        outcome="share",
        completed_at=timezone.now(),
        reasons="Flowchart reasons here",
    )
    for name in ("assignee", "do_b"):
        assert "Flowchart reasons here" in parties.client(name).get(url(request)).content.decode()
    for name in ("requester", "do_a"):
        assert "Flowchart reasons here" not in parties.client(name).get(url(request)).content.decode()


def test_hostile_stored_text_is_escaped(parties):
    request = parties.request(status=Status.IN_REVIEW, assignee=parties.assignee)
    RequestNote.objects.create(
        request=request, author=parties.assignee, organisation=parties.b, kind=NoteKind.RETURNED,
        text='<script>alert("x")</script>=HYPERLINK("http://evil")',
    )
    body = parties.client("requester").get(url(request)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def _fill(parties, request, n):
    """n released items, notes, subjects, consultations and flowchart runs on `request`."""
    decision = decision_make(request, outcome=Outcome.RELEASED, items=n)
    for i in range(n):
        subject = DataSubject.objects.create(holder=parties.a, full_name=f"Person {i}")
        RequestSubject.objects.create(request=request, subject=subject, role=SubjectRole.WITNESS)
        RequestNote.objects.create(
            request=request, author=parties.requester, organisation=parties.a, kind=NoteKind.ANSWER, text=f"note {i}"
        )
        SubJudiceConsultation.objects.create(
            request=request, consulted_name=f"DC {i}", consulted_role="investigating_officer",
            consulted_at=timezone.now(), outcome="No objection", recorded_by=parties.assignee,
        )
        FlowchartRun.objects.create(
            request=request, responder=parties.assignee, outcome="share", path=[{"node": "purpose", "answer": "yes"}]
        )
        ReleaseAttachment.objects.create(
            decision=decision, file=ContentFile(b"%PDF-1.4", name="x.pdf"), original_name=f"a{i}.pdf",
            content_type="application/pdf", size=8, sha256="0" * 64, uploaded_by=parties.assignee,
        )


def test_query_count_is_constant(parties, django_assert_max_num_queries):
    small = parties.request(status=Status.RELEASED, assignee=parties.assignee)
    large = parties.request(status=Status.RELEASED, assignee=parties.assignee)
    _fill(parties, small, 2)
    _fill(parties, large, 20)
    client = parties.client("do_b")  # sees everything, flowchart runs included
    client.get(url(small))  # warm the session and the partnership name cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as at_two:
        assert client.get(url(small)).status_code == 200
    # Issue 17: 30 before round 3. The session, the user, the device, the acting membership (whose
    # memberships need-to-know reuses), the request (with whether a copy was destroyed), the access
    # log, which sections have rows (one query), each of those once, the layout's partnership
    # name and memberships, and the session's save (3 statements).
    assert len(at_two.captured_queries) <= 22
    with django_assert_max_num_queries(len(at_two.captured_queries)):
        response = client.get(url(large))
    assert response.status_code == 200
    assert "Person 19" in response.content.decode()


def test_the_sections_a_request_has_nothing_in_are_not_read_and_appear_once_they_have(parties):
    """Issue 17: one query says which sections have rows; an empty one costs no query, and a
    note written since shows on the next load."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    request = parties.request(status=Status.IN_REVIEW, assignee=parties.assignee)
    client = parties.client("assignee")
    client.get(url(request))
    with CaptureQueriesContext(connection) as bare:
        assert client.get(url(request)).status_code == 200
    read = " ".join(q["sql"] for q in bare.captured_queries)
    for table in ("sharing_dispute", "sharing_onwardrequest", "sharing_publicinterestoverride", "sharing_decision"):
        assert f'SELECT "{table}"."id"' not in read  # named only in the EXISTS probes
    assert len(bare.captured_queries) <= 17  # 31 before round 3
    RequestNote.objects.create(
        request=request, author=parties.assignee, organisation=parties.b, kind=NoteKind.ANSWER, text="A note since"
    )
    with CaptureQueriesContext(connection) as noted:
        body = client.get(url(request)).content.decode()
    assert "A note since" in body
    assert len(noted.captured_queries) == len(bare.captured_queries) + 1


# Attachments ------------------------------------------------------------------------------------


@pytest.fixture
def attachment(parties, released):
    request, decision = released
    return ReleaseAttachment.objects.create(
        decision=decision,
        file=ContentFile(b"\x89PNG\r\n\x1a\nfake", name="ignored.png"),
        original_name='../../etc/"pass\x07wd".png',
        content_type="image/png",
        size=12,
        sha256="0" * 64,
        uploaded_by=parties.assignee,
    )


def attachment_url(attachment):
    return reverse(
        "sharing:attachment_download", kwargs={"pk": attachment.decision.request_id, "attachment_pk": attachment.pk}
    )


def test_attachment_download_with_safe_headers_and_access_log(parties, attachment):
    # The fixture's "PNG" is not a readable image: it cannot be stamped, so it comes wrapped with
    # its handling conditions (tests/sharing/test_marked_downloads.py has the stamped kinds).
    response = parties.client("requester").get(attachment_url(attachment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        [name] = [n for n in archive.namelist() if n != "HANDLING-CONDITIONS.txt"]
        assert archive.read(name) == b"\x89PNG\r\n\x1a\nfake"
    assert "/" not in name and not name.startswith(".")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "/" not in disposition and ".." not in disposition.split("filename=")[1][:3]
    assert "\x07" not in disposition
    entry = AccessLogEntry.objects.get(reference=attachment.decision.request.reference)
    assert entry.kind == "download"


@pytest.mark.parametrize("name", WITHOUT_ACCESS)
def test_attachment_is_404_without_need_to_know(parties, attachment, name):
    assert parties.client(name).get(attachment_url(attachment)).status_code == 404


def test_attachment_of_another_request_or_an_unreleased_decision_is_404(parties, attachment):
    other = parties.request(status=Status.RELEASED, assignee=parties.assignee)
    decision_make(other, outcome=Outcome.RELEASED)
    wrong = reverse("sharing:attachment_download", kwargs={"pk": other.pk, "attachment_pk": attachment.pk})
    assert parties.client("requester").get(wrong).status_code == 404
    # once the decision is no longer current (superseded), its attachments are no longer served
    attachment.decision.__class__.objects.filter(pk=attachment.decision_id).update(is_current=False)
    assert parties.client("requester").get(attachment_url(attachment)).status_code == 404


def test_an_unexpected_stored_content_type_is_never_served_as_itself(parties, attachment):
    ReleaseAttachment.objects.filter(pk=attachment.pk).update(content_type="text/html")
    response = parties.client("requester").get(attachment_url(attachment))
    assert response["Content-Type"] == "application/zip"  # wrapped, never text/html


def test_dispute_button_only_for_the_requesting_side(parties):
    request = parties.request(status=Status.DECLINED, assignee=parties.assignee)
    decision_make(request, outcome=Outcome.DECLINED)
    dispute_url = reverse("sharing:request_dispute", kwargs={"pk": request.pk})
    for name in ("requester", "do_a"):
        assert dispute_url in parties.client(name).get(url(request)).content.decode()
    for name in ("assignee", "do_b"):
        assert dispute_url not in parties.client(name).get(url(request)).content.decode()
