"""The meetings app's part of "What is waiting for me" on the home page (portal/waiting.py):
the visitor's meetings today, as one count."""
from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from meetings.models import MeetingStatus
from meetings.selectors import visible_meetings
from portal.roles import Role
from portal.waiting import Waiting


def meetings_today_waiting(*, user, membership) -> list[Waiting]:
    if membership.role not in (Role.CHAIR, Role.OFFICER, Role.DESIGNATED_OFFICER):
        return []
    today = timezone.localdate()
    count = visible_meetings(user=user).filter(starts_at__date=today).exclude(status=MeetingStatus.CLOSED).count()
    return [Waiting("Meetings today", count, f"{reverse('meetings:list')}?on={today.isoformat()}", 60)]
