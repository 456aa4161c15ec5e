"""The hotspot, trend and specification pages and their exports (datasets/views.py): what a
reader sees is suppressed, their partnership's only, and exports are marked and access-logged."""
from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from datasets.models import SubmissionStatus
from portal.models import AccessLogEntry
from tests.datasets.conftest import client_for
from tests.datasets.factories import accepted_submission

pytestmark = pytest.mark.django_db


def month(n: int) -> datetime.date:
    return datetime.date(2024 + (n - 1) // 12, (n - 1) % 12 + 1, 1)


@pytest.fixture
def data(durham):
    """A year of personal ASB: DH1 busy (20 a month, 60 in the last month), DH7 with 3 a month
    (small: suppressed), DL14 steady at 10; and one superseded submission that must not count."""
    counts = {}
    for n in range(1, 13):
        counts[("DH1", "asb-personal", month(n))] = 60 if n == 12 else 20
        counts[("DH7", "asb-nuisance", month(n))] = 3
        counts[("DL14", "asb-nuisance", month(n))] = 10
    accepted_submission(organisation=durham.police, partnership=durham.partnership, user=durham.police_officer.user,
                        dataset_code="police-asb", counts=counts)
    accepted_submission(organisation=durham.police, partnership=durham.partnership, user=durham.police_officer.user,
                        dataset_code="police-asb", counts={("DH2", "asb-personal", month(12)): 500}, status=SubmissionStatus.SUPERSEDED)
    return durham


def test_the_hotspot_page_shows_suppressed_counts_with_the_area_view_and_emerging_problems(data):
    response = client_for(data.council_officer).get(reverse("datasets:hotspots"), {"dataset": "police-asb"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "January 2024 to December 2024" in html
    assert "<svg" in html and "DH1: 280 records" in html  # the area view's shape for DH1 and its title
    assert "DH7: suppressed" not in html  # 36 over the year: published
    assert ">36<" in html and ">280<" in html and ">120<" in html
    assert "DH2" not in html.split("Records by district and category</caption>")[1].split("</table>")[0]  # superseded
    emerging = html.split("Emerging problems in December 2024")[1]
    assert "DH1" in emerging and "ASB - personal" in emerging
    assert "DL14" not in emerging.split("</table>")[0]  # steady


def test_a_single_month_suppresses_small_cells_and_their_complement(data):
    response = client_for(data.council_officer).get(
        reverse("datasets:hotspots"), {"dataset": "police-asb", "first_month": "03/2024", "last_month": "03/2024"}
    )
    html = response.content.decode()
    table = html.split("Records by district and category</caption>")[1].split("</table>")[0]
    assert '<abbr title="suppressed">*</abbr>' in table  # DH7's 3
    assert ">3<" not in table
    assert "DH7: suppressed" in html  # and the area view says so too


def test_another_partnership_sees_none_of_it(data):
    response = client_for(data.other_admin).get(reverse("datasets:hotspots"), {"dataset": "police-asb"})
    assert response.status_code == 200
    assert b"DH1" not in response.content and b"No accepted submissions" in response.content
    assert client_for(data.other_admin).get(reverse("datasets:hotspots_csv"), {"dataset": "police-asb"}).status_code == 404


def test_the_csv_export_is_marked_suppressed_and_access_logged(data):
    response = client_for(data.council_officer).get(
        reverse("datasets:hotspots_csv"), {"dataset": "police-asb", "first_month": "03/2024", "last_month": "03/2024"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "Marking: OFFICIAL"
    assert "suppressed" in lines[1]
    dh7 = next(line for line in lines if line.startswith("DH7"))
    assert "suppressed" in dh7 and ",3," not in dh7
    assert AccessLogEntry.objects.filter(object_type="dataset_aggregates", user=data.council_officer.user, kind="download").exists()


def test_the_pdf_export_is_a_marked_pdf(data):
    from io import BytesIO

    from pypdf import PdfReader

    response = client_for(data.council_officer).get(reverse("datasets:hotspots_pdf"), {"dataset": "police-asb"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert "OFFICIAL" in text and "DH1" in text and "Downloaded by" in text


def test_the_trend_page_draws_the_months_with_a_table_and_gaps_for_suppressed_ones(data):
    response = client_for(data.auditor).get(reverse("datasets:trends"), {"dataset": "police-asb", "district": "DH7"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<polyline" not in html  # every month of DH7 is 3: suppressed, so no line
    assert html.count('<abbr title="suppressed">*</abbr>') == 12  # each month; the year's 36 is published
    whole = client_for(data.auditor).get(reverse("datasets:trends"), {"dataset": "police-asb"}).content.decode()
    assert "<polyline" in whole and "Dec 2024" in whole and ">73<" in whole  # December: 60 + 3 + 10
    csv_lines = client_for(data.auditor).get(reverse("datasets:trends_csv"), {"dataset": "police-asb"}).content.decode().splitlines()
    assert csv_lines[0].startswith("Marking:") and "2024-12,73" in csv_lines


def test_a_bad_month_is_shown_in_the_error_summary_with_what_was_typed(data):
    response = client_for(data.council_officer).get(reverse("datasets:hotspots"), {"dataset": "police-asb", "first_month": "13/2024"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content and b'value="13/2024"' in response.content


def test_the_specification_page_lists_fields_and_icd10_blocks(durham):
    response = client_for(durham.nhs_officer).get(reverse("datasets:spec", kwargs={"code": "nhs-admissions"}))
    assert response.status_code == 200
    assert b"X85-Y09" in response.content and b"Outward postcode only" in response.content
    assert client_for(durham.nhs_officer).get(reverse("datasets:spec", kwargs={"code": "nope"})).status_code == 404


def test_a_submission_is_not_found_for_another_organisation_or_partnership(data):
    from datasets.models import Submission

    submission = Submission.objects.filter(status=SubmissionStatus.ACCEPTED).first()
    assert client_for(data.police_officer).get(reverse("datasets:submission", kwargs={"pk": submission.pk})).status_code == 200
    assert client_for(data.nhs_officer).get(reverse("datasets:submission", kwargs={"pk": submission.pk})).status_code == 404
    assert client_for(data.other_admin).get(reverse("datasets:submission", kwargs={"pk": submission.pk})).status_code == 404
    assert client_for(data.admin).get(reverse("datasets:submission", kwargs={"pk": submission.pk})).status_code == 200


def test_the_trend_pdf_is_marked_with_the_chart_and_table(data):
    from io import BytesIO

    from pypdf import PdfReader

    response = client_for(data.council_officer).get(reverse("datasets:trends_pdf"), {"dataset": "police-asb"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert "OFFICIAL" in text and "Dec 2024" in text and "73" in text
    assert AccessLogEntry.objects.filter(object_type="dataset_aggregates", path__contains="trends.pdf").exists()


def test_an_organisation_in_two_partnerships_chooses_which_one_it_reads(data):
    from portal.models import PartnershipMember

    PartnershipMember.objects.create(partnership=data.other_partnership, organisation=data.council, standing="responsible_authority")
    client = client_for(data.council_officer)
    durham = client.get(reverse("datasets:hotspots"), {"partnership": data.partnership.slug, "dataset": "police-asb"})
    assert b"DH1" in durham.content and b'<option value="safer-stockport"' in durham.content
    stockport = client.get(reverse("datasets:hotspots"), {"partnership": data.other_partnership.slug, "dataset": "police-asb"})
    assert b"No accepted submissions" in stockport.content
    # A partnership the organisation is not in is not offered, and not read.
    outsider = client_for(data.nhs_officer).get(reverse("datasets:hotspots"), {"partnership": data.other_partnership.slug, "dataset": "police-asb"})
    assert b"DH1" in outsider.content and b"<option value=\"safer-stockport\"" not in outsider.content
