"""The partnership admin's pages, under /admin/ (not Django's admin site, which is not installed).
Included in portal.urls' `portal_patterns`, so the names live in the "portal" namespace."""

from django.urls import path

from portal.views import admin, identity_providers

admin_patterns = [
    path("admin/", admin.admin_home, name="admin_home"),
    path("admin/organisations/", admin.admin_organisations, name="admin_organisations"),
    path("admin/organisations/new/", admin.admin_organisation_create, name="admin_organisation_create"),
    path("admin/organisations/join/", admin.admin_partnership_join, name="admin_partnership_join"),
    path("admin/organisations/<int:pk>/", admin.admin_organisation_edit, name="admin_organisation_edit"),
    path(
        "admin/organisations/<int:pk>/suspend-sharing/",
        admin.admin_organisation_suspend_sharing,
        name="admin_organisation_suspend_sharing",
    ),
    path(
        "admin/organisations/<int:pk>/resume-sharing/",
        admin.admin_organisation_resume_sharing,
        name="admin_organisation_resume_sharing",
    ),
    path("admin/users/", admin.admin_users, name="admin_users"),
    path("admin/users/new/", admin.admin_user_create, name="admin_user_create"),
    path("admin/users/<int:pk>/", admin.admin_user_detail, name="admin_user_detail"),
    path("admin/users/<int:pk>/edit/", admin.admin_user_edit, name="admin_user_edit"),
    path("admin/users/<int:pk>/deactivate/", admin.admin_user_deactivate, name="admin_user_deactivate"),
    path("admin/users/<int:pk>/reactivate/", admin.admin_user_reactivate, name="admin_user_reactivate"),
    path("admin/users/<int:pk>/password/", admin.admin_user_password, name="admin_user_password"),
    path(
        "admin/users/<int:pk>/reset-second-factor/",
        admin.admin_user_reset_second_factor,
        name="admin_user_reset_second_factor",
    ),
    path("admin/users/<int:pk>/memberships/add/", admin.admin_membership_add, name="admin_membership_add"),
    path("admin/memberships/<int:pk>/end/", admin.admin_membership_end, name="admin_membership_end"),
    path("admin/identity-providers/", identity_providers.admin_identity_providers, name="admin_identity_providers"),
    path(
        "admin/identity-providers/new/",
        identity_providers.admin_identity_provider_create,
        name="admin_identity_provider_create",
    ),
    path(
        "admin/identity-providers/saml/new/",
        identity_providers.admin_saml_provider_create,
        name="admin_saml_provider_create",
    ),
    path(
        "admin/identity-providers/<int:pk>/",
        identity_providers.admin_identity_provider_edit,
        name="admin_identity_provider_edit",
    ),
    path(
        "admin/identity-providers/requests/",
        identity_providers.admin_sso_access_requests,
        name="admin_sso_access_requests",
    ),
    path(
        "admin/identity-providers/requests/<int:pk>/approve/",
        identity_providers.admin_sso_access_request_approve,
        name="admin_sso_access_request_approve",
    ),
    path(
        "admin/identity-providers/requests/<int:pk>/refuse/",
        identity_providers.admin_sso_access_request_refuse,
        name="admin_sso_access_request_refuse",
    ),
    path("admin/locked-accounts/", admin.admin_locked_accounts, name="admin_locked_accounts"),
    path("admin/locked-accounts/unlock/", admin.admin_account_unlock, name="admin_account_unlock"),
    path("admin/undelivered-emails/", admin.admin_undelivered_notifications, name="admin_undelivered_notifications"),
]
