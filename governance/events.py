"""The decision-log event types of governance (registered in GovernanceConfig.ready)."""

DECISION_EVENTS = {
    "governance.noncompliance_reported": "Non-compliance: reported to the partner in writing (SSP 13.2)",
    "governance.noncompliance_responded": "Non-compliance: the partner's written response (SSP 13.2)",
    "governance.noncompliance_closed": "Non-compliance: investigation and outcome recorded (SSP 13.5)",
}
