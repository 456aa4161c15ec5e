"""What every sharing views module does alike: log a look at a request's personal data, send
someone back to the request page with a reason, read POST data that may be empty, and search a
list of requests (the inbox, My requests) without a name in the URL."""
from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect

from portal.accountability.services import access_record, access_records
from portal.searches import PARAMETER, search_criteria, search_id_of, search_store
from sharing.forms.search import RequestSearchForm, criteria_from_url
from sharing.selectors import disclosures_search, released_data_tombstone, request_subject_names


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


# ---------------------------------------------------------------------------------------------
# Searching a list of requests
# ---------------------------------------------------------------------------------------------


def list_search(request, *, scope: str, keep: tuple[str, ...] = ()):
    """(form, criteria, redirect) for a request list's search form.

    The form posts. A search by reference or status only goes to `?reference=&status=`; one that
    names a person (name, date of birth) is kept in the session and goes to `?search=<id>`
    (portal/searches.py). `keep`: the list's own GET parameters (its tab, its sort) carried over.
    A posted form with errors comes back with `redirect` None and the errors on it."""
    if request.method == "POST":
        form = RequestSearchForm(request.POST)
        if not form.is_valid():
            return form, {}, None
        criteria = form.criteria()
        params = {key: request.POST[key] for key in keep if request.POST.get(key)}
        if RequestSearchForm.personal(criteria):
            params[PARAMETER] = search_store(request, scope=scope, criteria=criteria)
        else:
            params.update(criteria)
        return form, criteria, redirect(f"{request.path}?{urlencode(params)}" if params else request.path)
    criteria = search_criteria(request, scope=scope) or criteria_from_url(request.GET)
    if RequestSearchForm.personal(criteria):
        # Who searched for a person, and which search: the criteria stay in the session.
        membership = request.membership
        access_record(
            user=request.user,
            organisation=membership.organisation if membership else None,
            kind="view",
            object_type="request_search",
            reference=f"search-{search_id_of(request)}",
            path=request.path,
        )
    return RequestSearchForm.from_criteria(criteria), criteria, None


def search_requests(queryset, *, request, criteria: dict):
    """`queryset` narrowed by the criteria of `list_search`, under need-to-know."""
    born = criteria.get("date_of_birth")
    return disclosures_search(
        queryset,
        user=request.user,
        organisation_id=request.membership.organisation_id,
        reference=criteria.get("reference", ""),
        status=criteria.get("status", ""),
        name=criteria.get("name", ""),
        date_of_birth=datetime.date.fromisoformat(born) if born else None,
    )


def subject_names_logged(request, rows) -> dict[int, str]:
    """Who each request of a list page is about ("Casey Example, Sam Example"), for the rows the
    person may open; each request whose names are shown is logged as viewed."""
    membership = request.membership
    names = request_subject_names(
        user=request.user, organisation_id=membership.organisation_id, request_ids=[row.pk for row in rows]
    )
    shown = [row.reference for row in rows if row.pk in names]
    access_records(
        user=request.user,
        organisation=membership.organisation,
        kind="view",
        object_type="disclosure_request",
        references=shown,
        path=request.path,
    )
    return {pk: ", ".join(people) for pk, people in names.items()}
