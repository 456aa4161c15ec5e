"""Datasets built directly for tests that need aggregates without running a check (the check
itself is tested end to end in test_submissions.py)."""
from __future__ import annotations

import datetime

from datasets.models import AreaCount, Submission, SubmissionStatus
from portal.protocols.selectors import current_protocol_pack


def accepted_submission(*, organisation, partnership, user, dataset_code: str, counts: dict, status=SubmissionStatus.ACCEPTED) -> Submission:
    """An accepted submission whose counts are `{(district, category, month): n}`."""
    months = [month for _d, _c, month in counts] or [datetime.date(2026, 1, 1)]
    submission = Submission.objects.create(
        partnership=partnership, organisation=organisation, pack=current_protocol_pack(partnership),
        dataset_code=dataset_code, period_start=min(months), period_end=max(months), status=status,
        original_name="test.csv", file_format="csv", submitted_by=user, rows_loaded=sum(counts.values()),
    )
    AreaCount.objects.bulk_create(
        AreaCount(submission=submission, partnership=partnership, dataset_code=dataset_code, district=district,
                  category=category, month=month, count=n)
        for (district, category, month), n in counts.items()
    )
    return submission
