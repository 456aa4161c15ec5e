from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    """Depersonalised datasets (SDP Appendix 1): specifications, submissions, disclosure control, hotspots and the anonymised feed."""

    name = "datasets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from datasets.demo import datasets_demo_load
        from portal.accountability.registry import register_decision_events
        from portal.demo.registry import register_demo_loader
        from portal.navigation import register_nav_item

        register_demo_loader("Datasets", datasets_demo_load)
        from portal.roles import Role

        register_nav_item(label="Datasets", url_name="datasets:index", roles=set(Role), active_prefixes=("datasets:",), order=75)

        register_decision_events(
            {
                "dataset.submitted": "Dataset submitted",
                "dataset.checking": "Dataset check started",
                "dataset.accepted": "Dataset accepted",
                "dataset.rejected": "Dataset refused",
                "dataset.superseded": "Dataset superseded",
                "dataset.feed_token_issued": "Feed token issued",
                "dataset.feed_token_revoked": "Feed token revoked",
            }
        )
