from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Partnership oversight: monitoring reports (SSP 16), protocol review and new versions (SSP 17, SDP 13), the signatory register (SDP 4.5, Appendix 2)."""

    name = "oversight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oversight.roles import REPORT_ROLES
        from oversight.sections import register_sections
        from portal.navigation import register_nav_item
        from portal.roles import Role

        register_sections()

        from oversight.events import DECISION_EVENTS
        from portal.accountability.registry import register_decision_events

        register_decision_events(DECISION_EVENTS)

        from oversight.selectors import signatory_sharing_blocks
        from portal.sharing_conditions import register_sharing_condition

        register_sharing_condition(signatory_sharing_blocks)
        register_nav_item(
            label="Protocol versions",
            url_name="oversight:versions",
            roles={Role.ADMIN},
            active_prefixes=("oversight:version",),
            order=83,
        )
        register_nav_item(
            label="Signatories", url_name="oversight:signatories", roles={Role.ADMIN}, active_prefixes=("oversight:signatories",), order=82
        )
        register_nav_item(
            label="Reports", url_name="oversight:reports", roles=REPORT_ROLES, active_prefixes=("oversight:report",), order=84
        )
