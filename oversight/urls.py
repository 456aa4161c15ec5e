"""URLs of `oversight`. Every pattern here must appear in tests/test_authorization_matrix.py."""
app_name = "oversight"

urlpatterns: list = []
