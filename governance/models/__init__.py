"""Models of `governance` (docs/architecture.md): one module per kind of case."""
from governance.models.breaches import Breach, BreachStatus, DataCategory, IcoDecision  # noqa: F401
from governance.models.complaints import (  # noqa: F401
    Complaint,
    ComplaintAbout,
    ComplaintOutcome,
    ComplaintPart,
    ComplaintStatus,
)
from governance.models.noncompliance import (  # noqa: F401
    Finding,
    NonComplianceReport,
    NonComplianceStatus,
    SuspensionDecision,
)
from governance.models.rights import (  # noqa: F401
    ConsultationAnswer,
    ConsultationStatus,
    Exemption,
    FinalDecision,
    ObjectionOutcome,
    ProcessingRestriction,
    RestrictionGrounds,
    RightKind,
    RightsCase,
    RightsConsultation,
    RightsStatus,
)
