"""Logs and error reports an operator can use, that carry no personal data (issue 15;
docs/runbook.md, "Logs and error reports").

- Every request gets a request id (`RequestIdMiddleware`): the one the load balancer sent in
  X-Request-ID when it is a plain token, else a new one; it goes back in the response's
  X-Request-ID and on every log line written while the request runs (`RequestIdFilter`), so the
  gunicorn access line, the portal's own lines and an error report can be matched up. In a Celery
  task the task id stands in for it.
- Log lines are JSON (python-json-logger; settings.LOGGING). What is logged is the portal's
  choice: ids and references, never names or free text (the rule every `logger.*` call keeps).
- Error reports go to Sentry when PORTAL_SENTRY_DSN is set (`sentry_init`). sentry-sdk 3 replaced
  `send_default_pii` with `data_collection`: everything about people is turned off there (user
  identity, cookies, headers, bodies, query strings, SQL parameters, local variables), there are
  no breadcrumbs, and `sentry_scrub` (before_send) still takes out of
  each event whatever could still hold personal data: the request's body, query string, cookies
  and headers, the user, exception messages (a ValidationError's text may quote a name), log
  message arguments and extra data. What is left is where it broke: the exception's type and stack.
"""
from __future__ import annotations

import contextvars
import re
import uuid

REQUEST_ID_HEADER = "X-Request-ID"
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("portal_request_id", default="")
SCRUBBED = "[scrubbed]"


def current_request_id() -> str:
    value = _request_id.get()
    if value:
        return value
    try:
        from celery import current_task

        if current_task and current_task.request and current_task.request.id:
            return f"task-{current_task.request.id}"
    except Exception:  # noqa: S110 (no Celery context: no id)
        pass
    return "-"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter:
    """Adds `request_id` to every record (a logging filter on the handlers)."""

    def filter(self, record) -> bool:
        record.request_id = current_request_id()
        return True


# ---------------------------------------------------------------------------------------------
# Sentry
# ---------------------------------------------------------------------------------------------

# Request fields kept in an error report; everything else about the request is dropped.
_REQUEST_KEPT = ("method",)


def sentry_scrub(event: dict, hint: dict | None = None) -> dict:
    """`before_send`: the event with every place personal data could be taken out."""
    request = event.get("request")
    if isinstance(request, dict):
        url = str(request.get("url") or "").split("?", 1)[0]
        event["request"] = {key: request[key] for key in _REQUEST_KEPT if key in request}
        if url:
            event["request"]["url"] = url
    event.pop("user", None)
    event.pop("extra", None)
    event.pop("breadcrumbs", None)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        # The format string stays (it is the code's, e.g. "Could not queue %s"); its arguments go.
        event["logentry"] = {"message": logentry.get("message", "")}
    if event.get("message"):
        event["message"] = SCRUBBED
    for exception in (event.get("exception") or {}).get("values") or []:
        if exception.get("value"):
            exception["value"] = SCRUBBED
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    request_id = current_request_id()
    if request_id != "-":
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_init(*, dsn: str, environment: str = "", release: str = "") -> None:
    import logging

    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        # Unhandled errors in requests and tasks come from the Django and Celery integrations;
        # `logger.error`/`logger.exception` lines are reported too (sentry-sdk 3 does not by default).
        # Log lines are never shipped as Sentry "logs" or breadcrumbs: the JSON logs stay ours.
        integrations=[LoggingIntegration(level=None, event_level=logging.ERROR, breadcrumb_level=None)],
        before_send_log=lambda log, hint: None,
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        # sentry-sdk 3's successor of send_default_pii=False, and more: nothing about the person.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "off"}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        max_breadcrumbs=0,
        traces_sample_rate=0,
        before_send=sentry_scrub,
    )
