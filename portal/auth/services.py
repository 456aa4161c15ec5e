"""Sign-in state changes: second-factor enrolment, backup codes, ending sessions, a user's own
password change.

DOMAIN.md §3: password plus a second factor (TOTP with single-use backup codes); repeated
failures lock the account; idle sessions end. Views call these; so do the demo loader and tests.
A lockout is per account (django-axes, by username), so it stops every session of the account at
whatever step it is, not only the one whose failures set it (`sign_in_locked`).
"""
from __future__ import annotations

import datetime
import secrets
import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accountability.services import decision_record
from portal.models import User, UserSession

BACKUP_DEVICE_NAME = "backup"
TOTP_DEVICE_NAME = "authenticator"
SESSION_STARTED_AT = "portal_session_started_at"


def user_has_second_factor(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_for(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def new_totp_key() -> str:
    """A fresh 20-byte TOTP secret, hex encoded as django-otp stores it."""
    return secrets.token_hex(20)


def totp_code_now(*, key_hex: str) -> str:
    """The current code for a secret (demo sign-in and tests; never shown to real users)."""
    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6)
    return f"{totp.token():06d}"


def backup_code_digest(*, user_id: int, code: str) -> str:
    """What is stored for a backup code: a keyed hash (SECRET_KEY, salted per user), never the
    code, so a copy of the database gives no usable code. 16 hex characters fit django-otp's
    token column; with a 40-bit code and a key outside the database, nothing can be guessed
    offline. Migration 0008 hashed the codes stored before; rotating SECRET_KEY voids them all
    (users sign in with their authenticator, or an admin resets their second factor)."""
    return salted_hmac(f"portal.backup_code.{user_id}", code.lower(), algorithm="sha256").hexdigest()[:16]


def backup_codes_replace(*, user: User) -> list[str]:
    """Issue a new set of single-use backup codes, voiding the old ones. The codes are returned
    to be shown once; only their digests are stored."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.PORTAL_BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=backup_code_digest(user_id=user.pk, code=code)) for code in codes]
    )
    return codes


@transaction.atomic
def second_factor_enrol(*, user: User, key_hex: str, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm a TOTP secret with a code from the user's app; issue backup codes.
    Returns None when the code does not match (nothing is saved)."""
    device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME, key=key_hex, confirmed=True)
    if not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=user).delete()
    device.save()
    return device, backup_codes_replace(user=user)


@transaction.atomic
def second_factor_verify(*, user: User, code: str):
    """The device that accepts this code, or None. TOTP codes cannot be replayed (django-otp
    keeps the last time step used); a backup code is deleted when it is used.

    Single use holds under concurrency too: the user's device rows are locked (TOTP devices
    first, then backup devices, always in that order) for the read, the check and the write of
    `last_t` or the deletion of the code, so a second session posting the same code at the same
    moment waits, then reads the used state and is refused (issue 19)."""
    code = "".join(code.split())
    for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"):
        if device.verify_is_allowed()[0] and device.verify_token(code):
            return device
    digest = backup_code_digest(user_id=user.pk, code=code)
    for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"):
        if device.verify_token(digest):
            return device
    return None


def sign_in_failed(*, request, username: str) -> None:
    """Count a failure against the account (django-axes listens to this signal)."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def sign_in_complete(*, request, user: User, device) -> None:
    """Both factors passed: a new session key, the session's start time, and its record."""
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    request.session[SESSION_STARTED_AT] = time.time()
    request.session.save()


@transaction.atomic
def sign_in_password_refuse(*, user: User, provider) -> None:
    """A correct password for someone whose organisation signs its staff in itself: refused,
    and decision-logged (username and id, as the account services log them)."""
    decision_record(
        actor=None,
        organisation=provider.organisation,
        partnership=provider.partnership,
        action="sign_in.password_refused",
        reasons=f"Password sign-in refused: {provider.organisation.name} signs its staff in through its own provider",
        details={"user_id": user.pk, "username": user.username, "provider_id": provider.pk},
    )


SSO_PROVIDER = "portal_sso_provider"
SSO_REFRESH = "portal_sso_refresh"
SSO_CHECKED_AT = "portal_sso_checked_at"


def sso_session_remember(*, request, provider, refresh_token: str | None) -> None:
    """Keep what re-checking a provider's sign-in needs: the provider, and its refresh token
    (encrypted, like the client secret) if it gave one."""
    from portal.auth.oidc import secret_encrypt

    request.session[SSO_PROVIDER] = provider.pk
    request.session[SSO_CHECKED_AT] = time.time()
    if refresh_token:
        request.session[SSO_REFRESH] = secret_encrypt(refresh_token)


def sso_session_recheck(*, request) -> bool:
    """Every PORTAL_SSO_RECHECK_MINUTES, a session signed in through a provider asks it again
    (its refresh token). False when the provider refuses: the caller signs the session out, and
    the end is decision-logged. A provider that cannot be asked leaves the session to its short
    limit (PORTAL_SSO_SESSION_MAX_MINUTES)."""
    from portal.auth.oidc import refresh_still_accepted, secret_decrypt, secret_encrypt
    from portal.models import IdentityProvider

    stored = request.session.get(SSO_REFRESH)
    if not stored or time.time() - request.session.get(SSO_CHECKED_AT, 0) < settings.PORTAL_SSO_RECHECK_MINUTES * 60:
        return True
    provider = IdentityProvider.objects.select_related("organisation", "partnership").filter(
        pk=request.session.get(SSO_PROVIDER)
    ).first()
    if provider is None or not provider.is_enabled:
        accepted, token = False, ""
    else:
        try:
            accepted, token = refresh_still_accepted(provider=provider, refresh_token=secret_decrypt(stored))
        except ImproperlyConfigured:
            accepted, token = None, ""
    request.session[SSO_CHECKED_AT] = time.time()
    if accepted:
        request.session[SSO_REFRESH] = secret_encrypt(token)
    if accepted is False:
        with transaction.atomic():
            decision_record(
                actor=request.user,
                organisation=provider.organisation if provider else None,
                partnership=provider.partnership if provider else None,
                action="sso.session_ended",
                reasons="Session ended: the organisation's provider no longer accepts the sign-in",
                details={"user_id": request.user.pk, "username": request.user.username,
                         "provider_id": provider.pk if provider else None},
            )
        return False
    return True


def sign_in_locked(*, request, username: str) -> bool:
    """Whether the account is locked out now, by failures in any session (django-axes)."""
    return AxesProxyHandler.is_locked(request, credentials={"username": username})


def sessions_end_for_user(*, user: User, keep_session_key: str | None = None) -> int:
    """End every server-side session of a user at once (deactivation, password reset), but
    `keep_session_key`'s, if given (the session that changed its own password)."""
    records = UserSession.objects.filter(user=user)
    if keep_session_key:
        records = records.exclude(session_key=keep_session_key)
    keys = list(records.values_list("session_key", flat=True))
    deleted, _ = Session.objects.filter(session_key__in=keys).delete()
    records.delete()
    return deleted


def sessions_for_user(*, user: User) -> list[dict]:
    """The user's live sessions, newest first: when each signed in and was last used (the idle
    limit counts back from its expiry). Sessions that have expired or ended are left out."""
    records = {
        record.session_key: record
        for record in UserSession.objects.filter(user=user).order_by("-created_at", "-pk")
    }
    live = dict(
        Session.objects.filter(session_key__in=records, expire_date__gt=timezone.now()).values_list(
            "session_key", "expire_date"
        )
    )
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return [
        {"record": record, "signed_in_at": record.created_at, "last_used_at": live[key] - idle}
        for key, record in records.items()
        if key in live
    ]


def access_user_session(*, user: User, pk: int) -> UserSession:
    """One of the user's own sessions; 404 alike for missing and someone else's."""
    record = UserSession.objects.filter(user=user, pk=pk).first()
    if record is None:
        raise Http404("No such session")
    return record


@transaction.atomic
def session_end(*, record: UserSession, current_session_key: str | None) -> None:
    """End one of the user's other sessions (a computer left signed in). This session ends by
    signing out."""
    if record.session_key == current_session_key:
        raise ValidationError("This is the session you are using: sign out to end it")
    Session.objects.filter(session_key=record.session_key).delete()
    UserSession.objects.filter(pk=record.pk).delete()


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str, keep_session_key: str | None) -> User:
    """The account holder changes their own password: the current one first, Django's
    validators on the new one. Their other sessions end; the caller keeps this one valid
    (`update_session_auth_hash`). Decision-logged, without either password."""
    user = User.objects.select_for_update().get(pk=user.pk)
    errors: dict[str, list[str]] = {}
    if not user.check_password(current_password):
        errors["current_password"] = ["Your current password is not correct"]
    elif new_password == current_password:
        errors["new_password"] = ["Your new password must be different from your current password"]
    else:
        try:
            validate_password(new_password, user=user)
        except ValidationError as error:
            errors["new_password"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    ended = sessions_end_for_user(user=user, keep_session_key=keep_session_key)
    decision_record(
        actor=user,
        organisation=None,
        action="account.password_changed",
        reasons="The account holder changed their own password; their other sessions were ended",
        details={"user_id": user.pk, "username": user.username, "sessions_ended": ended},
    )
    return user
