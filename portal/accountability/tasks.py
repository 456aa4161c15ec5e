"""Celery tasks of the accountability logs (listed in CELERY_IMPORTS: autodiscovery finds only
an app's top-level `tasks` module). Tasks only call services."""
import logging

from celery import shared_task

from portal.accountability.services import (
    decision_log_anchor_daily,
    decision_log_verification_daily,
    decision_log_verification_resume,
    decision_log_verification_work,
)

logger = logging.getLogger(__name__)


@shared_task(name="portal.decision_log_anchor")
def decision_log_anchor() -> int:
    """Daily: anchor the decision log's head (count, id, hash) so a later cut of its tail is
    caught. A log that no longer reaches the last anchor is reported, and not anchored."""
    report = decision_log_anchor_daily()
    if not report.intact:
        logger.error("Decision log broken at entry %s: %s", report.first_broken_id, report.problem)
    return report.count


@shared_task(name="portal.decision_log_verification_work")
def decision_log_verification_work_task(run_id: int) -> bool:
    """One worker's share of a verification run (several run side by side)."""
    return decision_log_verification_work(run_id=run_id)


@shared_task(name="portal.decision_log_verify_daily")
def decision_log_verify_daily() -> int:
    """Nightly: a whole verification run, off any web request."""
    return decision_log_verification_daily().pk


@shared_task(name="portal.decision_log_verification_resume")
def decision_log_verification_resume_task() -> list[int]:
    """Every few minutes: runs whose worker died (or was never reached) are queued again."""
    return decision_log_verification_resume()
