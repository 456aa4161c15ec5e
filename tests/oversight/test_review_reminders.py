"""Review reminders (issue 12; SSP 17, SDP 13): the admin and the designated officers are told 60
and 14 days before the pack's review date and when it has passed, once each, by the daily beat
job through the notifications outbox — checked in-process and with a real worker."""
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from oversight.models import ReviewReminder
from oversight.services import review_reminders_send
from portal.models import Notification, ProtocolPack
from portal.roles import Role
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.sharing.factories import stockport_pack
from tests.workers import celery_worker_process  # noqa: F401  (fixture)


def review_in(pack, days):
    ProtocolPack.objects.filter(pk=pack.pk).update(review_date=timezone.localdate() + timedelta(days=days))


@pytest.fixture
def people(db):
    pack = stockport_pack()
    council = OrganisationFactory(name="Stockport Council")
    admin = MembershipFactory(organisation=council, role=Role.ADMIN)
    do = MembershipFactory(organisation=council, role=Role.DESIGNATED_OFFICER)
    MembershipFactory(organisation=council)  # an officer: not told
    return pack, {admin.user.email, do.user.email}


@pytest.mark.django_db
def test_each_reminder_goes_once_to_the_admin_and_designated_officers(people):
    pack, emails = people
    review_in(pack, 61)
    assert review_reminders_send() == 0
    review_in(pack, 60)
    assert review_reminders_send() == 1
    assert review_reminders_send() == 0  # the next day's run: nothing new
    sent = Notification.objects.order_by("pk")
    assert {n.recipient.email for n in sent} == emails
    assert {n.subject for n in sent} == {"The Safer Stockport Partnership protocol is due for review in 60 days"}
    review_in(pack, 14)
    assert review_reminders_send() == 1
    review_in(pack, 0)
    assert review_reminders_send() == 0  # the review date itself has not passed yet
    review_in(pack, -1)
    assert review_reminders_send() == 1 and review_reminders_send() == 0
    assert Notification.objects.count() == 6
    assert list(Notification.objects.values_list("subject", flat=True).distinct().order_by("subject")) == [
        "The Safer Stockport Partnership protocol is due for review in 14 days",
        "The Safer Stockport Partnership protocol is due for review in 60 days",
        "The Safer Stockport Partnership protocol's review date has passed",
    ]


@pytest.mark.django_db
def test_a_pack_loaded_close_to_its_review_gets_only_the_latest_reminder(people):
    pack, _ = people
    review_in(pack, 10)
    assert review_reminders_send() == 1
    assert Notification.objects.count() == 2
    assert set(ReviewReminder.objects.values_list("kind", "covered")) == {("60_days", True), ("14_days", False)}


def test_the_reminders_run_daily_on_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["protocol-review-reminders"]
    assert entry["task"] == "oversight.review_reminders"
    assert entry["schedule"].hour == {7}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_job_on_a_real_worker_sends_the_emails_once(celery_worker_process):  # noqa: F811
    from portal.celery import app

    pack = stockport_pack()
    council = OrganisationFactory(name="Stockport Council")
    admin = MembershipFactory(organisation=council, role=Role.ADMIN)
    do = MembershipFactory(organisation=council, role=Role.DESIGNATED_OFFICER)
    review_in(pack, 60)
    entry = settings.CELERY_BEAT_SCHEDULE["protocol-review-reminders"]
    # What beat does at 07:10: send the task by name, to the default queue. The worker consumes
    # it, and the sending of the notifications the task writes, which the worker itself queues
    # after commit, comes back to the same queue (no routes are set; tests/workers.py).
    assert not settings.__dict__.get("CELERY_TASK_ROUTES")
    app.send_task(entry["task"], **entry.get("options", {}))
    assert len(celery_worker_process.wait_for_mail(count=2)) == 2  # the admin and the designated officer
    app.send_task(entry["task"])  # beat again the next day: nothing more
    review_in(pack, 14)
    app.send_task(entry["task"])
    messages = celery_worker_process.wait_for_mail(count=4)
    app.send_task(entry["task"])  # and again: each reminder went once
    time.sleep(3)
    messages = celery_worker_process.wait_for_mail(count=4)
    assert ReviewReminder.objects.filter(covered=False).count() == 2
    assert len(messages) == 4
    text = "\n".join(messages)
    assert text.count("due for review in 60 days") >= 2 and text.count("due for review in 14 days") >= 2
    assert admin.user.email in text and do.user.email in text
    assert "safer-stockport@2020" in text
