"""The SAML 2.0 service provider for organisations whose identity provider speaks SAML (ADR 0016,
python3-saml).

One IdP per organisation, read from the `IdentityProvider` row (protocol `saml`), so the
python3-saml settings are built per request: the portal is a service provider with its own
entity ID per provider (`.../saml/<pk>/metadata/`, which serves the SP metadata the IdP's IT team
loads), its assertion consumer service `.../saml/<pk>/acs/` (HTTP-POST binding), and the IdP's
entity ID, single sign-on URL and signing certificate from the IdP metadata the admin gave.

python3-saml in strict mode checks, before any attribute is believed: the assertion's signature
against the IdP's certificate (unsigned assertions refused), the issuer, the audience (this
provider's SP entity ID), the recipient and destination (our ACS), the NotBefore/NotOnOrAfter
window, and InResponseTo against the request id this browser's session is waiting for (kept in
the session and removed when used, so a response cannot be replayed, nor one unsolicited used).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.urls import reverse
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.errors import OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from portal.models import IdentityProvider

MAX_METADATA_BYTES = 1_000_000
SAML_FAILURES = (OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError)


class SamlMetadataError(ValueError):
    """The IdP metadata could not be read or has no usable IdP (the message is for the admin)."""


def _base() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")


def sp_entity_id(provider: IdentityProvider) -> str:
    return _base() + reverse("portal:sign_in_saml_metadata", args=[provider.pk])


def acs_url(provider: IdentityProvider) -> str:
    return _base() + reverse("portal:sign_in_saml_acs", args=[provider.pk])


def metadata_fetch(url: str) -> str:
    try:
        response = requests.get(url, timeout=settings.PORTAL_SSO_HTTP_TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as error:
        raise SamlMetadataError(f"The metadata could not be read from that address ({type(error).__name__})") from error
    if len(response.content) > MAX_METADATA_BYTES:
        raise SamlMetadataError("The metadata at that address is too large")
    return response.text


def metadata_parse(xml: str, *, entity_id: str = "") -> dict:
    """The IdP's entity ID, single sign-on URL (HTTP-Redirect) and signing certificate. Entity ID
    given: that IdP of a federation's metadata; otherwise the first. Raises SamlMetadataError."""
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            xml, required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT, entity_id=entity_id or None
        )
    except Exception as error:  # noqa: BLE001 - lxml, defusedxml and the parser each raise their own
        raise SamlMetadataError("That is not SAML metadata the portal can read") from error
    idp = parsed.get("idp") or {}
    certificates = idp.get("x509cert") or (idp.get("x509certMulti") or {}).get("signing")
    sso_url = (idp.get("singleSignOnService") or {}).get("url", "")
    if not idp.get("entityId") or not sso_url:
        raise SamlMetadataError("The metadata names no identity provider with an HTTP-Redirect sign-on address")
    if not certificates:
        raise SamlMetadataError("The metadata has no signing certificate for the identity provider")
    return {"entity_id": idp["entityId"], "sso_url": sso_url}


def _settings(provider: IdentityProvider) -> dict:
    parsed = OneLogin_Saml2_IdPMetadataParser.parse(
        provider.saml_metadata_xml,
        required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
        entity_id=provider.issuer or None,
    )
    base = {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": sp_entity_id(provider),
            "assertionConsumerService": {"url": acs_url(provider), "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST},
            "NameIDFormat": OneLogin_Saml2_Constants.NAMEID_UNSPECIFIED,
            "x509cert": "",
            "privateKey": "",
        },
        "security": {
            "authnRequestsSigned": False,
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,
            "wantNameId": True,
            "wantAttributeStatement": False,
            "requestedAuthnContext": False,
            "rejectUnsolicitedResponsesWithInResponseTo": True,
            "allowRepeatAttributeName": True,
            # The SP URLs come from PORTAL_BASE_URL (the browser tests run on http://localhost:PORT).
            "allowSingleLabelDomains": True,
        },
    }
    return OneLogin_Saml2_IdPMetadataParser.merge_settings(base, parsed)


def sp_metadata(provider: IdentityProvider) -> str:
    saml_settings = OneLogin_Saml2_Settings(
        {key: value for key, value in _settings(provider).items() if key != "idp"} | {"idp": {}},
        sp_validation_only=True,
    )
    metadata = saml_settings.get_sp_metadata()
    return metadata.decode() if isinstance(metadata, bytes) else metadata


def _request_data(request, *, path: str, post: dict | None = None) -> dict:
    """What python3-saml reads of the request, from PORTAL_BASE_URL (behind a proxy the request's
    own host and scheme are the proxy's), so the Destination and Recipient checks use the
    address the IdP was given."""
    parts = urlsplit(_base())
    https = parts.scheme == "https"
    return {
        "https": "on" if https else "off",
        "http_host": parts.hostname,
        "server_port": str(parts.port or (443 if https else 80)),
        "script_name": path,
        "get_data": {},
        "post_data": post or {},
    }


def authn_redirect(request, provider: IdentityProvider, *, login_hint: str = "") -> tuple[str, str]:
    """The IdP address to send the browser to (an AuthnRequest, HTTP-Redirect) and the
    request's id, which the session keeps for InResponseTo."""
    auth = OneLogin_Saml2_Auth(_request_data(request, path=request.path), _settings(provider))
    url = auth.login(return_to="", set_nameid_policy=False)
    return url, auth.get_last_request_id()


def response_claims(request, provider: IdentityProvider, *, saml_response: str, request_id: str | None):
    """Check the IdP's response (python3-saml, strict). Returns (claims, None) with the same
    claim names the OIDC path gives `sso_sign_in_resolve` (`sub`, the configured email and name
    attributes, `acr`), or (None, reason) when the response is not accepted."""
    auth = OneLogin_Saml2_Auth(
        _request_data(request, path=reverse("portal:sign_in_saml_acs", args=[provider.pk]),
                      post={"SAMLResponse": saml_response}),
        _settings(provider),
    )
    auth.process_response(request_id=request_id)
    if auth.get_errors() or not auth.is_authenticated():
        return None, (auth.get_last_error_reason() or ", ".join(auth.get_errors()) or "not authenticated")[:200]
    attributes = auth.get_attributes()
    claims = {name: values[0] for name, values in attributes.items() if values}
    claims["sub"] = auth.get_nameid() or ""
    if provider.email_claim not in claims and auth.get_nameid_format() == OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS:
        claims[provider.email_claim] = auth.get_nameid()
    contexts = auth.get_last_authn_contexts() or []
    claims["acr"] = contexts[0] if contexts else ""
    return claims, None


def authentication_is_strong(*, provider: IdentityProvider, claims: dict) -> bool:
    """The IdP's AuthnContextClassRef is one this provider's configuration accepts as strong."""
    return bool(claims.get("acr")) and str(claims["acr"]) in set(provider.accepted_acr)
