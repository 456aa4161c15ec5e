"""Celery tasks of the datasets app. Tasks only call services."""
from celery import shared_task

from datasets.services import submission_check, submissions_check_pending


@shared_task(name="datasets.check_submission")
def check_submission(submission_id: int) -> str:
    """Check one received submission; its page shows the progress."""
    submission = submission_check(submission_id=submission_id)
    return submission.status if submission else "missing"


@shared_task(name="datasets.check_submissions_sweep")
def check_submissions_sweep() -> int:
    """Every quarter hour: queue the checks a broker outage left unqueued."""
    return submissions_check_pending()
