"""Exports of the decision log for auditors: a streamed CSV of everything matching the filters,
with formulas neutralised, and a marked PDF of the newest entries. Both are recorded as downloads."""
import csv
import io
import subprocess

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.accountability import exports
from portal.accountability.services import decision_record
from portal.models import AccessLogEntry, DecisionLogEntry
from portal.protocols.services import protocol_pack_load
from portal.roles import Role
from tests.portal.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

CSV_URL = reverse("portal:audit_decisions_csv")
PDF_URL = reverse("portal:audit_decisions_pdf")


@pytest.fixture
def auditor(make_member, signed_in):
    membership = make_member(role=Role.AUDITOR, organisation=OrganisationFactory(name="Audit Office"))
    client = signed_in(membership.user)
    client.membership = membership
    return client


def record(n, organisation, *, reasons="Reason number {i}", purpose="", recipient="", reference="", actor=None):
    actor = actor or MembershipFactory(organisation=organisation).user
    with transaction.atomic():
        for i in range(n):
            decision_record(
                actor=actor, organisation=organisation, action="organisation.suspended",
                reference=reference or f"DR-X-{i:04d}", reasons=reasons.format(i=i), purpose=purpose,
                recipient=recipient, protocol_version="stockport-2020 v1",
            )
    return actor


def csv_rows(response) -> list[list[str]]:
    """The rows after the marking line (which every export starts with)."""
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    marking, *rows = list(csv.reader(io.StringIO(text)))
    assert len(marking) == 1 and "Handle, store and destroy it as that marking requires" in marking[0]
    return rows


def test_csv_starts_with_the_marking_line(auditor):
    text = b"".join(auditor.get(CSV_URL).streaming_content).decode()
    first = next(csv.reader(io.StringIO(text)))
    marking = exports.audit_marking_name()
    assert first[0].startswith(f"{marking or 'Marked'}: this export holds information")


def pdf_pages(data: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout
    return [page for page in text.decode().split("\f") if page.strip()]


# --- CSV -------------------------------------------------------------------------------------


def test_csv_has_the_columns_and_every_matching_entry(auditor):
    police = OrganisationFactory(name="Police")
    record(3, police, purpose="Preventing crime", recipient="Council")
    record(2, OrganisationFactory(name="Other"))
    response = auditor.get(CSV_URL, {"organisation": police.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="decision-log-{today}.csv"'
    header, *rows = csv_rows(response)
    assert header == list(exports.CSV_HEADER)
    assert len(rows) == 3
    newest = DecisionLogEntry.objects.filter(organisation=police).order_by("-id").first()
    when, actor, organisation, code, label, reference, whom, purpose, reasons, version, digest = rows[0]
    assert when == timezone.localtime(newest.occurred_at).isoformat(timespec="seconds")
    assert (actor, organisation, code, label) == (newest.actor_name, "Police", "organisation.suspended", "Sharing with organisation suspended")
    assert (reference, whom, purpose, reasons) == ("DR-X-0002", "Council", "Preventing crime", "Reason number 2")
    assert (version, digest) == ("stockport-2020 v1", newest.entry_hash)


@pytest.mark.parametrize(
    "typed", ["=HYPERLINK(\"http://evil\",\"x\")", "+SUM(1,2)", "-2+3", "@cmd", "\t=1", "\r=1"]
)
def test_csv_neutralises_formulas(auditor, typed):
    record(1, OrganisationFactory(), reasons=typed, purpose=typed, recipient=typed)
    _, row = csv_rows(auditor.get(CSV_URL))
    assert row[6] == row[7] == row[8] == "'" + typed


def test_csv_leaves_ordinary_text_alone():
    assert exports.csv_cell("Reason = good") == "Reason = good"
    assert exports.csv_cell(None) == ""
    assert exports.csv_cell("2026-01-01") == "2026-01-01"


def test_csv_is_generated_lazily_from_a_cursor(monkeypatch, auditor):
    """The rows come from .iterator(chunk_size=…), never a list of the whole log."""
    record(5, OrganisationFactory())
    seen = {}
    original = exports.decision_log_export_rows

    def spy(*, filters, chunk_size=2000):
        rows = original(filters=filters, chunk_size=chunk_size)
        seen["type"] = type(rows)
        return rows

    monkeypatch.setattr(exports, "decision_log_export_rows", spy)
    response = auditor.get(CSV_URL)
    assert response.streaming
    assert len(csv_rows(response)) == 6
    assert not issubclass(seen["type"], (list, tuple))


def test_csv_export_is_recorded_as_a_download(auditor):
    record(1, OrganisationFactory())
    b"".join(auditor.get(CSV_URL, {"action": "organisation.suspended"}).streaming_content)
    entry = AccessLogEntry.objects.get()
    assert (entry.kind, entry.object_type, entry.reference) == ("download", "decision_log", "export")
    assert entry.user_id == auditor.membership.user_id and entry.organisation_id == auditor.membership.organisation_id
    assert "action=organisation.suspended" in entry.path


def test_csv_with_bad_filters_shows_the_errors_instead(auditor):
    response = auditor.get(CSV_URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 200 and not response.streaming
    assert "must be the same as or after" in response.content.decode()
    assert not AccessLogEntry.objects.exists()


def test_csv_query_count_does_not_grow(auditor, django_assert_max_num_queries):
    organisation = OrganisationFactory()
    record(3, organisation)
    with django_assert_max_num_queries(12) as small:
        b"".join(auditor.get(CSV_URL).streaming_content)
    record(300, organisation)
    with django_assert_max_num_queries(len(small.captured_queries)):
        b"".join(auditor.get(CSV_URL).streaming_content)


# --- PDF -------------------------------------------------------------------------------------


@pytest.fixture
def pack(db):
    pack, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    return pack


def test_pdf_is_marked_on_every_page_with_the_download_footer(auditor, pack):
    record(120, OrganisationFactory(name="Police"), reasons="Reason {i} " + "long words " * 20)
    response = auditor.get(PDF_URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    pages = pdf_pages(response.content)
    assert len(pages) > 2
    name = auditor.membership.user.display_name
    for page in pages:
        assert page.strip().startswith("RESTRICTED") and page.count("RESTRICTED") >= 2
        assert f"Downloaded by {name}, Audit Office at" in page
    assert "Reason 119" in pages[0]  # newest first
    assert "only the newest" not in "".join(pages)


def test_pdf_uses_the_first_level_when_the_pack_has_no_restricted(auditor):
    protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")
    record(1, OrganisationFactory())
    pages = pdf_pages(auditor.get(PDF_URL).content)
    assert pages[0].strip().startswith("OFFICIAL")


def test_pdf_holds_the_filtered_entries_and_says_which_filters(auditor, pack):
    police = OrganisationFactory(name="Police")
    record(2, police, reasons="Police reason {i}")
    record(2, OrganisationFactory(name="Other"), reasons="Other reason {i}")
    text = "".join(pdf_pages(auditor.get(PDF_URL, {"organisation": police.pk}).content))
    assert "Police reason 0" in text and "Police reason 1" in text and "Other reason" not in text
    assert "Organisation" in text and "Police" in text
    entry = AccessLogEntry.objects.get()
    assert (entry.kind, entry.object_type, entry.reference) == ("download", "decision_log", "export")


def test_pdf_is_capped_and_says_so(auditor, pack, monkeypatch):
    monkeypatch.setattr(exports, "PDF_LIMIT", 5)
    record(8, OrganisationFactory(), reasons="Capped reason {i}")
    text = "".join(pdf_pages(auditor.get(PDF_URL).content))
    assert "only the newest 5 matching entries" in " ".join(text.split())
    assert "Capped reason 7" in text and "Capped reason 3" in text and "Capped reason 2" not in text


def test_the_marking_of_the_log_is_the_packs_restricted_level_else_its_first_in_one_query(django_assert_num_queries):
    """Issue 17: read on every inbox and audit page, so one small query of the levels' names."""
    from django.conf import settings as django_settings

    from portal.models import ProtocolPack
    from portal.protocols.services import protocol_pack_load

    ProtocolPack.objects.update(is_current=False)
    with django_assert_num_queries(1):
        assert exports.audit_marking_name() == ""
    durham, _ = protocol_pack_load(path_or_text=django_settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")
    first = durham.marking_levels.order_by("order").first()
    assert not durham.marking_levels.filter(code="restricted").exists()
    with django_assert_num_queries(1):
        assert exports.audit_marking_name() == first.name
    stockport, _ = protocol_pack_load(path_or_text=django_settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    restricted = stockport.marking_levels.get(code="restricted").name
    with django_assert_num_queries(1):
        assert exports.audit_marking_name() == restricted
