"""When a person's case role in an organisation ends, the requests they were working on for it
must not be left with nobody. Their need-to-know
goes with the membership (`sharing.selectors.visible_disclosures`); this listener, registered
with the core's `membership_end`, flags each of their open requests to the organisation's
designated officers, who reassign it (`disclosure_assign`) or take it over. Called inside
`membership_end`'s transaction."""
from __future__ import annotations

from django.db.models import Q

from portal.models import Membership, User
from sharing.lifecycle import disclosure_decision_record
from sharing.models import DisclosureRequestUserObjectPermission
from sharing.selectors import lock_disclosure_for_system, open_work_of
from sharing.services.common import designated_officers, notify_about


def open_work_flag_on_membership_end(*, membership: Membership, acting_user: User | None) -> int:
    """Flag the open requests `membership`'s person was the requester or assignee of for its
    organisation, unless they still belong to it in another role. Returns how many were flagged."""
    still_there = (
        Membership.objects.active()
        .filter(user_id=membership.user_id, organisation_id=membership.organisation_id)
        .exists()
    )
    if still_there:
        return 0
    # The object permissions that came with the organisation's work (an assignment, an onward
    # share) go with the membership; grants on other organisations' requests are not this one's.
    involved = Q(content_object__holding_organisation_id=membership.organisation_id) | Q(
        content_object__requesting_organisation_id=membership.organisation_id
    )
    DisclosureRequestUserObjectPermission.objects.filter(involved, user_id=membership.user_id).delete()
    flagged = 0
    recipients = [user for user in designated_officers(membership.organisation_id) if user.pk != membership.user_id]
    for pk, as_assignee in open_work_of(user_id=membership.user_id, organisation_id=membership.organisation_id):
        disclosure = lock_disclosure_for_system(pk=pk)
        part = "assigned officer" if as_assignee else "requesting officer"
        disclosure_decision_record(
            disclosure,
            actor=acting_user,
            organisation=membership.organisation,
            action="request.officer_left",
            reasons=(
                f"The {part}'s role at {membership.organisation.name} ended: a designated officer must "
                "reassign or take over this request"
            ),
            details={"user_id": membership.user_id, "membership_id": membership.pk, "as_assignee": as_assignee},
        )
        notify_about(
            disclosure=disclosure,
            recipients=recipients,
            subject=f"The {part} of a request has left your organisation: it needs a new officer",
        )
        flagged += 1
    return flagged

