"""The report sections `oversight` registers (portal.reports): requests, retention, meetings.
Governance cases (breaches, complaints, rights cases, suspensions) are registered by their own
app when it exists."""
from oversight.selectors import meeting_tables, request_tables, retention_tables
from portal.reports import register_report_source


def register_sections() -> None:
    register_report_source(name="requests", source=request_tables, order=10)
    register_report_source(name="retention", source=retention_tables, order=60)
    register_report_source(name="meetings", source=meeting_tables, order=70)
