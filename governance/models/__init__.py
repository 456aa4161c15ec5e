"""Models of `governance` (docs/architecture.md), one submodule per kind of case."""
from governance.models.noncompliance import (  # noqa: F401
    Finding,
    NonComplianceReport,
    NonComplianceStatus,
    SuspensionDecision,
)
