"""URLs of meetings (namespace `meetings`, mounted at /meetings/). Every pattern is in the
authorization matrix (tests/test_authorization_matrix.py)."""

from meetings.views import urlpatterns as meeting_patterns

app_name = "meetings"

urlpatterns = [*meeting_patterns]
