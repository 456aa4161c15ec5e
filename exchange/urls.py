"""URLs of `exchange`. Every pattern here must appear in tests/test_authorization_matrix.py."""
app_name = "exchange"

urlpatterns: list = []
