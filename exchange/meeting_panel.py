"""The cohort workspace at its forum's meetings (issue 14; SDP 5.8): instead of papers, the
meeting's page shows each cohort of its forum, its people and every organisation's entries, to an
attendee who may read the meeting's papers (signed in while in session, or the chair) and who is
a current member of the cohort. A member of an organisation outside the cohort sees nothing; the
member whose access ended, or a person who left the programme, drops out at once. Each showing is
access-logged, as the cohort's own page is. Registered with `meetings.panels` in ExchangeConfig."""
from __future__ import annotations

from exchange import selectors
from portal.accountability.services import access_record


def cohort_meeting_panel(*, request, meeting, role) -> dict | None:
    if not role.can_read_papers or not request.user.is_authenticated:
        return None
    cohorts = list(selectors.cohorts_at_meeting(user=request.user, meeting=meeting))
    if not cohorts:
        return None
    shown = []
    organisation = request.membership.organisation if getattr(request, "membership", None) else None
    for cohort in cohorts:
        shown.append({"cohort": cohort, "people": selectors.cohort_people(cohort=cohort)})
        access_record(
            user=request.user, organisation=organisation, kind="view", object_type="cohort",
            reference=cohort.reference, path=request.path,
        )
    return {"template": "exchange/meeting_cohorts.html", "cohorts": shown}
