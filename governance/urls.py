"""URLs of `governance`. Every pattern here must appear in tests/test_authorization_matrix.py."""
app_name = "governance"

urlpatterns: list = []
