"""The decision-log event types of consent (registered in ConsentConfig.ready).

`consent.relied_upon` and `consent.refused_at_release` are written by sharing's release code
(a disclosure relying on a consent, or refused because the consent does not cover it); they are
registered here because they are consent's events."""

DECISION_EVENTS = {
    "consent.recorded": "Consent recorded",
    "consent.withdrawn": "Consent withdrawn",
    "consent.scan_attached": "Signed consent form attached",
    "consent.relied_upon": "Consent relied upon for a disclosure",
    "consent.refused_at_release": "Release refused: consent does not cover it",
}
