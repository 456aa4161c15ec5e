"""Who handles governance's non-compliance and suspension cases for an organisation (DOMAIN.md §3; issue 11)."""
from portal.roles import Role

# The designated officers (SSP 13.5: "nominated representatives") and the data protection officer
# handle non-compliance and suspension for their organisation.
CASE_HANDLERS = frozenset({Role.DESIGNATED_OFFICER, Role.DPO})
# Who may read a partnership's cases without handling them.
CASE_READERS = CASE_HANDLERS | {Role.AUDITOR}
