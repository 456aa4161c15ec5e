"""What every sharing views module does alike: log a look at a request's personal data, send
someone back to the request page with a reason, and read POST data that may be empty."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect

from portal.accountability.services import access_record
from sharing.selectors import released_data_tombstone


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


def released_data_gone(request, disclosure):
    """The tombstone of the released data, when the person acts for the requesting organisation
    and its copy of the released data has been destroyed under retention; else None. (The
    holding organisation keeps seeing what it released, under its own copy.)"""
    membership = getattr(request, "membership", None)
    if membership is None or membership.organisation_id != disclosure.requesting_organisation_id:
        return None
    return released_data_tombstone(request=disclosure)


def destroyed_message(tombstone) -> str:
    return f"Destroyed under retention on {tombstone.destroyed_at:%-d %B %Y}"
