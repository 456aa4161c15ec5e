"""The decision-log event types of disclosure requests (registered in SharingConfig.ready)."""

DECISION_EVENTS = {
    "request.submitted": "Request submitted",
    "request.resubmitted": "Request resubmitted with more information",
    "request.withdrawn": "Request withdrawn",
    "request.returned": "Request returned for more information",
    "request.assigned": "Request assigned",
    "request.flowchart_outcome": "Key-questions flowchart completed",
    "request.advice_sought": "Designated officer's advice sought",
    "request.advice_given": "Designated officer's advice given",
    "request.safeguarding_concern": "Safeguarding concern recorded",
    "request.sub_judice_consulted": "Investigating officer or CPS consulted",
    "request.released": "Released in full",
    "request.partly_released": "Released in part",
    "request.declined": "Declined",
    "request.disputed": "Decision disputed",
    "request.officer_left": "Officer's role ended: request flagged for reassignment",
    "dispute.view_recorded": "Dispute: requesting organisation's designated officer's view",
    "dispute.upheld": "Dispute: decision upheld",
    "dispute.overturned": "Dispute: decision overturned",
    # The basis of a release (SSP 6) and onward disclosure (SSP App 2 q5; SDP 5.1).
    # consent.relied_upon and consent.refused_at_release are registered by the consent app.
    "consent.reliance_chosen": "Consent record chosen as the basis of a release",
    "consent.withdrawal_flagged": "Consent withdrawn: request flagged to its responder",
    "override.proposed": "Public-interest override proposed",
    "override.approved": "Public-interest override approved",
    "override.rejected": "Public-interest override rejected",
    "onward.requested": "Onward disclosure requested",
    "onward.approved": "Onward disclosure approved",
    "onward.declined": "Onward disclosure declined",
    "onward.shared": "Shared onward",
}
