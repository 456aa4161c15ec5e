from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The core: people, organisations, roles, protocol packs, accountability, shared UI."""

    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # In ready(), as Django requires: the signals module imports models, not loaded before now.
        from portal.auth import signals  # noqa: F401  (connects the session tracker)
