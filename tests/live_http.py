"""A plain HTTP client for tests against the live server (pytest-django's `live_server`): real
requests over a socket, each answered by the server's own thread and database connection, so two
of them in two threads race as two browsers would. Django's test Client runs the view in the
calling thread instead; use this where the race or the server's own handling is the point.

    browser = HttpBrowser(live_server.url)
    browser.get("/sign-in/")
    response = browser.post("/sign-in/", {"username": ..., "password": ...})
    assert response.status == 302 and response.location == "/sign-in/code/"

Cookies are kept per browser; redirects are not followed (the status and Location are what the
tests look at); `post` sends the CSRF cookie's value as the form token, as a form on the page would.
"""
from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

TIMEOUT = 30


@dataclass
class HttpResponse:
    status: int
    location: str
    text: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpBrowser:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def cookie(self, name: str) -> str:
        return next((cookie.value for cookie in self.cookies if cookie.name == name), "")

    def request(self, path: str, data: dict | None = None) -> HttpResponse:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.cookie("csrftoken"), **data}).encode()
        request = urllib.request.Request(self.base_url + path, data=body)
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return HttpResponse(response.status, response.headers.get("Location", ""), response.read().decode())
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx alike
            text = error.read().decode(errors="replace")
            return HttpResponse(error.code, error.headers.get("Location", ""), text)

    def get(self, path: str) -> HttpResponse:
        return self.request(path)

    def post(self, path: str, data: dict) -> HttpResponse:
        return self.request(path, data)
