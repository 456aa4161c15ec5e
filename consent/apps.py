from django.apps import AppConfig


class ConsentConfig(AppConfig):
    """Consent records and whether consent covers a disclosure (SSP 6, Appendix 5)."""

    name = "consent"
    default_auto_field = "django.db.models.BigAutoField"
