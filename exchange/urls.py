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
    path("distributions/<int:pk>/recipient-roles/", views.distribution_role_recipient_add,
         name="distribution_role_recipient_add"),
    path("distributions/<int:pk>/issues/", views.distribution_issue_upload, name="distribution_issue_upload"),
    path("distributions/issues/<int:pk>/", views.issue, name="issue"),
    path("distributions/issues/<int:pk>/acknowledge/", views.issue_acknowledge, name="issue_acknowledge"),
    path("distributions/issues/<int:pk>/download/", views.issue_download, name="issue_download"),
]

urlpatterns += [
    path("cohorts/", views.cohorts, name="cohorts"),
    path("cohorts/new/", views.cohort_new, name="cohort_new"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:pk>/members/", views.cohort_member_add, name="cohort_member_add"),
    path("cohorts/<int:pk>/members/<int:member_pk>/end/", views.cohort_member_end, name="cohort_member_end"),
    path("cohorts/<int:pk>/people/", views.cohort_person_add, name="cohort_person_add"),
    path("cohorts/<int:pk>/people/<int:person_pk>/entries/", views.cohort_entry_save, name="cohort_entry_save"),
    path("cohorts/<int:pk>/people/<int:person_pk>/leave/", views.cohort_person_leave, name="cohort_person_leave"),
]
