"""A partner system submits a depersonalised dataset through the API (issues 13 and 14): the same
service as the upload page (owner kind, period, format), the same background check, and a status
endpoint that gives the result and each refused row's line and reason, never a value."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets import services as dataset_services
from datasets.models import DatasetRecord, Submission, SubmissionStatus
from exchange.models import Scope
from portal.models import DecisionLogEntry

pytestmark = pytest.mark.django_db

HEADER = "occurred_on,occurred_at,category,postcode,street\n"
SUBMIT = "/api/v1/datasets/police-asb/submissions"


def form(content: str, **fields) -> dict:
    return {
        "file": SimpleUploadedFile("asb.csv", content.encode(), content_type="text/csv"),
        "period_start": "2025-01-01", "period_end": "2025-01-31", **fields,
    }


def test_a_police_system_submits_a_dataset_and_follows_its_check(world):
    w = world
    content = HEADER + "2025-01-03,22:15,asb-personal,SK1 3XE,12 North Road\n2025-01-04,,asb-nuisance,SK1,\n"
    response = w.call(w.client_a.key, "post", SUBMIT, form=form(content))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == SubmissionStatus.RECEIVED and body["dataset"] == "police-asb"
    submission = Submission.objects.get(pk=body["id"])
    assert submission.organisation == w.a and submission.partnership == w.partnership
    assert submission.submitted_by == w.client_a.client.account  # the client's own account, named in the logs
    assert DecisionLogEntry.objects.filter(reference=submission.reference, actor=w.client_a.client.account).exists()

    dataset_services.submission_check(submission_id=submission.pk)  # what the worker runs (tests/datasets/test_worker.py)
    followed = w.call(w.client_a.key, "get", body["link"]).json()
    assert followed["status"] == SubmissionStatus.ACCEPTED and followed["rows_loaded"] == 2
    assert sorted(DatasetRecord.objects.filter(submission=submission).values_list("district", flat=True)) == ["SK1", "SK1"]


def test_a_refused_file_gives_each_row_its_line_and_reason_without_the_value(world):
    w = world
    content = HEADER + "2025-01-03,,asb-personal,SK1 3XE,\n2025-01-04,,asb-personal,not a postcode 07700 900123,\n"
    submission_id = w.call(w.client_a.key, "post", SUBMIT, form=form(content)).json()["id"]
    dataset_services.submission_check(submission_id=submission_id)
    body = w.call(w.client_a.key, "get", f"/api/v1/datasets/submissions/{submission_id}").json()
    assert body["status"] == SubmissionStatus.REJECTED
    assert [problem["line"] for problem in body["problems"]] == [3]
    assert "07700" not in str(body)
    assert not DatasetRecord.objects.filter(submission_id=submission_id).exists()


def test_refusals_are_the_apis_json_errors(world):
    w = world
    council = w.call(w.client_b.key, "post", SUBMIT, form=form(HEADER + "2025-01-03,,asb-personal,SK1,\n"))
    assert council.status_code == 403 and council.json()["error"]["code"]
    backwards = w.call(w.client_a.key, "post", SUBMIT, form=form(HEADER, period_start="2025-02-01"))
    assert backwards.status_code == 422 and "period_end" in backwards.json()["error"]["fields"]
    unknown = w.call(w.client_a.key, "post", "/api/v1/datasets/no-such/submissions", form=form(HEADER))
    assert unknown.status_code == 422 and "dataset" in unknown.json()["error"]["fields"]
    missing_file = w.call(w.client_a.key, "post", SUBMIT, form={"period_start": "2025-01-01", "period_end": "2025-01-31"})
    assert missing_file.status_code == 422
    unscoped = w.register(w.a, scopes=[Scope.REQUESTS_READ], name="Reader")
    assert w.call(unscoped.key, "post", SUBMIT, form=form(HEADER)).status_code == 403
    assert not Submission.objects.exists()
