from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Accountability cases: breaches (SDP 8), non-compliance and suspension (SSP 13), complaints (SSP 12), data-subject rights (SDP 9)."""

    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"
