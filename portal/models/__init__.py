"""The core's models. Each concern has its own module; import from here."""
from .accountability import (
    AccessKind,
    AccessLogEntry,
    DecisionLogAnchor,
    DecisionLogEntry,
    DecisionLogVerification,
    DecisionLogVerificationChunk,
)
from .notifications import Notification
from .partnerships import Partnership, PartnershipMember
from .people import Membership, Organisation, OrganisationKind, StatutoryStanding, User, UserSession
from .protocol import (
    ChecklistQuestion,
    FlowchartAnswer,
    FlowchartNode,
    FlowchartOutcome,
    Forum,
    LawfulBasis,
    LawfulBasisCategory,
    LegalGateway,
    MarkingLevel,
    ProtocolPack,
    PublicInterestGround,
    Purpose,
    RetentionDefault,
    RetentionRecordKind,
)
from .retention import DestructionRun, HeldCopy, LegalHold, LegalHoldReason, RetentionExtension, RetentionPolicy
from .sso import ExternalIdentity, IdentityProvider, SsoAccessRequest
from .subjects import DataSubject, SubjectRole

__all__ = [
    "ExternalIdentity",
    "IdentityProvider",
    "SsoAccessRequest",
    "DestructionRun",
    "HeldCopy",
    "LegalHold",
    "LegalHoldReason",
    "RetentionExtension",
    "RetentionPolicy",
    "DataSubject",
    "Notification",
    "SubjectRole",
    "AccessKind",
    "AccessLogEntry",
    "DecisionLogAnchor",
    "DecisionLogEntry",
    "DecisionLogVerification",
    "DecisionLogVerificationChunk",
    "Membership",
    "Partnership",
    "PartnershipMember",
    "Organisation",
    "OrganisationKind",
    "StatutoryStanding",
    "User",
    "UserSession",
    "ChecklistQuestion",
    "FlowchartAnswer",
    "FlowchartNode",
    "FlowchartOutcome",
    "Forum",
    "LawfulBasis",
    "LawfulBasisCategory",
    "LegalGateway",
    "MarkingLevel",
    "ProtocolPack",
    "PublicInterestGround",
    "Purpose",
    "RetentionDefault",
    "RetentionRecordKind",
]
