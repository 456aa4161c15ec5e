"""Root URLconf. Every pattern here must appear in tests/test_authorization_matrix.py.

This module is the project's wiring, the one place in `portal/` that names the apps above it."""
from django.urls import include, path

from portal.admin_urls import admin_patterns
from portal.auth import views as auth_views
from portal.protocols.urls import protocol_patterns
from portal.views import audit, home, retention
from portal.views import help as help_views

app_name = "portal"

portal_patterns = [
    path("", home.home, name="home"),
    path("sign-in/", auth_views.sign_in, name="sign_in"),
    path("sign-in/code/", auth_views.sign_in_code, name="sign_in_code"),
    path("sign-in/organisation/", auth_views.sign_in_organisation, name="sign_in_organisation"),
    path("sign-in/organisation/saml/<int:pk>/metadata/", auth_views.sign_in_saml_metadata, name="sign_in_saml_metadata"),
    path("sign-in/organisation/saml/<int:pk>/acs/", auth_views.sign_in_saml_acs, name="sign_in_saml_acs"),
    path(
        "sign-in/organisation/saml/<int:pk>/continue/", auth_views.sign_in_saml_continue, name="sign_in_saml_continue"
    ),
    path(
        "sign-in/organisation/callback/",
        auth_views.sign_in_organisation_callback,
        name="sign_in_organisation_callback",
    ),
    path("sign-in/set-up-authenticator/", auth_views.enrol, name="enrol"),
    path("sign-in/set-up-authenticator/qr.svg", auth_views.enrol_qr, name="enrol_qr"),
    path("sign-out/", auth_views.sign_out, name="sign_out"),
    path("account/password/", auth_views.password_change, name="account_password"),
    path("account/sessions/", auth_views.account_sessions, name="account_sessions"),
    path("account/sessions/<int:pk>/end/", auth_views.account_session_end, name="account_session_end"),
    path("account/notifications/", auth_views.account_notifications, name="account_notifications"),
    path("acting-as/", home.switch_membership, name="switch_membership"),
    path("healthz/", home.healthz, name="healthz"),
    path("help/", help_views.help_index, name="help"),
    path("help/<slug:role>/", help_views.help_role, name="help_role"),
    path("privacy/", help_views.privacy_notice, name="privacy"),
    path("accessibility/", help_views.accessibility_statement, name="accessibility"),
    path("audit/decisions/", audit.decision_log, name="audit_decisions"),
    path("audit/decisions/<int:pk>/", audit.decision_log_entry, name="audit_decision"),
    path("audit/decisions/export.csv", audit.decision_log_csv_export, name="audit_decisions_csv"),
    path("audit/decisions/export.pdf", audit.decision_log_pdf_export, name="audit_decisions_pdf"),
    path("audit/decisions/verify/", audit.decision_log_verification, name="audit_verify"),
    path("audit/decisions/verify/<int:pk>/", audit.decision_log_verification_run, name="audit_verify_run"),
    path("audit/access/", audit.access_log, name="audit_access"),
    path("retention/due/", retention.retention_due, name="retention_due"),
    path("retention/copies/<int:pk>/", retention.retention_copy, name="retention_copy"),
    path("retention/copies/<int:pk>/extend/", retention.retention_extend, name="retention_extend"),
    path("retention/copies/<int:pk>/confirm/", retention.retention_confirm, name="retention_confirm"),
    path("retention/policies/", retention.retention_policies, name="retention_policies"),
    path("retention/policies/<int:org_pk>/edit/", retention.retention_policy_edit, name="retention_policy_edit"),
    path("retention/policies/<int:policy_pk>/remove/", retention.retention_policy_remove, name="retention_policy_remove"),
    path("retention/holds/", retention.retention_holds, name="retention_holds"),
    path("retention/holds/new/", retention.retention_hold_new, name="retention_hold_new"),
    path("retention/holds/new/<str:reference>/", retention.retention_hold_new_scope, name="retention_hold_new_scope"),
    path("retention/holds/<int:pk>/lift/", retention.retention_hold_lift, name="retention_hold_lift"),
    path("retention/runs/", retention.retention_runs, name="retention_runs"),
    path("retention/runs/<int:pk>/", retention.retention_run, name="retention_run"),
    path("retention/runs/<int:pk>/certificate.pdf", retention.retention_certificate, name="retention_certificate"),
    *admin_patterns,
    *protocol_patterns,
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("requests/", include("sharing.urls")),
    path("consent/", include("consent.urls")),
    path("meetings/", include("meetings.urls")),
    path("governance/", include("governance.urls")),
    path("datasets/", include("datasets.urls")),
    path("oversight/", include("oversight.urls")),
    path("exchange/", include("exchange.urls")),
    # The partner API (exchange; docs/api.md): key-authenticated, JSON, versioned.
    path("api/v1/", include("exchange.api_urls")),
]

# A database outage or restart answers 503 "try again shortly"; other errors the 500 page.
handler500 = "portal.views.errors.server_error"
