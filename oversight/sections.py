"""The report sections `oversight` registers (portal.reports): requests, governance cases
(breaches, complaints, rights cases, suspensions: oversight sits above governance, so it may read
them), retention, meetings."""
from oversight.governance_figures import governance_tables
from oversight.selectors import meeting_tables, request_tables, retention_tables
from portal.reports import register_report_source


def register_sections() -> None:
    register_report_source(name="requests", source=request_tables, order=10)
    register_report_source(name="governance", source=governance_tables, order=50)
    register_report_source(name="retention", source=retention_tables, order=60)
    register_report_source(name="meetings", source=meeting_tables, order=70)
