"""Every model holding personal data is under the retention engine (portal/retention/registry.py).

"Holds personal data" is decided mechanically: an app model (portal, consent, sharing, meetings)
with a free-text or file field — CharField/TextField/FileField/JSONField without choices. Each
such model is either COVERED by a registered retention content type (whose `purge` clears it when
the content's last copy is destroyed), or EXEMPT with the reason it is kept. A new model with a
name or notes field fails this test until it is put in one or the other."""
from django.apps import apps
from django.db import models

from portal.retention.registry import retention_contents

SCANNED_APPS = ("portal", "consent", "sharing", "meetings", "datasets")
SCANNED_APPS = ("portal", "consent", "sharing", "meetings", "governance")
PERSONAL_FIELD_TYPES = (models.CharField, models.TextField, models.FileField, models.JSONField)

# model label -> the retention content type whose purge clears it
COVERED = {
    "exchange.DistributionIssue": "exchange.distribution_issue",
    "exchange.CohortPerson": "exchange.cohort_person",
    "exchange.CohortEntry": "exchange.cohort_person",
    "exchange.CohortEntryChange": "exchange.cohort_person",
    "consent.ConsentRecord": "consent.record",
    # consent.retention.data_subjects_purge clears a subject when no live copy names it
    "portal.DataSubject": "consent.record",
    "sharing.DisclosureRequest": "sharing.request",
    "sharing.ChecklistAnswer": "sharing.request",
    "sharing.FlowchartRun": "sharing.request",
    "sharing.RequestNote": "sharing.request",
    "sharing.SubJudiceConsultation": "sharing.request",
    "sharing.Decision": "sharing.request",
    "sharing.ReleaseItem": "sharing.request",
    "sharing.ReleaseAttachment": "sharing.request",
    "sharing.Dispute": "sharing.request",
    "sharing.ConsentReliance": "sharing.request",
    "sharing.PublicInterestOverride": "sharing.request",
    "sharing.OnwardRequest": "sharing.request",
    "meetings.Paper": "meetings.paper",
    "meetings.AgendaItem": "meetings.agenda_item",
    "meetings.MeetingAction": "meetings.agenda_item",
    # governance/retention.py: one copy per organisation party to the case, six years after it closes
    "governance.RightsCase": "governance.rights_case",
    "governance.RightsConsultation": "governance.rights_case",
    "governance.ProcessingRestriction": "governance.rights_case",
    "governance.NonComplianceReport": "governance.noncompliance",
    "governance.SuspensionDecision": "governance.suspension",
}

# model label -> why it is not destroyed by the retention engine
EXEMPT = {
    "exchange.ApiClient": "a partner system's registration (a system name and scopes), not people",
    "exchange.ApiKey": "a key's prefix and digest, no personal data",
    "exchange.IdempotencyRecord": "the answer to an API write: a reference, a state and a link only",
    "exchange.Distribution": "a document series: its title, marking and handling rules, not people",
    "exchange.DistributionRecipient": "who receives a series: a membership link, no free text",
    "exchange.IssueAcknowledgement": "who agreed to an issue's handling rules and when, no free text",
    "exchange.Cohort": "a forum's cohort: its title, forum and marking, not people",
    "exchange.CohortMember": "who takes part in a cohort: a membership link, no free text",
    "exchange.WebhookDelivery": "a webhook's reference, state and link only, never personal data by rule",
    "portal.User": "accounts of the professionals using the portal, removed by account services, not case data",
    "portal.Organisation": "the partner organisations themselves, not people",
    "portal.Partnership": "the partnerships themselves and a contact route, not people",
    "portal.PartnershipMember": "an organisation's standing and suspension in a partnership, not people",
    "portal.IdentityProvider": "an organisation's sign-in configuration (issuer, client, domains), not people",
    "portal.ExternalIdentity": "binds a provider's subject id to an account, like portal.User; removed with the account",
    "portal.SsoAccessRequest": "an account request (work address and name), account administration like portal.User",
    "portal.UserSession": "a session key per signed-in user, deleted when the session ends",
    "portal.DecisionLogEntry": "the accountability record, append-only by design (database trigger refuses changes)",
    "portal.DecisionLogAnchor": "the decision log's anchored head: a count, an entry id and hashes, no personal data",
    "portal.DecisionLogVerification": "a verification run of the chain: counts, entry ids, hashes, times; no personal data",
    "portal.DecisionLogVerificationChunk": "one range of a verification run: entry ids, counts, hashes; no personal data",
    "portal.AccessLogEntry": "accountability record; pruned by the retention engine's own access-log expiry",
    "portal.Notification": "subject lines carry no personal data by rule (notifications.services.notify)",
    "portal.ProtocolPack": "protocol configuration, no personal data",
    "portal.Purpose": "protocol configuration, no personal data",
    "portal.LegalGateway": "protocol configuration, no personal data",
    "portal.LawfulBasis": "protocol configuration, no personal data",
    "portal.ChecklistQuestion": "protocol configuration, no personal data",
    "portal.FlowchartNode": "protocol configuration, no personal data",
    "portal.MarkingLevel": "protocol configuration, no personal data",
    "portal.Forum": "protocol configuration, no personal data",
    "portal.PublicInterestGround": "protocol configuration, no personal data",
    "portal.RetentionDefault": "retention configuration, no personal data",
    "portal.RetentionPolicy": "retention configuration, no personal data",
    "portal.DestructionRun": "the engine's own run record (worker name and counts)",
    "portal.HeldCopy": "the engine's own copy record; becomes the tombstone when destroyed",
    "portal.RetentionExtension": "the engine's own record of why a copy is kept longer",
    "portal.LegalHold": "the engine's own hold record, kept as accountability",
    "meetings.Meeting": (
        "forum meeting record (title, location, minutes) kept as the forum's record; case detail "
        "lives in agenda items and papers, which are covered"
    ),
    "meetings.Attendee": "signing-in sheet of the professionals who attended, the meeting's accountability record",
    # Issue 13: depersonalised datasets. Rows are checked and coarsened before anything is stored
    # (datasets/checking.py) and the uploaded file is deleted when its check ends.
    "datasets.Submission": "who submitted which dataset for which period; refused rows by line and reason, never values",
    "datasets.DatasetRecord": "a depersonalised row (outward postcode, category, date); no personal data by its check",
    "datasets.AreaCount": "counts by district, category and month: aggregates, no personal data",
    "datasets.FeedToken": "a token's digest and name for the BI feed, not people",
    "governance.Breach": (
        "the organisation's record of a breach, which UK GDPR Art 33(5) requires it to keep; it names no one "
        "(the people are linked data subjects, under their own records' retention)"
    ),
    "governance.Complaint": (
        "the record of a complaint and its agreed outcome (SSP 12), kept as accountability; it names no one "
        "(the complainant's details stay in the receiving organisation's own complaints system)"
    ),
    "governance.ComplaintPart": "one organisation's findings on a complaint, part of the complaint's accountability record",
}


def personal_data_models(model_list) -> list[str]:
    labels = []
    for model in model_list:
        if model._meta.app_label not in SCANNED_APPS:
            continue
        if any(
            isinstance(field, PERSONAL_FIELD_TYPES) and not getattr(field, "choices", None)
            for field in model._meta.get_fields()
        ):
            labels.append(model._meta.label)
    return labels


def retention_offenders(model_list, *, registered: set[str], covered: dict, exempt: dict) -> list[str]:
    offenders = []
    for label in personal_data_models(model_list):
        if label in exempt:
            continue
        if label not in covered:
            offenders.append(f"{label}: holds free text or files but is neither covered by retention nor exempt")
        elif covered[label] not in registered:
            offenders.append(f"{label}: its content type {covered[label]!r} is not registered")
    return offenders


def test_every_model_holding_personal_data_is_under_retention_or_exempt_with_a_reason():
    registered = {content.content_type for content in retention_contents()}
    offenders = retention_offenders(apps.get_models(), registered=registered, covered=COVERED, exempt=EXEMPT)
    assert not offenders, "\n".join(offenders)
    assert all(len(reason.split()) >= 4 for reason in EXEMPT.values())


def test_the_checker_fails_for_a_new_model_with_a_name_field():
    class Meta:
        app_label = "sharing"
        label = "sharing.Witness"

        @staticmethod
        def get_fields():
            return [models.CharField(name="full_name", max_length=100)]

    class Witness:
        _meta = Meta

    assert retention_offenders([Witness], registered={"sharing.request"}, covered=COVERED, exempt=EXEMPT) == [
        "sharing.Witness: holds free text or files but is neither covered by retention nor exempt"
    ]
    covered = {**COVERED, "sharing.Witness": "sharing.witness"}
    assert retention_offenders([Witness], registered={"sharing.request"}, covered=covered, exempt=EXEMPT) == [
        "sharing.Witness: its content type 'sharing.witness' is not registered"
    ]
