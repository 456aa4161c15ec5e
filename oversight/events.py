"""The decision-log event types of oversight (registered in OversightConfig.ready)."""

DECISION_EVENTS = {
    "protocol.version_proposed": "Protocol: new version proposed",
    "protocol.version_approved": "Protocol: new version approved",
    "protocol.version_in_force": "Protocol: new version in force",
    "protocol.version_withdrawn": "Protocol: proposed version withdrawn",
    "protocol.signed": "Protocol: Authorised Signatory Form signed",
}
