"""The consent pages: need-to-know (404 alike for missing and not yours), role gates (403), the
access log (view, print, download), the printable Appendix 5 form read back with pdftotext, the
list's constant query count, and the record / withdraw / attach journeys through the pages."""
import datetime
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consent import signals_registry
from consent.models import ConsentRecord, GivenBy
from consent.services import consent_grant_for_request
from portal.models import AccessLogEntry, DataSubject, DecisionLogEntry
from tests.dates import date_parts

pytestmark = pytest.mark.django_db

PER_PAGE = 25

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EVERYONE = ("requester", "officer_a", "do_a", "assignee", "officer_b", "do_b", "officer_c", "do_c", "chair", "auditor", "admin")


@pytest.fixture
def consent(make_consent):
    return make_consent(scan=SimpleUploadedFile("signed.png", PNG, content_type="image/png"))


def url(name, consent=None):
    return reverse(f"consent:{name}", kwargs={"pk": consent.pk} if consent is not None else {})


# --- Need-to-know and roles ---------------------------------------------------------------


def test_the_record_and_the_form_carry_the_marking_banner_top_and_bottom(parties, consent):
    """Issue 15: the record names the person and the form asks for their details: both marked."""
    for page_url in (url("detail", consent), reverse("consent:record")):
        body = parties.client("requester").get(page_url).content.decode()
        assert body.count('class="portal-marking"') == 2 and "RESTRICTED" in body, page_url


@pytest.mark.parametrize("name", ["detail", "withdraw", "form_pdf", "scan_download", "scan_upload"])
def test_only_the_recorder_and_their_designated_officer_reach_a_record(parties, consent, name):
    outcomes = {who: parties.client(who).get(url(name, consent)).status_code for who in EVERYONE}
    expected = {who: 404 for who in EVERYONE}
    if name == "scan_upload":  # a scan is attached already: back to the record with a message
        expected.update(requester=302, do_a=302)
    else:
        expected.update(requester=200, do_a=200)
    assert outcomes == expected


@pytest.mark.parametrize("name", ["detail", "withdraw", "form_pdf", "scan_download", "scan_upload"])
def test_a_missing_record_is_the_same_404(parties, name):
    response = parties.client("requester").get(reverse(f"consent:{name}", kwargs={"pk": 999999}))
    assert response.status_code == 404


def test_granted_at_release_the_responder_and_holding_designated_officer_see_it(parties, make_consent):
    request = parties.request(assignee=parties.assignee)
    subject = request.subjects.get().subject
    consent = make_consent(new_subject=None, subject=subject)  # the requester sees the request's subject
    consent_grant_for_request(consent=consent, request=request, acting_user=parties.assignee)
    for who, status in {"assignee": 200, "do_b": 200, "officer_b": 404, "do_c": 404}.items():
        assert parties.client(who).get(url("detail", consent)).status_code == status, who
    # Granted: they may record a withdrawal, but the record is not theirs to attach a form to.
    assert parties.client("assignee").get(url("withdraw", consent)).status_code == 200
    assert parties.client("assignee").get(url("scan_upload", consent)).status_code == 403


def test_list_and_record_pages_are_for_officers_and_designated_officers(parties):
    for who in EVERYONE:
        expected = 403 if who in ("chair", "auditor", "admin") else 200
        client = parties.client(who)
        assert client.get(url("list")).status_code == expected, who
        assert client.get(url("record")).status_code == expected, who
        assert client.post(url("record"), {}).status_code == expected, who


def test_withdraw_needs_an_officer_role_even_with_access(parties, consent):
    membership = parties.memberships["requester"]
    membership.role = "chair"
    membership.save(update_fields=["role"])
    assert parties.client("requester").get(url("withdraw", consent)).status_code == 403
    assert parties.client("requester").get(url("detail", consent)).status_code == 200


# --- The list -------------------------------------------------------------------------------


def test_the_list_shows_only_records_i_can_see_and_no_names(parties, make_consent):
    mine = make_consent()
    theirs = make_consent(recorder="officer_c", recipients=[parties.c])
    body = parties.client("requester").get(url("list")).content.decode()
    assert mine.reference in body and theirs.reference not in body
    assert "Casey Example" not in body
    body = parties.client("do_a").get(url("list")).content.decode()
    assert mine.reference in body and theirs.reference not in body
    assert "There are no consent records" in parties.client("officer_a").get(url("list")).content.decode()


def _search(client, query):
    """Search the way the page does: post the form, follow the redirect."""
    response = client.post(url("list"), {"q": query})
    assert response.status_code == 302
    return response, client.get(response["Location"]).content.decode()


def test_search_by_reference_or_name_stays_within_what_i_can_see(parties, make_consent):
    mine = make_consent()
    other = make_consent(new_subject=None, subject=mine.subject)
    theirs = make_consent(recorder="officer_c", recipients=[parties.c])
    client = parties.client("requester")
    _, body = _search(client, mine.reference.lower())
    assert mine.reference in body and other.reference not in body
    _, body = _search(client, "casey")
    assert mine.reference in body and other.reference in body and theirs.reference not in body
    _, body = _search(client, "nobody at all")
    assert "No consent record you can see matches" in body


def test_a_search_by_name_puts_no_name_in_the_url_or_the_access_log(parties, make_consent):
    """Issue 20: the search form posts, and the list is shown under an opaque id; the name is
    neither in the address, nor the pagination links, nor the access log."""
    for _ in range(PER_PAGE + 1):
        make_consent()
    client = parties.client("requester")
    page = client.get(url("list")).content.decode()
    assert 'method="post" action="/consent/"' in page
    response, body = _search(client, "Casey Example")
    location = response["Location"]
    assert location.startswith("/consent/?search=")
    assert "casey" not in location.lower() and "example" not in location.lower()
    assert f"{PER_PAGE + 1} consent records found" in body
    second = client.get(location + "&page=2").content.decode()
    assert "1 consent record" not in second and "consent records found" in second
    assert "Casey" not in second.split("<main")[1].split("</form>")[1]
    logged = list(AccessLogEntry.objects.filter(user=parties.requester).values_list("reference", "path"))
    assert logged and all("casey" not in f"{ref} {path}".lower() for ref, path in logged)
    # The id is this session's own: another session (even the same person's) gets the full list.
    other = parties.client("requester").get(location).content.decode()
    assert "found" not in other


def test_the_list_takes_a_constant_number_of_queries(parties, make_consent, django_assert_max_num_queries):
    client = parties.client("requester")
    make_consent()
    with django_assert_max_num_queries(20) as small:
        assert client.get(url("list")).status_code == 200
    for _ in range(30):
        make_consent(recipients=[parties.a, parties.c])
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url("list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="govuk-link" href="/consent/') == 25
    assert len(large.captured_queries) == len(small.captured_queries)


# --- The access log -----------------------------------------------------------------------


@pytest.mark.parametrize("name, kind", [("detail", "view"), ("form_pdf", "print"), ("scan_download", "download")])
def test_each_reading_is_in_the_access_log(parties, consent, name, kind):
    before = AccessLogEntry.objects.count()
    response = parties.client("do_a").get(url(name, consent))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.user, entry.organisation, entry.kind, entry.object_type, entry.reference) == (
        parties.do_a, parties.a, kind, "consent_record", consent.reference
    )


def test_a_refused_reading_is_not_logged(parties, consent):
    before = AccessLogEntry.objects.count()
    assert parties.client("officer_a").get(url("detail", consent)).status_code == 404
    assert AccessLogEntry.objects.count() == before


def test_the_scan_comes_back_as_an_attachment_under_its_own_name(parties, consent):
    response = parties.client("requester").get(url("scan_download", consent))
    assert response["Content-Type"] == "image/png"
    assert 'attachment; filename="signed.png"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


# --- The printable form -------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_form_is_appendix_5_pre_filled_and_marked(parties, make_consent):
    consent = make_consent(
        given_by=GivenBy.PARENT, signatory_name="Alex Parent", signatory_address="4 Hillgate, Stockport",
        signatory_date_of_birth=datetime.date(1970, 2, 3),
    )
    response = parties.client("requester").get(url("form_pdf", consent))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{consent.reference}-consent-form.pdf"'
    text = pdf_text(response.content)
    pages = [page for page in text.split("\f") if page.strip()]
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines[0] == "RESTRICTED"
        assert page.count("RESTRICTED") >= 2
        assert f"Printed by {parties.requester.display_name}, {parties.a.name} at" in page
    flat = " ".join(text.split())
    for expected in (
        "Consent form",
        "Requesting Officer's Ref:",
        consent.reference,
        "Is this information about you?",
        "Casey Example",  # who the information is about
        "01041990",  # their date of birth, ddmmyyyy
        "Alex Parent",  # who signs for them
        "Parent",
        "Have the reasons for requesting consent been explained to you?",
        "I give: Stockport Council",
        "consent to disclose to: Greater Manchester Police",
        "Anti-social behaviour complaints about my address",
        parties.pack.purposes.order_by("order").first().name.split()[0],
        "Witnessed by requesting officer:",
        "Pat Officer",
        "Police constable",
    ):
        assert expected in flat, expected
    assert "Signature:" in flat


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_withdrawn_consent_prints_as_withdrawn(parties, consent, monkeypatch):
    monkeypatch.setattr(signals_registry, "_WITHDRAWAL_LISTENERS", [])
    from consent.services import consent_withdraw

    consent_withdraw(consent=consent, withdrawn_at=timezone.localdate(), how_communicated="Letter", acting_user=parties.requester)
    text = " ".join(pdf_text(parties.client("requester").get(url("form_pdf", consent)).content).split())
    assert "This consent was withdrawn on" in text


# --- Journeys through the pages -----------------------------------------------------------


def record_form(parties, **overrides):
    given = timezone.localdate() - datetime.timedelta(days=2)
    data = {
        "full_name": "Robin Newperson",
        **date_parts("date_of_birth", "1988-07-09"),
        "address": "1 Example Street",
        "given_by": "subject",
        "reasons_explained": "yes",
        "disclosers": [str(parties.b.pk)],
        "recipients": [str(parties.a.pk)],
        "purposes": [str(parties.pack.purposes.order_by("order").first().pk)],
        "information_items": "ASB complaints\nTenancy warnings",
        "given_on": given.isoformat(),
        "witness_name": "Pat Officer",
        "witness_position": "PC",
        "witnessed_on": given.isoformat(),
        "expires_on": "",
        "given_by_description": "",
        "signatory_name": "",
        "signatory_address": "",
        **date_parts("signatory_date_of_birth", ""),
    }
    data.update(overrides)
    return data


def test_recording_through_the_page(parties):
    client = parties.client("requester")
    page = client.get(url("record")).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert f'value="{parties.requester.display_name}"' in page  # the witness is pre-filled
    response = client.post(url("record"), {**record_form(parties), "scan": SimpleUploadedFile("s.png", PNG)})
    consent = ConsentRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", consent)
    assert consent.subject.full_name == "Robin Newperson" and consent.scan
    assert consent.information_items == ["ASB complaints", "Tenancy warnings"]
    detail = client.get(url("detail", consent)).content.decode()
    assert "Robin Newperson" in detail and "RESTRICTED" in detail  # the record carries the marking
    assert "Record a withdrawal" in detail and "Attach the signed form" not in detail


def test_reasons_not_explained_comes_back_with_the_error_and_what_was_typed(parties):
    response = parties.client("requester").post(url("record"), record_form(parties, reasons_explained="no"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and "not valid" in body
    assert 'value="Robin Newperson"' in body and "Tenancy warnings" in body
    assert not ConsentRecord.objects.exists()


def test_an_empty_form_lists_every_missing_answer(parties):
    body = parties.client("requester").post(url("record"), {}).content.decode()
    for message in (
        "Enter the full name of the person the information is about",
        "Select who gave the consent",
        "Say whether the reasons for asking for consent were explained",
        "Select the organisations the information may be disclosed to",
        "Select the purposes the consent covers",
        "Enter the information this consent applies to, one item a line",
        "Enter the date consent was given",
    ):
        assert message in body, message


def test_recording_for_someone_already_known(parties, consent):
    client = parties.client("requester")
    assert "Record another consent for this person" in client.get(url("detail", consent)).content.decode()
    page = client.get(url("record"), {"subject": consent.subject_id})
    assert page.status_code == 200 and "Casey Example" in page.content.decode()
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert (entry.object_type, entry.reference) == ("data_subject", f"subject-{consent.subject_id}")
    response = client.post(url("record"), {**record_form(parties), "subject": str(consent.subject_id)})
    assert response.status_code == 302
    assert ConsentRecord.objects.filter(subject=consent.subject).count() == 2
    assert not DataSubject.objects.filter(full_name="Robin Newperson").exists()


@pytest.mark.parametrize("value", ["999999", "abc", "99999999999999999999999", "-1"])
def test_choosing_someone_unknown_is_a_404(parties, consent, value):
    client = parties.client("officer_c")
    assert client.get(url("record"), {"subject": consent.subject_id}).status_code == 404
    assert client.get(url("record"), {"subject": value}).status_code == 404
    assert client.post(url("record"), {**record_form(parties), "subject": value}).status_code == 404


def test_withdrawing_through_the_page(parties, consent, monkeypatch):
    monkeypatch.setattr(signals_registry, "_WITHDRAWAL_LISTENERS", [])
    client = parties.client("do_a")
    bad = client.post(url("withdraw", consent), {"withdrawn_on": "", "how_communicated": "  "})
    body = bad.content.decode()
    assert bad.status_code == 200 and "Enter the date the consent was withdrawn" in body
    assert "Say how the person told you they withdrew their consent" in body
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    body = client.post(url("withdraw", consent), {"withdrawn_on": future, "how_communicated": "Phone"}).content.decode()
    assert "The date they withdrew consent must be today or in the past" in body and "\nPhone</textarea>" in body
    response = client.post(
        url("withdraw", consent), {"withdrawn_on": timezone.localdate().isoformat(), "how_communicated": "By phone"}
    )
    assert response.status_code == 302 and response["Location"] == url("detail", consent)
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawal_recorded_by == parties.do_a
    again = client.get(url("withdraw", consent))
    assert again.status_code == 302 and again["Location"] == url("detail", consent)
    assert "Record a withdrawal" not in client.get(url("detail", consent)).content.decode()
    assert DecisionLogEntry.objects.filter(action="consent.withdrawn").count() == 1


def test_attaching_the_signed_form_through_the_page(parties, make_consent, settings):
    consent = make_consent()
    client = parties.client("requester")
    assert "Attach the signed form" in client.get(url("detail", consent)).content.decode()
    bad = client.post(url("scan_upload", consent), {"scan": SimpleUploadedFile("form.pdf", b"<html>not a pdf</html>")})
    assert bad.status_code == 200 and "is not really a PDF" in bad.content.decode()
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    big = client.post(url("scan_upload", consent), {"scan": SimpleUploadedFile("big.png", PNG + b"\x00" * 5000)})
    assert big.status_code == 200 and "is larger than" in big.content.decode()
    settings.PORTAL_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    ok = client.post(url("scan_upload", consent), {"scan": SimpleUploadedFile("form.png", PNG)})
    assert ok.status_code == 302
    consent.refresh_from_db()
    assert consent.scan_original_name == "form.png"
