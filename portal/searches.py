"""Searches whose criteria name a person (a name, a date of birth) keep them out of every URL
(issue 20): URLs end up in browser history, proxy and server logs, the Referer header and the
access log. The search form posts; the criteria are kept in the session under a random id, and
the list is shown at `?search=<id>` (its pagination keeps the id). The id means nothing outside
the session that made it, and goes with the session (idle timeout, sign-out).

    search_id = search_store(request, scope="consent", criteria={"q": "…"})
    return redirect(f"{reverse('consent:list')}?search={search_id}")
    criteria = search_criteria(request, scope="consent")   # {} when there is none

Criteria are JSON values only (dates as ISO strings): the session serializer is JSON.
"""
from __future__ import annotations

import secrets

from django.http import HttpRequest

SESSION_KEY = "portal_searches"
PARAMETER = "search"
# The latest searches of a session are kept; an older id shows the unfiltered list again.
KEPT = 20


def search_store(request: HttpRequest, *, scope: str, criteria: dict) -> str:
    """Keep `criteria` in the session under a new random id and return the id."""
    searches = dict(request.session.get(SESSION_KEY) or {})
    search_id = secrets.token_urlsafe(12)
    searches[search_id] = {"scope": scope, "criteria": criteria}
    while len(searches) > KEPT:
        searches.pop(next(iter(searches)))
    request.session[SESSION_KEY] = searches
    return search_id


def search_id_of(request: HttpRequest) -> str:
    """The search id this page was asked for, if it is one this session made."""
    search_id = request.GET.get(PARAMETER, "")
    return search_id if search_id in (request.session.get(SESSION_KEY) or {}) else ""


def search_criteria(request: HttpRequest, *, scope: str) -> dict:
    """The criteria of the search named by `?search=`, if this session made it for `scope`;
    an empty dict otherwise (unknown, expired or another list's id)."""
    search_id = search_id_of(request)
    if not search_id:
        return {}
    kept = request.session[SESSION_KEY][search_id]
    return dict(kept.get("criteria") or {}) if kept.get("scope") == scope else {}
