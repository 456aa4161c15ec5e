from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Accountability cases: breaches (SDP 8), non-compliance and suspension (SSP 13), complaints (SSP 12), data-subject rights (SDP 9)."""

    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from governance.events import DECISION_EVENTS
        from portal.accountability.registry import register_decision_events

        register_decision_events(DECISION_EVENTS)

        from governance.roles import CASE_READERS
        from portal.navigation import register_nav_item

        register_nav_item(
            label="Non-compliance",
            url_name="governance:noncompliance_list",
            roles=set(CASE_READERS),
            active_prefixes=("governance:noncompliance", "governance:suspension"),
            order=70,
        )

        from governance.waiting import noncompliance_waiting
        from portal.waiting import register_waiting_source

        register_waiting_source(noncompliance_waiting)
