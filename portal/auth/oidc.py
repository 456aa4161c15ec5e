"""The OpenID Connect client for organisations' own identity providers (ADR 0015, Authlib).

One provider per organisation, read from the database, so the client is built per request
from the `IdentityProvider` row: discovery from `<issuer>/.well-known/openid-configuration`,
the authorisation code flow with PKCE (S256), `state` and `nonce` kept in the session by
Authlib, and the ID token's signature (the provider's JWKS), issuer, audience, expiry and
nonce checked by Authlib before any claim is believed.

The client secret is stored encrypted (Fernet) under `PORTAL_SSO_SECRET_KEYS`, which live in
the environment like `PORTAL_DECISION_LOG_KEY`: a copy of the database alone gives no secret.
The first key encrypts; every key decrypts, so keys can be rotated.
"""
from __future__ import annotations

import base64
import hashlib

import requests
from authlib.integrations.django_client import OAuth
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.models import IdentityProvider

# RFC 8176 methods that mean more than one factor, or a hardware-held key, was used.
STRONG_AMR = frozenset({"mfa", "otp", "hwk", "sc"})
SCOPES = "openid email profile"


def _fernet() -> MultiFernet:
    keys = [key for key in settings.PORTAL_SSO_SECRET_KEYS if key]
    if not keys:
        raise ImproperlyConfigured("PORTAL_SSO_SECRET_KEYS is not set: client secrets cannot be stored (docs/sso.md)")
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())) for key in keys]
    )


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "The client secret cannot be decrypted with PORTAL_SSO_SECRET_KEYS: enter it again"
        ) from error


def metadata_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def oidc_client(provider: IdentityProvider):
    """An Authlib client for this provider (a fresh registry, so a changed configuration is
    used at once)."""
    oauth = OAuth()
    return oauth.register(
        name=f"organisation-{provider.pk}",
        client_id=provider.client_id,
        client_secret=secret_decrypt(provider.client_secret_encrypted),
        server_metadata_url=metadata_url(provider.issuer),
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "timeout": settings.PORTAL_SSO_HTTP_TIMEOUT},
    )


def authentication_is_strong(*, provider: IdentityProvider, claims: dict) -> bool:
    """Whether the provider says it did strong authentication: an `amr` naming a second factor
    or a hardware key, or an `acr` this provider's configuration accepts."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if STRONG_AMR.intersection(str(method).lower() for method in amr):
        return True
    acr = claims.get("acr")
    return bool(acr) and str(acr) in set(provider.accepted_acr)


def refresh_still_accepted(*, provider: IdentityProvider, refresh_token: str) -> tuple[bool | None, str]:
    """Ask the provider whether the sign-in still stands, by using its refresh token (RFC 6749
    §6). True and the refresh token to keep (it may have rotated); False when the provider
    refuses it (revoked, the account disabled: Entra ID and CIS2 revoke a disabled user's
    tokens); None when it could not be asked (the session then lasts until its short limit)."""
    timeout = settings.PORTAL_SSO_HTTP_TIMEOUT
    try:
        endpoint = requests.get(metadata_url(provider.issuer), timeout=timeout).json()["token_endpoint"]
        response = requests.post(
            endpoint,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(provider.client_id, secret_decrypt(provider.client_secret_encrypted)),
            timeout=timeout,
        )
    except (requests.RequestException, ValueError, KeyError, ImproperlyConfigured):
        return None, refresh_token
    if response.status_code == 200:
        try:
            return True, response.json().get("refresh_token") or refresh_token
        except ValueError:
            return None, refresh_token
    if response.status_code in (400, 401):
        return False, ""
    return None, refresh_token
