"""The core's models. Each concern has its own module; import from here."""
from .accountability import AccessKind, AccessLogEntry, DecisionLogEntry
from .people import Membership, Organisation, OrganisationKind, StatutoryStanding, User, UserSession

__all__ = [
    "AccessKind",
    "AccessLogEntry",
    "DecisionLogEntry",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "StatutoryStanding",
    "User",
    "UserSession",
]
