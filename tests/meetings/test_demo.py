"""meetings/demo.py: the demo MARAC meeting, loaded twice."""

import pytest

from meetings.demo import DEMO_TITLE, meetings_demo_load
from meetings.models import Meeting, MeetingStatus
from portal.demo.services import demo_partnership_load
from portal.models import DecisionLogEntry

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_marac_meeting_with_attendees_and_papers_and_loads_twice(settings):
    assert meetings_demo_load() is None  # nothing to build on yet
    demo_partnership_load()
    meeting = meetings_demo_load()
    assert meeting.title == DEMO_TITLE and meeting.status == MeetingStatus.PLANNED
    assert meeting.forum.code == "marac" and meeting.chair.username == "chair"
    assert meeting.marking.code == "restricted"
    attendees = list(meeting.attendees.select_related("user"))
    assert {a.user.username for a in attendees if a.user} >= {"chair", "officer.police", "do.council"}
    assert [a.name for a in attendees if not a.user] == ["Alex Morgan"]
    assert [a.user.username for a in attendees if a.signed_for(meeting)] == ["officer.police"]
    papers = list(meeting.papers.all())
    assert {p.content_type for p in papers} == {"application/pdf", "image/png"}
    assert all((settings.MEDIA_ROOT / p.file.name).exists() for p in papers)
    log_count = DecisionLogEntry.objects.count()
    assert meetings_demo_load() == meeting
    assert Meeting.objects.count() == 1 and meeting.papers.count() == 2
    assert DecisionLogEntry.objects.count() == log_count
