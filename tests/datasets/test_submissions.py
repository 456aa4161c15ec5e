"""Submitting a dataset and its check (datasets/services.py, checking.py): hostile files are
refused with row-level reasons and nothing stored; clean files are coarsened and loaded whole."""
from __future__ import annotations

import datetime
import io
import os

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from datasets import services
from datasets.models import AreaCount, DatasetRecord, Submission, SubmissionStatus
from portal.models import DecisionLogEntry
from tests.datasets.conftest import client_for

pytestmark = pytest.mark.django_db

JAN = (datetime.date(2025, 1, 1), datetime.date(2025, 1, 31))
ASB_HEADER = "occurred_on,occurred_at,category,postcode,street\n"
COUNCIL_HEADER = "occurred_on,occurred_at,category,postcode,street,summary\n"


def submit(w, membership, dataset: str, content: bytes, *, name="data.csv", period=JAN) -> Submission:
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    submission = services.submission_create(
        membership=membership, partnership=w.partnership, dataset_code=dataset, period_start=period[0],
        period_end=period[1], upload=upload, acting_user=membership.user,
    )
    return services.submission_check(submission_id=submission.pk)


def police_asb(w, content: bytes, **kwargs) -> Submission:
    return submit(w, w.police_officer, "police-asb", content, **kwargs)


def council_asb(w, content: bytes, **kwargs) -> Submission:
    return submit(w, w.council_officer, "council-asb", content, **kwargs)


def reasons(submission) -> dict[int, str]:
    return {problem["line"]: problem["reason"] for problem in submission.problems}


def assert_nothing_stored(submission):
    assert submission.status == SubmissionStatus.REJECTED
    assert not DatasetRecord.objects.filter(submission=submission).exists()
    assert not AreaCount.objects.filter(submission=submission).exists()
    assert not submission.upload  # the file is gone, refused or not


def test_a_clean_file_is_coarsened_loaded_whole_and_decision_logged(durham):
    content = (
        ASB_HEADER
        + "2025-01-03,22:15,asb-personal,DH1 3LE,12a North Road\n"
        + "04/01/2025,,ASB - nuisance,dh13le,\"Flat 2, 7 Claypath\"\n"
        + "2025-01-05,09:00,asb-personal,DH1,Market Place\n"
    ).encode()
    submission = police_asb(durham, content)
    assert submission.status == SubmissionStatus.ACCEPTED, submission.failure or submission.problems
    records = list(DatasetRecord.objects.filter(submission=submission).order_by("occurred_on"))
    assert [r.district for r in records] == ["DH1", "DH1", "DH1"]  # full postcodes cut to the outward part
    assert [r.street for r in records] == ["North Road", "Claypath", "Market Place"]  # no house or flat numbers
    assert records[1].category == "asb-nuisance"  # the category's name is taken for its code
    counts = {(c.district, c.category, c.month): c.count for c in AreaCount.objects.filter(submission=submission)}
    assert counts == {("DH1", "asb-personal", datetime.date(2025, 1, 1)): 2, ("DH1", "asb-nuisance", datetime.date(2025, 1, 1)): 1}
    actions = list(DecisionLogEntry.objects.filter(reference=submission.reference).order_by("id").values_list("action", flat=True))
    assert actions == ["dataset.submitted", "dataset.checking", "dataset.accepted"]
    submitted = DecisionLogEntry.objects.get(reference=submission.reference, action="dataset.submitted")
    assert submitted.actor_id == durham.police_officer.user_id and submitted.details["period_start"] == "2025-01-01"
    assert not submission.upload


def test_names_hidden_in_free_text_refuse_their_rows_and_nothing_is_loaded(durham):
    content = (
        COUNCIL_HEADER
        + "2025-01-03,,noise,DH1 3LE,North Road,Loud music late at night\n"
        + "2025-01-04,,noise,DH1 3LE,North Road,Mr Smith playing drums\n"
        + "2025-01-05,,noise,DH1,North Road,reported by Sarah Connor again\n"
        + "2025-01-06,,noise,DH1,North Road,caller named Dave\n"
    ).encode()
    submission = council_asb(durham, content)
    assert_nothing_stored(submission)
    found = reasons(submission)
    assert set(found) == {3, 4, 5}
    assert all("looks like it holds a name" in reason for reason in found.values())
    assert "Smith" not in str(submission.problems)  # the report never repeats the value


@pytest.mark.parametrize(
    ("summary", "what"),
    [
        ("Youths at DH1 3LE shop", "a full postcode"),
        ("call 07700 900123 about it", "a phone number"),
        ("email jo@example.org", "an email address"),
        ("NHS 943 476 5919 seen", "an NHS number"),
        ("dob 01/02/2003", "a date (of birth?)"),
    ],
)
def test_personal_data_in_free_text_is_refused_with_its_kind(durham, summary, what):
    submission = council_asb(durham, (COUNCIL_HEADER + f"2025-01-03,,noise,DH1,North Road,{summary}\n").encode())
    assert_nothing_stored(submission)
    assert reasons(submission) == {2: f"Summary looks like it holds {what}"}


def test_a_street_that_looks_like_personal_data_is_stripped_as_the_spec_says(durham):
    content = (ASB_HEADER + "2025-01-03,,asb-personal,DH1 3LE,outside Mrs Jones house\n").encode()
    submission = police_asb(durham, content)
    assert submission.status == SubmissionStatus.ACCEPTED
    assert submission.values_stripped == 1
    assert DatasetRecord.objects.get(submission=submission).street == ""


def test_wrong_columns_refuse_the_whole_file(durham):
    submission = police_asb(durham, b"date,type,where\n2025-01-03,asb,DH1\n")
    assert_nothing_stored(submission)
    assert "columns this dataset does not have: date, type, where" in submission.failure
    assert "required columns missing: occurred_on, category, postcode" in submission.failure


def test_a_personal_data_column_refuses_the_whole_file(durham):
    submission = police_asb(durham, (ASB_HEADER.strip() + ",dob\n2025-01-03,,asb-personal,DH1,,2001-01-01\n").encode())
    assert_nothing_stored(submission)
    assert "personal data (dob)" in submission.failure


def test_ten_megabytes_of_garbage_are_refused(durham):
    submission = police_asb(durham, os.urandom(10 * 1024 * 1024), name="garbage.csv")
    assert_nothing_stored(submission)
    assert submission.failure


def test_a_zip_named_csv_is_refused_at_upload(durham):
    with pytest.raises(Exception) as refused:
        police_asb(durham, b"PK\x03\x04" + os.urandom(100), name="data.csv")
    assert "CSV or an Excel" in str(refused.value)
    assert not Submission.objects.exists()


def test_formula_cells_are_refused_in_csv(durham):
    content = (ASB_HEADER + '2025-01-03,,asb-personal,DH1,"=HYPERLINK(""http://x"",""y"")"\n' + "2025-01-03,,@SUM(A1),DH1,\n").encode()
    submission = police_asb(durham, content)
    assert_nothing_stored(submission)
    found = reasons(submission)
    assert "Street starts like a spreadsheet formula" in found[2]
    assert "Incident category starts like a spreadsheet formula" in found[3]


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_with_a_formula_cell_is_refused_and_a_clean_one_loads(durham):
    header = ["occurred_on", "occurred_at", "category", "postcode", "street"]
    bad = _xlsx([header, [datetime.date(2025, 1, 3), "10:00", "asb-personal", "DH1 3LE", "North Road"],
                 [datetime.date(2025, 1, 4), None, "asb-personal", "=A2", None]])
    submission = police_asb(durham, bad, name="data.xlsx")
    assert_nothing_stored(submission)
    assert reasons(submission) == {3: "has a formula in postcode: paste values only"}, submission.failure

    good = _xlsx([header, [datetime.date(2025, 1, 3), "10:00", "asb-personal", "DH1 3LE", "North Road"]])
    submission = police_asb(durham, good, name="data.xlsx")
    assert submission.status == SubmissionStatus.ACCEPTED, submission.failure
    assert DatasetRecord.objects.get(submission=submission).district == "DH1"


def test_a_byte_order_mark_is_accepted(durham):
    submission = police_asb(durham, b"\xef\xbb\xbf" + (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n").encode())
    assert submission.status == SubmissionStatus.ACCEPTED, submission.failure


def test_mixed_encodings_refuse_the_lines_that_are_not_utf8(durham):
    content = (ASB_HEADER + "2025-01-03,,asb-personal,DH1,Caf\u00e9 Street\n").encode() + b"2025-01-04,,asb-personal,DH1,Caf\xe9 Street\n"
    submission = police_asb(durham, content)
    assert_nothing_stored(submission)
    assert list(reasons(submission)) == [3]
    assert "not UTF-8" in reasons(submission)[3]


def test_utf16_is_refused_with_what_to_do(durham):
    submission = police_asb(durham, (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n").encode("utf-16"))
    assert_nothing_stored(submission)
    assert "UTF-16" in submission.failure


def test_bad_values_are_reported_by_line_and_nothing_half_loaded(durham):
    content = (
        ASB_HEADER
        + "2025-01-03,,asb-personal,DH1,\n"
        + "2025-02-03,,asb-personal,DH1,\n"  # outside the period
        + "2025-01-03,25:00,asb-personal,DH1,\n"
        + "2025-01-03,,burglary,DH1,\n"
        + "2025-01-03,,asb-personal,nowhere,\n"
        + "2025-01-03,,asb-personal\n"
        + "2025-01-03,,asb-personal,DH1,\n"
    ).encode()
    submission = police_asb(durham, content)
    assert_nothing_stored(submission)
    assert reasons(submission) == {
        3: "Date is outside the submission's period",
        4: "Time is not a time (use HH:MM, 24-hour)",
        5: "Incident category is not one of this dataset's categories",
        6: "Postcode is not a postcode",
        7: "has 3 values; the header has 5",
    }
    assert submission.rows_checked == 7 and submission.problem_count == 5
    rejected = DecisionLogEntry.objects.get(reference=submission.reference, action="dataset.rejected")
    assert "5 of 7 rows refused" in rejected.reasons


def test_a_later_submission_for_the_same_period_supersedes_the_earlier(durham):
    first = police_asb(durham, (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n").encode())
    second = police_asb(durham, (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n2025-01-04,,asb-personal,DH2,\n").encode())
    first.refresh_from_db()
    assert first.status == SubmissionStatus.SUPERSEDED and second.status == SubmissionStatus.ACCEPTED
    assert DecisionLogEntry.objects.filter(reference=first.reference, action="dataset.superseded").exists()


def test_only_the_owning_kind_of_organisation_submits_a_dataset(durham):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        submit(durham, durham.council_officer, "police-asb", (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n").encode())
    with pytest.raises(PermissionDenied):  # another partnership's officer
        services.submission_create(
            membership=durham.other_officer, partnership=durham.partnership, dataset_code="police-asb",
            period_start=JAN[0], period_end=JAN[1], upload=SimpleUploadedFile("a.csv", b"x"), acting_user=durham.other_officer.user,
        )


def test_the_page_submits_shows_progress_then_the_refused_rows(durham, django_capture_on_commit_callbacks):
    client = client_for(durham.council_officer)
    page = client.get(reverse("datasets:submit"))
    assert page.status_code == 200 and b"Racial incidents" in page.content and b"Notifiable crimes" not in page.content
    upload = SimpleUploadedFile("asb.csv", (COUNCIL_HEADER + "2025-01-03,,noise,DH1,,Mr Smith again\n").encode())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("datasets:submit"), {
            "dataset": "council-asb", "period_start": "01/01/2025", "period_end": "31/01/2025", "file": upload,
        })
    assert response.status_code == 302
    submission = Submission.objects.get()
    running = client.get(response.url)
    assert b'<meta http-equiv="refresh" content="3">' in running.content
    assert b"waiting for the checker" in running.content
    for callback in callbacks:  # the queued check runs (eagerly, in tests without a worker)
        callback()
    done = client.get(reverse("datasets:submission", kwargs={"pk": submission.pk}))
    assert b"http-equiv" not in done.content
    assert b"Nothing was loaded" in done.content and b"Summary looks like it holds a name" in done.content
    assert b"Mr Smith" not in done.content


def test_a_bad_form_keeps_what_was_entered(durham):
    client = client_for(durham.council_officer)
    response = client.post(reverse("datasets:submit"), {"dataset": "council-asb", "period_start": "01/01/2025", "period_end": "not a date"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b'value="01/01/2025"' in response.content
    assert b"Choose the file to submit" in response.content


def test_a_check_whose_worker_died_is_started_again_by_the_sweep(durham):
    upload = SimpleUploadedFile("asb.csv", (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n").encode())
    submission = services.submission_create(
        membership=durham.police_officer, partnership=durham.partnership, dataset_code="police-asb",
        period_start=JAN[0], period_end=JAN[1], upload=upload, acting_user=durham.police_officer.user,
    )
    # The worker took it and died: checking, with no progress since.
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.CHECKING, updated_at=timezone.now() - datetime.timedelta(hours=1))
    assert services.submissions_check_pending() == 1  # queued (run eagerly here)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED and submission.rows_loaded == 1
    assert services.submissions_check_pending() == 0


def test_a_recent_check_is_left_to_its_worker(durham):
    upload = SimpleUploadedFile("asb.csv", (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n").encode())
    submission = services.submission_create(
        membership=durham.police_officer, partnership=durham.partnership, dataset_code="police-asb",
        period_start=JAN[0], period_end=JAN[1], upload=upload, acting_user=durham.police_officer.user,
    )
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.CHECKING)
    assert services.submission_check(submission_id=submission.pk).status == SubmissionStatus.CHECKING
    assert services.submissions_check_pending() == 0


def test_an_oversize_file_is_refused_on_the_form(durham, settings):
    settings.PORTAL_MAX_DATASET_BYTES = 1024
    client = client_for(durham.police_officer)
    upload = SimpleUploadedFile("big.csv", (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n" * 200).encode())
    response = client.post(reverse("datasets:submit"), {"dataset": "police-asb", "period_start": "01/01/2025", "period_end": "31/01/2025", "file": upload})
    assert response.status_code == 200 and b"larger than the limit" in response.content
    assert not Submission.objects.exists()


def test_the_submission_list_takes_the_same_queries_for_many_submissions(durham, django_assert_max_num_queries):
    client = client_for(durham.admin)
    police_asb(durham, (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n").encode())
    with django_assert_max_num_queries(40) as few:
        assert client.get(reverse("datasets:submissions")).status_code == 200
    for _ in range(5):
        police_asb(durham, (ASB_HEADER + "2025-01-03,,asb-personal,DH1,\n").encode())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("datasets:submissions"))
    assert response.content.count(b"DS-") >= 6


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("John Street", None),
        ("Victoria Road", None),
        ("Market Place", None),
        ("Outside the Co-op on Front Street", None),
        ("Youths gathering, 20:00 to 23:00", None),
        ("Sarah Connor", "a name"),
        ("Mrs Jones", "a name"),
        ("name: Smith", "a name"),
        ("DH1 3LE", "a full postcode"),
        ("+44 7700 900123", "a phone number"),
        ("9434765919", "an NHS number"),
        ("1234567890", None),  # ten digits without a valid NHS check digit (and not a phone number)
        ("born 2004", "a date (of birth?)"),
        ("jo.bloggs@example.org", "an email address"),
    ],
)
def test_what_looks_like_personal_data(text, found):
    from datasets.checking import personal_data_kind

    assert personal_data_kind(text) == found


def test_windows_line_endings_and_quoted_commas_are_read(durham):
    content = (ASB_HEADER + '2025-01-03,,asb-personal,DH1,"Front Street, Durham"\n').replace("\n", "\r\n").encode()
    submission = police_asb(durham, content)
    assert submission.status == SubmissionStatus.ACCEPTED, submission.failure or submission.problems
    assert DatasetRecord.objects.get(submission=submission).street == "Front Street, Durham"
