"""URLs of `governance`. Every pattern here must appear in tests/test_authorization_matrix.py."""
from django.urls import path

from governance.views import noncompliance

app_name = "governance"

urlpatterns = [
    path("non-compliance/", noncompliance.noncompliance_list, name="noncompliance_list"),
    path("non-compliance/new/", noncompliance.noncompliance_new, name="noncompliance_new"),
    path("non-compliance/<int:pk>/", noncompliance.noncompliance_detail, name="noncompliance_detail"),
    path("non-compliance/<int:pk>/respond/", noncompliance.noncompliance_respond, name="noncompliance_respond"),
    path("non-compliance/<int:pk>/outcome/", noncompliance.noncompliance_outcome, name="noncompliance_outcome"),
    path("suspensions/new/", noncompliance.suspension_new, name="suspension_new"),
    path("suspensions/<int:pk>/", noncompliance.suspension_detail, name="suspension_detail"),
    path("suspensions/<int:pk>/lift/", noncompliance.suspension_lift, name="suspension_lift"),
]
