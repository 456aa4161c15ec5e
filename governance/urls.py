"""URLs of `governance`. Every pattern here must appear in tests/test_authorization_matrix.py."""
from django.urls import path

from governance.views import breaches, complaints

app_name = "governance"

urlpatterns: list = [
    path("breaches/", breaches.breach_list, name="breach_list"),
    path("breaches/report/", breaches.breach_report, name="breach_report"),
    path("breaches/<int:pk>/", breaches.breach_detail, name="breach_detail"),
    path("breaches/<int:pk>/reported/", breaches.breach_reported, name="breach_reported"),
    path("breaches/<int:pk>/ico/", breaches.breach_ico, name="breach_ico"),
    path("breaches/<int:pk>/investigation/", breaches.breach_investigation, name="breach_investigation"),
    path("breaches/<int:pk>/summary/", breaches.breach_summary, name="breach_summary"),
    path("breaches/<int:pk>/lessons/", breaches.breach_lessons, name="breach_lessons"),
    path("breaches/<int:pk>/close/", breaches.breach_close, name="breach_close"),
    path("breaches/<int:pk>/closed/", breaches.breach_closed, name="breach_closed"),
    path("complaints/", complaints.complaint_list, name="complaint_list"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/part/", complaints.complaint_part, name="complaint_part"),
    path("complaints/<int:pk>/outcome/", complaints.complaint_outcome, name="complaint_outcome"),
    path("complaints/<int:pk>/closed/", complaints.complaint_closed, name="complaint_closed"),
]
