"""The signatory register (issue 12; SDP 4.5, Appendix 2): ICO numbers checked (Z + 7 digits or
ZA + 6), organisations without a current signature, a designated officer or a valid ICO number
flagged to the admin."""
import datetime

import pytest
from django.urls import reverse

from oversight.selectors import ico_number_valid, signatory_register
from portal.models import OrganisationKind
from portal.roles import Role
from tests.oversight.conftest import _client_as
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.sharing.factories import stockport_pack

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "number, valid",
    [("Z1234567", True), ("ZA123456", True), ("z1234567", True), ("Z123456", False), ("ZA1234567", False), ("ZB123456", False), ("", False)],
)
def test_ico_numbers(number, valid):
    assert ico_number_valid(number) is valid


def test_the_register_flags_what_is_missing(db):
    pack = stockport_pack()
    police = OrganisationFactory(
        name="Greater Manchester Police – Stockport Division", kind=OrganisationKind.POLICE, ico_registration="Z4888193",
        signed_protocol_on=datetime.date(2021, 6, 1),
    )
    council = OrganisationFactory(name="Stockport Council", ico_registration="ZA12345", signed_protocol_on=datetime.date(2019, 1, 1))
    MembershipFactory(organisation=police, role=Role.DESIGNATED_OFFICER, user__first_name="Dana", user__last_name="Officer")
    MembershipFactory(organisation=police, role=Role.DPO, user__first_name="Priya", user__last_name="Protection")
    admin = MembershipFactory(organisation=council, role=Role.ADMIN)
    rows = {row["organisation"].name: row for row in signatory_register(partnership_id=pack.partnership_id)}
    assert rows[police.name]["flags"] == []
    assert rows[police.name]["signatory_name"] == "Shaun Donnellan"
    assert rows[police.name]["designated_officers"] == ["Dana Officer"]
    assert rows[police.name]["dpos"] == ["Priya Protection"] and rows["Stockport Council"]["dpos"] == []
    assert rows["Stockport Council"]["flags"] == [
        "No signature for version 2020",
        "No designated officer",
        "ICO registration number malformed (Z + 7 digits, or ZA + 6)",
    ]
    html = _client_as(admin).get(reverse("oversight:signatories")).content.decode()
    assert "1 organisation needs attention" in html and "Michael Cullen" in html and "Priya Protection" in html


def test_a_designated_officer_signs_for_the_version_in_force_and_the_form_prints(db):
    import io

    from pypdf import PdfReader

    from portal.models import DecisionLogEntry, PartnershipMember

    pack = stockport_pack()
    council = OrganisationFactory(name="Stockport Council", ico_registration="Z1234567", signed_protocol_on=datetime.date(2019, 1, 1))
    do = MembershipFactory(organisation=council, role=Role.DESIGNATED_OFFICER)
    client = _client_as(do)
    url = reverse("oversight:signature")
    bad = client.post(url, {"signatory_name": "Michael Cullen", "signatory_title": ""})
    assert bad.status_code == 400 and 'value="Michael Cullen"' in bad.content.decode()
    assert client.post(url, {"signatory_name": "Michael Cullen", "signatory_title": "Deputy Chief Executive", "confirm": "on"}).status_code == 302
    assert PartnershipMember.objects.get(organisation=council).signed_protocol_on == datetime.date.today()
    assert DecisionLogEntry.objects.filter(action="protocol.signed").count() == 1
    rows = {row["organisation"].name: row for row in signatory_register(partnership_id=pack.partnership_id)}
    assert "No signature for version 2020" not in rows["Stockport Council"]["flags"]
    pdf = client.get(reverse("oversight:signature_form_pdf", kwargs={"org_pk": council.pk}))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Michael Cullen" in text and "Deputy Chief Executive" in text and "Authorised Signatory Form" in text


def test_the_register_shows_who_is_blocked_where_the_pack_says_so(db):
    pack = stockport_pack()
    police = OrganisationFactory(name="Greater Manchester Police", kind=OrganisationKind.POLICE, ico_registration="Z4888193")
    council = OrganisationFactory(name="Stockport Council", ico_registration="")
    MembershipFactory(organisation=police, role=Role.DESIGNATED_OFFICER)
    MembershipFactory(organisation=council, role=Role.DESIGNATED_OFFICER)
    admin = MembershipFactory(organisation=council, role=Role.ADMIN)
    client = _client_as(admin)
    html = client.get(reverse("oversight:signatories")).content.decode()
    assert ">Blocked<" not in html and "does not block sharing" in html
    pack.data = {**pack.data, "review": {"unsigned_blocks_sharing": True}}
    pack.save(update_fields=["data"])
    rows = {row["organisation"].name: row for row in signatory_register(partnership_id=pack.partnership_id)}
    assert rows["Stockport Council"]["blocked"] and not rows["Greater Manchester Police"]["blocked"]
    html = client.get(reverse("oversight:signatories")).content.decode()
    assert html.count(">Blocked<") == 1 and "so 1 is blocked from sharing now" in html
