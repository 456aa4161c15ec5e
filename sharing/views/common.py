"""What every sharing views module does alike: log a look at a request's personal data, send
someone back to the request page with a reason, and read POST data that may be empty."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect

from portal.accountability.services import access_record


def log_access(request, disclosure, kind: str = "view") -> None:
    """Every view, download and print of a request's personal data goes in the access log."""
    membership = request.membership
    access_record(
        user=request.user,
        organisation=membership.organisation if membership else None,
        kind=kind,
        object_type="disclosure_request",
        reference=disclosure.reference,
        path=request.path,
    )


def back_to_request(request, disclosure, message: str):
    """The right person at the wrong moment: back to the request page, saying why (ADR 0003)."""
    messages.error(request, message)
    return redirect("sharing:request_detail", pk=disclosure.pk)


def posted(request):
    """The POST data for a form, even when empty (an empty POST must still show its errors)."""
    return request.POST if request.method == "POST" else None
