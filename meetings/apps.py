from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """Forums, meetings, signing-in and meeting papers (SSP 7, Appendix 6; SDP 5.1)."""

    name = "meetings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which are not loaded until
        # the app registry is ready (AppConfig.ready is the one place Django allows it).
        from meetings.events import DECISION_EVENTS
        from portal.accountability.registry import register_decision_events

        register_decision_events(DECISION_EVENTS)

        from portal.navigation import register_nav_item
        from portal.roles import Role

        register_nav_item(
            label="Meetings",
            url_name="meetings:list",
            roles={Role.CHAIR, Role.OFFICER, Role.DESIGNATED_OFFICER},
            active_prefixes=("meetings:",),
            order=30,
        )

        # The home page's "What is waiting for me" (portal/waiting.py): meetings today.
        from meetings.waiting import meetings_today_waiting
        from portal.waiting import register_waiting_source

        register_waiting_source(meetings_today_waiting)

        from meetings.demo import meetings_demo_summary
        from portal.demo.registry import register_demo_loader

        register_demo_loader("Meetings", meetings_demo_summary)

        # Retention: papers are held copies, destroyed through the retention engine.
        from meetings.retention import (
            AGENDA_CONTENT_TYPE,
            CONTENT_TYPE,
            agenda_item_path,
            agenda_items_purge,
            meeting_paper_path,
            meeting_papers_purge,
        )
        from portal.retention.registry import register_retention_content

        register_retention_content(
            content_type=CONTENT_TYPE, label="Meeting paper", purge=meeting_papers_purge, link=meeting_paper_path
        )
        register_retention_content(
            content_type=AGENDA_CONTENT_TYPE, label="Case discussed at a meeting", purge=agenda_items_purge, link=agenda_item_path
        )
