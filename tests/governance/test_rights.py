"""Data-subject rights cases across partners (governance/services/rights.py, its selectors and
pages; SDP 9). The governance `w` partnership: A (police) asked B (council), B released; the
request is about Jordan Example (born 1 April 1990), a person record A holds."""
from __future__ import annotations

import datetime
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.models import ConsultationStatus, RightsCase, RightsStatus
from governance.models.rights import one_calendar_month
from governance.selectors.rights import subjects_matching
from governance.services import rights as services
from portal.models import AccessLogEntry, DataSubject, DecisionLogEntry, LegalHold, Notification
from portal.retention.services import active_holds
from tests.dates import date_parts

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode())


def opened(w, who="dpo_b", right="access", received=None):
    return services.rights_case_open(
        right=right,
        received_on=received or timezone.localdate() - datetime.timedelta(days=3),
        request_summary="Copies of everything the council holds about me.",
        acting_user=w.m[who].user,
        acting_membership=w.m[who],
    )


@pytest.mark.parametrize(
    "received, due",
    [
        (datetime.date(2026, 9, 3), datetime.date(2026, 10, 3)),
        (datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 15), datetime.date(2027, 1, 15)),
    ],
)
def test_one_calendar_month(received, due):
    assert one_calendar_month(received) == due


def test_tolerant_matching_finds_the_person_across_organisations(w):
    c_record = DataSubject.objects.create(
        holder=w.c, full_name="  JÓRDAN   example ", date_of_birth=datetime.date(1990, 1, 4), nhs_number="943 476 5919"
    )
    alias = DataSubject.objects.create(holder=w.b, full_name="J. Smith", aliases="Jordan Example, JE")
    other = DataSubject.objects.create(holder=w.b, full_name="Jordan Example", date_of_birth=datetime.date(1971, 6, 9))
    stranger = DataSubject.objects.create(holder=w.b, full_name="Morgan Stone", date_of_birth=datetime.date(1990, 4, 1))

    found = set(subjects_matching(name="jordan exámple", date_of_birth=datetime.date(1990, 4, 1)))
    assert w.subject in found and c_record in found  # case, accents, spacing; day and month transposed
    assert other not in found and stranger not in found  # another date of birth; another name
    assert alias in set(subjects_matching(name="Jordan Example"))  # an alias, no date of birth to compare
    assert set(subjects_matching(name="Jordon Exampel")) >= {w.subject, c_record}  # a misspelling (trigram)
    assert list(subjects_matching(nhs_number="9434765919")) == [c_record]  # NHS number: digits only
    assert not subjects_matching(name="", nhs_number="")


def test_deadline_extension_is_lawful_and_logged(w):
    case = opened(w, received=timezone.localdate() - datetime.timedelta(days=3))
    assert case.reference.startswith("DSR-") and case.deadline == one_calendar_month(case.received_on)
    with pytest.raises(ValidationError) as refused:
        services.rights_case_extend(
            case=case, extended_to=case.latest_extension + datetime.timedelta(days=1), reasons="Complex",
            acting_user=w.m["dpo_b"].user, acting_membership=w.m["dpo_b"],
        )
    assert "two further months at most" in refused.value.message_dict["extended_to"][0]
    with pytest.raises(ValidationError) as refused:
        services.rights_case_extend(case=case, extended_to=case.latest_extension, reasons=" ",
                                    acting_user=w.m["dpo_b"].user, acting_membership=w.m["dpo_b"])
    assert "reasons" in refused.value.message_dict
    case = services.rights_case_extend(case=case, extended_to=case.latest_extension, reasons="Several requests at once",
                                       acting_user=w.m["dpo_b"].user, acting_membership=w.m["dpo_b"])
    assert case.deadline == case.received_on + datetime.timedelta(days=0) + (case.latest_extension - case.received_on)
    entry = DecisionLogEntry.objects.get(action="governance.rights_extended", reference=case.reference)
    assert entry.reasons == "Several requests at once" and entry.details["to"] == case.latest_extension.isoformat()


def test_only_a_dpo_opens_a_case_and_only_with_a_received_date_not_in_the_future(w):
    with pytest.raises(PermissionDenied):
        opened(w, who="do_b")
    with pytest.raises(ValidationError) as refused:
        opened(w, received=timezone.localdate() + datetime.timedelta(days=1))
    assert "received_on" in refused.value.message_dict


def test_a_subject_access_case_across_two_organisations(w):
    """B's DPO receives the request, finds Jordan (A's record, on A's request to B), links it: the
    records are held and A is consulted; A answers with an exemption; B decides; the holds go."""
    b, a = w.client("dpo_b"), w.client("dpo_a")
    response = b.post(reverse("governance:rights_open"), {"right": "access", "received_on": "", "request_summary": "Kept"})
    assert response.status_code == 200 and "Enter the date the request was received" in page(response)
    assert "Kept" in page(response)
    received = timezone.localdate() - datetime.timedelta(days=2)
    response = b.post(reverse("governance:rights_open"), {
        "right": "access", "received_on": received.strftime("%d/%m/%Y"), "request_summary": "Everything about me.",
    })
    case = RightsCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("governance:rights_case", args=[case.pk])
    body = page(b.get(response["Location"]))
    assert f"Respond by <strong>{one_calendar_month(received):%-d %B %Y}</strong>" in body

    search = reverse("governance:rights_search", args=[case.pk])
    results = b.get(search, {"name": "JORDAN  example", **date_parts("date_of_birth", "1/4/1990")})
    text = page(results)
    assert "Jordan Example" in text and w.request.reference in text
    assert "Any record of incidents" not in text  # never the content of the request
    assert AccessLogEntry.objects.filter(user=w.m["dpo_b"].user, object_type="data_subject").exists()
    response = b.post(search + "?name=Jordan+Example", {"subjects": [str(w.subject.pk)]})
    assert response.status_code == 302

    # Held while open: the person record and the request (subject access).
    refs, subject_ids = active_holds()
    assert w.request.reference in refs and w.subject.pk in subject_ids
    assert LegalHold.objects.filter(case_reference=case.reference, reason_kind="subject_access").count() == 2
    # A, the other party to the request, is consulted; its DPO is told by a link and the reference.
    [consultation] = case.consultations.all()
    assert consultation.organisation == w.a and consultation.status == ConsultationStatus.AWAITING
    assert {"kind": "Disclosure request (released)", "reference": w.request.reference} in consultation.records
    note = Notification.objects.get(recipient=w.m["dpo_a"].user, reference=case.reference)
    assert "Jordan" not in note.subject
    case_page = page(b.get(reverse("governance:rights_case", args=[case.pk])))
    assert "Awaiting 1 answer" in case_page
    assert case_page.count('class="portal-marking"') == 2 and "RESTRICTED" in case_page  # names people: marked
    # B cannot decide until A has answered.
    response = b.post(reverse("governance:rights_decide", args=[case.pk]), {"decision": "comply", "reasons": "r", "released": "x"})
    assert "Wait for every organisation consulted to answer: Greater Manchester Police" in page(response)

    # A's DPO answers on its consultation page; C's DPO finds nothing.
    url = reverse("governance:rights_consultation", args=[consultation.pk])
    assert w.client("dpo_c").get(url).status_code == 404
    assert w.client("dpo_c").get(reverse("governance:rights_case", args=[case.pk])).status_code == 404
    assert w.client("do_a").get(url).status_code == 403
    form = page(a.get(url))
    assert "Jordan Example" in form and w.request.reference in form
    response = a.post(url, {"answer": "withhold", "third_party_information": "yes", "reasons": ""})
    assert "Select the exemption that applies" in page(response) and "Enter your reasons" in page(response)
    response = a.post(url, {"answer": "withhold", "exemption": "dpa2018_s2_p1_p2", "third_party_information": "yes",
                            "reasons": "Would prejudice an ongoing investigation."})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ANSWERED and consultation.exemption == "dpa2018_s2_p1_p2"
    entry = DecisionLogEntry.objects.get(action="governance.rights_consulted")
    assert "DPA 2018 Schedule 2 Part 1 paragraph 2" in entry.reasons and entry.organisation_name == w.a.name

    # B records the final decision: the case closes, the holds are lifted, the pack is a marked PDF.
    decide = reverse("governance:rights_decide", args=[case.pk])
    response = b.post(decide, {"decision": "comply_in_part", "reasons": "Police information withheld."})
    assert response.status_code == 200 and "Enter what is released to the person" in page(response)
    response = b.post(decide, {"decision": "comply_in_part", "reasons": "Police information withheld.",
                               "released": "The council's case notes.", "redactions": "Police items (Sch 2 Pt 1 para 2)."})
    assert response.status_code == 200 and "Decision recorded" in page(response)
    case.refresh_from_db()
    assert case.status == RightsStatus.CLOSED and case.decided_by == w.m["dpo_b"].user
    assert not LegalHold.objects.filter(case_reference=case.reference, lifted_at__isnull=True).exists()
    assert DecisionLogEntry.objects.filter(action="retention.hold_lifted", details__case=case.reference).count() == 2
    pdf = b.get(reverse("governance:rights_pack", args=[case.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert f"{case.reference}-response-pack.pdf" in pdf["Content-Disposition"]
    from io import BytesIO

    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "RESTRICTED" in text and "The council's case notes." in text and "Greater Manchester Police" in text
    assert AccessLogEntry.objects.filter(kind="download", reference=case.reference).exists()
    # A decided case takes no more answers, no more links.
    with pytest.raises(ValidationError):
        services.rights_case_subjects_link(case=case, subject_ids=[w.subject.pk], acting_user=w.m["dpo_b"].user,
                                           acting_membership=w.m["dpo_b"])


def test_a_rectification_is_carried_out_by_the_person_records_owner_and_logged(w):
    case = opened(w, who="dpo_a", right="rectification")
    services.rights_case_subjects_link(case=case, subject_ids=[w.subject.pk], acting_user=w.m["dpo_a"].user,
                                       acting_membership=w.m["dpo_a"])
    [consultation] = case.consultations.all()
    services.rights_consultation_answer(consultation=consultation, answer="release", reasons="Agreed",
                                        third_party_information=False, acting_user=w.m["dpo_b"].user,
                                        acting_membership=w.m["dpo_b"])
    services.rights_case_decide(
        case=case, decision="comply", reasons="The date of birth was wrong.", released="Corrected record.",
        rectifications={w.subject.pk: {"date_of_birth": datetime.date(1990, 4, 2)}},
        acting_user=w.m["dpo_a"].user, acting_membership=w.m["dpo_a"],
    )
    w.subject.refresh_from_db()
    assert w.subject.date_of_birth == datetime.date(1990, 4, 2)
    entry = DecisionLogEntry.objects.get(action="subject.rectified")
    assert entry.reference == case.reference and entry.details["fields"] == ["date_of_birth"]
    assert "1990" not in entry.reasons  # the log names the field, not the value


def test_a_record_another_organisation_holds_is_not_rectified_by_the_receiving_one(w):
    case = opened(w, who="dpo_b", right="rectification")
    services.rights_case_subjects_link(case=case, subject_ids=[w.subject.pk], acting_user=w.m["dpo_b"].user,
                                       acting_membership=w.m["dpo_b"])
    case.consultations.update(status=ConsultationStatus.ANSWERED)
    with pytest.raises(ValidationError, match="Only person records your organisation holds"):
        services.rights_case_decide(
            case=case, decision="comply", reasons="r", released="x",
            rectifications={w.subject.pk: {"full_name": "Jordan Changed"}},
            acting_user=w.m["dpo_b"].user, acting_membership=w.m["dpo_b"],
        )
    w.subject.refresh_from_db()
    assert w.subject.full_name == "Jordan Example"
