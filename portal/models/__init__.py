"""The core's models. Each concern has its own module; import from here."""
from .people import Membership, Organisation, OrganisationKind, StatutoryStanding, User, UserSession

__all__ = [
    "Membership",
    "Organisation",
    "OrganisationKind",
    "StatutoryStanding",
    "User",
    "UserSession",
]
