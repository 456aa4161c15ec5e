"""A real Celery worker checks a submission off the request, after commit, and the page follows
its progress (needs Redis: skipped without REDIS_URL)."""
from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from datasets import services
from datasets.models import AreaCount, DatasetRecord, Submission, SubmissionStatus
from tests.datasets.conftest import client_for
from tests.datasets.test_submissions import ASB_HEADER, COUNCIL_HEADER, JAN
from tests.workers import celery_worker_process  # noqa: F401  (fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT = 60


def wait_for_outcome(worker, submission) -> Submission:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        submission.refresh_from_db()
        if submission.status in (SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED):
            return submission
        if worker.process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"The worker did not check the submission within {TIMEOUT}s. Worker log:\n{worker.log()}")


def test_a_real_worker_checks_and_loads_a_submission(durham, celery_worker_process):  # noqa: F811
    rows = "".join(f"2025-01-{1 + n % 28:02d},,asb-personal,DH{1 + n % 9} {n % 9}AB,High Street\n" for n in range(20000))
    upload = SimpleUploadedFile("asb.csv", (ASB_HEADER + rows).encode())
    submission = services.submission_create(
        membership=durham.police_officer, partnership=durham.partnership, dataset_code="police-asb",
        period_start=JAN[0], period_end=JAN[1], upload=upload, acting_user=durham.police_officer.user,
    )
    # The request returned before the check: the page shows it waiting or under way.
    page = client_for(durham.police_officer).get(reverse("datasets:submission", kwargs={"pk": submission.pk}))
    assert b'http-equiv="refresh"' in page.content or submission.status != SubmissionStatus.RECEIVED

    submission = wait_for_outcome(celery_worker_process, submission)
    assert submission.status == SubmissionStatus.ACCEPTED, (submission.failure, submission.problems[:3])
    assert DatasetRecord.objects.filter(submission=submission).count() == 20000
    assert sum(AreaCount.objects.filter(submission=submission).values_list("count", flat=True)) == 20000
    assert set(DatasetRecord.objects.filter(submission=submission).values_list("district", flat=True)) == {f"DH{n}" for n in range(1, 10)}
    assert not submission.upload


def test_a_real_worker_refuses_a_hostile_file_and_stores_nothing(durham, celery_worker_process):  # noqa: F811
    content = COUNCIL_HEADER + "2025-01-03,,noise,DH1,,Loud\n2025-01-03,,noise,DH1 3LE,,call 07700 900123\n"
    upload = SimpleUploadedFile("asb.csv", content.encode())
    submission = services.submission_create(
        membership=durham.council_officer, partnership=durham.partnership, dataset_code="council-asb",
        period_start=JAN[0], period_end=JAN[1], upload=upload, acting_user=durham.council_officer.user,
    )
    submission = wait_for_outcome(celery_worker_process, submission)
    assert submission.status == SubmissionStatus.REJECTED
    assert submission.problems == [{"line": 3, "reason": "Summary looks like it holds a phone number"}]
    assert not DatasetRecord.objects.exists() and not AreaCount.objects.exists()
