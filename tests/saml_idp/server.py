"""Start and drive the test SAML identity provider (tests/saml_idp/app.py) as a real process.

    idp = SamlIdpServer(folder=tmp_path); idp.start()
    idp.seed_user(username="jo", password="...", email="jo@police.example", authn_context=MFA)
    idp.set_mode(expired=True)                         # the next responses are expired
    acs, fields = idp_sign_in(redirect_url, username="jo", password="...")   # the browser's part
    idp.stop()
"""
from __future__ import annotations

import re
from html import unescape

import requests

from tests.servers import LocalProcessServer

PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MFA_CONTEXT = "https://refeds.org/profile/mfa"


class SamlIdpServer(LocalProcessServer):
    log_name = "saml-idp.log"
    what = "the SAML IdP"
    ready_path = "/metadata/"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/metadata/"

    def start(self) -> None:
        self.launch_stand_in(
            "tests.saml_idp.app:application", env={"SAML_IDP_SITE_URL": self.base_url, "SAML_IDP_FOLDER": str(self.folder)}
        )

    def seed_user(self, *, username: str, password: str, email: str, given_name: str = "Jo",
                  family_name: str = "Bloggs", authn_context: str = PASSWORD_CONTEXT, active: bool = True) -> str:
        response = requests.post(f"{self.base_url}/seed/user/", json={
            "username": username, "password": password, "email": email, "given_name": given_name,
            "family_name": family_name, "authn_context": authn_context, "active": active,
        }, timeout=10)
        response.raise_for_status()
        return response.json()["sub"]

    def set_mode(self, **mode) -> None:
        requests.post(f"{self.base_url}/seed/mode/", json=mode, timeout=10).raise_for_status()


def idp_sign_in(redirect_url: str, *, username: str, password: str):
    """What a browser does at the IdP: open the portal's AuthnRequest, sign in on its page, and
    read the form it would post back. Returns (ACS URL, {"SAMLResponse", "RelayState"}), or
    None when the IdP kept the browser on its sign-in page."""
    session = requests.Session()
    page = session.get(redirect_url, timeout=10)
    page.raise_for_status()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    posted = session.post(
        redirect_url.split("?")[0], data={**{k: unescape(v) for k, v in fields.items()},
                                          "username": username, "password": password}, timeout=10,
    )
    match = re.search(r'<form method="post" action="([^"]+)" id="saml-post">', posted.text)
    if match is None:
        return None
    back = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', posted.text))
    return unescape(match.group(1)), {key: unescape(value) for key, value in back.items()}
