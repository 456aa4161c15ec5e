"""The disclosure request's transition table (DOMAIN §4), as a `portal.lifecycle.Lifecycle`.

`transition(disclosure, to, *, acting_user, organisation, event, reasons, details=None)` is the
one way a request's status changes: it refuses a move the table does not allow, saves the status
and writes the move's decision-log entry (`disclosure_decision_record`) in the caller's
transaction. Buttons and form choices come from `allowed_next`, not from template `if`s."""
from __future__ import annotations

from django.db import transaction

from portal.accountability.services import decision_record
from portal.lifecycle import Lifecycle, table
from portal.models import Organisation, User
from sharing.models import DisclosureRequest, Status
from sharing.selectors import inbox_summary_forget

OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_ADVICE, Status.RETURNED})
DECIDED_STATUSES = frozenset({Status.RELEASED, Status.PARTLY_RELEASED, Status.DECLINED})


def disclosure_decision_record(
    disclosure: DisclosureRequest,
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: str,
    reasons: str,
    details: dict | None = None,
) -> None:
    """Write the decision log for a request, in the caller's transaction (App 4 rule 7): with whom
    (the other organisation of the request), for what purpose and under which pack version.

    Every change to a request that its holding organisation's inbox counts (a submission, a
    pick-up, an assignment, a status move) is logged here, so this is also where the inbox's
    cached summary of that organisation is forgotten, once the change commits."""
    if disclosure.holding_organisation_id is not None:
        holding = disclosure.holding_organisation_id
        transaction.on_commit(lambda: inbox_summary_forget(organisation_id=holding))
    if organisation is not None and organisation.pk == disclosure.requesting_organisation_id:
        recipient = disclosure.holding_organisation
    else:
        recipient = disclosure.requesting_organisation
    decision_record(
        actor=actor,
        organisation=organisation,
        action=action,
        reasons=reasons,
        reference=disclosure.reference,
        recipient=recipient,
        purpose=disclosure.purpose.name if disclosure.purpose_id else "",
        protocol_version=f"{disclosure.protocol_pack.slug}@{disclosure.protocol_pack.version}",
        details=details,
        partnership=disclosure.protocol_pack.partnership,
    )


LIFECYCLE: Lifecycle[DisclosureRequest] = Lifecycle(
    statuses=Status,
    noun="request",
    record=disclosure_decision_record,
    open_statuses=OPEN_STATUSES,
    transitions=table(
        {
            Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
            Status.SUBMITTED: {Status.IN_REVIEW, Status.RETURNED, Status.WITHDRAWN},
            Status.RETURNED: {Status.SUBMITTED, Status.WITHDRAWN},
            Status.IN_REVIEW: {
                Status.RELEASED,
                Status.PARTLY_RELEASED,
                Status.DECLINED,
                Status.RETURNED,
                Status.AWAITING_ADVICE,
                Status.WITHDRAWN,
            },
            Status.AWAITING_ADVICE: {Status.IN_REVIEW, Status.WITHDRAWN},
            Status.DECLINED: {Status.DISPUTED},
            Status.PARTLY_RELEASED: {Status.DISPUTED},
            # Upheld: back to the decision disputed. Overturned: back to the responder to release.
            Status.DISPUTED: {Status.DECLINED, Status.PARTLY_RELEASED, Status.IN_REVIEW},
            Status.RELEASED: set(),
            Status.WITHDRAWN: set(),
        }
    ),
)

TRANSITIONS = LIFECYCLE.transitions
allowed_next = LIFECYCLE.allowed_next
can_transition = LIFECYCLE.can_transition
transition = LIFECYCLE.transition
