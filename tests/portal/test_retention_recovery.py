"""A destruction run whose worker died is closed as abandoned by the beat's recovery check
(issue 19 item 5; portal.retention.services.destruction_runs_recover), and only then: a run whose
worker is still at it (holding the run's advisory lock in its database session) is left alone
however long it takes, and so is a run younger than PORTAL_RETENTION_RUN_ABANDONED_AFTER. Closing
is recorded on the run, decision-logged once and shown on the retention pages.

The worker here is a thread with its own database session: closing that session without finishing
the run is what SIGKILL does to a worker (tests/portal/test_retention_worker.py kills a real one)."""
from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.models import DecisionLogEntry, DestructionRun
from portal.retention import services
from tests.portal.test_retention_views import text, w  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def in_other_session(fn):
    """fn() in a thread, on a database session of its own that ends (closes) afterwards."""
    outcome = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as error:  # noqa: BLE001  (re-raised in the test)
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def age(run: DestructionRun, *, seconds: int) -> None:
    DestructionRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - datetime.timedelta(seconds=seconds))


def test_only_a_run_whose_worker_is_gone_is_closed_as_abandoned_once_and_shown(w, settings):  # noqa: F811
    settings.PORTAL_RETENTION_RUN_ABANDONED_AFTER = 600
    live = services._run_start(DestructionRun.Trigger.SCHEDULE)  # this session is its worker, still going
    dead = in_other_session(lambda: services._run_start(DestructionRun.Trigger.SCHEDULE))  # its session ended
    recent = in_other_session(lambda: services._run_start(DestructionRun.Trigger.COMMAND))
    DestructionRun.objects.filter(pk=dead.pk).update(destroyed_count=42)
    age(live, seconds=3600)
    age(dead, seconds=11 * 60)
    age(recent, seconds=60)

    closed = in_other_session(services.destruction_runs_recover)

    assert [run.pk for run in closed] == [dead.pk]
    assert in_other_session(services.destruction_runs_recover) == []  # closed once, not again
    for run in (live, dead, recent):
        run.refresh_from_db()
    assert dead.abandoned_at is not None and dead.finished_at is None and dead.destroyed_count == 42
    assert live.abandoned_at is None and recent.abandoned_at is None
    entries = list(DecisionLogEntry.objects.filter(action="retention.run_abandoned"))
    assert [e.details["run"] for e in entries] == [dead.pk]
    assert entries[0].reference == f"Destruction run {dead.pk}"
    assert "42 records" in entries[0].reasons and "11 minutes" in entries[0].reasons

    admin = w.client("admin")
    runs = text(admin.get(reverse("portal:retention_runs")))
    assert f"Run {dead.pk}" in runs and "Abandoned" in runs
    page = text(admin.get(reverse("portal:retention_run", args=[dead.pk])))
    assert "Abandoned" in page and "its worker stopped before it finished" in page

    services._run_release(live)  # the live worker stops too: now its run is abandoned as well
    assert [run.pk for run in in_other_session(services.destruction_runs_recover)] == [live.pk]


def test_the_recovery_check_runs_every_ten_minutes_on_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["retention-recover-abandoned-runs"]
    assert entry["task"] == "portal.retention_recover" and entry["schedule"] == 600.0
    assert settings.PORTAL_RETENTION_RUN_ABANDONED_AFTER == 600
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 1800
