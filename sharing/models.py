"""Disclosure requests and everything decided on them (DOMAIN.md §4; SSP 5.6, 6, 8.2, 9.2,
Appendices 2–4; SDP 5.1).

Lifecycle (the transition table is `sharing.lifecycle.TRANSITIONS`; only `lifecycle.transition`
changes `status`):

    draft ─submit─▶ submitted ─assign─▶ in review ─decide─▶ released | partly released | declined
      │                │   ▲               │  ▲                          │
      │                │   └─resubmit──┐   │  └─advice given─┐           └─dispute─▶ disputed
      ▼                ▼               │   ▼                 │                        │
    withdrawn       returned for more information      awaiting advice      upheld (back to the decision)
                                                                            or overturned (back to review)

Need-to-know (SSP 8.2; SDP 5.1 d): a request's personal data is seen by its requester, its
assignee, the designated officers of the two organisations, and anyone granted the
`access_disclosure` object permission (django-guardian, direct foreign keys below). Reads go
through `sharing.selectors.access_disclosure`.

The basis of a release (SSP 6) is a `ConsentReliance` (the consent record relied on) or an
approved `PublicInterestOverride` (four eyes); released items pass to a third organisation only
through an approved `OnwardRequest` (SSP Appendix 2 q5; SDP 5.1), which becomes a new request.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.models.subjects import SubjectRole


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for more information"
    IN_REVIEW = "in_review", "In review"
    AWAITING_ADVICE = "awaiting_advice", "Awaiting designated officer's advice"
    RELEASED = "released", "Released"
    PARTLY_RELEASED = "partly_released", "Partly released"
    DECLINED = "declined", "Declined"
    DISPUTED = "disputed", "Disputed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    IMMEDIATE = "immediate", "Immediate – risk of serious harm"


class DisclosureRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    protocol_pack = models.ForeignKey(
        "portal.ProtocolPack", on_delete=models.PROTECT, related_name="+", help_text="The protocol in force when raised."
    )
    requesting_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    holding_organisation = models.ForeignKey(
        "portal.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.ForeignKey("portal.Purpose", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    forum = models.ForeignKey("portal.Forum", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    legal_gateway = models.ForeignKey(
        "portal.LegalGateway", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lawful_bases = models.ManyToManyField("portal.LawfulBasis", blank=True, related_name="+")
    information_requested = models.TextField(blank=True)
    third_parties = models.TextField("third parties named", blank=True)
    special_category = models.BooleanField(null=True, blank=True)
    criminal_offence_data = models.BooleanField(null=True, blank=True)
    victim_witness_information = models.BooleanField(null=True, blank=True)
    sub_judice = models.BooleanField("under investigation or prosecution", null=True, blank=True)
    urgency = models.CharField(max_length=16, choices=Urgency.choices, blank=True)
    needed_by = models.DateField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_under = models.ForeignKey(
        "portal.ProtocolPack",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The protocol version in force when the decision was made.",
    )

    class Meta:
        permissions = [("access_disclosure", "Can see the request's personal data")]
        indexes = [
            models.Index(fields=["holding_organisation", "status", "needed_by"]),
            models.Index(fields=["requesting_organisation", "status"]),
            models.Index(fields=["requester", "-id"]),
            models.Index(fields=["assignee", "status"]),
            # The monitoring report (oversight, issue 12) reads the requests raised, or decided, in a
            # period: these cover every column it counts by, so it scans the index only.
            models.Index(
                fields=["submitted_at"],
                include=[
                    "protocol_pack", "status", "decided_at", "needed_by", "requesting_organisation",
                    "holding_organisation", "sub_judice", "purpose", "forum", "legal_gateway",
                ],
                name="sharing_request_report_raised",
            ),
            models.Index(
                fields=["decided_at"],
                include=["protocol_pack", "requesting_organisation", "holding_organisation", "purpose", "forum", "legal_gateway"],
                name="sharing_request_report_decided",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class RequestSubject(models.Model):
    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="subjects")
    subject = models.ForeignKey("portal.DataSubject", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=SubjectRole.choices)

    class Meta:
        ordering = ["pk"]


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class ChecklistAnswer(models.Model):
    """SSP Appendix 2: each necessity and proportionality question answered with a reason."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="checklist_answers")
    question = models.ForeignKey("portal.ChecklistQuestion", on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=3, choices=YesNo.choices)
    reason = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "question"], name="sharing_checklist_once")]
        ordering = ["question__order"]


class FlowchartRun(models.Model):
    """The responder's pass through the key-questions flowchart (SSP Appendix 3; DOMAIN.md §6).
    `path` is the list of {"node": code, "answer": yes|no|not_sure, "note": text} in order."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="flowchart_runs")
    responder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    path = models.JSONField(default=list)
    outcome = models.CharField(max_length=32, blank=True)
    safeguarding_concern = models.BooleanField(default=False)
    safeguarding_note = models.TextField(blank=True)
    confirmations = models.JSONField(default=list, help_text="Codes of the 'share' confirmations ticked.")
    reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]


class NoteKind(models.TextChoices):
    RETURNED = "returned", "Returned for more information"
    ANSWER = "answer", "Requester's answer"
    ADVICE_SOUGHT = "advice_sought", "Advice sought from designated officer"
    ADVICE = "advice", "Designated officer's advice"
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent relied on has been withdrawn"
    OVERRIDE_REJECTED = "override_rejected", "Public-interest override rejected"


class RequestNote(models.Model):
    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=NoteKind.choices)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class SubJudiceConsultation(models.Model):
    """SSP 5.6: a flagged request is not released until the investigating officer or the CPS
    has been consulted, and who, when and what they said is recorded."""

    class ConsultedRole(models.TextChoices):
        INVESTIGATING_OFFICER = "investigating_officer", "Investigating officer"
        CPS = "cps", "Crown Prosecution Service"

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="sub_judice_consultations")
    consulted_name = models.CharField(max_length=200)
    consulted_role = models.CharField(max_length=32, choices=ConsultedRole.choices)
    consulted_at = models.DateTimeField()
    outcome = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)


class Outcome(models.TextChoices):
    RELEASED = "released", "Release in full"
    PARTLY_RELEASED = "partly_released", "Release in part"
    DECLINED = "declined", "Decline"


class Decision(models.Model):
    """A release, a partial release or a decline: each recorded with its reasons (SSP Appendix 4
    rule 7). Released items carry the marking and the handling conditions (SSP 8.2; SDP 5.1)."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reasons = models.TextField()
    withheld = models.TextField(blank=True, help_text="For a partial release: what is withheld and why.")
    marking = models.ForeignKey("portal.MarkingLevel", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handling_conditions = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    protocol_pack = models.ForeignKey("portal.ProtocolPack", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [
            # The monitoring report's basis of releases: current decisions of a period.
            models.Index(
                fields=["decided_at"],
                include=["request", "outcome", "protocol_pack"],
                condition=models.Q(is_current=True),
                name="sharing_decision_report",
            )
        ]


class FactOrOpinion(models.TextChoices):
    FACT = "fact", "Fact"
    OPINION = "opinion", "Opinion"


class ReleaseItem(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="items")
    text = models.TextField()
    fact_or_opinion = models.CharField(max_length=8, choices=FactOrOpinion.choices)
    originating_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]


def attachment_path(instance, filename: str) -> str:
    # The stored name is random: the user's filename is kept in `original_name`, never in a path.
    return f"releases/{instance.decision.request_id}/{uuid.uuid4().hex}"


class ReleaseAttachment(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Decision upheld"
    OVERTURNED = "overturned", "Decision overturned"


class Dispute(models.Model):
    """SSP 9.2: the requester disputes a decline or partial release; the designated officers of
    both organisations resolve it: the requesting organisation's records its view, the holding
    organisation's upholds or overturns the decision, with reasons, and the log keeps both."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="disputes")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField()
    raised_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    # SSP 9.2: the two designated officers resolve it together. The requesting organisation's
    # designated officer records their view before the holding organisation's records the outcome.
    requesting_view = models.TextField(blank=True)
    requesting_view_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requesting_view_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]


# ---------------------------------------------------------------------------------------------
# The basis of a release (SSP 6): consent relied on, or a public-interest override
# ---------------------------------------------------------------------------------------------


class ConsentReliance(models.Model):
    """SSP 6.1, Appendix 5: the consent record a release relies on, and which of its information
    items cover what is released. The responder chooses it while the request is in review
    (`decision` empty); at release it is checked again against the record (recipient, purpose,
    information, not withdrawn, not expired) and, if it covers the release, `decision` and
    `relied_at` are set. Only the current choice (`is_current`) counts."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="consent_reliances")
    consent = models.ForeignKey("consent.ConsentRecord", on_delete=models.PROTECT, related_name="+")
    information_items = models.JSONField(default=list, help_text="The consent's information items relied on.")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=True)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="consent_reliances"
    )
    relied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-chosen_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=models.Q(is_current=True), name="sharing_consent_reliance_one_current"
            )
        ]


class ConsentPosition(models.TextChoices):
    NOT_SOUGHT = "not_sought", "Consent was not sought"
    REFUSED = "refused", "Consent was sought and refused"


class NotSoughtReason(models.TextChoices):
    """SSP 6.2: why consent was not sought."""

    PREJUDICE = "prejudice", "Seeking consent would prejudice the purpose of sharing"
    RISK = "risk", "Seeking consent would put someone at risk"
    NOT_OBTAINABLE = "not_obtainable", "Consent could not reasonably be obtained"
    OTHER = "other", "Another reason"


class OverrideStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for a designated officer's approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class PublicInterestOverride(models.Model):
    """SSP 6.2–6.4: sharing without consent because the public interest requires it. The
    responder records why consent was not sought (or that it was refused), the public-interest
    grounds, the Art 6 condition (and the Art 9 and DPA 2018 Schedule 1 conditions when special
    category or criminal-offence data is involved), the proportionality case, the risk of not
    sharing and the less intrusive alternatives considered. The holding organisation's designated
    officer approves or rejects it, with reasons; never the person who proposed it (four eyes).

        proposed ─approve─▶ approved          (release may go ahead)
            └────reject───▶ rejected          (back to the responder; a new proposal may follow)

    At most one override of a request is proposed or approved at a time."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="overrides")
    flowchart_run = models.ForeignKey(
        FlowchartRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The run of the key-questions flowchart that ended in 'share in the public interest'.",
    )
    consent_position = models.CharField(max_length=16, choices=ConsentPosition.choices)
    not_sought_reason = models.CharField(max_length=16, choices=NotSoughtReason.choices, blank=True)
    consent_explanation = models.TextField(
        blank=True, help_text="Why consent was not sought (needed for 'another reason'), or how it was refused."
    )
    grounds = models.ManyToManyField("portal.PublicInterestGround", related_name="+")
    art6_condition = models.ForeignKey("portal.LawfulBasis", on_delete=models.PROTECT, related_name="+")
    art9_condition = models.ForeignKey(
        "portal.LawfulBasis", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dpa_sch1_condition = models.ForeignKey(
        "portal.LawfulBasis", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proportionality = models.TextField(help_text="Why this much information, to these people.")
    risk_of_not_sharing = models.TextField()
    alternatives_considered = models.TextField(help_text="Less intrusive alternatives considered.")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=12, choices=OverrideStatus.choices, default=OverrideStatus.PROPOSED, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status__in=["proposed", "approved"]),
                name="sharing_override_one_live",
            )
        ]


# ---------------------------------------------------------------------------------------------
# Onward disclosure (SSP Appendix 2 q5; SDP 5.1)
# ---------------------------------------------------------------------------------------------


class OnwardStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the originator's decision"
    APPROVED = "approved", "Approved: not shared yet"
    DECLINED = "declined", "Declined"
    SHARED = "shared", "Shared onward"


class OnwardRequest(models.Model):
    """A recipient asks the originator, through the portal, to pass released items to another
    organisation: which items, to whom, for what purpose, why. The holding organisation (the
    originator: its responder or designated officer) approves or declines with reasons. Approved,
    the recipient shares the items as a new disclosure (`resulting_request`): the third
    organisation is its requesting (receiving) organisation, the recipient's organisation its
    holding organisation, and every item still names the original originator. Declined, nothing
    leaves.

        pending ─approve─▶ approved ─share─▶ shared
           └─────decline──▶ declined
    """

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="onward_requests")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="onward_requests")
    items = models.ManyToManyField(ReleaseItem, related_name="onward_requests")
    to_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    purpose = models.ForeignKey("portal.Purpose", on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=OnwardStatus.choices, default=OnwardStatus.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    resulting_request = models.OneToOneField(
        DisclosureRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="onward_source"
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]


# django-guardian with direct foreign keys (faster than its generic tables, and the foreign key
# keeps the database honest). Assignment grants `access_disclosure` here.
class DisclosureRequestUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE)


class DisclosureRequestGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE)
