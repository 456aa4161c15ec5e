"""The decision-log event types of meetings (registered in MeetingsConfig.ready)."""

DECISION_EVENTS = {
    "meeting.marking_set": "Meeting: confidentiality level set",
    "meeting.details_changed": "Meeting: title, time or place changed",
    "meeting.signed_in": "Meeting: attendee signed in",
    "meeting.in_session": "Meeting: signed-in list confirmed, meeting in session",
    "meeting.summary_shared": "Meeting: case summary shared with attendees",
    # Older entries; papers are now destroyed by the retention engine
    # (retention.destroyed, one entry a paper).
    "meeting.paper_destroyed": "Meeting: paper destroyed",
    "meeting.closed": "Meeting closed",
}
