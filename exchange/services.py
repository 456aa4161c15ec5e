"""Writes of `exchange`: registering, rotating and revoking API clients (each decision-logged),
idempotency records, and webhook deliveries (docs/api.md).

A client acts through its own account: `api_client_register` creates a user with an unusable
password (it can never sign in to the pages) and gives it one officer membership of the
organisation through `portal.services.accounts.membership_add`, so the API reaches requests
through the same need-to-know selectors and services as an officer's pages, and nothing else.
"""
from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from exchange import keys
from exchange.models import ApiClient, ApiKey, DeliveryStatus, IdempotencyRecord, Scope, WebhookDelivery
from portal.accountability.services import decision_record
from portal.jobs import enqueue
from portal.models import Organisation, Partnership, User
from portal.roles import Role
from portal.services.accounts import membership_add, membership_end
from portal.text import collect_text

logger = logging.getLogger(__name__)

MAX_NAME = 100
ROTATION_GRACE = datetime.timedelta(hours=24)


@dataclass
class Issued:
    """What the admin is shown once: the key and the webhook signing secret."""

    client: ApiClient
    key: str
    webhook_secret: str


def _record(*, client: ApiClient, action: str, reasons: str, acting_user: User, details: dict | None = None) -> None:
    decision_record(
        actor=acting_user,
        organisation=client.organisation,
        action=action,
        reasons=reasons,
        reference=f"API-{client.pk}",
        recipient=client.name,
        details={"client_id": client.pk, "scopes": list(client.scopes), **(details or {})},
        partnership=client.partnership,
    )


def _clean(*, name: str, scopes: list[str], webhook_url: str, rate_limit_per_minute: int) -> dict:
    errors: dict = {}
    name = collect_text(name, field="name", label="Name", max_length=MAX_NAME, errors=errors)
    if not name and "name" not in errors:
        errors["name"] = "Enter the name of the partner system"
    unknown = [scope for scope in scopes if scope not in Scope.values]
    if not scopes or unknown:
        errors["scopes"] = "Select at least one scope"
    webhook_url = (webhook_url or "").strip()
    if webhook_url and not webhook_url.startswith(("https://", "http://")):
        errors["webhook_url"] = "Enter the webhook address starting https://"
    if Scope.WEBHOOKS in scopes and not webhook_url:
        errors["webhook_url"] = "Enter the webhook address, or do not select webhooks"
    if not 1 <= rate_limit_per_minute <= 10000:
        errors["rate_limit_per_minute"] = "Enter a rate limit between 1 and 10000 calls a minute"
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "scopes": [scope for scope in Scope.values if scope in scopes],
        "webhook_url": webhook_url,
        "rate_limit_per_minute": rate_limit_per_minute,
    }


def _issue_key(client: ApiClient) -> str:
    prefix, key, digest = keys.key_new()
    ApiKey.objects.create(client=client, prefix=prefix, digest=digest)
    return key


@transaction.atomic
def api_client_register(
    *,
    organisation: Organisation,
    partnership: Partnership,
    name: str,
    scopes: list[str],
    webhook_url: str = "",
    rate_limit_per_minute: int = 120,
    acting_user: User,
) -> Issued:
    """Register a partner system for `organisation` (a member of the admin's `partnership`)."""
    values = _clean(name=name, scopes=scopes, webhook_url=webhook_url, rate_limit_per_minute=rate_limit_per_minute)
    if not organisation.partnership_places.filter(partnership=partnership).exists():
        raise ValidationError({"organisation": f"{organisation.name} is not a member of {partnership.name}"})
    account = User(
        username=f"api-client-{uuid.uuid4().hex[:12]}",
        first_name=values["name"],
        last_name="(API client)",
        is_active=True,
    )
    account.set_unusable_password()
    account.save()
    membership = membership_add(user=account, organisation=organisation, role=Role.OFFICER, acting_user=acting_user)
    client = ApiClient.objects.create(
        organisation=organisation, partnership=partnership, account=account, membership=membership,
        created_by=acting_user, **values,
    )
    key = _issue_key(client)
    _record(
        client=client, action="api_client.registered", acting_user=acting_user,
        reasons=f"API client {client.name} registered for {organisation.name} with scopes {', '.join(client.scopes)}",
    )
    return Issued(client, key, keys.webhook_secret(client_id=client.pk, version=client.webhook_secret_version))


def _locked(client: ApiClient) -> ApiClient:
    client = ApiClient.objects.select_for_update().select_related("organisation", "partnership").get(pk=client.pk)
    if not client.is_active:
        raise ValidationError("This API client has been revoked")
    return client


@transaction.atomic
def api_client_rotate(*, client: ApiClient, reason: str, acting_user: User) -> Issued:
    """A new key and a new webhook secret; the old keys keep working for ROTATION_GRACE so the
    partner can switch without an outage, then stop."""
    client = _locked(client)
    errors: dict = {}
    reason = collect_text(reason, field="reason", label="Reason", max_length=1000, errors=errors)
    if not reason and "reason" not in errors:
        errors["reason"] = "Give the reason for rotating the key"
    if errors:
        raise ValidationError(errors)
    grace_until = timezone.now() + ROTATION_GRACE
    ApiKey.objects.filter(client=client, revoked_at__isnull=True).filter(
        expires_at__isnull=True
    ).update(expires_at=grace_until)
    key = _issue_key(client)
    client.webhook_secret_version += 1
    client.save(update_fields=["webhook_secret_version"])
    _record(
        client=client, action="api_client.key_rotated", acting_user=acting_user, reasons=reason,
        details={"old_keys_expire_at": grace_until.isoformat()},
    )
    return Issued(client, key, keys.webhook_secret(client_id=client.pk, version=client.webhook_secret_version))


@transaction.atomic
def api_client_revoke(*, client: ApiClient, reason: str, acting_user: User) -> ApiClient:
    """Every key stops at once, the account's membership ends (so its need-to-know with it), and
    pending webhooks are not sent."""
    client = _locked(client)
    errors: dict = {}
    reason = collect_text(reason, field="reason", label="Reason", max_length=1000, errors=errors)
    if not reason and "reason" not in errors:
        errors["reason"] = "Give the reason for revoking the client"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    client.revoked_at = now
    client.revoked_by = acting_user
    client.save(update_fields=["revoked_at", "revoked_by"])
    ApiKey.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now)
    WebhookDelivery.objects.filter(client=client, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error="Client revoked"
    )
    if client.membership.is_active:
        membership_end(membership=client.membership, acting_user=acting_user)
    _record(client=client, action="api_client.revoked", acting_user=acting_user, reasons=reason)
    return client


def api_key_touch(*, key: ApiKey) -> None:
    """When a key was last used (at most once a minute a key, to keep calls cheap)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > datetime.timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


# ---------------------------------------------------------------------------------------------
# Idempotency
# ---------------------------------------------------------------------------------------------


def idempotency_store(*, client: ApiClient, key: str, fingerprint: str, status_code: int, body: dict) -> IdempotencyRecord:
    """Keep the answer given to a write; inside the write's transaction, so a refused write
    keeps nothing and a retry can succeed. Two racing retries: the second fails on the unique
    constraint and rolls back its own write."""
    return IdempotencyRecord.objects.create(
        client=client, key=key, fingerprint=fingerprint, status_code=status_code, body=body
    )


IdempotencyConflict = IntegrityError


# ---------------------------------------------------------------------------------------------
# Webhooks
# ---------------------------------------------------------------------------------------------

WEBHOOK_EVENT = "request.state_changed"


def webhook_payload(*, reference: str, request_id: int, state: str) -> dict:
    """Reference, state and link: never personal data (not even the purpose or the organisations)."""
    return {
        "event": WEBHOOK_EVENT,
        "reference": reference,
        "state": state,
        "link": f"{settings.PORTAL_BASE_URL.rstrip('/')}/api/v1/requests/{request_id}",
        "occurred_at": timezone.now().isoformat(),
    }


def webhook_deliveries_queue(*, organisation_ids: list[int], reference: str, request_id: int, state: str) -> int:
    """A delivery for every active client with the webhooks scope of these organisations, in the
    caller's transaction; each is sent after commit."""
    clients = ApiClient.objects.filter(
        organisation_id__in=organisation_ids, revoked_at__isnull=True, scopes__contains=[Scope.WEBHOOKS]
    ).exclude(webhook_url="")
    now = timezone.now()
    created = [
        WebhookDelivery.objects.create(
            client=client, event=WEBHOOK_EVENT, reference=reference, next_attempt_at=now,
            payload=webhook_payload(reference=reference, request_id=request_id, state=state),
        )
        for client in clients
    ]
    for delivery in created:
        transaction.on_commit(lambda pk=delivery.pk: enqueue("exchange.deliver_webhook", pk))
    return len(created)


def webhook_backoff(attempts: int) -> datetime.timedelta:
    """How long after the `attempts`-th failure the next try waits: doubling each time."""
    base = settings.PORTAL_WEBHOOK_BACKOFF_SECONDS
    return datetime.timedelta(seconds=min(base * 2 ** (attempts - 1), 6 * 3600))


@transaction.atomic
def webhook_delivery_attempt(*, delivery_id: int, send) -> WebhookDelivery | None:
    """Try one pending delivery that is due: `send(delivery, secret)` returns the receiver's HTTP
    status (or raises). 2xx: delivered. Otherwise the attempt is counted and the next one
    scheduled with backoff, until PORTAL_WEBHOOK_MAX_ATTEMPTS: then it is given up. Returns the
    delivery, or None when it was not due (another worker has it, or it is done)."""
    delivery = (
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("client")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .first()
    )
    if delivery is None:
        return None
    client = delivery.client
    if not client.is_active:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = "Client revoked"
        delivery.save(update_fields=["status", "last_error"])
        return delivery
    secret = keys.webhook_secret(client_id=client.pk, version=client.webhook_secret_version)
    delivery.attempts += 1
    try:
        code = send(delivery, secret)
        error = "" if 200 <= code < 300 else f"HTTP {code}"
    except Exception as exc:  # the receiver is down, refused, timed out
        code, error = None, type(exc).__name__
    delivery.last_status_code = code
    delivery.last_error = error[:200]
    if not error:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = timezone.now()
    elif delivery.attempts >= settings.PORTAL_WEBHOOK_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        logger.warning("Webhook delivery %s given up after %s attempts", delivery.pk, delivery.attempts)
    else:
        delivery.next_attempt_at = timezone.now() + webhook_backoff(delivery.attempts)
    delivery.save()
    return delivery


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


# ---------------------------------------------------------------------------------------------
# Recurring marked distributions (SDP 5.9, Appendix 3)
# ---------------------------------------------------------------------------------------------

SENDING_ROLES = frozenset({Role.OFFICER, Role.DESIGNATED_OFFICER})
MAX_TITLE = 200
MAX_RULES = 5000


def _distribution_record(*, distribution, action: str, reasons: str, acting_user: User, organisation=None,
                         details: dict | None = None) -> None:
    decision_record(
        actor=acting_user, organisation=organisation or distribution.organisation, action=action, reasons=reasons,
        reference=distribution.reference, recipient=distribution.title, details=details,
        partnership=distribution.partnership,
    )


def distribution_may_manage(*, membership, distribution) -> bool:
    """Officers and designated officers of the sending organisation manage its distributions."""
    return (
        membership is not None and membership.role in SENDING_ROLES
        and membership.organisation_id == distribution.organisation_id
    )


@transaction.atomic
def distribution_create(*, membership, partnership: Partnership, title: str, marking, handling_rules: str,
                        acting_user: User):
    from exchange.models import Distribution
    from portal.protocols.selectors import current_protocol_pack

    if membership is None or membership.role not in SENDING_ROLES or membership.user_id != acting_user.pk:
        raise ValidationError("Act as an officer of the sending organisation to set up a distribution")
    errors: dict = {}
    title = collect_text(title, field="title", label="Title", max_length=MAX_TITLE, errors=errors)
    if not title and "title" not in errors:
        errors["title"] = "Enter the title of the document series"
    rules = collect_text(handling_rules, field="handling_rules", label="Handling rules", max_length=MAX_RULES,
                         errors=errors)
    if not rules and "handling_rules" not in errors:
        errors["handling_rules"] = "Enter the handling rules recipients must agree to"
    pack = current_protocol_pack(partnership)
    if marking is None or pack is None or marking.pack_id != pack.pk:
        errors["marking"] = "Select a marking from the protocol in force"
    if errors:
        raise ValidationError(errors)
    distribution = Distribution.objects.create(
        organisation=membership.organisation, partnership=partnership, title=title, marking=marking,
        handling_rules=rules, created_by=acting_user,
    )
    _distribution_record(
        distribution=distribution, action="distribution.created", acting_user=acting_user,
        reasons=f"{title} set up, marked {marking.name}", details={"handling_rules": distribution.rules},
    )
    return distribution


@transaction.atomic
def distribution_recipient_add(*, distribution, recipient_membership, acting_user: User, acting_membership):
    from exchange.models import DistributionRecipient

    if not distribution_may_manage(membership=acting_membership, distribution=distribution):
        raise ValidationError("Only the sending organisation's officers manage this distribution")
    if (
        recipient_membership is None or not recipient_membership.is_active
        or recipient_membership.organisation_id == distribution.organisation_id
        or not recipient_membership.organisation.partnership_places.filter(partnership=distribution.partnership).exists()
    ):
        raise ValidationError({"recipient": "Select a person of another organisation of the partnership"})
    recipient, created = DistributionRecipient.objects.get_or_create(
        distribution=distribution, membership=recipient_membership, defaults={"added_by": acting_user}
    )
    if not created:
        raise ValidationError({"recipient": f"{recipient_membership.user.display_name} already receives it"})
    _distribution_record(
        distribution=distribution, action="distribution.recipient_added", acting_user=acting_user,
        reasons=f"{recipient_membership.user.display_name} of {recipient_membership.organisation.name} receives it",
        details={"membership_id": recipient_membership.pk},
    )
    return recipient


@transaction.atomic
def distribution_role_recipient_add(*, distribution, organisation, role: str, acting_user: User, acting_membership):
    """Send the series to everyone holding `role` in `organisation` (another organisation of the
    partnership), resolved afresh at each issue."""
    from exchange.models import DistributionRoleRecipient, RecipientRole

    if not distribution_may_manage(membership=acting_membership, distribution=distribution):
        raise ValidationError("Only the sending organisation's officers manage this distribution")
    errors: dict = {}
    if (
        organisation is None or organisation.pk == distribution.organisation_id
        or not organisation.partnership_places.filter(partnership=distribution.partnership).exists()
    ):
        errors["organisation"] = "Select another organisation of the partnership"
    if role not in RecipientRole.values:
        errors["role"] = "Select the role that receives it"
    if errors:
        raise ValidationError(errors)
    rule, created = DistributionRoleRecipient.objects.get_or_create(
        distribution=distribution, organisation=organisation, role=role, defaults={"added_by": acting_user}
    )
    if not created:
        raise ValidationError({"role": f"{rule.label} already receive it"})
    _distribution_record(
        distribution=distribution, action="distribution.role_recipient_added", acting_user=acting_user,
        reasons=f"{rule.label} receive it, resolved at each issue",
        details={"organisation_id": organisation.pk, "role": role},
    )
    return rule


def _issue_recipients_resolve(*, issue, distribution) -> list:
    """The named people and everyone holding a recipient role now, once each, each through one
    active membership of another organisation of the partnership."""
    from exchange.models import IssueRecipient
    from portal.models import Membership

    chosen: dict[int, tuple] = {}
    named = Membership.objects.active().filter(
        pk__in=distribution.recipients.values("membership_id")
    ).exclude(organisation_id=distribution.organisation_id)
    for membership in named.select_related("user", "organisation"):
        chosen.setdefault(membership.pk, (membership, "Named"))
    for rule in distribution.role_recipients.select_related("organisation"):
        holders = Membership.objects.active().filter(organisation_id=rule.organisation_id, role=rule.role).filter(
            organisation__partnership_places__partnership=distribution.partnership
        ).select_related("user", "organisation").order_by("pk")
        for membership in holders:
            chosen.setdefault(membership.pk, (membership, rule.label))
    IssueRecipient.objects.bulk_create(
        [IssueRecipient(issue=issue, membership=m, via=via[:200]) for m, via in chosen.values()]
    )
    return [m for m, _ in chosen.values()]


@transaction.atomic
def distribution_issue_upload(*, distribution, file, acting_user: User, acting_membership):
    """Store the next issue, tell the recipients (a link only), and, once committed, destroy the
    previous issues through the retention engine."""
    from django.core.files import File

    from exchange.models import Distribution, DistributionIssue
    from exchange.retention import issue_held_copy_record
    from portal.notifications.services import notify
    from portal.protocols.markings import marking_allowed_here, marking_refusal
    from portal.uploads import clean_filename, validate_upload

    distribution = Distribution.objects.select_for_update().select_related("marking", "organisation").get(
        pk=distribution.pk
    )
    if not distribution_may_manage(membership=acting_membership, distribution=distribution):
        raise ValidationError("Only the sending organisation's officers send issues")
    if not marking_allowed_here(distribution.marking):
        raise ValidationError({"file": marking_refusal(distribution.marking, "distribute this document")})
    if file is None:
        raise ValidationError({"file": "Choose the issue's file"})
    try:
        content_type, digest = validate_upload(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    last = distribution.issues.order_by("-number").first()
    issue = DistributionIssue(
        distribution=distribution, number=(last.number + 1) if last else 1, original_name=clean_filename(file.name),
        content_type=content_type, size=file.size, sha256=digest, uploaded_by=acting_user,
    )
    file.seek(0)
    issue.file.save("upload", File(file), save=False)
    try:
        issue.save()
        issue_held_copy_record(issue=issue)
        memberships = _issue_recipients_resolve(issue=issue, distribution=distribution)
        for organisation_id in sorted({m.organisation_id for m in memberships}):
            # Each recipient organisation's copy is its own, under its own policy (ADR 0006).
            issue_held_copy_record(issue=issue, holder=organisation_id)
    except Exception:
        issue.file.storage.delete(issue.file.name)
        raise
    _distribution_record(
        distribution=distribution, action="distribution.issued", acting_user=acting_user,
        reasons=f"Issue {issue.number} of {distribution.title} sent, marked {distribution.marking.name}",
        details={"issue": issue.number, "sha256": digest, "recipient_memberships": sorted(m.pk for m in memberships)},
    )
    recipients = list({m.user_id: m.user for m in memberships}.values())
    notify(
        recipients=recipients, subject=f"A new issue of a marked distribution is ready ({issue.reference})",
        reference=issue.reference, path=f"/exchange/distributions/issues/{issue.pk}/",
    )
    transaction.on_commit(lambda: enqueue("exchange.destroy_superseded_issues", distribution.pk))
    return issue


def distribution_superseded_destroy(*, distribution_id: int) -> int:
    """Destroy every issue but the latest, through the retention engine (one run, tombstones,
    decision-log entries): the sender's copy and every recipient organisation's copy, each a
    held copy of its own. Safe to run twice."""
    from exchange.models import DistributionIssue
    from exchange.retention import CONTENT_TYPE
    from portal.models import DestructionRun
    from portal.retention.services import retention_destroy_now

    latest = DistributionIssue.objects.filter(distribution_id=distribution_id).order_by("-number").first()
    if latest is None:
        return 0
    older = list(
        DistributionIssue.objects.filter(distribution_id=distribution_id, number__lt=latest.number,
                                         destroyed_at__isnull=True).values_list("pk", flat=True)
    )
    run = retention_destroy_now(
        content_type=CONTENT_TYPE, content_ids=older, trigger=DestructionRun.Trigger.DISTRIBUTION_ISSUED,
        reasons="Superseded by the next issue (SDP Appendix 3)",
    )
    return run.destroyed_count if run else 0


@transaction.atomic
def issue_acknowledge(*, issue, acting_user: User, acting_membership):
    """The recipient agrees to the handling rules (before their first download)."""
    from exchange.models import IssueAcknowledgement

    acknowledgement, created = IssueAcknowledgement.objects.get_or_create(issue=issue, user=acting_user)
    if created:
        distribution = issue.distribution
        _distribution_record(
            distribution=distribution, action="distribution.acknowledged", acting_user=acting_user,
            organisation=acting_membership.organisation if acting_membership else None,
            reasons=f"Handling rules of issue {issue.number} acknowledged",
            details={"issue": issue.number, "rules": distribution.rules},
        )
    return acknowledgement


def issue_downloaded(*, acknowledgement) -> None:
    from exchange.models import IssueAcknowledgement

    if acknowledgement.first_downloaded_at is None:
        IssueAcknowledgement.objects.filter(pk=acknowledgement.pk, first_downloaded_at__isnull=True).update(
            first_downloaded_at=timezone.now()
        )


# ---------------------------------------------------------------------------------------------
# Shared case workspaces (IOM, SDP 5.8)
# ---------------------------------------------------------------------------------------------

MAX_ENTRY = 10000


def _cohort_record(*, cohort, action: str, reasons: str, acting_user: User, organisation=None, details=None) -> None:
    decision_record(
        actor=acting_user, organisation=organisation or cohort.organisation, action=action, reasons=reasons,
        reference=cohort.reference, recipient=cohort.forum.name, purpose=cohort.title, details=details,
        partnership=cohort.partnership,
    )


def cohort_may_coordinate(*, membership, cohort) -> bool:
    return (
        membership is not None and membership.role in SENDING_ROLES
        and membership.organisation_id == cohort.organisation_id
    )


@transaction.atomic
def cohort_create(*, membership, partnership: Partnership, forum, title: str, marking, acting_user: User):
    """A cohort of one of the partnership's forums, under the marking the coordinator sets for
    it (as a chair sets a meeting's), from the pack in force. The creator is its first member."""
    from exchange.models import Cohort, CohortMember
    from portal.protocols.selectors import current_protocol_pack

    if membership is None or membership.role not in SENDING_ROLES or membership.user_id != acting_user.pk:
        raise ValidationError("Act as an officer of the coordinating organisation to set up a cohort")
    errors: dict = {}
    title = collect_text(title, field="title", label="Title", max_length=200, errors=errors)
    if not title and "title" not in errors:
        errors["title"] = "Enter the cohort's title"
    pack = current_protocol_pack(partnership)
    if forum is None or pack is None or forum.pack_id != pack.pk:
        errors["forum"] = "Select a forum of the protocol in force"
    if marking is None or pack is None or marking.pack_id != pack.pk:
        errors["marking"] = "Select a marking from the protocol in force"
    if errors:
        raise ValidationError(errors)
    cohort = Cohort.objects.create(
        partnership=partnership, forum=forum, organisation=membership.organisation, title=title, marking=marking,
        created_by=acting_user,
    )
    CohortMember.objects.create(cohort=cohort, membership=membership, added_by=acting_user)
    _cohort_record(cohort=cohort, action="cohort.created", acting_user=acting_user,
                   reasons=f"{title} set up for {forum.name}, marked {marking.name}")
    return cohort


@transaction.atomic
def cohort_member_add(*, cohort, member_membership, acting_user: User, acting_membership):
    from exchange.models import CohortMember

    if not cohort_may_coordinate(membership=acting_membership, cohort=cohort):
        raise ValidationError("Only the coordinating organisation's officers add members")
    if (
        member_membership is None or not member_membership.is_active or member_membership.role not in SENDING_ROLES
        or not member_membership.organisation.partnership_places.filter(partnership=cohort.partnership).exists()
    ):
        raise ValidationError({"member": "Select an officer of an organisation of the partnership"})
    if CohortMember.objects.filter(cohort=cohort, membership=member_membership, ended_at__isnull=True).exists():
        raise ValidationError({"member": f"{member_membership.user.display_name} is already a member"})
    member = CohortMember.objects.create(cohort=cohort, membership=member_membership, added_by=acting_user)
    _cohort_record(
        cohort=cohort, action="cohort.member_added", acting_user=acting_user,
        reasons=f"{member_membership.user.display_name} of {member_membership.organisation.name} added",
        details={"membership_id": member_membership.pk},
    )
    return member


@transaction.atomic
def cohort_member_end(*, cohort, member, acting_user: User, acting_membership):
    if not cohort_may_coordinate(membership=acting_membership, cohort=cohort):
        raise ValidationError("Only the coordinating organisation's officers remove members")
    if member.cohort_id != cohort.pk or member.ended_at is not None:
        raise ValidationError("That person is not a member")
    member.ended_at = timezone.now()
    member.save(update_fields=["ended_at"])
    _cohort_record(cohort=cohort, action="cohort.member_ended", acting_user=acting_user,
                   reasons=f"{member.membership.user.display_name}'s access ended")
    return member


def _cohort_member_membership(*, cohort, acting_user: User, acting_membership):
    from exchange.models import CohortMember

    if acting_membership is None or not CohortMember.objects.filter(
        cohort=cohort, membership=acting_membership, ended_at__isnull=True, membership__is_active=True
    ).exists():
        raise ValidationError("Act as a member of this cohort")
    return acting_membership


@transaction.atomic
def cohort_person_add(*, cohort, full_name: str, date_of_birth, acting_user: User, acting_membership):
    from exchange.models import CohortPerson
    from exchange.retention import cohort_person_held_copy_record

    _cohort_member_membership(cohort=cohort, acting_user=acting_user, acting_membership=acting_membership)
    errors: dict = {}
    full_name = collect_text(full_name, field="full_name", label="Full name", max_length=200, errors=errors)
    if not full_name and "full_name" not in errors:
        errors["full_name"] = "Enter the person's full name"
    if date_of_birth is not None and date_of_birth >= timezone.localdate():
        errors["date_of_birth"] = "Date of birth must be in the past"
    if errors:
        raise ValidationError(errors)
    person = CohortPerson.objects.create(cohort=cohort, full_name=full_name, date_of_birth=date_of_birth,
                                         added_by=acting_user)
    cohort_person_held_copy_record(person=person)
    _cohort_record(cohort=cohort, action="cohort.person_added", acting_user=acting_user,
                   organisation=acting_membership.organisation, reasons="A person was added to the cohort",
                   details={"person_id": person.pk})
    return person


@transaction.atomic
def cohort_entry_save(*, person, kind: str, text: str, acting_user: User, acting_membership):
    """Add or change the acting organisation's entry of `kind` about `person`; the change is kept."""
    from exchange.models import CohortEntry, CohortEntryChange, EntryKind

    membership = _cohort_member_membership(cohort=person.cohort, acting_user=acting_user,
                                           acting_membership=acting_membership)
    if person.left_at is not None or person.destroyed_at is not None:
        raise ValidationError("This person has left the programme")
    errors: dict = {}
    if kind not in EntryKind.values:
        errors["kind"] = "Select what the entry is about"
    text = collect_text(text, field="text", label="Entry", max_length=MAX_ENTRY, errors=errors)
    if not text and "text" not in errors:
        errors["text"] = "Enter the entry"
    if errors:
        raise ValidationError(errors)
    entry = CohortEntry.objects.select_for_update().filter(
        person=person, organisation=membership.organisation, kind=kind
    ).first()
    if entry is None:
        entry = CohortEntry.objects.create(person=person, organisation=membership.organisation, kind=kind, text=text,
                                           updated_by=acting_user)
    elif entry.text != text:
        entry.text, entry.updated_by = text, acting_user
        entry.save(update_fields=["text", "updated_by", "updated_at"])
    else:
        return entry
    CohortEntryChange.objects.create(entry=entry, text=text, changed_by=acting_user)
    return entry


@transaction.atomic
def cohort_person_leave(*, person, reason: str, acting_user: User, acting_membership):
    """The person leaves the programme: out of the workspace at once; retention counts from now."""
    from exchange.retention import cohort_person_held_copy_record

    cohort = person.cohort
    if not cohort_may_coordinate(membership=acting_membership, cohort=cohort):
        raise ValidationError("Only the coordinating organisation's officers record a person leaving")
    errors: dict = {}
    reason = collect_text(reason, field="reason", label="Reason", max_length=1000, errors=errors)
    if not reason and "reason" not in errors:
        errors["reason"] = "Give the reason the person left the programme"
    if errors:
        raise ValidationError(errors)
    if person.left_at is not None:
        raise ValidationError("This person has already left the programme")
    person.left_at = timezone.now()
    person.save(update_fields=["left_at"])
    cohort_person_held_copy_record(person=person, start=timezone.localdate())
    _cohort_record(cohort=cohort, action="cohort.person_left", acting_user=acting_user, reasons=reason,
                   details={"person_id": person.pk})
    return person
