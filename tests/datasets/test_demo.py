"""The Durham datasets' demo data: two years of every dataset, through the real checks."""
import pytest
from django.db.models import Max, Min

from datasets.demo import datasets_demo_load
from datasets.models import AreaCount, Submission, SubmissionStatus
from datasets.selectors import emerging_problems, partnership_dataset
from portal.demo.services import demo_partnership_load
from portal.models import Partnership

pytestmark = pytest.mark.django_db


def test_demo_loads_two_years_of_every_durham_dataset_once():
    demo_partnership_load()
    summary = datasets_demo_load()
    assert summary and "two years" in summary
    durham = Partnership.objects.get(slug="safe-durham")
    accepted = Submission.objects.filter(partnership=durham, status=SubmissionStatus.ACCEPTED)
    assert accepted.values("dataset_code").distinct().count() == 10
    assert not Submission.objects.exclude(status=SubmissionStatus.ACCEPTED).exists()
    span = AreaCount.objects.filter(partnership=durham).aggregate(first=Min("month"), last=Max("month"))
    assert (span["last"].year * 12 + span["last"].month) - (span["first"].year * 12 + span["first"].month) == 23
    found = emerging_problems(partnership=durham, spec=partnership_dataset(partnership=durham, code="police-asb"), latest_month=span["last"])
    assert ("DH1", "asb-personal") in {(p.district, p.category) for p in found}
    count = accepted.count()
    assert datasets_demo_load() is None and Submission.objects.count() == count  # loads once
