"""URLs of the partner API, version 1 (mounted at /api/v1/ by the root URLconf, namespace
"api-v1"). Every pattern is in the API's own matrix, tests/exchange/test_api_matrix.py."""
from exchange.api import api

urlpatterns = api.urls[0]
app_name = "api-v1"
