from django.apps import AppConfig


class SharingConfig(AppConfig):
    """Disclosure requests, checklist answers, flowchart runs, releases, disputes (DOMAIN.md §4)."""

    name = "sharing"
    default_auto_field = "django.db.models.BigAutoField"
