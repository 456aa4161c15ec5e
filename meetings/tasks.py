"""Celery tasks of meetings. Tasks only call services (meetings.services)."""

from celery import shared_task

from meetings.services import meeting_papers_destroy, meetings_papers_sweep


@shared_task(name="meetings.destroy_papers", acks_late=True)
def destroy_papers(meeting_id: int) -> int:
    """SDP 5.1: destroy the papers of a closed meeting. Idempotent; finishes a run that crashed."""
    return meeting_papers_destroy(meeting_id=meeting_id)


@shared_task(name="meetings.destroy_papers_sweep")
def destroy_papers_sweep() -> int:
    """Periodic: finish the destruction for any closed meeting that still holds papers."""
    return meetings_papers_sweep()
