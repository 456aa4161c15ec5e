"""Start and drive the test OpenID Connect provider (tests/oidc_idp) as a real process.

    provider = OidcProviderServer(folder=tmp_path)
    provider.start()                    # migrates its SQLite database, starts gunicorn, waits
    provider.seed_client(client_id=..., client_secret=..., redirect_uris=[...])
    provider.seed_user(username="jo", password="...", email="jo@police.example", mfa=True)
    callback = provider_sign_in(authorize_url, username="jo", password="...")   # the browser's part
    provider.stop()
"""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from tests.servers import PROJECT_ROOT, free_port

READY_TIMEOUT = 60


class OidcProviderServer:
    def __init__(self, *, folder: Path, port: int | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = self.folder / "oidc-provider.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/openid"

    def _env(self) -> dict:
        env = {
            key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.oidc_idp.settings",
            OIDC_IDP_SITE_URL=self.base_url,
            OIDC_IDP_DATABASE=str(self.folder / "provider.sqlite3"),
            PYTHONUNBUFFERED="1",
        )
        return env

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            subprocess.run(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
                cwd=PROJECT_ROOT, env=self._env(), stdout=log, stderr=subprocess.STDOUT, check=True,
            )
            self.process = subprocess.Popen(  # noqa: S603
                [
                    sys.executable, "-m", "gunicorn", "tests.oidc_idp.wsgi:application",
                    "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4",
                    "--control-socket", str(self.folder / "gunicorn.ctl"),
                ],
                cwd=PROJECT_ROOT, env=self._env(), stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the OIDC provider did not answer:\n{self.log()}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/openid/.well-known/openid-configuration")
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

    def _seed(self, what: str, **data) -> dict:
        response = requests.post(f"{self.base_url}/seed/{what}/", json=data, timeout=10)
        response.raise_for_status()
        return response.json()

    def seed_client(self, *, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self._seed("client", client_id=client_id, client_secret=client_secret, redirect_uris=redirect_uris)

    def seed_user(self, *, username: str, password: str, email: str, given_name: str = "Jo",
                  family_name: str = "Bloggs", mfa: bool = False, acr: str = "", active: bool = True) -> str:
        """Create or update a user at the provider; returns its `sub`."""
        return self._seed(
            "user", username=username, password=password, email=email, given_name=given_name,
            family_name=family_name, mfa=mfa, acr=acr, active=active,
        )["sub"]


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def provider_sign_in(authorize_url: str, *, username: str, password: str, session: requests.Session | None = None):
    """What a browser does at the provider: follow the portal's redirect to it, sign in on its
    page, and follow its redirects until they leave the provider. Returns the URL the provider
    sends the browser back to (the portal's callback, with `code` and `state`), or None when the
    provider kept the browser on its sign-in page (wrong password, disabled account)."""
    session = session or requests.Session()
    provider = urlsplit(authorize_url).netloc
    url = authorize_url
    for _ in range(10):
        response = session.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            target = urljoin(url, response.headers["Location"])
            if urlsplit(target).netloc != provider:
                return target
            url = target
            continue
        match = CSRF.search(response.text)
        if match is None:
            raise AssertionError(f"unexpected page at the provider ({response.status_code}): {response.text[:500]}")
        next_value = re.search(r'name="next" value="([^"]*)"', response.text).group(1).replace("&amp;", "&")
        posted = session.post(
            url.split("?")[0],
            data={"csrfmiddlewaretoken": match.group(1), "username": username, "password": password, "next": next_value},
            headers={"Referer": url},
            allow_redirects=False,
            timeout=10,
        )
        if not posted.is_redirect:
            return None  # the provider refused the sign-in
        url = urljoin(url, posted.headers["Location"])
    raise AssertionError("too many redirects at the provider")
