from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Accountability cases: breaches (SDP 8), non-compliance and suspension (SSP 13), complaints (SSP 12), data-subject rights (SDP 9)."""

    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Breaches (SDP 8).
        from governance.demo import breaches_demo_load
        from governance.services.breaches import DECISION_EVENTS as BREACH_EVENTS
        from governance.waiting import breaches_waiting
        from portal.accountability.registry import register_decision_events
        from portal.demo.registry import register_demo_loader
        from portal.navigation import register_nav_item
        from portal.roles import Role
        from portal.waiting import register_waiting_source

        register_decision_events(BREACH_EVENTS)
        register_nav_item(
            label="Breaches",
            url_name="governance:breach_list",
            roles={Role.DPO, Role.OFFICER, Role.DESIGNATED_OFFICER},
            active_prefixes=("governance:breach",),
            order=40,
        )
        register_waiting_source(breaches_waiting)
        register_demo_loader("Breaches", breaches_demo_load)

        # Non-compliance and suspension (SSP 13).
        from governance.events import DECISION_EVENTS

        register_decision_events(DECISION_EVENTS)

        from governance.roles import CASE_READERS

        register_nav_item(
            label="Non-compliance",
            url_name="governance:noncompliance_list",
            roles=set(CASE_READERS),
            active_prefixes=("governance:noncompliance", "governance:suspension"),
            order=70,
        )

        from governance.waiting import noncompliance_waiting

        register_waiting_source(noncompliance_waiting)
        # Complaints (SSP 12).
        from governance.services.complaints import DECISION_EVENTS as COMPLAINT_EVENTS
        from governance.waiting import complaints_waiting

        register_decision_events(COMPLAINT_EVENTS)
        register_waiting_source(complaints_waiting)
        from governance.demo import complaints_demo_load

        register_demo_loader("Complaints", complaints_demo_load)
        register_nav_item(
            label="Complaints",
            url_name="governance:complaint_list",
            roles={Role.DPO, Role.DESIGNATED_OFFICER},
            active_prefixes=("governance:complaint",),
            order=41,
        )

        # Data-subject rights (SDP 9).
        from governance.waiting import rights_waiting

        register_nav_item(
            label="Rights requests",
            url_name="governance:rights_list",
            roles={Role.DPO},
            active_prefixes=("governance:rights",),
            order=45,
        )
        register_waiting_source(rights_waiting)
        register_nav_item(
            label="Rights cases",
            url_name="governance:rights_audit_list",
            roles={Role.AUDITOR},
            active_prefixes=("governance:rights_audit",),
            order=46,
        )

        from governance.demo import rights_demo_load

        register_demo_loader("Rights requests", rights_demo_load)

        # Rights, non-compliance and suspension cases under retention (governance/retention.py).
        from governance.retention import retention_register

        retention_register()

        from governance.selectors.rights import restrictions_standing_for
        from portal.restrictions import register_processing_restriction_check

        register_processing_restriction_check(restrictions_standing_for)
