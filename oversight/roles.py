"""Who reads the monitoring reports (SSP 16.1, SDP 4.5 i): designated officers, auditors, the
partnership admin and, where the role exists, data protection officers."""
from portal.roles import Role

REPORT_ROLES = frozenset(
    role for role in (Role.DESIGNATED_OFFICER, Role.AUDITOR, Role.ADMIN, getattr(Role, "DPO", None)) if role is not None
)
