"""Who handles governance's cases for an organisation (DOMAIN.md §3; issue 11)."""
from portal.roles import Role

# The designated officers (SSP 13.5: "nominated representatives") handle non-compliance and
# suspension for their organisation; the data protection officer too, where the role exists.
CASE_HANDLERS = frozenset({Role.DESIGNATED_OFFICER} | ({Role("dpo")} if "dpo" in Role.values else set()))
# Who may read a partnership's cases without handling them.
CASE_READERS = CASE_HANDLERS | {Role.AUDITOR}
