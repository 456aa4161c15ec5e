"""Writes of the datasets app: submitting a dataset, the background check that accepts or refuses
it, and the feed tokens (SDP Appendix 1, SDP 10).

A submission is checked by the `datasets.check_submission` Celery task (`submission_check`):
it reads the file once, writing the clean, coarsened rows to a temporary file; only when every
row passed does one transaction COPY them in, add their counts to `AreaCount`, supersede the
earlier submission for the same period and log the acceptance. A refused file loads nothing.
The uploaded file is deleted when the check ends, accepted or not: the portal keeps only what
passed.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import json
import logging
import os
import secrets
import tempfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.accountability.services import decision_record
from portal.jobs import enqueue
from portal.models import Membership, Partnership, User
from portal.protocols.selectors import current_protocol_pack
from portal.roles import Role
from portal.selectors.partnerships import membership_partnerships
from portal.uploads import clean_filename, stored_file_delete

from . import checking
from .lifecycle import SUBMISSION_LIFECYCLE
from .models import AreaCount, DatasetRecord, FeedToken, Submission, SubmissionStatus
from .specs import DatasetSpec, pack_dataset

logger = logging.getLogger(__name__)

SUBMITTING_ROLES = frozenset({Role.OFFICER, Role.DESIGNATED_OFFICER})
PROBLEMS_KEPT = 500
PROGRESS_EVERY_ROWS = 5000
# A check that has shown no progress for this long died with its worker: the sweep starts it again.
STALE_CHECK = datetime.timedelta(minutes=30)


def submission_may_make(*, membership: Membership | None, spec: DatasetSpec) -> bool:
    """An officer or designated officer of an organisation of the dataset's owner kind."""
    return bool(
        membership is not None and membership.role in SUBMITTING_ROLES and membership.organisation.kind == spec.owner_kind
    )


def _period_problem(start: datetime.date, end: datetime.date) -> str | None:
    if end < start:
        return "The period must end on or after the day it starts"
    if (end - start).days > 366:
        return "A submission covers at most a year: split it into periods"
    if end > timezone.localdate():
        return "The period must not end in the future"
    return None


def submission_create(
    *, membership: Membership, partnership: Partnership, dataset_code: str, period_start: datetime.date,
    period_end: datetime.date, upload, acting_user: User,
) -> Submission:
    """Store the file and queue its check. ValidationError({field: message}) for what the form
    should show; PermissionDenied when the acting membership may not submit this dataset."""
    if partnership not in membership_partnerships(membership=membership):
        raise PermissionDenied("Your organisation is not a member of that partnership")
    pack = current_protocol_pack(partnership)
    spec = pack_dataset(pack, dataset_code)
    if spec is None:
        raise ValidationError({"dataset": "Choose a dataset of your partnership's protocol"})
    if not submission_may_make(membership=membership, spec=spec):
        raise PermissionDenied("Only the dataset's owning organisation's officers submit it")
    problem = _period_problem(period_start, period_end)
    if problem:
        raise ValidationError({"period_end": problem})
    name = clean_filename(getattr(upload, "name", ""))
    head = upload.read(8)
    upload.seek(0)
    file_format = checking.sniff_format(name, head)
    if getattr(upload, "oversize", False):
        raise ValidationError({"file": f"“{name}” is larger than the limit for a dataset: split it by period"})
    if not getattr(upload, "size", 0):
        raise ValidationError({"file": f"“{name}” is empty"})
    if file_format is None:
        raise ValidationError({"file": f"“{name}” must be a CSV or an Excel (.xlsx) file, as its name says"})
    with transaction.atomic():
        submission = Submission(
            partnership=partnership, organisation=membership.organisation, pack=pack, dataset_code=spec.code,
            period_start=period_start, period_end=period_end, original_name=name, file_format=file_format,
            size_bytes=upload.size, submitted_by=acting_user,
        )
        submission.upload.save(name, upload, save=False)
        submission.save()
        SUBMISSION_LIFECYCLE.record(
            submission, actor=acting_user, organisation=membership.organisation, action="dataset.submitted",
            reasons=f"{spec.name} for {period_start:%d/%m/%Y} to {period_end:%d/%m/%Y} submitted for checking",
            details={"file_format": file_format, "size_bytes": upload.size},
        )
        transaction.on_commit(lambda: enqueue("datasets.check_submission", submission.pk))
    return submission


def _progress_save(submission: Submission, *, rows: int, percent: int) -> None:
    # Autocommit, outside any transaction: the progress page must see it while the check runs.
    Submission.objects.filter(pk=submission.pk).update(
        rows_checked=rows, progress_percent=min(percent, 99), updated_at=timezone.now()
    )


def submission_check(*, submission_id: int) -> Submission | None:
    """Check a received submission (the Celery job). Safe to run twice: only a received
    submission, or one whose check went stale (its worker died), is picked up."""
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(of=("self",)).select_related("pack", "partnership", "organisation")
            .filter(pk=submission_id).first()
        )
        if submission is None:
            return None
        stale = submission.status == SubmissionStatus.CHECKING and submission.updated_at < timezone.now() - STALE_CHECK
        if submission.status != SubmissionStatus.RECEIVED and not stale:
            return submission
        if stale:
            Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now(), rows_checked=0, progress_percent=0)
        else:
            SUBMISSION_LIFECYCLE.transition(
                submission, SubmissionStatus.CHECKING, acting_user=None, organisation=submission.organisation,
                event="dataset.checking", reasons="The background check started",
            )
    spec = pack_dataset(submission.pack, submission.dataset_code)
    staged = tempfile.NamedTemporaryFile("w+", newline="", encoding="utf-8", suffix=".csv", delete=False)  # noqa: SIM115
    try:
        outcome = _check_into(submission, spec, staged)
        staged.close()
        if outcome["failure"] or outcome["problem_count"]:
            _reject(submission, outcome)
        else:
            _accept(submission, outcome, staged.name)
    finally:
        staged.close()
        os.unlink(staged.name)
        stored_file_delete(submission.upload)
        Submission.objects.filter(pk=submission.pk).update(upload="")
    submission.refresh_from_db()
    return submission


def _check_into(submission: Submission, spec: DatasetSpec, staged) -> dict:
    writer = csv.writer(staged)
    outcome = {"failure": "", "problems": [], "problem_count": 0, "rows": 0, "stripped": 0, "coarsened": 0}
    size = max(submission.size_bytes, 1)
    progress = {"bytes": 0, "rows": 0}

    def advance(amount: int) -> None:
        progress["bytes"] += amount

    is_xlsx = submission.file_format == "xlsx"
    try:
        path = submission.upload.path
        rows = checking.rows_of(path, submission.file_format, progress=advance)
        estimate = None
        for checked in checking.check_rows(
            rows, spec, period=(submission.period_start, submission.period_end), xlsx=is_xlsx
        ):
            outcome["rows"] += 1
            outcome["stripped"] += checked.stripped
            if checked.problems:
                outcome["problem_count"] += 1
                if len(outcome["problems"]) < PROBLEMS_KEPT:
                    outcome["problems"].append({"line": checked.line, "reason": "; ".join(checked.problems)})
            elif not outcome["problem_count"]:
                r = checked.record
                writer.writerow([
                    submission.pk, r["occurred_on"].isoformat(), r.get("occurred_at") or "", r["district"],
                    r.get("category", ""), r.get("street", ""), r.get("easting", ""), r.get("northing", ""),
                    json.dumps(r["values"]),
                ])
            if outcome["rows"] % PROGRESS_EVERY_ROWS == 0:
                if is_xlsx:
                    estimate = estimate or max(size // 40, outcome["rows"] + 1)
                    percent = outcome["rows"] * 100 // max(estimate, outcome["rows"] + 1)
                else:
                    percent = progress["bytes"] * 100 // size
                _progress_save(submission, rows=outcome["rows"], percent=percent)
        if hasattr(rows, "close"):
            rows.close()
        if outcome["rows"] == 0:
            outcome["failure"] = "The file has no rows under its header."
    except checking.FileRefused as refused:
        outcome["failure"] = str(refused)
    except (OSError, UnicodeError, ValueError):
        logger.warning("Dataset submission %s could not be read", submission.pk, exc_info=True)
        outcome["failure"] = "The file could not be read. Save it again as “CSV UTF-8” or .xlsx."
    return outcome


def _reject(submission: Submission, outcome: dict) -> None:
    with transaction.atomic():
        submission = Submission.objects.select_for_update(of=("self",)).select_related("pack", "partnership").get(pk=submission.pk)
        submission.failure = outcome["failure"]
        submission.problems = outcome["problems"]
        submission.problem_count = outcome["problem_count"]
        submission.rows_checked = outcome["rows"]
        submission.values_stripped = outcome["stripped"]
        submission.progress_percent = 100
        submission.checked_at = timezone.now()
        reasons = outcome["failure"] or (
            f"{outcome['problem_count']:,} of {outcome['rows']:,} rows refused; nothing was loaded"
        )
        SUBMISSION_LIFECYCLE.transition(
            submission, SubmissionStatus.REJECTED, acting_user=None, organisation=submission.organisation,
            event="dataset.rejected", reasons=reasons,
            details={"rows": outcome["rows"], "rows_refused": outcome["problem_count"], "file_refused": bool(outcome["failure"])},
            update_fields=["failure", "problems", "problem_count", "rows_checked", "values_stripped", "progress_percent", "checked_at"],
        )


COPY_COLUMNS = "submission_id, occurred_on, occurred_at, district, category, street, easting, northing, \"values\""


def _accept(submission: Submission, outcome: dict, staged_path: str) -> None:
    with transaction.atomic():
        submission = Submission.objects.select_for_update(of=("self",)).select_related("pack", "partnership").get(pk=submission.pk)
        with connection.cursor() as cursor, open(staged_path, encoding="utf-8") as staged:
            cursor.cursor.copy_expert(
                f"COPY {DatasetRecord._meta.db_table} ({COPY_COLUMNS}) FROM STDIN WITH (FORMAT csv, NULL '', FORCE_NOT_NULL (category, street))", staged
            )
            # The table names come from the models' meta; every value is a parameter.
            cursor.execute(
                f"""INSERT INTO {AreaCount._meta.db_table} (submission_id, partnership_id, dataset_code, district, category, month, count)
                SELECT %s, %s, %s, district, category, date_trunc('month', occurred_on)::date, count(*)
                FROM {DatasetRecord._meta.db_table} WHERE submission_id = %s
                GROUP BY district, category, date_trunc('month', occurred_on)""",  # noqa: S608
                [submission.pk, submission.partnership_id, submission.dataset_code, submission.pk],
            )
        earlier = list(
            Submission.objects.select_for_update(of=("self",)).select_related("pack", "partnership")
            .filter(
                partnership=submission.partnership_id, organisation=submission.organisation_id,
                dataset_code=submission.dataset_code, period_start=submission.period_start,
                period_end=submission.period_end, status=SubmissionStatus.ACCEPTED,
            ).exclude(pk=submission.pk)
        )
        for old in earlier:
            SUBMISSION_LIFECYCLE.transition(
                old, SubmissionStatus.SUPERSEDED, acting_user=None, organisation=old.organisation,
                event="dataset.superseded", reasons=f"Replaced by {submission.reference} for the same period",
            )
        submission.rows_checked = submission.rows_loaded = outcome["rows"]
        submission.values_stripped = outcome["stripped"]
        submission.progress_percent = 100
        submission.checked_at = timezone.now()
        SUBMISSION_LIFECYCLE.transition(
            submission, SubmissionStatus.ACCEPTED, acting_user=None, organisation=submission.organisation,
            event="dataset.accepted",
            reasons=(
                f"All {outcome['rows']:,} rows passed the checks (columns, no personal data, locations coarsened "
                f"to the {submission.dataset_code} location rule); {outcome['stripped']:,} values stripped"
            ),
            details={"rows": outcome["rows"], "values_stripped": outcome["stripped"], "superseded": [o.reference for o in earlier]},
            update_fields=["rows_checked", "rows_loaded", "values_stripped", "progress_percent", "checked_at"],
        )


def submissions_check_pending() -> int:
    """The sweep for checks a broker outage left unqueued (received submissions) or a dead worker
    left unfinished (checking, with no progress for STALE_CHECK)."""
    stale = Q(status=SubmissionStatus.CHECKING, updated_at__lt=timezone.now() - STALE_CHECK)
    pending = list(
        Submission.objects.filter(Q(status=SubmissionStatus.RECEIVED) | stale).values_list("pk", flat=True)[:100]
    )
    for pk in pending:
        enqueue("datasets.check_submission", pk)
    return len(pending)


# --- Feed tokens (SDP 10) ----------------------------------------------------------------------

FEED_TOKEN_BYTES = 32


def feed_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_token_issue(*, membership: Membership, partnership: Partnership, name: str, acting_user: User) -> tuple[FeedToken, str]:
    """A new token for the partnership's feed: (record, the token, shown once)."""
    if membership.role != Role.ADMIN or membership.partnership_id != partnership.pk:
        raise PermissionDenied("Only the partnership's admins issue feed tokens")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter what will use the token, e.g. the partnership's Power BI workspace"})
    if len(name) > 120:
        raise ValidationError({"name": "The name must be 120 characters or fewer"})
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    with transaction.atomic():
        record = FeedToken.objects.create(
            partnership=partnership, name=name, digest=feed_token_digest(token), prefix=token[:6], created_by=acting_user
        )
        decision_record(
            actor=acting_user, organisation=membership.organisation, action="dataset.feed_token_issued",
            reasons=f"Feed token “{name}” issued for the partnership's anonymised aggregates",
            reference=f"FEED-{record.pk}", partnership=partnership,
        )
    return record, token


def feed_token_revoke(*, membership: Membership, token: FeedToken, acting_user: User) -> FeedToken:
    with transaction.atomic():
        token = FeedToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise ValidationError("This token is already revoked")
        token.revoked_at = timezone.now()
        token.revoked_by = acting_user
        token.save(update_fields=["revoked_at", "revoked_by"])
        decision_record(
            actor=acting_user, organisation=membership.organisation, action="dataset.feed_token_revoked",
            reasons=f"Feed token “{token.name}” revoked", reference=f"FEED-{token.pk}", partnership=token.partnership,
        )
    return token


def feed_token_use(*, token: FeedToken, limit_per_minute: int) -> bool:
    """Count one request against the token's one-minute window; False when over the limit. One
    UPDATE, so concurrent requests from several web processes count alike."""
    now = timezone.now()
    window_start = now - datetime.timedelta(minutes=1)
    restarted = FeedToken.objects.filter(pk=token.pk).filter(
        window_started_at__isnull=True
    ) | FeedToken.objects.filter(pk=token.pk, window_started_at__lt=window_start)
    if restarted.update(window_started_at=now, window_count=1, last_used_at=now):
        return True
    return bool(
        FeedToken.objects.filter(pk=token.pk, window_count__lt=limit_per_minute).update(
            window_count=F("window_count") + 1, last_used_at=now
        )
    )
