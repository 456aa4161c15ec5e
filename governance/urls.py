"""URLs of `governance`. Every pattern here must appear in tests/test_authorization_matrix.py."""
from django.urls import path

from governance.views import breaches, complaints, noncompliance, rights

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
    path("non-compliance/", noncompliance.noncompliance_list, name="noncompliance_list"),
    path("non-compliance/new/", noncompliance.noncompliance_new, name="noncompliance_new"),
    path("non-compliance/<int:pk>/", noncompliance.noncompliance_detail, name="noncompliance_detail"),
    path("non-compliance/<int:pk>/respond/", noncompliance.noncompliance_respond, name="noncompliance_respond"),
    path("non-compliance/<int:pk>/outcome/", noncompliance.noncompliance_outcome, name="noncompliance_outcome"),
    path("suspensions/new/", noncompliance.suspension_new, name="suspension_new"),
    path("suspensions/<int:pk>/", noncompliance.suspension_detail, name="suspension_detail"),
    path("suspensions/<int:pk>/lift/", noncompliance.suspension_lift, name="suspension_lift"),
    path("complaints/", complaints.complaint_list, name="complaint_list"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/part/", complaints.complaint_part, name="complaint_part"),
    path("complaints/<int:pk>/outcome/", complaints.complaint_outcome, name="complaint_outcome"),
    path("complaints/<int:pk>/closed/", complaints.complaint_closed, name="complaint_closed"),
    path("rights/", rights.rights_list, name="rights_list"),
    path("rights/audit/", rights.rights_audit_list, name="rights_audit_list"),
    path("rights/audit/<int:pk>/", rights.rights_audit_case, name="rights_audit_case"),
    path("rights/new/", rights.rights_open, name="rights_open"),
    path("rights/<int:pk>/", rights.rights_case, name="rights_case"),
    path("rights/<int:pk>/search/", rights.rights_search, name="rights_search"),
    path("rights/<int:pk>/extend/", rights.rights_extend, name="rights_extend"),
    path("rights/<int:pk>/decide/", rights.rights_decide, name="rights_decide"),
    path("rights/<int:pk>/response-pack.pdf", rights.rights_pack, name="rights_pack"),
    path("rights/<int:pk>/rectify/", rights.rights_rectify, name="rights_rectify"),
    path("rights/<int:pk>/erase/", rights.rights_erase, name="rights_erase"),
    path("rights/<int:pk>/restrict/", rights.rights_restrict, name="rights_restrict"),
    path("rights/<int:pk>/objection/", rights.rights_objection, name="rights_objection"),
    path("rights/<int:pk>/restriction/lift/", rights.rights_restriction_lift, name="rights_restriction_lift"),
    path("rights/consultations/<int:pk>/", rights.rights_consultation, name="rights_consultation"),
]
