from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    """Depersonalised datasets (SDP Appendix 1): specifications, submissions, disclosure control, hotspots and the anonymised feed."""

    name = "datasets"
    default_auto_field = "django.db.models.BigAutoField"
