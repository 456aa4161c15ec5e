"""Start and drive the test SAML identity provider (tests/saml_idp/app.py) as a real process.

    idp = SamlIdpServer(folder=tmp_path); idp.start()
    idp.seed_user(username="jo", password="...", email="jo@police.example", authn_context=MFA)
    idp.set_mode(expired=True)                         # the next responses are expired
    acs, fields = idp_sign_in(redirect_url, username="jo", password="...")   # the browser's part
    idp.stop()
"""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import requests

from tests.servers import PROJECT_ROOT, free_port

READY_TIMEOUT = 60
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MFA_CONTEXT = "https://refeds.org/profile/mfa"


class SamlIdpServer:
    def __init__(self, *, folder: Path, port: int | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = self.folder / "saml-idp.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/metadata/"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def start(self) -> None:
        env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(SAML_IDP_SITE_URL=self.base_url, SAML_IDP_FOLDER=str(self.folder), PYTHONUNBUFFERED="1")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [
                    sys.executable, "-m", "gunicorn", "tests.saml_idp.app:application",
                    "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4",
                    "--control-socket", str(self.folder / "gunicorn.ctl"),
                ],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"the SAML IdP exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the SAML IdP did not answer:\n{self.log()}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/metadata/")
            return connection.getresponse().status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

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
