from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Exchange with partner systems and people: the partner API, webhooks, recurring marked distributions, shared case workspaces."""

    name = "exchange"
    default_auto_field = "django.db.models.BigAutoField"
