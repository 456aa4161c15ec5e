"""URLs of `exchange`. Every pattern here must appear in tests/test_authorization_matrix.py."""
from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("api-clients/", views.clients, name="clients"),
    path("api-clients/new/", views.client_new, name="client_new"),
    path("api-clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("api-clients/<int:pk>/rotate/", views.client_rotate, name="client_rotate"),
    path("api-clients/<int:pk>/revoke/", views.client_revoke, name="client_revoke"),
]
