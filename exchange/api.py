"""The partner API, version 1 (`/api/v1/`; docs/api.md, ADR 0013).

Each call authenticates with a client's key (`Authorization: Bearer csp_…`) and then acts as the
client's account, an officer of the client's organisation: every read goes through the
`sharing` selectors the pages use (`access_disclosure`, `visible_disclosures`,
`inbox_disclosures`) and the one write through the raising services, so the API has no access
path of its own. Refusals are JSON (`{"error": {"code", "message", "fields"}}`): 401 without a
valid key, 403 without the scope, 404 alike for missing and not-yours, 422 for a request the
services refuse, 429 over the client's rate limit. Every answer carries `Cache-Control: no-store`
(portal.middleware) and every answer with case data its marking and handling conditions.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from ninja import File, Form, NinjaAPI, Query, Schema, Status, UploadedFile
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer
from pydantic import Field

from exchange import ratelimit
from exchange.models import ApiClient, IdempotencyRecord, Scope
from exchange.selectors import api_key_authenticate
from exchange.services import api_key_touch, idempotency_store
from portal.accountability.services import access_record
from portal.marked import Stamp, marked_file, marked_response, read_stored
from portal.models import (
    ChecklistQuestion,
    Forum,
    LawfulBasis,
    LegalGateway,
    Organisation,
    Partnership,
    Purpose,
)
from portal.pdf import marked_download_footer
from portal.protocols.markings import marking_allowed_here
from sharing.models import DisclosureRequest, ReleaseAttachment
from sharing.selectors import (
    DisclosureDestroyed,
    access_disclosure,
    inbox_disclosures,
    released_data_tombstone,
    status_text,
    visible_disclosures,
    with_override_waiting,
)
from sharing.services import raising
from sharing.views.requester import (
    ATTACHMENT_CONTENT_TYPES,
    STANDARD_HANDLING_CONDITIONS,
    _handling_conditions,
    _released_decision,
    _safe_reference,
)

API_PREFIX = "/api/v1"
PAGE_DEFAULT = 25
PAGE_MAX = 100


class RateLimited(Exception):
    def __init__(self, verdict: ratelimit.Verdict):
        self.verdict = verdict


class ScopeMissing(Exception):
    def __init__(self, scope: str):
        self.scope = scope


class Refused(Exception):
    """A 422 with the services' reasons, field by field where they name one."""

    def __init__(self, message: str, fields: dict | None = None, status: int = 422):
        self.message = message
        self.fields = fields or {}
        self.status = status


class ClientKey(HttpBearer):
    """The client's key, then its rate limit: a valid key over its limit gets 429."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        found = api_key_authenticate(presented=token)
        if found is None:
            return None
        client, key = found
        verdict = ratelimit.rate_limit_hit(client_id=client.pk, limit=client.rate_limit_per_minute)
        request.rate_verdict = verdict
        if not verdict.allowed:
            raise RateLimited(verdict)
        api_key_touch(key=key)
        # From here on the call is the client's account acting as its one membership.
        request.user = client.account
        request.membership = client.membership
        request.api_client = client
        return client


api = NinjaAPI(
    title="Case-sharing portal partner API",
    version="1",
    description=(
        "Raise disclosure requests, read their status and decisions, list the holding inbox and fetch "
        "released items and attachments, as one organisation, under the partnership's protocol. "
        "See docs/api.md for registering a client, keys, scopes, idempotency, pagination and webhooks."
    ),
    urls_namespace="api-v1",
    auth=ClientKey(),
    docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
    docs_url="/docs/",
    openapi_url="/openapi.json",
)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


def _error(request, status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None):
    response = api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(Http404)
def _not_found(request, exc):
    # The same answer for "there is no such thing" and "it is not yours" (ADR 0003).
    return _error(request, 404, "not_found", "Not found")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(
        request, 401, "unauthenticated", "Send a valid API key: Authorization: Bearer csp_…",
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(RateLimited)
def _rate_limited(request, exc):
    verdict = exc.verdict
    return _error(
        request, 429, "rate_limited", f"More than {verdict.limit} calls this minute: try again shortly",
        headers={"Retry-After": str(verdict.retry_after), "X-RateLimit-Limit": str(verdict.limit),
                 "X-RateLimit-Remaining": "0"},
    )


@api.exception_handler(ScopeMissing)
def _scope_missing(request, exc):
    return _error(request, 403, "scope_missing", f"This client does not have the {exc.scope} scope")


@api.exception_handler(Refused)
def _refused(request, exc):
    return _error(request, exc.status, "refused", exc.message, exc.fields)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    fields: dict[str, list[str]] = {}
    for problem in exc.errors:
        loc = [str(part) for part in problem.get("loc", ())[1:]]
        if loc[:1] == ["payload"]:
            loc = loc[1:]
        where = ".".join(loc) or "body"
        fields.setdefault(where, []).append(str(problem.get("msg", "Invalid")))
    return _error(request, 422, "invalid", "The request does not match the API's schema", fields)


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _require(request, scope: str) -> ApiClient:
    client: ApiClient = request.auth
    if not client.has_scope(scope):
        raise ScopeMissing(scope)
    return client


def _log_view(request, disclosure: DisclosureRequest, kind: str = "view") -> None:
    """The access log, as the pages write it; the user is the client's account, which names the client."""
    access_record(
        user=request.user, organisation=request.membership.organisation, kind=kind,
        object_type="disclosure_request", reference=disclosure.reference, path=request.path,
    )


def _refusal_fields(error: ValidationError) -> tuple[str, dict]:
    if hasattr(error, "error_dict"):
        fields = {name: [str(m) for e in errors for m in e.messages] for name, errors in error.error_dict.items()}
        first = next(iter(fields.values()), ["Refused"])[0]
        return first, fields
    messages = [str(m) for m in error.messages]
    return "; ".join(messages) or "Refused", {}


# ---------------------------------------------------------------------------------------------
# Handling: marking and conditions in every answer carrying case data
# ---------------------------------------------------------------------------------------------


class HandlingOut(Schema):
    marking: str | None = Field(description="The protective marking of what is released; null before a release.")
    conditions: list[str]


def _handling(decision=None) -> dict:
    if decision is None:
        return {"marking": None, "conditions": list(STANDARD_HANDLING_CONDITIONS)}
    return {"marking": decision.marking.name if decision.marking_id else None,
            "conditions": _handling_conditions(decision)}


# ---------------------------------------------------------------------------------------------
# Cursor pagination (keyset on id, newest first)
# ---------------------------------------------------------------------------------------------


def _cursor_decode(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
        return int(value["before"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise Refused("The cursor is not one this API gave", {"cursor": ["Unknown cursor"]}) from None


def _cursor_encode(pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": pk}).encode()).decode().rstrip("=")


def _page(queryset, *, cursor: str | None, limit: int):
    before = _cursor_decode(cursor)
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset.order_by("-pk")[: limit + 1])
    next_cursor = _cursor_encode(rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor


# ---------------------------------------------------------------------------------------------
# The organisation's requests
# ---------------------------------------------------------------------------------------------


class RequestSummaryOut(Schema):
    id: int
    reference: str
    status: str
    status_text: str
    holding_organisation: str
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    needed_by: datetime.date | None


class RequestListOut(Schema):
    items: list[RequestSummaryOut]
    next_cursor: str | None
    handling: HandlingOut


def _summary(disclosure: DisclosureRequest) -> dict:
    return {
        "id": disclosure.pk,
        "reference": disclosure.reference,
        "status": disclosure.status,
        "status_text": status_text(disclosure),
        "holding_organisation": disclosure.holding_organisation.name,
        "submitted_at": disclosure.submitted_at,
        "decided_at": disclosure.decided_at,
        "needed_by": disclosure.needed_by,
    }


@api.get("/requests", response={200: RequestListOut, **ERRORS}, url_name="requests", tags=["requests"],
         summary="The requests this client raised, newest first")
def requests_list(request, cursor: str | None = None, limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX)):
    client = _require(request, Scope.REQUESTS_READ)
    queryset = with_override_waiting(
        visible_disclosures(user=request.user)
        .filter(requesting_organisation_id=client.organisation_id)
        .select_related("holding_organisation")
    )
    rows, next_cursor = _page(queryset, cursor=cursor, limit=limit)
    return Status(200, {"items": [_summary(row) for row in rows], "next_cursor": next_cursor, "handling": _handling()})


class SubjectOut(Schema):
    full_name: str
    aliases: str
    date_of_birth: datetime.date | None
    role: str


class DecisionOut(Schema):
    outcome: str
    reasons: str
    withheld: str
    decided_at: datetime.datetime
    decided_by_organisation: str
    is_current: bool
    marking: str | None
    handling_conditions: list[str]


class RequestOut(RequestSummaryOut):
    requesting_organisation: str
    purpose: str | None
    subjects: list[SubjectOut]
    decisions: list[DecisionOut]
    released_link: str | None
    handling: HandlingOut


def _released_for(request, disclosure):
    decision = _released_decision(disclosure, with_items=True)
    if decision is None:
        return None
    if request.membership.organisation_id == disclosure.requesting_organisation_id and released_data_tombstone(
        request=disclosure
    ):
        return None
    return decision


def _access(request, pk: int) -> DisclosureRequest:
    try:
        return access_disclosure(user=request.user, pk=pk)
    except DisclosureDestroyed:
        raise Http404("No such request") from None


@api.get("/requests/{request_id}", response={200: RequestOut, **ERRORS}, url_name="request", tags=["requests"],
         summary="A request's status, people and decisions")
def request_detail(request, request_id: int):
    _require(request, Scope.REQUESTS_READ)
    disclosure = _access(request, request_id)
    _log_view(request, disclosure)
    decisions = list(disclosure.decisions.select_related("marking", "organisation").order_by("decided_at", "pk"))
    released = _released_for(request, disclosure)
    return Status(200, {
        **_summary(disclosure),
        "requesting_organisation": disclosure.requesting_organisation.name,
        "purpose": disclosure.purpose.name if disclosure.purpose_id else None,
        "subjects": [
            {"full_name": link.subject.full_name, "aliases": link.subject.aliases,
             "date_of_birth": link.subject.date_of_birth, "role": link.role}
            for link in disclosure.subjects.select_related("subject").order_by("pk")
        ],
        "decisions": [
            {
                "outcome": d.outcome, "reasons": d.reasons, "withheld": d.withheld, "decided_at": d.decided_at,
                "decided_by_organisation": d.organisation.name, "is_current": d.is_current,
                "marking": d.marking.name if d.marking_id else None,
                "handling_conditions": _handling_conditions(d) if d.outcome != "declined" else [],
            }
            for d in decisions
        ],
        "released_link": f"{API_PREFIX}/requests/{disclosure.pk}/released" if released is not None else None,
        "handling": _handling(released),
    })


class ItemOut(Schema):
    text: str
    fact_or_opinion: str
    originating_organisation: str


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    link: str


class ReleasedOut(Schema):
    reference: str
    outcome: str
    items: list[ItemOut]
    attachments: list[AttachmentOut]
    handling: HandlingOut


@api.get("/requests/{request_id}/released", response={200: ReleasedOut, **ERRORS}, url_name="released",
         tags=["released"], summary="What was released, with its marking and handling conditions")
def released(request, request_id: int):
    _require(request, Scope.RELEASED_READ)
    disclosure = _access(request, request_id)
    decision = _released_for(request, disclosure)
    if decision is None:
        raise Http404("Nothing released")
    _log_view(request, disclosure)
    attachments = decision.attachments.order_by("uploaded_at", "pk")
    return Status(200, {
        "reference": disclosure.reference,
        "outcome": decision.outcome,
        "items": [
            {"text": item.text, "fact_or_opinion": item.fact_or_opinion,
             "originating_organisation": item.originating_organisation.name}
            for item in decision.items.all()
        ],
        "attachments": [
            {"id": a.pk, "name": a.original_name, "content_type": a.content_type, "size": a.size,
             "link": f"{API_PREFIX}/requests/{disclosure.pk}/attachments/{a.pk}"}
            for a in attachments
        ],
        "handling": _handling(decision),
    })


@api.get(
    "/requests/{request_id}/attachments/{attachment_id}", response={**ERRORS}, url_name="attachment",
    tags=["released"], summary="An attachment, marked with who downloaded it and when",
    openapi_extra={"responses": {200: {"description": "The marked file: a stamped PDF, or a ZIP with "
                                       "HANDLING-CONDITIONS.txt", "content": {"application/pdf": {},
                                                                              "application/zip": {}}}}},
)
def attachment(request, request_id: int, attachment_id: int):
    _require(request, Scope.RELEASED_READ)
    disclosure = _access(request, request_id)
    decision = _released_for(request, disclosure)
    if decision is None:
        raise Http404("Nothing released")
    item: ReleaseAttachment | None = decision.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404("No such attachment")
    if decision.marking_id and not marking_allowed_here(decision.marking):
        raise Refused("This marking may only be released on a declared secure network", status=403)
    data = read_stored(item.file)
    if data is None:
        raise Http404("The file is not available")
    stamp = Stamp(
        marking=decision.marking.name if decision.marking_id else "",
        footer=marked_download_footer(
            user=request.user, organisation_name=request.membership.organisation.name, reference=disclosure.reference
        ),
        reference=_safe_reference(disclosure.reference),
        handling_conditions=tuple(_handling_conditions(decision)),
    )
    marked = marked_file(
        data,
        content_type=item.content_type if item.content_type in ATTACHMENT_CONTENT_TYPES else "",
        original_name=item.original_name,
        stamp=stamp,
    )
    _log_view(request, disclosure, "download")
    response = marked_response(marked)
    response["X-Protective-Marking"] = stamp.marking or "none"
    return response


# ---------------------------------------------------------------------------------------------
# Raising a request
# ---------------------------------------------------------------------------------------------


class SubjectIn(Schema):
    full_name: str = Field(max_length=200)
    role: str = Field(description="offender, victim, witness or other")
    aliases: str = Field("", max_length=500)
    date_of_birth: datetime.date | None = None
    address: str = Field("", max_length=1000)
    nhs_number: str = Field("", max_length=20)


class ChecklistAnswerIn(Schema):
    question: str = Field(description="The question's code in the protocol in force (GET /api/v1/protocol)")
    answer: str = Field(description="yes or no")
    reason: str = Field(max_length=5000)


class RaiseIn(Schema):
    holding_organisation: int = Field(description="The id of the organisation asked (GET /api/v1/protocol)")
    partnership: str | None = Field(None, description="The partnership's slug, when the two share more than one")
    subjects: list[SubjectIn] = Field(min_length=1, max_length=20)
    third_parties: str = Field("", max_length=5000)
    purpose: str = Field(description="A purpose code of the protocol in force")
    forum: str | None = None
    legal_gateway: str
    lawful_bases: list[str] = Field(default_factory=list, max_length=20)
    information_requested: str = Field(max_length=10000)
    special_category: bool
    criminal_offence_data: bool
    victim_witness_information: bool
    sub_judice: bool
    urgency: str
    needed_by: datetime.date
    checklist: list[ChecklistAnswerIn] = Field(max_length=50)


class RaisedOut(Schema):
    id: int
    reference: str
    status: str
    link: str
    handling: HandlingOut


def _fingerprint(request) -> str:
    return hashlib.sha256(request.body or b"").hexdigest()


def _idempotency_earlier(request, *, client: ApiClient, fingerprint: str) -> tuple[str, IdempotencyRecord | None]:
    """The request's Idempotency-Key ("" without one) and what an earlier request with that key
    left, if any. Refused when the earlier request with the key was a different one."""
    idempotency_key = (request.headers.get("Idempotency-Key") or "").strip()[:200]
    if not idempotency_key:
        return "", None
    earlier = IdempotencyRecord.objects.filter(client=client, key=idempotency_key).first()
    if earlier is not None and earlier.fingerprint != fingerprint:
        raise Refused("This Idempotency-Key was used with a different request",
                      {"Idempotency-Key": ["Used before with another body"]})
    return idempotency_key, earlier


def _pack_item(model, pack, code: str | None, field: str):
    if not code:
        return None
    item = model.objects.filter(pack=pack, code=code).first()
    if item is None:
        raise ValidationError({field: f"{code!r} is not in the protocol in force"})
    return item


def _raise(request, payload: RaiseIn) -> DisclosureRequest:
    """The page journey's services, one after another, in one transaction: a refusal anywhere
    leaves nothing behind."""
    client: ApiClient = request.auth
    holding = Organisation.objects.filter(pk=payload.holding_organisation).first()
    if holding is None:
        raise ValidationError({"holding_organisation": "No such organisation"})
    partnership = None
    if payload.partnership:
        partnership = Partnership.objects.filter(slug=payload.partnership).first()
        if partnership is None:
            raise ValidationError({"partnership": "No such partnership"})
    user = request.user
    disclosure = raising.disclosure_draft_create(
        requester=user, requesting_organisation=client.organisation, holding_organisation=holding,
        acting_user=user, partnership=partnership,
    )
    pack = disclosure.protocol_pack
    for subject in payload.subjects:
        raising.disclosure_draft_subject_add(disclosure=disclosure, acting_user=user, **subject.dict())
    if payload.third_parties:
        raising.disclosure_draft_third_parties_set(
            disclosure=disclosure, third_parties=payload.third_parties, acting_user=user
        )
    bases = [_pack_item(LawfulBasis, pack, code, "lawful_bases") for code in payload.lawful_bases]
    raising.disclosure_draft_purpose_set(
        disclosure=disclosure,
        purpose=_pack_item(Purpose, pack, payload.purpose, "purpose"),
        forum=_pack_item(Forum, pack, payload.forum, "forum"),
        legal_gateway=_pack_item(LegalGateway, pack, payload.legal_gateway, "legal_gateway"),
        lawful_bases=bases,
        acting_user=user,
    )
    raising.disclosure_draft_information_set(
        disclosure=disclosure, information_requested=payload.information_requested,
        special_category=payload.special_category, criminal_offence_data=payload.criminal_offence_data,
        victim_witness_information=payload.victim_witness_information, sub_judice=payload.sub_judice,
        acting_user=user,
    )
    raising.disclosure_draft_urgency_set(
        disclosure=disclosure, urgency=payload.urgency, needed_by=payload.needed_by, acting_user=user
    )
    answers = {}
    for answer in payload.checklist:
        question = _pack_item(ChecklistQuestion, pack, answer.question, "checklist")
        answers[question.pk] = (answer.answer, answer.reason)
    raising.disclosure_draft_checklist_set(disclosure=disclosure, answers=answers, acting_user=user)
    return raising.disclosure_submit(disclosure=disclosure, acting_user=user, acting_membership=request.membership)


@api.post(
    "/requests", response={201: RaisedOut, 200: RaisedOut, **ERRORS}, url_name="requests_raise", tags=["requests"],
    summary="Raise and submit a request (checklist included); send an Idempotency-Key to retry safely",
)
def requests_raise(request, payload: RaiseIn):
    client = _require(request, Scope.REQUESTS_WRITE)
    fingerprint = _fingerprint(request)
    idempotency_key, earlier = _idempotency_earlier(request, client=client, fingerprint=fingerprint)
    if earlier is not None:
        return Status(200, earlier.body)  # the same answer again; nothing raised twice
    try:
        with transaction.atomic():
            disclosure = _raise(request, payload)
            body = {
                "id": disclosure.pk, "reference": disclosure.reference, "status": disclosure.status,
                "link": f"{API_PREFIX}/requests/{disclosure.pk}", "handling": _handling(),
            }
            if idempotency_key:
                idempotency_store(client=client, key=idempotency_key, fingerprint=fingerprint, status_code=201, body=body)
    except raising.SubmitRefused as refused:
        raise Refused("The request cannot be submitted", {"problems": [p.message for p in refused.problems]}) from None
    except ValidationError as error:
        message, fields = _refusal_fields(error)
        raise Refused(message, fields) from None
    except IntegrityError:
        # A retry with the same key raced this one and won: its answer stands.
        raise Refused("A request with this Idempotency-Key is being raised; retry to get its answer", status=422) from None
    return Status(201, body)


# ---------------------------------------------------------------------------------------------
# The holding inbox, and the protocol's codes
# ---------------------------------------------------------------------------------------------


class InboxRowOut(Schema):
    id: int
    reference: str
    status: str
    status_text: str
    requesting_organisation: str
    purpose: str | None
    urgency: str
    needed_by: datetime.date | None
    submitted_at: datetime.datetime | None
    assigned: bool


class InboxOut(Schema):
    items: list[InboxRowOut]
    next_cursor: str | None
    handling: HandlingOut


INBOX_SHOW = ("open", "new", "assigned", "overdue", "due_soon", "decided")


@api.get("/inbox", response={200: InboxOut, **ERRORS}, url_name="inbox", tags=["inbox"],
         summary="The holding organisation's inbox: triage fields only, no one's personal data")
def inbox(request, show: str = "open", cursor: str | None = None, limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX)):
    client = _require(request, Scope.INBOX_READ)
    if show not in INBOX_SHOW:
        raise Refused("Unknown inbox filter", {"show": [f"One of {', '.join(INBOX_SHOW)}"]})
    queryset = inbox_disclosures(organisation_id=client.organisation_id, user=request.user, show=show)
    rows, next_cursor = _page(queryset, cursor=cursor, limit=limit)
    return Status(200, {
        "items": [
            {"id": r.pk, "reference": r.reference, "status": r.status, "status_text": status_text(r),
             "requesting_organisation": r.requesting_organisation.name,
             "purpose": r.purpose.name if r.purpose_id else None, "urgency": r.urgency, "needed_by": r.needed_by,
             "submitted_at": r.submitted_at, "assigned": r.assignee_id is not None}
            for r in rows
        ],
        "next_cursor": next_cursor,
        "handling": _handling(),
    })


class CodeOut(Schema):
    code: str
    name: str


class QuestionOut(Schema):
    code: str
    number: int
    text: str


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str


class ProtocolOut(Schema):
    partnership: str
    partnership_name: str
    version: str
    purposes: list[CodeOut]
    legal_gateways: list[CodeOut]
    lawful_bases: list[CodeOut]
    forums: list[CodeOut]
    checklist: list[QuestionOut]
    organisations: list[OrganisationOut]


class ProtocolsOut(Schema):
    items: list[ProtocolOut]


@api.get("/protocol", response={200: ProtocolsOut, **ERRORS}, url_name="protocol", tags=["protocol"],
         summary="The protocol in force in each of the client's partnerships: the codes a request uses")
def protocol(request):
    """No personal data: any valid key may read it (it is what `POST /requests` needs)."""
    from portal.protocols.selectors import current_protocol_pack
    from portal.selectors.partnerships import organisation_partnerships, partnership_organisations

    client: ApiClient = request.auth
    items = []
    for partnership in organisation_partnerships(organisation=client.organisation_id):
        pack = current_protocol_pack(partnership)
        if pack is None:
            continue
        items.append({
            "partnership": partnership.slug, "partnership_name": partnership.name, "version": pack.version,
            "purposes": [{"code": p.code, "name": p.name} for p in pack.purposes.order_by("order")],
            "legal_gateways": [{"code": g.code, "name": g.name} for g in pack.legal_gateways.order_by("order")],
            "lawful_bases": [{"code": b.code, "name": b.name} for b in pack.lawful_bases.order_by("order")],
            "forums": [{"code": f.code, "name": f.name} for f in pack.forums.order_by("order")],
            "checklist": [{"code": q.code, "number": q.number, "text": q.text}
                          for q in pack.checklist_questions.order_by("order")],
            "organisations": [{"id": o.pk, "name": o.name, "kind": o.kind}
                              for o in partnership_organisations(partnership=partnership)],
        })
    return Status(200, {"items": items})


# ---------------------------------------------------------------------------------------------
# Depersonalised datasets (issue 13, docs/datasets.md): a partner system submits a period's file
# through the same service as the upload page, and follows its check.
# ---------------------------------------------------------------------------------------------


class SubmissionProblemOut(Schema):
    line: int | None
    reason: str


class SubmissionOut(Schema):
    id: int
    reference: str
    dataset: str
    partnership: str
    period_start: datetime.date
    period_end: datetime.date
    status: str
    progress_percent: int
    rows_checked: int
    rows_loaded: int
    values_stripped: int
    problem_count: int
    problems: list[SubmissionProblemOut]
    failure: str
    link: str


def _submission_body(submission) -> dict:
    return {
        "id": submission.pk, "reference": submission.reference, "dataset": submission.dataset_code,
        "partnership": submission.partnership.slug, "period_start": submission.period_start,
        "period_end": submission.period_end, "status": submission.status,
        "progress_percent": submission.progress_percent, "rows_checked": submission.rows_checked,
        "rows_loaded": submission.rows_loaded, "values_stripped": submission.values_stripped,
        "problem_count": submission.problem_count,
        "problems": [{"line": p.get("line"), "reason": p.get("reason", "")} for p in submission.problems or []],
        "failure": submission.failure, "link": f"{API_PREFIX}/datasets/submissions/{submission.pk}",
    }


@api.post(
    "/datasets/{dataset_code}/submissions", response={202: SubmissionOut, **ERRORS}, url_name="dataset_submit",
    tags=["datasets"],
    summary="Submit a period's dataset (CSV or XLSX, multipart); it is checked in the background",
)
def dataset_submit(
    request,
    dataset_code: str,
    file: UploadedFile = File(...),  # noqa: B008 (ninja declares parameters by their defaults)
    period_start: datetime.date = Form(...),  # noqa: B008
    period_end: datetime.date = Form(...),  # noqa: B008
    partnership: str | None = Form(None),  # noqa: B008
):
    """The upload page's service (`datasets.services.submission_create`): the same owner, period,
    size and format rules, the same check afterwards. Follow `link` until `status` is accepted or
    refused; a refused file's `problems` give each refused row's line and reason, never a value."""
    from datasets import services as dataset_services
    from portal.selectors.partnerships import organisation_partnerships

    client = _require(request, Scope.DATASETS_WRITE)
    mine = list(organisation_partnerships(organisation=client.organisation_id))
    if partnership:
        chosen = next((p for p in mine if p.slug == partnership), None)
        if chosen is None:
            raise Refused("Your organisation is not a member of that partnership", {"partnership": ["No such partnership"]})
    elif len(mine) == 1:
        chosen = mine[0]
    else:
        raise Refused("Say which partnership the dataset is for", {"partnership": ["Required: your organisation is in several"]})
    if file.size > settings.PORTAL_MAX_DATASET_BYTES:
        file.oversize = True  # the service's own message, as on the page
    try:
        submission = dataset_services.submission_create(
            membership=request.membership, partnership=chosen, dataset_code=dataset_code,
            period_start=period_start, period_end=period_end, upload=file, acting_user=request.user,
        )
    except PermissionDenied as denied:
        raise Refused(str(denied) or "This organisation may not submit that dataset", status=403) from None
    except ValidationError as error:
        message, fields = _refusal_fields(error)
        raise Refused(message, fields) from None
    return Status(202, _submission_body(submission))


@api.get(
    "/datasets/submissions/{submission_id}", response={200: SubmissionOut, **ERRORS}, url_name="dataset_submission",
    tags=["datasets"], summary="A submission of this organisation: its check's progress, result and refused rows",
)
def dataset_submission(request, submission_id: int):
    from datasets.selectors import access_submission

    _require(request, Scope.DATASETS_WRITE)
    submission = access_submission(membership=request.membership, pk=submission_id)
    return Status(200, _submission_body(submission))


# ---------------------------------------------------------------------------------------------
# Shared case workspaces (IOM, SDP 5.8): a partner system that the cohort's coordinator made a
# member (its account is added like any officer) reads the cohort and keeps its organisation's
# own entries, through the pages' selectors and `cohort_entry_save`.
# ---------------------------------------------------------------------------------------------

COHORT_CONDITIONS = (
    "Only for the work of the cohort's forum.",
    "No onward sharing without the originating organisation's consent.",
    "Each organisation changes only its own entries; every change is kept.",
)


def _cohort_handling(cohort) -> dict:
    return {"marking": cohort.marking.name, "conditions": list(COHORT_CONDITIONS)}


class CohortOut(Schema):
    id: int
    reference: str
    title: str
    forum: str
    coordinating_organisation: str
    marking: str
    people_link: str


class CohortListOut(Schema):
    items: list[CohortOut]
    next_cursor: str | None
    handling: HandlingOut


def _cohort_summary(cohort) -> dict:
    return {
        "id": cohort.pk, "reference": cohort.reference, "title": cohort.title, "forum": cohort.forum.name,
        "coordinating_organisation": cohort.organisation.name, "marking": cohort.marking.name,
        "people_link": f"{API_PREFIX}/cohorts/{cohort.pk}/people",
    }


@api.get("/cohorts", response={200: CohortListOut, **ERRORS}, url_name="cohorts", tags=["cohorts"],
         summary="The cohort workspaces this system is a current member of, newest first")
def cohorts_list(request, cursor: str | None = None, limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX)):
    from exchange.selectors import cohorts_of

    _require(request, Scope.COHORTS_READ)
    rows, next_cursor = _page(cohorts_of(user=request.user), cursor=cursor, limit=limit)
    # Titles and forums only, no one's personal data: the marking of each is in its row.
    return Status(200, {"items": [_cohort_summary(c) for c in rows], "next_cursor": next_cursor,
                        "handling": {"marking": None, "conditions": list(COHORT_CONDITIONS)}})


class EntryOut(Schema):
    person_id: int
    kind: str
    organisation: str
    text: str
    updated_by: str
    updated_at: datetime.datetime


class CohortPersonOut(Schema):
    id: int
    full_name: str
    date_of_birth: datetime.date | None
    entries: list[EntryOut]


class CohortPeopleOut(Schema):
    cohort: CohortOut
    items: list[CohortPersonOut]
    next_cursor: str | None
    handling: HandlingOut


def _entry_body(entry) -> dict:
    return {"person_id": entry.person_id, "kind": entry.kind, "organisation": entry.organisation.name,
            "text": entry.text, "updated_by": entry.updated_by.display_name, "updated_at": entry.updated_at}


@api.get("/cohorts/{cohort_id}/people", response={200: CohortPeopleOut, **ERRORS}, url_name="cohort_people",
         tags=["cohorts"], summary="The cohort's people still in the programme, with every organisation's entries")
def cohort_people(request, cohort_id: int, cursor: str | None = None,
                  limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX)):
    from exchange.selectors import access_cohort, cohort_people_current

    _require(request, Scope.COHORTS_READ)
    cohort = access_cohort(user=request.user, pk=cohort_id)
    rows, next_cursor = _page(cohort_people_current(cohort=cohort), cursor=cursor, limit=limit)
    access_record(
        user=request.user, organisation=request.membership.organisation, kind="view", object_type="cohort",
        reference=cohort.reference, path=request.path,
    )
    return Status(200, {
        "cohort": _cohort_summary(cohort),
        "items": [
            {"id": p.pk, "full_name": p.full_name, "date_of_birth": p.date_of_birth,
             "entries": [_entry_body(e) for e in p.entries.all()]}
            for p in rows
        ],
        "next_cursor": next_cursor,
        "handling": _cohort_handling(cohort),
    })


class EntryIn(Schema):
    kind: str = Field(description="risk, actions or contacts")
    text: str = Field(max_length=10000)


class EntrySavedOut(EntryOut):
    handling: HandlingOut


@api.post(
    "/cohorts/{cohort_id}/people/{person_id}/entries", response={200: EntrySavedOut, **ERRORS},
    url_name="cohort_entry_save", tags=["cohorts"],
    summary="Add or update this organisation's entry of one kind about one person; send an Idempotency-Key to retry safely",
)
def cohort_entry_save(request, cohort_id: int, person_id: int, payload: EntryIn):
    """The page's service (`cohort_entry_save`): only the organisation's own entry changes, and
    the change is kept in its history."""
    from exchange import services as exchange_services
    from exchange.selectors import access_cohort
    from exchange.selectors import cohort_person as cohort_person_of

    client = _require(request, Scope.COHORTS_WRITE)
    cohort = access_cohort(user=request.user, pk=cohort_id)
    person = cohort_person_of(cohort=cohort, pk=person_id)
    fingerprint = hashlib.sha256(request.path.encode() + b"\n" + (request.body or b"")).hexdigest()
    idempotency_key, earlier = _idempotency_earlier(request, client=client, fingerprint=fingerprint)
    if earlier is not None:
        # The entry as it stands (the record keeps its id only, never the text).
        entry = person.entries.select_related("organisation", "updated_by").filter(
            pk=earlier.body.get("entry_id")
        ).first()
        if entry is None:
            raise Http404("No such entry")
        return Status(200, {**_entry_body(entry), "handling": _cohort_handling(cohort)})
    try:
        with transaction.atomic():
            entry = exchange_services.cohort_entry_save(
                person=person, kind=payload.kind, text=payload.text, acting_user=request.user,
                acting_membership=request.membership,
            )
            entry = type(entry).objects.select_related("organisation", "updated_by").get(pk=entry.pk)
            body = {**_entry_body(entry), "handling": _cohort_handling(cohort)}
            if idempotency_key:
                idempotency_store(client=client, key=idempotency_key, fingerprint=fingerprint, status_code=200,
                                  body={"entry_id": entry.pk})
    except ValidationError as error:
        message, fields = _refusal_fields(error)
        raise Refused(message, fields) from None
    except IntegrityError:
        raise Refused("An entry with this Idempotency-Key is being saved; retry to get its answer") from None
    return Status(200, body)
