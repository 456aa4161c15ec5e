from django.apps import AppConfig


class ConsentConfig(AppConfig):
    """Consent records and whether consent covers a disclosure (SSP 6, Appendix 5)."""

    name = "consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which are not loaded until
        # the app registry is ready (AppConfig.ready is the one place Django allows it).
        from consent.events import DECISION_EVENTS
        from portal.accountability.registry import register_decision_events

        register_decision_events(DECISION_EVENTS)

        from portal.navigation import register_nav_item
        from portal.roles import Role

        register_nav_item(
            label="Consent",
            url_name="consent:list",
            roles={Role.OFFICER, Role.DESIGNATED_OFFICER},
            active_prefixes=("consent:",),
            order=30,
        )

        from consent.demo import consent_demo_load
        from portal.demo.registry import register_demo_loader

        # Registered before sharing's loader (consent is above sharing in INSTALLED_APPS), so the
        # demo consent exists when sharing's demo releases a request relying on it.
        register_demo_loader("Consent records", consent_demo_load)

        from consent.retention import CONTENT_TYPE, consent_record_path, consent_records_backfill, consent_records_purge
        from portal.retention.registry import register_retention_content

        register_retention_content(
            content_type=CONTENT_TYPE,
            label="Consent record",
            purge=consent_records_purge,
            link=consent_record_path,
            backfill=consent_records_backfill,
        )
