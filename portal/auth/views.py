"""Sign-in pages: password, then a TOTP or backup code; first sign-in enrols an authenticator.

The user is not signed in (no auth session) until both factors pass. Between the steps the
session holds only the pending user's id, and the session key changes at every step.
"""
from __future__ import annotations

import base64
import io
import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.auth import services
from portal.auth.forms import CodeForm, NotificationChoiceForm, PasswordChangeForm, SignInForm
from portal.forms.errors import form_add_service_errors
from portal.models import User
from portal.notifications.services import notification_digest_choose

PENDING_USER = "portal_pending_user"
PENDING_AT = "portal_pending_at"
ENROLLING_USER = "portal_enrolling_user"
ENROL_KEY = "portal_enrol_key"
NEXT_URL = "portal_next"
PENDING_SECONDS = 600


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
    if request.method == "POST" and form.is_valid():
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
    return render(
        request, "portal/auth/sign_in.html", {"form": form, "next": request.GET.get("next", "")}
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
