"""Issues live before recipients were resolved per issue: their named recipients become the
issue's recipients, and each recipient organisation gets its own held copy of the issue (ADR
0006), dated as the sender's copy (no policy of its own was applied then; the next issue, or the
sender's date, destroys it)."""
from django.db import migrations


def backfill(apps, schema_editor):
    DistributionIssue = apps.get_model("exchange", "DistributionIssue")
    IssueRecipient = apps.get_model("exchange", "IssueRecipient")
    HeldCopy = apps.get_model("portal", "HeldCopy")
    for issue in DistributionIssue.objects.filter(destroyed_at__isnull=True).select_related("distribution"):
        distribution = issue.distribution
        sender_copy = HeldCopy.objects.filter(
            content_type="exchange.distribution_issue", content_id=issue.pk, holder_id=distribution.organisation_id,
            destroyed_at__isnull=True,
        ).first()
        if sender_copy is None:
            continue
        organisations = set()
        for recipient in distribution.recipients.select_related("membership").filter(membership__is_active=True):
            if recipient.membership.organisation_id == distribution.organisation_id:
                continue
            IssueRecipient.objects.get_or_create(issue=issue, membership_id=recipient.membership_id,
                                                 defaults={"via": "Named"})
            organisations.add(recipient.membership.organisation_id)
        for organisation_id in sorted(organisations):
            HeldCopy.objects.get_or_create(
                content_type=sender_copy.content_type, content_id=issue.pk, kind=sender_copy.kind,
                holder_id=organisation_id,
                defaults={
                    "reference": sender_copy.reference, "officer_id": sender_copy.officer_id,
                    "marking_code": sender_copy.marking_code, "marking_name": sender_copy.marking_name,
                    "policy_description": "Carried over from the sender's copy when recipient copies began",
                    "started_on": sender_copy.started_on, "review_date": sender_copy.review_date,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("exchange", "0004_h14_role_recipients_and_issue_recipients")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
