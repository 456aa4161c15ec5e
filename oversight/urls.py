"""URLs of `oversight`. Every pattern here must appear in tests/test_authorization_matrix.py."""
from django.urls import path

from oversight import views

app_name = "oversight"

urlpatterns: list = [
    path("reports/", views.reports, name="reports"),
    path("reports/<slug:table>.csv", views.report_csv, name="report_csv"),
    path("reports/report.pdf", views.report_pdf_export, name="report_pdf"),
]
