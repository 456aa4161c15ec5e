"""The decision-log event types of governance (registered in GovernanceConfig.ready)."""

DECISION_EVENTS = {
    "governance.noncompliance_reported": "Non-compliance: reported to the partner in writing (SSP 13.2)",
    "governance.noncompliance_responded": "Non-compliance: the partner's written response (SSP 13.2)",
    "governance.noncompliance_closed": "Non-compliance: investigation and outcome recorded (SSP 13.5)",
    "governance.rights_opened": "Rights case opened: request received (SDP 9)",
    "governance.rights_extended": "Rights case: deadline extended, with reasons",
    "governance.rights_subjects_linked": "Rights case: people linked, records held, partners consulted",
    "governance.rights_consulted": "Rights case: a consulted partner's answer",
    "governance.rights_decided": "Rights case: final decision by the receiving organisation",
    "governance.rights_rectified": "Rights case: person record rectified (Art 16)",
    "governance.rights_erased": "Rights case: held copies destroyed on erasure (Art 17)",
    "governance.rights_restricted": "Rights case: processing restricted (Art 18)",
    "governance.rights_objection": "Rights case: objection's outcome recorded (Art 21)",
    "governance.rights_restriction_lifted": "Rights case: restriction lifted, with reasons",
}
