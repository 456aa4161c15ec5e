"""A small SAML 2.0 identity provider for the tests (WSGI, run by gunicorn as its own process;
tests/saml_idp/server.py starts it). It does what an organisation's IdP does for the portal:
publishes its metadata with its signing certificate, reads the portal's AuthnRequest
(HTTP-Redirect binding), signs its user in on its own page, and posts back a Response whose
Assertion it signs (RSA-SHA256, with xmlsec through python3-saml's signing helper).

Test knobs, by POST /seed/...: users (password, email, names, AuthnContextClassRef, active), and
a mode for the next responses: `audience` (someone else's), `expired`, `unsigned`, `tampered`.
State is in memory: one worker process (several threads).
"""
from __future__ import annotations

import base64
import datetime
import html
import json
import os
import threading
import uuid
import zlib
from pathlib import Path
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.utils import OneLogin_Saml2_Utils

SITE = os.environ.get("SAML_IDP_SITE_URL", "http://127.0.0.1:8099").rstrip("/")
ENTITY_ID = f"{SITE}/metadata/"
FOLDER = Path(os.environ.get("SAML_IDP_FOLDER", "/tmp"))  # noqa: S108 - the tests always set it
LOCK = threading.Lock()
USERS: dict[str, dict] = {}
MODE: dict = {}
NS = {"samlp": "urn:oasis:names:tc:SAML:2.0:protocol", "saml": "urn:oasis:names:tc:SAML:2.0:assertion"}


def _key_and_cert() -> tuple[str, str]:
    key_path, cert_path = FOLDER / "idp.key", FOLDER / "idp.crt"
    if not key_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test saml idp")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256())
        )
        key_path.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path.read_text(), cert_path.read_text()


KEY, CERT = _key_and_cert()


def _cert_body() -> str:
    return "".join(line for line in CERT.splitlines() if "-----" not in line)


def metadata() -> str:
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{ENTITY_ID}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{_cert_body()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SITE}/sso/"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


def _instant(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def saml_response(*, user: dict, request_id: str, acs: str, sp_entity_id: str) -> str:
    mode = dict(MODE)
    now = datetime.datetime.now(datetime.UTC) - (datetime.timedelta(hours=2) if mode.get("expired") else datetime.timedelta())
    later = now + datetime.timedelta(minutes=5)
    audience = mode.get("audience") or sp_entity_id
    escape = html.escape
    attributes = "".join(
        f'<saml:Attribute Name="{name}"><saml:AttributeValue>{escape(value)}</saml:AttributeValue></saml:Attribute>'
        for name, value in (("email", user["email"]), ("givenName", user["given_name"]), ("sn", user["family_name"]))
    )
    assertion = f"""<saml:Assertion xmlns:saml="{NS['saml']}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a{uuid.uuid4().hex}" Version="2.0" IssueInstant="{_instant(now)}"><saml:Issuer>{ENTITY_ID}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{escape(user["sub"])}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{_instant(later)}" Recipient="{escape(acs)}" InResponseTo="{escape(request_id)}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{_instant(now - datetime.timedelta(minutes=1))}" NotOnOrAfter="{_instant(later)}"><saml:AudienceRestriction><saml:Audience>{escape(audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{_instant(now)}" SessionIndex="_s{uuid.uuid4().hex}"><saml:AuthnContext><saml:AuthnContextClassRef>{escape(user["authn_context"])}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion>"""
    if not mode.get("unsigned"):
        signed = OneLogin_Saml2_Utils.add_sign(
            assertion, KEY, CERT, sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
            digest_algorithm=OneLogin_Saml2_Constants.SHA256,
        )
        assertion = etree.tostring(etree.fromstring(signed)).decode() if isinstance(signed, bytes) else signed
        if assertion.startswith("<?xml"):
            assertion = assertion.split("?>", 1)[1]
    if mode.get("tampered"):
        assertion = assertion.replace(escape(user["email"]), "someone.else@" + user["email"].split("@")[1])
    response = f"""<samlp:Response xmlns:samlp="{NS['samlp']}" xmlns:saml="{NS['saml']}" ID="_r{uuid.uuid4().hex}" Version="2.0" IssueInstant="{_instant(now)}" Destination="{escape(acs)}" InResponseTo="{escape(request_id)}"><saml:Issuer>{ENTITY_ID}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"""
    return base64.b64encode(response.encode()).decode()


def _authn_request(encoded: str) -> dict:
    xml = zlib.decompress(base64.b64decode(encoded), -15)
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    return {
        "request_id": root.get("ID"),
        "acs": root.get("AssertionConsumerServiceURL"),
        "sp": root.findtext("saml:Issuer", namespaces=NS) or "",
    }


def _page(body: str, status: str = "200 OK"):
    return status, [("Content-Type", "text/html; charset=utf-8")], f"<!doctype html><html><body>{body}</body></html>"


def _sign_in_form(request: dict, relay: str, error: str = "") -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value or "")}">'
        for name, value in (*request.items(), ("relay_state", relay))
    )
    return (
        f"<h1>Test IdP sign in</h1>{f'<p id=error>{error}</p>' if error else ''}"
        f'<form method="post" action="/sso/">{hidden}'
        '<label>Username <input name="username" id="username"></label>'
        '<label>Password <input name="password" id="password" type="password"></label>'
        '<button type="submit" id="idp-sign-in">Sign in</button></form>'
    )


def application(environ, start_response):
    path, method = environ.get("PATH_INFO", "/"), environ["REQUEST_METHOD"]
    query = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) if method == "POST" else b""
    if path == "/metadata/":
        status, headers, text = "200 OK", [("Content-Type", "application/samlmetadata+xml")], metadata()
    elif path == "/seed/user/" and method == "POST":
        data = json.loads(body)
        with LOCK:
            existing = USERS.get(data["username"], {})
            USERS[data["username"]] = {**data, "sub": existing.get("sub") or uuid.uuid4().hex}
        status, headers, text = "200 OK", [("Content-Type", "application/json")], json.dumps(USERS[data["username"]])
    elif path == "/seed/mode/" and method == "POST":
        with LOCK:
            MODE.clear()
            MODE.update(json.loads(body))
        status, headers, text = "200 OK", [("Content-Type", "application/json")], json.dumps(MODE)
    elif path == "/sso/" and method == "GET" and "SAMLRequest" in query:
        status, headers, text = _page(_sign_in_form(_authn_request(query["SAMLRequest"]), query.get("RelayState", "")))
    elif path == "/sso/" and method == "POST":
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        request = {name: form.get(name, "") for name in ("request_id", "acs", "sp")}
        user = USERS.get(form.get("username", ""))
        if user is None or user["password"] != form.get("password") or not user.get("active", True):
            status, headers, text = _page(_sign_in_form(request, form.get("relay_state", ""), "Wrong username or password"))
        else:
            encoded = saml_response(user=user, request_id=request["request_id"], acs=request["acs"], sp_entity_id=request["sp"])
            status, headers, text = _page(
                f'<form method="post" action="{html.escape(request["acs"])}" id="saml-post">'
                f'<input type="hidden" name="SAMLResponse" value="{encoded}">'
                f'<input type="hidden" name="RelayState" value="{html.escape(form.get("relay_state", ""))}">'
                '<button type="submit" id="idp-continue">Continue to the service</button></form>'
            )
    else:
        status, headers, text = _page("not found", "404 Not Found")
    start_response(status, headers)
    return [text.encode()]
