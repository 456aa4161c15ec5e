"""HTTP against a real gunicorn on loopback, for the soak and the fault drills: a signed-in
`Browser` (its session made by bench/_common.py's `signed_in_client`, its CSRF cookie got from
the first form it loads), and the officer's whole raising journey through the pages."""
from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

TIMEOUT = 30


@dataclass
class Answer:
    status: int  # 0: no answer (refused, reset, timed out)
    ms: float
    location: str = ""
    error: str = ""
    body: str = ""


@dataclass
class Browser:
    port: int
    cookies: dict = field(default_factory=dict)

    @classmethod
    def for_membership(cls, port: int, membership) -> Browser:
        from _common import signed_in_client
        from django.conf import settings

        client = signed_in_client(membership)
        return cls(port=port, cookies={settings.SESSION_COOKIE_NAME: client.session.session_key})

    def request(self, method: str, path: str, data: list[tuple[str, object]] | None = None) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if method == "POST":
            body = urlencode(data or [])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        start = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            connection.close()
        except OSError as error:
            return Answer(0, (time.perf_counter() - start) * 1000, error=repr(error))
        ms = (time.perf_counter() - start) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Answer(response.status, ms, response.getheader("Location") or "", body=text)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, data: list[tuple[str, object]]) -> Answer:
        return self.request("POST", path, data)


@dataclass(frozen=True)
class RaisingForm:
    """The pks a raising journey posts, looked up once (bench/soak.py `raising_form`)."""

    holding_organisation: int
    purpose: int
    legal_gateway: int
    art6: int
    dpa_sch1: int
    questions: tuple[int, ...]
    needed_by: str


def raise_request(browser: Browser, form: RaisingForm, n: int, record) -> int | None:
    """Raise and submit one request through the pages, as an officer does; each answer goes to
    `record(kind, answer)`. The submitted request's pk, or None if a step did not go as it should."""
    from django.urls import reverse

    if not browser.cookies.get("csrftoken"):
        record("raising", browser.get(reverse("sharing:raise_start")))
    answer = browser.post(reverse("sharing:raise_start"), [("holding_organisation", form.holding_organisation)])
    record("raising", answer)
    found = re.search(r"/(\d+)/draft/", answer.location)
    if answer.status != 302 or not found:
        return None
    pk = int(found.group(1))

    def draft(name: str) -> str:
        return reverse(f"sharing:{name}", kwargs={"pk": pk})

    steps = [
        (draft("draft_subject_add"), [("full_name", f"Soak Subject {n}"), ("aliases", ""), ("date_of_birth", "1990-04-01"),
                                     ("address", f"{n} Soak Street"), ("nhs_number", ""), ("role", "offender")]),
        (draft("draft_subjects"), [("third_parties", "")]),
        (draft("draft_purpose"), [("purpose", form.purpose), ("forum", ""), ("legal_gateway", form.legal_gateway),
                                 ("lawful_bases_art6", form.art6), ("lawful_bases_dpa_sch1", form.dpa_sch1)]),
        (draft("draft_information"), [("information_requested", "Complaints of anti-social behaviour at the address."),
                                     ("special_category", "no"), ("criminal_offence_data", "yes"),
                                     ("victim_witness_information", "no"), ("sub_judice", "no")]),
        (draft("draft_urgency"), [("urgency", "routine"), ("needed_by", form.needed_by)]),
        (draft("draft_checklist"), [item for q in form.questions for item in ((f"answer_{q}", "yes"), (f"reason_{q}", "Soak"))]),
        (draft("draft_submit"), []),
    ]
    for path, data in steps:
        answer = browser.post(path, data)
        record("raising", answer)
        if answer.status != 302:
            return None
    return pk if answer.location.endswith(reverse("sharing:request_detail", kwargs={"pk": pk})) else None

