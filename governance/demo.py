"""Demo breaches for `make run` (registered in GovernanceConfig.ready): one reported 10 hours
after its discovery, inside its 72 hours, and one discovered 80 hours ago, overdue; both at the
Stockport police, reported by the demo police officer, so `dpo.police` has them in the queue.
Through the service, so the decision log, the holds and the emails are as in real use.
Idempotent: a second run finds them and changes nothing."""
from __future__ import annotations

import datetime

from django.utils import timezone

from governance.models import Breach, DataCategory
from governance.services.breaches import breach_report
from portal.models import Membership
from portal.roles import Role
from sharing.models import Decision, Outcome

DEMO_BREACHES = [
    ("An email with a released case summary was sent to the wrong partner address.", 10),
    ("A printed MARAC paper was left on a train and has not been recovered.", 80),
]


def breaches_demo_load() -> str | None:
    membership = (
        Membership.objects.active().filter(user__username="officer.police", role=Role.OFFICER).select_related("user").first()
    )
    if membership is None:
        return None
    made = 0
    now = timezone.now()
    release = (
        Decision.objects.filter(request__requester=membership.user, outcome__in=[Outcome.RELEASED, Outcome.PARTLY_RELEASED])
        .order_by("pk")
        .first()
    )
    for text, hours_ago in DEMO_BREACHES:
        if Breach.objects.filter(what_happened=text).exists():
            continue
        discovered = now - datetime.timedelta(hours=hours_ago)
        breach_report(
            reporter=membership.user,
            membership=membership,
            what_happened=text,
            happened_at=discovered - datetime.timedelta(hours=2),
            discovered_at=discovered,
            occurred_organisation_id=membership.organisation_id,
            data_categories=[DataCategory.IDENTIFIERS, DataCategory.CRIMINAL_OFFENCE],
            people_affected=3,
            release_ids=[release.pk] if release and hours_ago < 72 else [],
        )
        made += 1
    return f"{made} breach{'es' if made != 1 else ''} (one inside its 72 hours, one overdue)" if made else None


DEMO_COMPLAINT = "The person says the council shared more about them with the police than was needed."


def complaints_demo_load() -> str | None:
    """A joint complaint the council received about one of its requests with the police: the
    council's DPO recorded it and its part; the police's part is still to come."""
    from governance.models import Complaint
    from governance.selectors.complaints import complaint_request_choices
    from governance.services.complaints import complaint_part_record, complaint_record

    if Complaint.objects.filter(summary=DEMO_COMPLAINT).exists():
        return None
    membership = Membership.objects.active().filter(user__username="dpo.council", role=Role.DPO).select_related("user", "organisation").first()
    if membership is None:
        return None
    request = complaint_request_choices(organisation_id=membership.organisation_id).exclude(
        requesting_organisation_id=membership.organisation_id, holding_organisation_id=membership.organisation_id
    ).first()
    if request is None:
        return None
    complaint = complaint_record(
        membership=membership, acting_user=membership.user, about="disclosure", summary=DEMO_COMPLAINT,
        received_on=timezone.localdate() - datetime.timedelta(days=3),
        acknowledged_on=timezone.localdate() - datetime.timedelta(days=2), request_ids=[request.pk],
    )
    complaint_part_record(
        complaint=complaint, findings="Our release answered the request as made; the police asked for the whole history.",
        acting_user=membership.user, membership=membership,
    )
    return f"1 joint complaint ({complaint.reference}) waiting for the other organisation's part"
DEMO_RIGHTS_SUMMARY = "Demo: a copy of everything the council and its partners hold about me (subject access)."


def rights_demo_load() -> str | None:
    """A subject access case the council's DPO received 5 days ago from Jordan Blake (the demo
    requests' subject, whose records the police hold): linked, so the police are consulted and
    the case awaits their answer. Through the services; idempotent."""
    from governance.models import RightsCase
    from governance.selectors.rights import subjects_matching
    from governance.services.rights import rights_case_open, rights_case_subjects_link

    membership = (
        Membership.objects.active().filter(user__username="dpo.council", role=Role.DPO).select_related("user").first()
    )
    if membership is None or RightsCase.objects.filter(request_summary=DEMO_RIGHTS_SUMMARY).exists():
        return None
    subjects = [s.pk for s in subjects_matching(name="Jordan Blake")]
    if not subjects:
        return None
    case = rights_case_open(
        right="access",
        received_on=timezone.localdate() - datetime.timedelta(days=5),
        request_summary=DEMO_RIGHTS_SUMMARY,
        acting_user=membership.user,
        acting_membership=membership,
    )
    consulted = rights_case_subjects_link(
        case=case, subject_ids=subjects, acting_user=membership.user, acting_membership=membership
    )
    return f"a subject access case ({case.reference}) awaiting {len(consulted)} partner's answer"
