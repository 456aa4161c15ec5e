from django.apps import AppConfig


class SharingConfig(AppConfig):
    """Disclosure requests, checklist answers, flowchart runs, releases, disputes (DOMAIN.md §4)."""

    name = "sharing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.accountability.registry import register_decision_events

        from sharing.events import DECISION_EVENTS

        register_decision_events(DECISION_EVENTS)
