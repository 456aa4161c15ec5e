"""URLs of `oversight`. Every pattern here must appear in tests/test_authorization_matrix.py."""
from django.urls import path

from oversight import views, views_versions

app_name = "oversight"

urlpatterns: list = [
    path("reports/", views.reports, name="reports"),
    path("reports/<slug:table>.csv", views.report_csv, name="report_csv"),
    path("reports/report.pdf", views.report_pdf_export, name="report_pdf"),
    path("versions/", views_versions.versions, name="versions"),
    path("versions/<int:pk>/", views_versions.version, name="version"),
    path("versions/<int:pk>/approve/", views_versions.version_approve, name="version_approve"),
    path("versions/<int:pk>/withdraw/", views_versions.version_withdraw, name="version_withdraw"),
    path("signatories/", views_versions.signatories, name="signatories"),
    path("signatories/sign/", views_versions.signature, name="signature"),
    path("signatories/<int:org_pk>/form.pdf", views_versions.signature_form_pdf, name="signature_form_pdf"),
    path("versions/<int:pk>/changes/", views_versions.version_changes, name="version_changes"),
]
