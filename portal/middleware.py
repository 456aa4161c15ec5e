"""Request-wide guards: response headers, session lifetime, the mandatory second factor, the
acting membership.

Nothing behind sign-in is reachable with the password alone: a request is let through only
when its URL is public (the sign-in steps) or the session has passed the second factor.
No page served to a signed-in user is stored by a browser or a proxy (`Cache-Control: no-store`):
pages behind sign-in carry personal data, and a shared computer's back button must not show them.
"""
from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

from portal.models import Membership
from portal.selectors.memberships import active_memberships_remember

SESSION_STARTED_AT = "portal_session_started_at"
SSO_PROVIDER = "portal_sso_provider"  # set by portal.auth.views when a provider signed the session in
ACTING_MEMBERSHIP = "portal_acting_membership"

# URL names reachable without a full (password + second factor) sign-in.
PUBLIC_URL_NAMES = {
    "portal:sign_in",
    "portal:sign_in_code",
    "portal:sign_in_organisation",
    "portal:sign_in_organisation_callback",
    "portal:sign_in_saml_metadata",
    "portal:sign_in_saml_acs",
    "portal:sign_in_saml_continue",
    "portal:sign_out",
    "portal:healthz",
    # Help, the privacy notice and the accessibility statement: for anyone, signed in or not.
    "portal:help",
    "portal:help_role",
    "portal:privacy",
    "portal:accessibility",
    # The anonymised dataset feed authenticates each request by its bearer token (datasets/feed.py).
    "datasets:feed",
}
# Reachable after the password, before enrolment is finished.
ENROLMENT_URL_NAMES = {"portal:enrol", "portal:enrol_qr"}


class ResponseHeadersMiddleware:
    """`Permissions-Policy` (settings.PORTAL_PERMISSIONS_POLICY) on every response, static files
    included; `Cache-Control: no-store` on every response to a signed-in user but static files
    (fingerprinted and public, whitenoise caches them for a year). Placed before whitenoise so
    it sees the static responses too; `request.user` is read on the way out, once the auth
    middleware has set it (whitenoise's own responses never reach that far, so have none)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PORTAL_PERMISSIONS_POLICY)
        if request.path_info.startswith(settings.PORTAL_API_PREFIX):
            # The partner API: nothing it answers is kept by a browser or a proxy.
            patch_cache_control(response, no_store=True, private=True)
            return response
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(settings.STATIC_URL)
            and "no-store" not in response.get("Cache-Control", "")
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


class SessionLifetimeMiddleware:
    """Ends any session older than PORTAL_SESSION_MAX_HOURS, however active it is; one signed in
    through an organisation's provider after PORTAL_SSO_SESSION_MAX_MINUTES, so that signing in
    again asks the provider, which refuses someone who has left (issue 15).
    (The 30-minute idle limit is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = request.session.get(SESSION_STARTED_AT)
        limit = settings.PORTAL_SESSION_MAX_HOURS * 3600
        if request.session.get(SSO_PROVIDER) is not None:
            limit = min(limit, settings.PORTAL_SSO_SESSION_MAX_MINUTES * 60)
        if started is not None and time.time() - started > limit:
            request.session.flush()
        return self.get_response(request)


class SsoSessionRecheckMiddleware:
    """A session signed in through an organisation's provider is re-checked there every
    PORTAL_SSO_RECHECK_MINUTES (portal.auth.services.sso_session_recheck): someone the provider
    has disabled is signed out at their next request, not at the end of the short session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.session.get(SSO_PROVIDER) is not None
            and not request.path_info.startswith(settings.STATIC_URL)
            and request.user.is_authenticated
        ):
            from portal.auth.services import sso_session_recheck

            if not sso_session_recheck(request=request):
                logout(request)
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if path.startswith(settings.PORTAL_API_PREFIX):
            # The partner API authenticates every call with a client's key (exchange.api), never a session.
            return self.get_response(request)
        name = url_name(path)
        if name in PUBLIC_URL_NAMES:
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not user.is_active:
            logout(request)
            return redirect(settings.LOGIN_URL)
        if user.is_authenticated and user.is_verified():
            return self.get_response(request)
        if name in ENROLMENT_URL_NAMES and request.session.get("portal_enrolling_user"):
            return self.get_response(request)
        if user.is_authenticated:
            # Password-only sessions are never left lying about.
            logout(request)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" and name else ""
        return redirect(reverse(settings.LOGIN_URL) + (f"?{query}" if query else ""))


def _acting_membership(request) -> Membership | None:
    if not request.user.is_authenticated:
        return None
    memberships = list(
        Membership.objects.active().filter(user=request.user).select_related("organisation").order_by("pk")
    )
    if request.method in ("GET", "HEAD"):  # the page's need-to-know checks reuse them (issue 17)
        active_memberships_remember(request.user, memberships)
    if not memberships:
        return None
    chosen = request.session.get(ACTING_MEMBERSHIP)
    for membership in memberships:
        if membership.pk == chosen:
            return membership
    return memberships[0]


class ActingMembershipMiddleware:
    """`request.membership`: the organisation and role the user acts as (switchable in the header)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: _acting_membership(request))
        return self.get_response(request)
