"""URLs of `datasets`. Every pattern here must appear in tests/test_authorization_matrix.py."""
app_name = "datasets"

urlpatterns: list = []
