from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """Forums, meetings, signing-in and meeting papers (SSP 7, Appendix 6; SDP 5.1)."""

    name = "meetings"
    default_auto_field = "django.db.models.BigAutoField"
