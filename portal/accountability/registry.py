"""Decision-log event types. The core defines its own; each app registers its types in its
AppConfig.ready(), so the core never imports the apps above it (docs/architecture.md)."""
from __future__ import annotations

_EVENTS: dict[str, str] = {}


def register_decision_events(events: dict[str, str]) -> None:
    for code, label in events.items():
        if code in _EVENTS and _EVENTS[code] != label:
            raise ValueError(f"Decision event {code!r} registered twice with different labels")
        _EVENTS[code] = label


def decision_event_label(code: str) -> str:
    return _EVENTS.get(code, code)


def decision_events() -> dict[str, str]:
    return dict(sorted(_EVENTS.items(), key=lambda item: item[1]))


def is_registered(code: str) -> bool:
    return code in _EVENTS


register_decision_events(
    {
        "protocol.loaded": "Protocol pack loaded",
        "organisation.created": "Organisation added",
        "organisation.updated": "Organisation details changed",
        "partnership.member_added": "Organisation joined a partnership",
        "organisation.suspended": "Sharing with organisation suspended",
        "organisation.resumed": "Sharing with organisation resumed",
        # Person records (portal/services/subjects.py): a rectification agreed on a rights case.
        "subject.rectified": "Person record rectified",
        # Accounts and memberships (portal/services/accounts.py; own password: portal/auth/).
        "account.created": "Account created",
        "account.updated": "Account details changed",
        "account.deactivated": "Account deactivated",
        "account.reactivated": "Account reactivated",
        "account.password_set": "Password set by an admin",
        "account.password_changed": "Own password changed",
        "account.second_factor_reset": "Second factor reset",
        "account.unlocked": "Sign-in lockout lifted",
        "membership.granted": "Role granted",
        "membership.ended": "Role ended",
        # Single sign-on through organisations' providers (portal/services/identity_providers.py).
        "sso.provider_configured": "Organisation's identity provider configured",
        "sso.access_approved": "Access through an identity provider approved",
        "sso.access_refused": "Access through an identity provider refused",
        "sso.signed_in": "Signed in through an organisation's identity provider",
        "sso.sign_in_refused": "Sign-in through an identity provider refused",
        "sso.account_created": "Account created at first sign-in through an identity provider",
        "sso.identity_linked": "Account bound to its identity at a provider",
        "sso.session_ended": "Session ended: the provider no longer accepts the sign-in",
        "sign_in.password_refused": "Password sign-in refused: the organisation signs its staff in",
        # The decision log itself (portal/accountability/services.py decision_log_key_rotate).
        "decision_log.key_rotated": "Decision log signing key rotated",
        # Retention and destruction (portal/retention/).
        "retention.policy_changed": "Retention policy changed",
        "retention.policy_removed": "Retention policy removed (protocol default applies)",
        "retention.extended": "Retention extended",
        "retention.destruction_confirmed": "Destruction confirmed on review",
        "retention.hold_placed": "Legal hold placed",
        "retention.hold_lifted": "Legal hold lifted",
        "retention.destroyed": "Destroyed under retention",
        "retention.deferred": "Destruction deferred: still open",
        "retention.access_log_pruned": "Access-log entries deleted under retention",
        "retention.run_abandoned": "Destruction run abandoned (its worker stopped)",
    }
)
