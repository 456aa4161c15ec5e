"""A real Celery worker destroys a closed meeting's papers (SDP 5.1), off the request and after
commit; running it again changes nothing; a run that crashed half-way is finished by the next.

Needs Redis: `export REDIS_URL=redis://127.0.0.1:6379/5` (skipped without it)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from meetings import services
from meetings.models import Paper
from meetings.tasks import destroy_papers
from portal.models import DecisionLogEntry, HeldCopy
from tests.meetings.factories import meeting_make, upload
from tests.workers import celery_worker_process  # noqa: F401  (fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


def wait_until_destroyed(worker, meeting) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if not Paper.objects.filter(meeting=meeting, destroyed_at__isnull=True).exists():
            return
        if worker.process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"The worker did not destroy the papers within {TIMEOUT}s. Worker log:\n{worker.log()}")


def destruction_log(meeting) -> list[DecisionLogEntry]:
    return list(DecisionLogEntry.objects.filter(reference=meeting.reference, action="retention.destroyed"))


def destroyed_paper_ids(entries) -> list[int]:
    copies = [entry.details["copy"] for entry in entries]
    return sorted(HeldCopy.objects.filter(pk__in=copies, content_type="meetings.paper").values_list("content_id", flat=True))


def close(world, meeting):
    chair = world.m.chair
    return services.meeting_close(meeting=meeting, acting_user=chair.user, acting_membership=chair)


def test_a_real_worker_destroys_the_papers_at_close_once(world, celery_worker_process):  # noqa: F811
    meeting = world.meeting
    papers = [upload(meeting, world.m.chair, name=f"paper-{n}.pdf") for n in range(3)]
    papers.append(upload(meeting, world.m.chair, name="photo.png"))
    paths = [settings.MEDIA_ROOT / paper.file.name for paper in papers]
    assert all(path.exists() for path in paths)

    close(world, meeting)  # commits; the task goes to the worker after commit
    wait_until_destroyed(celery_worker_process, meeting)

    assert not any(path.exists() for path in paths)
    for paper in Paper.objects.filter(meeting=meeting):
        assert paper.destroyed_at is not None and not paper.file
        assert paper.original_name and paper.size > 0 and paper.uploaded_by_id == world.chair.pk  # the tombstone
    entries = destruction_log(meeting)
    assert len(entries) == len(papers) and destroyed_paper_ids(entries) == sorted(paper.pk for paper in papers)

    # Running the task again changes nothing. Tasks run one at a time, in order, so once a later
    # meeting's papers are destroyed, the repeat has run.
    destroy_papers.delay(meeting.pk)
    later = meeting_make(world.m.chair, title="Later")
    upload(later, world.m.chair)
    close(world, later)
    wait_until_destroyed(celery_worker_process, later)
    assert len(destruction_log(meeting)) == len(papers)
    assert len(destruction_log(later)) == 1


def test_a_real_worker_finishes_a_destruction_that_crashed_half_way(world, celery_worker_process, monkeypatch):  # noqa: F811
    meeting = world.meeting
    papers = [upload(meeting, world.m.chair, name=f"paper-{n}.pdf") for n in range(3)]
    paths = [settings.MEDIA_ROOT / paper.file.name for paper in papers]
    # The close commits but its task is lost (the worker died before taking it) ...
    monkeypatch.setattr(services, "_queue_destroy", lambda meeting_id: None)
    close(world, meeting)
    monkeypatch.undo()
    # ... after destroying one paper.
    assert services.paper_destroy(paper_id=papers[0].pk) is True
    assert not paths[0].exists() and paths[1].exists() and paths[2].exists()

    destroy_papers.delay(meeting.pk)
    wait_until_destroyed(celery_worker_process, meeting)

    assert not any(path.exists() for path in paths)
    entries = destruction_log(meeting)
    assert len(entries) == len(papers) and destroyed_paper_ids(entries) == sorted(paper.pk for paper in papers)
