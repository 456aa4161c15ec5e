"""The server-error handler (`handler500` in portal/urls.py): a database that is down or
restarting is a temporary fault, answered 503 with a "try again shortly" page; anything else is
Django's 500 page (templates/500.html).

Django calls the handler while it handles the exception, from any middleware or view, so the
exception is `sys.exc_info()`. Both pages are rendered without a request: no context processors,
no session, no database, and nothing about the user (no personal data)."""
from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request, template_name: str = defaults.ERROR_500_TEMPLATE_NAME):
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request, template_name=template_name)
