from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Partnership oversight: monitoring reports (SSP 16), protocol review and new versions (SSP 17, SDP 13), the signatory register (SDP 4.5, Appendix 2)."""

    name = "oversight"
    default_auto_field = "django.db.models.BigAutoField"
