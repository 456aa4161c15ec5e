from django.apps import AppConfig


class SharingConfig(AppConfig):
    """Disclosure requests, checklist answers, flowchart runs, releases, disputes (DOMAIN.md §4)."""

    name = "sharing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.accountability.registry import register_decision_events
        from sharing.events import DECISION_EVENTS

        register_decision_events(DECISION_EVENTS)

        from portal.navigation import register_nav_item
        from portal.roles import Role

        officers = {Role.OFFICER, Role.DESIGNATED_OFFICER}
        register_nav_item(label="Inbox", url_name="sharing:inbox", roles=officers, order=10)
        register_nav_item(label="My requests", url_name="sharing:my_requests", roles=officers, order=20)
        register_nav_item(
            label="Designated officer's queue",
            url_name="sharing:designated_queue",
            roles={Role.DESIGNATED_OFFICER},
            order=25,
        )

        # The home page's "What is waiting for me" (portal/waiting.py).
        from portal.waiting import register_waiting_source
        from sharing.waiting import requests_waiting

        register_waiting_source(requests_waiting)

        # Consent: a withdrawn consent flags the open requests relying on it, and
        # officers may record consent for the subjects of the requests they can see.
        from consent.signals_registry import register_subject_source, register_withdrawal_listener
        from sharing.selectors import request_subjects_visible_to
        from sharing.services.withdrawal import consent_withdrawal_flag

        register_withdrawal_listener(consent_withdrawal_flag)
        register_subject_source(request_subjects_visible_to)

        from portal.demo.registry import register_demo_loader
        from sharing.demo import (
            sharing_basis_demo_load,
            sharing_demo_load,
            sharing_partnerships_demo_load,
            sharing_retention_demo_load,
        )

        register_demo_loader("Disclosure requests", sharing_demo_load)

        # An officer whose role ends hands on their open requests (their need-to-know ends with it).
        from portal.services.accounts import register_membership_end_listener
        from sharing.services.membership import open_work_flag_on_membership_end

        register_membership_end_listener(open_work_flag_on_membership_end)
        register_demo_loader("Consent relied on, public-interest overrides", sharing_basis_demo_load)
        register_demo_loader("Retention review dates", sharing_retention_demo_load)
        register_demo_loader("Two partnerships", sharing_partnerships_demo_load)

        # Retention: each organisation's copies of a request follow its own policy.
        from portal.retention.registry import register_retention_content
        from sharing.retention import (
            CONTENT_TYPE,
            disclosure_request_path,
            disclosure_requests_backfill,
            disclosure_requests_in_use,
            disclosure_requests_purge,
        )

        register_retention_content(
            content_type=CONTENT_TYPE,
            label="Disclosure request",
            purge=disclosure_requests_purge,
            link=disclosure_request_path,
            backfill=disclosure_requests_backfill,
            in_use=disclosure_requests_in_use,
        )
