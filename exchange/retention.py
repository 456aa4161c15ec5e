"""Distribution issues under retention (SDP Appendix 3: destroyed when the next issue arrives).

Each issue has one held copy (`exchange.distribution_issue`, kind RELEASED_DATA) per holder: the
sending organisation's and each recipient organisation's (ADR 0006), recorded at upload under
each holder's policy. A recipient organisation's copy destroyed (at its period) ends its people's
access to the issue, whatever the other holders keep. Uploading the next issue destroys the
previous ones at once through the retention engine (`retention_destroy_now`), so each leaves a
tombstone and a `retention.destroyed` decision-log entry; a legal hold still keeps one. Destroying
an issue deletes its file; the row stays (number, name, size, uploader, when destroyed)."""
from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from exchange.models import DistributionIssue
from portal.models import RetentionRecordKind
from portal.retention.services import held_copy_record
from portal.uploads import stored_file_delete

CONTENT_TYPE = "exchange.distribution_issue"


def distribution_issue_path(content_id: int) -> str:
    # The issue's page: the sender's officers and the recipients alike reach it (until destroyed).
    return reverse("exchange:issue", kwargs={"pk": content_id})


def issue_held_copy_record(*, issue: DistributionIssue, holder: int | None = None):
    """The sender's copy (default) or a recipient organisation's (`holder`): each is destroyed at
    the next issue, or at its holder's own retention period, whichever comes first; the file goes
    with the last of them."""
    distribution = issue.distribution
    return held_copy_record(
        content_type=CONTENT_TYPE, content_id=issue.pk, kind=RetentionRecordKind.RELEASED_DATA,
        holder=holder or distribution.organisation_id, reference=issue.reference, officer=issue.uploaded_by,
        marking=distribution.marking,
    )


def distribution_issues_purge(content_ids: list[int]) -> None:
    ids = sorted({int(pk) for pk in content_ids})
    for issue in DistributionIssue.objects.filter(pk__in=ids).exclude(file="").only("pk", "file"):
        stored_file_delete(issue.file)
    DistributionIssue.objects.filter(pk__in=ids).update(file="")
    DistributionIssue.objects.filter(pk__in=ids, destroyed_at__isnull=True).update(destroyed_at=timezone.now())


# Shared case workspaces: each person in a cohort is one held copy of the coordinating
# organisation (kind REQUESTS, counted from when they were added; restarted when they leave).
# Destroying it clears their name, date of birth and every organisation's entries and history.
COHORT_CONTENT_TYPE = "exchange.cohort_person"


def cohort_person_path(content_id: int) -> str:
    from exchange.models import CohortPerson

    cohort_id = CohortPerson.objects.filter(pk=content_id).values_list("cohort_id", flat=True).first()
    return reverse("exchange:cohort_detail", kwargs={"pk": cohort_id}) if cohort_id else ""


def cohort_person_held_copy_record(*, person, start=None):
    cohort = person.cohort
    return held_copy_record(
        content_type=COHORT_CONTENT_TYPE, content_id=person.pk, kind=RetentionRecordKind.REQUESTS,
        holder=cohort.organisation_id, reference=f"{cohort.reference}-{person.pk}", officer=person.added_by,
        marking=cohort.marking, start=start,
    )


def cohort_people_purge(content_ids: list[int]) -> None:
    from exchange.models import CohortEntry, CohortEntryChange, CohortPerson

    ids = sorted({int(pk) for pk in content_ids})
    CohortEntryChange.objects.filter(entry__person_id__in=ids).delete()
    CohortEntry.objects.filter(person_id__in=ids).delete()
    CohortPerson.objects.filter(pk__in=ids).update(full_name="", date_of_birth=None)
    CohortPerson.objects.filter(pk__in=ids, destroyed_at__isnull=True).update(destroyed_at=timezone.now())
