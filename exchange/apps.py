from django.apps import AppConfig

DECISION_EVENTS = {
    "api_client.registered": "Partner API client registered",
    "api_client.key_rotated": "Partner API client's key rotated",
    "api_client.revoked": "Partner API client revoked",
    "distribution.created": "Marked distribution set up",
    "distribution.recipient_added": "Marked distribution: recipient added",
    "distribution.role_recipient_added": "Marked distribution: recipient role added",
    "distribution.issued": "Marked distribution: issue sent",
    "distribution.acknowledged": "Marked distribution: handling rules acknowledged",
    "cohort.created": "Shared case workspace set up",
    "cohort.member_added": "Shared case workspace: member added",
    "cohort.member_ended": "Shared case workspace: member's access ended",
    "cohort.person_added": "Shared case workspace: person added to the cohort",
    "cohort.person_left": "Shared case workspace: person left the programme",
}


class ExchangeConfig(AppConfig):
    """Exchange with partner systems and people: the partner API, webhooks, recurring marked distributions, shared case workspaces."""

    name = "exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.accountability.registry import register_decision_events

        register_decision_events(DECISION_EVENTS)

        from portal.navigation import register_nav_item
        from portal.roles import Role

        register_nav_item(label="API clients", url_name="exchange:clients", roles={Role.ADMIN}, order=90)

        # Webhooks: a request's change of state is told to the partner systems of its two
        # organisations (exchange/webhooks.py), in the transaction of the change.
        from django.db.models.signals import post_save

        from exchange.webhooks import request_state_changed
        from sharing.models import DisclosureRequest

        post_save.connect(request_state_changed, sender=DisclosureRequest, dispatch_uid="exchange-webhooks")

        from exchange.retention import CONTENT_TYPE, distribution_issue_path, distribution_issues_purge
        from portal.retention.registry import register_retention_content

        register_retention_content(
            content_type=CONTENT_TYPE, label="Distribution issue", purge=distribution_issues_purge,
            link=distribution_issue_path,
        )
        officers = {Role.OFFICER, Role.DESIGNATED_OFFICER}
        register_nav_item(label="Distributions", url_name="exchange:distributions",
                          roles=officers | {Role.DPO, Role.CHAIR}, order=60)

        from exchange.retention import COHORT_CONTENT_TYPE, cohort_people_purge, cohort_person_path

        register_retention_content(
            content_type=COHORT_CONTENT_TYPE, label="Cohort workspace person", purge=cohort_people_purge,
            link=cohort_person_path,
        )
        register_nav_item(label="Cohorts", url_name="exchange:cohorts", roles=officers, order=61)

        # The cohort list and entries at the forum's meetings, instead of papers (issue 14).
        from exchange.meeting_panel import cohort_meeting_panel
        from meetings.panels import register_meeting_panel

        register_meeting_panel(cohort_meeting_panel)
