"""Reads of `exchange`: the clients a partnership admin manages (404 alike for missing and
another partnership's), and finding the client a presented API key belongs to."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from exchange import keys
from exchange.models import ApiClient, ApiKey, WebhookDelivery
from portal.models import Partnership


def api_clients_of(*, partnership: Partnership | None) -> QuerySet[ApiClient]:
    if partnership is None:
        return ApiClient.objects.none()
    return ApiClient.objects.filter(partnership=partnership).select_related("organisation").order_by("name", "pk")


def access_api_client(*, partnership: Partnership | None, pk: int | str) -> ApiClient:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such API client") from None
    client = api_clients_of(partnership=partnership).select_related("created_by", "revoked_by").filter(pk=pk).first()
    if client is None:
        raise Http404("No such API client")
    return client


def api_client_keys(*, client: ApiClient) -> list[ApiKey]:
    return list(client.keys.order_by("-created_at", "-pk"))


def api_client_deliveries(*, client: ApiClient, limit: int = 20) -> list[WebhookDelivery]:
    return list(client.deliveries.order_by("-created_at", "-pk")[:limit])


def api_key_authenticate(*, presented: str) -> tuple[ApiClient, ApiKey] | None:
    """The active client and key `presented` belongs to, or None (unknown, wrong, expired,
    revoked, or the client's account or membership gone)."""
    prefix = keys.key_prefix(presented or "")
    if prefix is None:
        return None
    key = (
        ApiKey.objects.select_related("client", "client__organisation", "client__account", "client__membership",
                                      "client__membership__organisation")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not keys.key_matches(presented, key.digest):
        return None
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return None
    client = key.client
    if not client.is_active or not client.account.is_active or not client.membership.is_active:
        return None
    return client, key


# ---------------------------------------------------------------------------------------------
# Marked distributions: the sender's officers manage a series; its named recipients read issues
# ---------------------------------------------------------------------------------------------

SENDER_ROLES = ("officer", "designated_officer")


def _sender(membership) -> bool:
    return membership is not None and membership.role in SENDER_ROLES


def distributions_sent(*, membership) -> QuerySet:
    from exchange.models import Distribution

    if not _sender(membership):
        return Distribution.objects.none()
    return Distribution.objects.filter(organisation_id=membership.organisation_id).select_related("marking")


RECIPIENT_ROLES = ("officer", "designated_officer", "dpo", "chair")


def _live_copy_of_recipient_organisation():
    """The recipient organisation still holds its copy of the issue (ADR 0006): destroyed at its
    own period, or at the next issue, it ends its people's access."""
    from django.db.models import Exists, OuterRef

    from exchange.retention import CONTENT_TYPE
    from portal.models import HeldCopy

    return Exists(HeldCopy.objects.filter(
        content_type=CONTENT_TYPE, content_id=OuterRef("issue_id"), holder_id=OuterRef("membership__organisation_id"),
        destroyed_at__isnull=True,
    ))


def issue_recipients_with_access(*, user) -> QuerySet:
    """The issue-recipient rows through which `user` may read an issue now: sent to one of their
    memberships when it was uploaded, the membership still active, their organisation's copy live."""
    from exchange.models import IssueRecipient

    return IssueRecipient.objects.filter(
        membership__user=user, membership__is_active=True, membership__user__is_active=True,
        issue__destroyed_at__isnull=True,
    ).filter(_live_copy_of_recipient_organisation())


def issues_received(*, user) -> QuerySet:
    """The live issues `user` was sent (named, or holding a recipient role when it was issued)."""
    from exchange.models import DistributionIssue

    return (
        DistributionIssue.objects.filter(pk__in=issue_recipients_with_access(user=user).values("issue_id"))
        .select_related("distribution", "distribution__organisation", "distribution__marking")
        .order_by("-uploaded_at", "-pk")
    )


def access_distribution(*, membership, pk) -> object:
    """A series of the acting officer's organisation; 404 for anything else."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such distribution") from None
    distribution = distributions_sent(membership=membership).select_related("organisation", "partnership").filter(
        pk=pk
    ).first()
    if distribution is None:
        raise Http404("No such distribution")
    return distribution


def access_issue(*, user, membership, pk):
    """(issue, as recipient) for a named recipient of its series, or an officer of the sending
    organisation (not as recipient); 404 alike for missing, destroyed and not yours."""
    from exchange.models import DistributionIssue

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such issue") from None
    issue = issues_received(user=user).filter(pk=pk).first()
    if issue is not None:
        return issue, True
    issue = (
        DistributionIssue.objects.filter(pk=pk, destroyed_at__isnull=True)
        .select_related("distribution", "distribution__organisation", "distribution__marking")
        .first()
    )
    if issue is not None and _sender(membership) and membership.organisation_id == issue.distribution.organisation_id:
        return issue, False
    raise Http404("No such issue")


def distribution_recipient_status(*, distribution) -> list[dict]:
    """For the sender: everyone the latest issue reached (named, or through a role then), and
    whether and when each acknowledged its handling rules and first downloaded it. Before any
    issue: the named recipients."""
    from exchange.models import IssueAcknowledgement

    latest = distribution.issues.order_by("-number").first()
    if latest is None:
        return [
            {"name": r.membership.user.display_name, "organisation": r.membership.organisation.name,
             "via": "Named", "active": r.membership.is_active, "acknowledged_at": None, "downloaded_at": None}
            for r in distribution.recipients.select_related("membership__user", "membership__organisation").order_by(
                "membership__organisation__name", "membership__user__last_name", "pk")
        ]
    acks = {a.user_id: a for a in IssueAcknowledgement.objects.filter(issue=latest)}
    rows = []
    for recipient in latest.recipients.select_related("membership__user", "membership__organisation").order_by(
        "membership__organisation__name", "membership__user__last_name", "pk"
    ):
        ack = acks.get(recipient.membership.user_id)
        rows.append({
            "name": recipient.membership.user.display_name,
            "organisation": recipient.membership.organisation.name,
            "via": recipient.via,
            "active": recipient.membership.is_active,
            "acknowledged_at": ack.acknowledged_at if ack else None,
            "downloaded_at": ack.first_downloaded_at if ack else None,
        })
    return rows


def distribution_role_rules(*, distribution) -> list:
    return list(distribution.role_recipients.select_related("organisation"))


def role_recipient_organisations(*, distribution) -> QuerySet:
    """The partnership's other organisations, for sending by role."""
    from portal.models import Organisation

    return (
        Organisation.objects.filter(partnership_places__partnership=distribution.partnership)
        .exclude(pk=distribution.organisation_id).order_by("name").distinct()
    )


def recipient_candidates(*, distribution) -> QuerySet:
    """People of the partnership's other organisations who could receive the series."""
    from portal.models import Membership

    return (
        Membership.objects.active()
        .filter(organisation__partnership_places__partnership=distribution.partnership,
                role__in=SENDER_ROLES)
        .exclude(organisation_id=distribution.organisation_id)
        .exclude(pk__in=distribution.recipients.values("membership_id"))
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__last_name", "user__first_name")
    )


def acknowledgement_of(*, issue, user):
    from exchange.models import IssueAcknowledgement

    return IssueAcknowledgement.objects.filter(issue=issue, user=user).first()


# ---------------------------------------------------------------------------------------------
# Shared case workspaces: only the cohort's current members see it
# ---------------------------------------------------------------------------------------------


def cohorts_of(*, user) -> QuerySet:
    from exchange.models import Cohort

    return Cohort.objects.filter(
        members__membership__user=user, members__ended_at__isnull=True, members__membership__is_active=True
    ).select_related("forum", "organisation", "marking").distinct()


def access_cohort(*, user, pk):
    """The cohort, to a current member (through an active membership); 404 otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such cohort") from None
    cohort = cohorts_of(user=user).select_related("partnership").filter(pk=pk).first()
    if cohort is None:
        raise Http404("No such cohort")
    return cohort


def cohorts_at_meeting(*, user, meeting) -> QuerySet:
    """The cohorts of the meeting's forum that `user` is a current member of (in the meeting's
    partnership): shown at the meeting instead of papers. Anyone else, nothing."""
    queryset = cohorts_of(user=user).filter(forum_id=meeting.forum_id)
    partnership_id = getattr(meeting, "partnership_id", None)
    if partnership_id is not None:
        queryset = queryset.filter(partnership_id=partnership_id)
    return queryset.order_by("title", "pk")


def cohort_people(*, cohort) -> list:
    """The people still in the programme, each with every organisation's entries and their history."""
    return list(cohort_people_current(cohort=cohort))


def cohort_people_current(*, cohort) -> QuerySet:
    """As `cohort_people`, as a queryset (the API pages it by cursor)."""
    from django.db.models import Prefetch

    from exchange.models import CohortEntry, CohortEntryChange

    return (
        cohort.people.filter(left_at__isnull=True, destroyed_at__isnull=True).prefetch_related(
            Prefetch("entries", queryset=CohortEntry.objects.select_related("organisation", "updated_by").prefetch_related(
                Prefetch("changes", queryset=CohortEntryChange.objects.select_related("changed_by"))
            ))
        )
    )


def cohort_person(*, cohort, pk):
    person = cohort.people.filter(pk=pk, left_at__isnull=True, destroyed_at__isnull=True).first()
    if person is None:
        raise Http404("No such person")
    return person


def cohort_members(*, cohort) -> list:
    return list(
        cohort.members.filter(ended_at__isnull=True).select_related("membership__user", "membership__organisation")
        .order_by("membership__organisation__name", "pk")
    )


def cohort_member_candidates(*, cohort) -> QuerySet:
    from portal.models import Membership

    return (
        Membership.objects.active()
        .filter(organisation__partnership_places__partnership=cohort.partnership, role__in=SENDER_ROLES)
        .exclude(pk__in=cohort.members.filter(ended_at__isnull=True).values("membership_id"))
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__last_name", "user__first_name")
    )
