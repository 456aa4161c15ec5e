"""Sign-in pages: password, then a TOTP or backup code; first sign-in enrols an authenticator.

The user is not signed in (no auth session) until both factors pass. Between the steps the
session holds only the pending user's id, and the session key changes at every step.
"""
from __future__ import annotations

import base64
import io
import secrets
import time

import qrcode
import qrcode.image.svg
import requests
from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from joserfc.errors import JoseError

from portal.auth import saml, services
from portal.auth.forms import CodeForm, NotificationChoiceForm, OrganisationSignInForm, PasswordChangeForm, SignInForm
from portal.auth.oidc import authentication_is_strong, oidc_client
from portal.forms.errors import form_add_service_errors
from portal.models import IdentityProvider, User
from portal.notifications.services import notification_digest_choose
from portal.selectors.identity_providers import (
    identity_provider_for_email,
    identity_provider_for_user,
    identity_provider_origins,
)
from portal.services import identity_providers as sso

PENDING_USER = "portal_pending_user"
PENDING_AT = "portal_pending_at"
ENROLLING_USER = "portal_enrolling_user"
ENROL_KEY = "portal_enrol_key"
NEXT_URL = "portal_next"
PENDING_SECONDS = 600
# The provider a sign-in went to (before it comes back), and the one it signed in through
# (SessionLifetimeMiddleware keeps such a session short: portal.middleware.SSO_PROVIDER).
SSO_PENDING_PROVIDER = "portal_sso_pending_provider"
SAML_REQUEST_ID = "portal_saml_request_id"
SAML_HOLD_SECONDS = 120
SAML_MAX_RESPONSE = 500_000
# The provider's answer can fail in these ways: its error, a token Authlib refuses, the network.
PROVIDER_FAILURES = (
    OAuthError, JoseError, requests.RequestException, ImproperlyConfigured, ValueError, KeyError, *saml.SAML_FAILURES
)


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _pending_user(request, key: str) -> User | None:
    user_id = request.session.get(key)
    started = request.session.get(PENDING_AT, 0)
    if not user_id or time.time() - started > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


@never_cache
def sign_in(request):
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignInForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid() and _password_allowed(form):
        user = form.user
        next_url = _safe_next(request, request.POST.get("next"))
        request.session.flush()  # a new session key, and nothing from before survives
        request.session[PENDING_AT] = time.time()
        request.session[NEXT_URL] = next_url
        if services.user_has_second_factor(user=user):
            request.session[PENDING_USER] = user.pk
            return redirect("portal:sign_in_code")
        request.session[ENROLLING_USER] = user.pk
        return redirect("portal:enrol")
    return _sign_in_page(request, form=form, org_form=OrganisationSignInForm())


def _sign_in_page(request, *, form, org_form, status=200):
    next_url = request.POST.get("next", "") if request.method == "POST" else request.GET.get("next", "")
    response = render(
        request, "portal/auth/sign_in.html", {"form": form, "org_form": org_form, "next": next_url}, status=status
    )
    if origins := identity_provider_origins():
        response._csp_update = {"form-action": origins}
    return response


def _password_allowed(form) -> bool:
    """Staff of an organisation with its own provider sign in there, never with a portal password:
    someone who has left cannot come back through a password nobody remembered to change."""
    provider = identity_provider_for_user(user=form.user)
    if provider is None:
        return True
    services.sign_in_password_refuse(user=form.user, provider=provider)
    form.add_error(
        None,
        f"Staff of {provider.organisation.name} sign in through their organisation: "
        "use ‘Sign in with your organisation’ below",
    )
    return False


def _callback_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("portal:sign_in_organisation_callback")


@never_cache
@require_POST
def sign_in_organisation(request):
    """Send someone whose address belongs to an organisation with a provider to that provider."""
    org_form = OrganisationSignInForm(request.POST)
    if org_form.is_valid():
        email = org_form.cleaned_data["email"]
        provider = identity_provider_for_email(email=email)
        if provider is None:
            org_form.add_error(
                "email",
                "Your organisation does not sign you in to the portal: sign in with your username and password",
            )
        else:
            next_url = _safe_next(request, request.POST.get("next"))
            request.session.flush()
            request.session[SSO_PENDING_PROVIDER] = provider.pk
            request.session[PENDING_AT] = time.time()
            request.session[NEXT_URL] = next_url
            try:
                if provider.protocol == IdentityProvider.Protocol.SAML:
                    url, request_id = saml.authn_redirect(request, provider)
                    request.session[SAML_REQUEST_ID] = request_id
                    return redirect(url)
                return oidc_client(provider).authorize_redirect(request, _callback_url(), login_hint=email)
            except PROVIDER_FAILURES as error:
                sso.sso_sign_in_refuse(provider=provider, reason=f"provider unreachable ({type(error).__name__})")
                org_form.add_error("email", "Your organisation's sign-in is not answering. Try again later")
    return _sign_in_page(request, form=SignInForm(request=request), org_form=org_form)


@never_cache
@require_GET
def sign_in_organisation_callback(request):
    """The provider sends the browser back here. Authlib checks `state`, swaps the code for the
    tokens (PKCE) and verifies the ID token; then the service decides who, if anyone, signs in.
    The provider's strong authentication stands for the second factor; otherwise the portal's
    code (or enrolment) follows, as after a password."""
    provider = IdentityProvider.objects.select_related("organisation").filter(
        pk=request.session.get(SSO_PENDING_PROVIDER) or 0
    ).first()
    if provider is None or time.time() - request.session.get(PENDING_AT, 0) > PENDING_SECONDS:
        return redirect("portal:sign_in")
    try:
        token = oidc_client(provider).authorize_access_token(request)
        claims = token.get("userinfo")
        if not claims:
            raise OAuthError(error="no_id_token", description="The provider returned no ID token")
    except PROVIDER_FAILURES as error:
        reason = getattr(error, "error", "") or type(error).__name__
        outcome = sso.sso_sign_in_refuse(provider=provider, reason=f"provider answer not accepted ({reason})")
        return _sso_refused(request, outcome)
    strong = authentication_is_strong(provider=provider, claims=claims)
    return _sso_resolved(request, provider, claims=dict(claims), strong=strong, refresh_token=token.get("refresh_token"))


def _sso_resolved(request, provider, *, claims: dict, strong: bool, refresh_token: str | None):
    """After either protocol has verified the provider's answer: who it signs in (the same rules
    for OIDC and SAML, `sso_sign_in_resolve`), then the second factor unless the provider did it."""
    outcome = sso.sso_sign_in_resolve(provider=provider, claims=claims, strong=strong)
    if outcome.user is None:
        return _sso_refused(request, outcome)
    user = outcome.user
    next_url = request.session.get(NEXT_URL)
    del request.session[SSO_PENDING_PROVIDER]
    services.sso_session_remember(request=request, provider=provider, refresh_token=refresh_token)
    if strong:
        services.sign_in_complete(request=request, user=user, device=sso.provider_device_for(user=user))
        return redirect(_safe_next(request, next_url))
    request.session[PENDING_AT] = time.time()
    request.session.cycle_key()
    if services.user_has_second_factor(user=user):
        request.session[PENDING_USER] = user.pk
        return redirect("portal:sign_in_code")
    request.session[ENROLLING_USER] = user.pk
    return redirect("portal:enrol")


def _saml_provider(pk: int):
    return get_object_or_404(
        IdentityProvider.objects.select_related("organisation"),
        pk=pk, protocol=IdentityProvider.Protocol.SAML, is_enabled=True,
    )


@require_GET
def sign_in_saml_metadata(request, pk: int):
    """The portal's SP metadata for this provider, for the organisation's IT team to load into
    their IdP (public: it holds the entity ID and the assertion consumer address only)."""
    provider = _saml_provider(pk)
    return HttpResponse(saml.sp_metadata(provider), content_type="application/samlmetadata+xml")


@csrf_exempt  # the IdP's HTTP-POST binding is a cross-site form; InResponseTo binds it to the session
@never_cache
@require_POST
def sign_in_saml_acs(request, pk: int):
    """The IdP posts its response here, cross-site, so the (Lax) session cookie is not sent: keep
    the response for two minutes under a random key and continue with a same-site GET, where
    the session that sent the request checks it."""
    provider = _saml_provider(pk)
    response = request.POST.get("SAMLResponse", "")
    if not response or len(response) > SAML_MAX_RESPONSE:
        return redirect("portal:sign_in")
    key = secrets.token_urlsafe(32)
    caches["sso"].set(f"saml:{key}", {"provider": provider.pk, "response": response}, SAML_HOLD_SECONDS)
    return redirect(reverse("portal:sign_in_saml_continue", args=[provider.pk]) + f"?key={key}", permanent=False)


@never_cache
@require_GET
def sign_in_saml_continue(request, pk: int):
    provider = _saml_provider(pk)
    key = f"saml:{request.GET.get('key', '')[:100]}"
    held = caches["sso"].get(key)
    caches["sso"].delete(key)
    if (
        held is None or held["provider"] != provider.pk or request.session.get(SSO_PENDING_PROVIDER) != provider.pk
        or time.time() - request.session.get(PENDING_AT, 0) > PENDING_SECONDS
    ):
        return redirect("portal:sign_in")
    request_id = request.session.pop(SAML_REQUEST_ID, None)
    try:
        claims, reason = saml.response_claims(request, provider, saml_response=held["response"], request_id=request_id)
    except PROVIDER_FAILURES as error:
        claims, reason = None, type(error).__name__
    if claims is None:
        outcome = sso.sso_sign_in_refuse(provider=provider, reason=f"SAML response not accepted ({reason})")
        return _sso_refused(request, outcome)
    strong = saml.authentication_is_strong(provider=provider, claims=claims)
    return _sso_resolved(request, provider, claims=claims, strong=strong, refresh_token=None)


def _sso_refused(request, outcome):
    request.session.flush()
    return render(
        request,
        "portal/auth/sign_in_refused.html",
        {"message": outcome.refusal, "pending": outcome.pending},
        status=200 if outcome.pending else 403,
    )


def _locked_out(request):
    request.session.flush()
    return render(request, "portal/account_locked.html", status=429)


@never_cache
def sign_in_code(request):
    user = _pending_user(request, PENDING_USER)
    if user is None:
        return redirect("portal:sign_in")
    if services.sign_in_locked(request=request, username=user.username):
        # Locked by failures in another session since this one passed the password.
        return _locked_out(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            device = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
            if device is not None:
                next_url = request.session.get(NEXT_URL)
                services.sign_in_complete(request=request, user=user, device=device)
                return redirect(_safe_next(request, next_url))
            form.add_error("code", "The security code is not correct, or has already been used")
        services.sign_in_failed(request=request, username=user.username)
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request)
        request.session.cycle_key()
    return render(request, "portal/auth/sign_in_code.html", {"form": form})


@never_cache
def enrol(request):
    user = _pending_user(request, ENROLLING_USER)
    if user is None:
        return redirect("portal:sign_in")
    if services.sign_in_locked(request=request, username=user.username):
        return _locked_out(request)
    if ENROL_KEY not in request.session:
        request.session[ENROL_KEY] = services.new_totp_key()
    key_hex = request.session[ENROL_KEY]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolled = services.second_factor_enrol(user=user, key_hex=key_hex, code=form.cleaned_data["code"])
        if enrolled is not None:
            device, codes = enrolled
            next_url = _safe_next(request, request.session.get(NEXT_URL))
            services.sign_in_complete(request=request, user=user, device=device)
            return render(
                request, "portal/auth/backup_codes.html", {"codes": codes, "next": next_url}
            )
        form.add_error("code", "The security code is not correct. Check the time on your device and try again")
    if request.method == "POST":
        request.session.cycle_key()
    device = TOTPDevice(user=user, key=key_hex, name=services.TOTP_DEVICE_NAME)
    return render(
        request,
        "portal/auth/enrol.html",
        {"form": form, "secret": _base32(key_hex), "otpauth_url": device.config_url},
    )


@never_cache
def enrol_qr(request):
    user = _pending_user(request, ENROLLING_USER)
    key_hex = request.session.get(ENROL_KEY)
    if user is None or not key_hex:
        return HttpResponse(status=404)
    device = TOTPDevice(user=user, key=key_hex, name=services.TOTP_DEVICE_NAME)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@require_http_methods(["GET", "POST"])
def password_change(request):
    """A signed-in user changes their own password (any role, or none). A wrong current
    password counts towards the account's lockout, as at sign-in."""
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
                keep_session_key=request.session.session_key,
            )
        except ValidationError as error:
            if "current_password" in getattr(error, "error_dict", {}):
                services.sign_in_failed(request=request, username=request.user.username)
                if services.sign_in_locked(request=request, username=request.user.username):
                    logout(request)
                    return render(request, "portal/account_locked.html", status=429)
            form_add_service_errors(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "Your password has been changed. You have been signed out everywhere else.")
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "portal/auth/password_change.html", {"form": form})


@require_GET
def account_sessions(request):
    """The signed-in user's own sessions, with a button to end each other one."""
    return render(
        request,
        "portal/auth/sessions.html",
        {"sessions": services.sessions_for_user(user=request.user), "current_key": request.session.session_key},
    )


@require_http_methods(["GET", "POST"])
def account_notifications(request):
    """Each email as it happens, or a daily summary; the clocks (approvals waiting, breaches,
    overdue reviews) always come at once."""
    initial = {"delivery": "digest" if request.user.notification_digest else "each"}
    form = NotificationChoiceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        notification_digest_choose(user=request.user, digest=form.cleaned_data["delivery"] == "digest")
        messages.success(request, "Your choice of email notifications is saved")
        return redirect("portal:account_notifications")
    return render(request, "portal/auth/notifications.html", {"form": form})


@require_POST
def account_session_end(request, pk: int):
    record = services.access_user_session(user=request.user, pk=pk)
    try:
        services.session_end(record=record, current_session_key=request.session.session_key)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "That session has been ended: it is signed out")
    return redirect("portal:account_sessions")


@require_POST
def sign_out(request):
    logout(request)
    return redirect("portal:sign_in")


def _base32(key_hex: str) -> str:
    secret = base64.b32encode(bytes.fromhex(key_hex)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
