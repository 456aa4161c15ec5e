"""The anonymised feed for BI tools (SDP 10: "live time anonymised data to support the
partnership's decision making", the Power BI role): one read-only endpoint per partnership,
`/datasets/feed/<partnership>/aggregates.csv` or `.json`, giving for each dataset and month the
district x category counts after disclosure control (suppressed cells are empty / null).

Authentication is a bearer token (`Authorization: Bearer …`) a partnership admin issues at
/datasets/feed/tokens/; only its SHA-256 is stored. Each token may make
PORTAL_FEED_REQUESTS_PER_MINUTE requests a minute (429 with Retry-After beyond). Every answered
request writes the access log, against the admin who issued the token. docs/datasets.md.

The marking (the pack's lowest level) travels in the JSON's "marking" and, for both formats, in
the `X-Protective-Marking` header, not as a first CSV line: a BI tool reads the first line as the
column names (issue 15 asks a marking line of the exports people download and open; the feed is
read by a program, and holds no personal data). Its text cells are the pack's own dataset,
district and category codes, written as they are.
"""
from __future__ import annotations

import csv
import io

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from portal.accountability.services import access_record

from . import selectors, services

FEED_COLUMNS = ["dataset", "month", "district", "category", "count", "suppressed"]


def _unauthorised() -> HttpResponse:
    response = HttpResponse("A valid feed token is required.\n", status=401, content_type="text/plain")
    response["WWW-Authenticate"] = 'Bearer realm="dataset-feed"'
    return response


@require_GET
def feed(request, partnership: str, fmt: str):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorised()
    record = selectors.feed_token_for(digest=services.feed_token_digest(token.strip()))
    # A token of another partnership is as good as none: the answer does not say the other exists.
    if record is None or record.partnership.slug != partnership or fmt not in ("csv", "json"):
        return _unauthorised()
    if not services.feed_token_use(token=record, limit_per_minute=settings.PORTAL_FEED_REQUESTS_PER_MINUTE):
        response = HttpResponse("Too many requests: wait a minute.\n", status=429, content_type="text/plain")
        response["Retry-After"] = "60"
        return response
    rows = selectors.feed_rows(partnership=record.partnership)
    access_record(
        user=record.created_by, organisation=None, kind="download", object_type="dataset_feed",
        reference=f"FEED-{record.pk}", path=request.get_full_path(),
    )
    threshold = selectors.partnership_threshold(partnership=record.partnership)
    marking = selectors.partnership_marking(partnership=record.partnership)
    if fmt == "json":
        response = JsonResponse(
            {"partnership": record.partnership.slug, "threshold": threshold, "marking": marking or None,
             "note": "Depersonalised aggregates; counts under the threshold are suppressed (null).", "rows": rows}
        )
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FEED_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "count": "" if row["count"] is None else row["count"], "suppressed": str(row["suppressed"]).lower()})
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    if marking:
        response["X-Protective-Marking"] = marking
    response["Cache-Control"] = "no-store"
    return response
