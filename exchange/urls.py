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

urlpatterns += [
    path("distributions/", views.distributions, name="distributions"),
    path("distributions/new/", views.distribution_new, name="distribution_new"),
    path("distributions/<int:pk>/", views.distribution_detail, name="distribution_detail"),
    path("distributions/<int:pk>/recipients/", views.distribution_recipient_add, name="distribution_recipient_add"),
    path("distributions/<int:pk>/issues/", views.distribution_issue_upload, name="distribution_issue_upload"),
    path("distributions/issues/<int:pk>/", views.issue, name="issue"),
    path("distributions/issues/<int:pk>/acknowledge/", views.issue_acknowledge, name="issue_acknowledge"),
    path("distributions/issues/<int:pk>/download/", views.issue_download, name="issue_download"),
]
