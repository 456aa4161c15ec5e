"""Start and drive the test OpenID Connect provider (tests/oidc_idp) as a real process.

    provider = OidcProviderServer(folder=tmp_path)
    provider.start()                    # migrates its SQLite database, starts gunicorn, waits
    provider.seed_client(client_id=..., client_secret=..., redirect_uris=[...])
    provider.seed_user(username="jo", password="...", email="jo@police.example", mfa=True)
    callback = provider_sign_in(authorize_url, username="jo", password="...")   # the browser's part
    provider.stop()
"""
from __future__ import annotations

import re
import sys
from urllib.parse import urljoin, urlsplit

import requests

from tests.servers import LocalProcessServer


class OidcProviderServer(LocalProcessServer):
    log_name = "oidc-provider.log"
    what = "the OIDC provider"
    ready_path = "/openid/.well-known/openid-configuration"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/openid"

    def start(self) -> None:
        """Migrate the provider's SQLite database, then start it."""
        self.launch_stand_in(
            "tests.oidc_idp.wsgi:application",
            env={
                "DJANGO_SETTINGS_MODULE": "tests.oidc_idp.settings",
                "OIDC_IDP_SITE_URL": self.base_url,
                "OIDC_IDP_DATABASE": str(self.folder / "provider.sqlite3"),
            },
            before=[sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
        )

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
