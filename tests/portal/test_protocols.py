"""Protocol packs (portal/protocols): the two seed packs, validation, loading, versions, the
load_protocol command, organisations from a pack, and the pages that show the protocol.

Counts are the seed documents': SSP = Safer Stockport Partnership ISP (Nov 2020), SDP = Safe Durham
Partnership ISP (2021), in /work/shared/seeds.
"""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from portal.models import (
    ChecklistQuestion,
    DecisionLogEntry,
    FlowchartNode,
    Forum,
    LawfulBasis,
    LegalGateway,
    MarkingLevel,
    Organisation,
    OrganisationKind,
    PartnershipMember,
    ProtocolPack,
    PublicInterestGround,
    Purpose,
    RetentionDefault,
    StatutoryStanding,
)
from portal.protocols import services
from portal.protocols.selectors import (
    DEFAULT_PARTNERSHIP_NAME,
    SEVERAL_PARTNERSHIPS_NAME,
    current_pack_cache_clear,
    current_partnership_name,
    current_protocol_pack,
    current_protocol_packs,
    protocol_flowchart,
)
from portal.protocols.services import ProtocolPackError, organisations_sync_from_pack, protocol_pack_load
from portal.protocols.validation import pack_parse
from tests.portal.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

STOCKPORT = settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml"
DURHAM = settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml"

# SSP Appendix 2, questions 1 to 8.
SSP_CHECKLIST = [
    "Why do I want the information? Is sharing this information in the best interests of the victim or offender?",
    "Is there a sufficient need to know?",
    "Are the reasons for the request 'proportionate' for the purpose?",
    "Is the information up to date and accurate?",
    "Will the request involve secondary disclosure",
    "Do I need consent? Have I got consent?",
    "On the assumption that the consent cannot realistically be obtained or sought",
    "Am I sharing this information in a secure way?",
]

ROW_MODELS = [
    ProtocolPack,
    Purpose,
    LegalGateway,
    LawfulBasis,
    ChecklistQuestion,
    FlowchartNode,
    MarkingLevel,
    Forum,
    Forum.purposes.through,
    PublicInterestGround,
    RetentionDefault,
    DecisionLogEntry,
]


@pytest.fixture(autouse=True)
def _fresh_partnership_name():
    current_pack_cache_clear()
    yield
    current_pack_cache_clear()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ROW_MODELS}


def pack_data(path: Path) -> dict:
    return pack_parse(path.read_text(encoding="utf-8"))


def as_yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# --- The seed packs ---------------------------------------------------------------------------


def test_stockport_pack_loads_with_the_documents_counts():
    pack, created = protocol_pack_load(path_or_text=STOCKPORT)

    assert created and pack.is_current
    assert (pack.slug, pack.version, pack.partnership_name) == (
        "safer-stockport",
        "2020",
        "Safer Stockport Partnership",
    )
    assert pack.effective_date == datetime.date(2021, 5, 1)  # SSP 17.1 "May 2021"
    assert pack.review_date == datetime.date(2022, 5, 1)  # SSP 17.2 annual review
    assert len(pack.data["partners"]) == 7  # SSP 1.2
    assert pack.checklist_questions.count() == 8  # SSP Appendix 2
    assert pack.legal_gateways.count() == 21  # SSP Appendix 1 rows
    assert pack.purposes.count() == 6  # SSP 2.2 and the five 2.3 / Appendix 8 themes
    assert pack.lawful_bases.count() == 9
    assert pack.public_interest_grounds.count() == 5  # SSP 6.3
    assert len(pack.data["golden_rules"]) == 7  # SSP Appendix 4
    assert pack.forums.count() == 19  # SSP Appendix 8: 8 delivery groups, 11 forums
    assert pack.forums.filter(shares_individual_data=True).count() == 11
    assert pack.flowchart_nodes.count() == 5  # DOMAIN.md section 6
    assert pack.flowchart_nodes.get(is_start=True).code == "purpose"
    assert pack.retention_defaults.count() == 5

    levels = list(pack.marking_levels.values_list("name", "internet_allowed"))
    # SSP 7.4 / Appendix 6, least restrictive first; Appendix 7: Confidential "Internet: Not to be used".
    assert levels == [("Protect", True), ("Restricted", True), ("Confidential", False)]
    assert len(pack.marking_levels.get(code="confidential").handling_rules) == 8  # Appendix 7 rows

    questions = [q.text for q in pack.checklist_questions.all()]
    for question, expected in zip(questions, SSP_CHECKLIST, strict=True):
        assert question.startswith(expected)
    assert pack.legal_gateways.get(code="care-act-2014").organisation_kinds == [OrganisationKind.LOCAL_AUTHORITY]
    assert pack.forums.get(code="marac").purposes.get().code == "protecting-vulnerable-people"
    meeting_papers = pack.retention_defaults.get(code="meeting_papers")
    assert meeting_papers.destroy_at_meeting_close and meeting_papers.days == 0


def test_durham_pack_loads_with_the_documents_counts():
    pack, created = protocol_pack_load(path_or_text=DURHAM)

    assert created and pack.partnership_name == "Safe Durham Partnership"
    assert pack.effective_date == datetime.date(2021, 7, 1)  # SDP 13 "July 2021"
    partners = pack.data["partners"]
    assert len(partners) == 10  # SDP 4.4
    assert sum(1 for p in partners if p.get("signatory", {}).get("signed_on")) == 9  # SDP Appendix 2
    assert sum(1 for p in partners if p["standing"] == StatutoryStanding.RESPONSIBLE_AUTHORITY) == 5  # SDP 4.1
    assert pack.checklist_questions.count() == 8  # the SSP list (DOMAIN.md section 2)
    assert pack.legal_gateways.count() == 18  # SDP Appendix 4 §1.1-1.3 and the 15 Acts of §1.4
    assert pack.purposes.count() == 7  # SDP 1.2 a-g
    assert pack.lawful_bases.count() == 11
    assert pack.public_interest_grounds.count() == 4  # SDP Appendix 4 §2.1
    assert pack.data["golden_rules"] == []
    assert pack.forums.count() == 9  # SDP 5.5-5.13
    assert list(pack.marking_levels.values_list("name", flat=True)) == ["OFFICIAL", "OFFICIAL-SENSITIVE"]  # SDP 5.3
    assert set(pack.lawful_bases.values_list("category", flat=True)) == {
        "art6",
        "art9",
        "dpa_sch1",
        "dpa_sch2",
        "part3",
    }

    stockport, _ = protocol_pack_load(path_or_text=STOCKPORT)
    assert [q.text for q in pack.checklist_questions.all()] == [q.text for q in stockport.checklist_questions.all()]


def test_the_flowchart_leads_where_domain_section_6_says():
    pack, _ = protocol_pack_load(path_or_text=STOCKPORT)
    steps = {
        item.node.code: {step.answer: step.node.code if step.node else step.outcome for step in item.steps}
        for item in protocol_flowchart(pack=pack)
    }

    assert steps["purpose"] == {"Yes": "identifiable", "No": "do_not_share", "Not sure": "seek_advice"}
    assert steps["identifiable"]["No"] == "share_depersonalised"
    assert steps["confidential"]["No"] == "share"
    assert steps["consent"] == {"Yes": "share", "No": "public-interest", "Not sure": "seek_advice"}
    assert steps["public-interest"] == {"Yes": "share_public_interest", "No": "do_not_share", "Not sure": "seek_advice"}
    assert len(pack.data["flowchart"]["share_confirmations"]) == 5


def test_unquoted_yes_and_no_stay_answers_not_booleans():
    assert pack_parse("answers:\n  yes: a\n  no: b\n  on: c\nflag: true\nday: 2021-05-01\n") == {
        "answers": {"yes": "a", "no": "b", "on": "c"},
        "flag": True,
        "day": "2021-05-01",
    }


# --- Refusing broken packs --------------------------------------------------------------------


def _missing_required(data):
    del data["partnership_name"]


def _wrong_type(data):
    data["forums"][2]["shares_individual_data"] = "sometimes"


def _number_for_text(data):
    data["version"] = 2020


def _flowchart_to_missing_node(data):
    data["flowchart"]["nodes"][1]["answers"]["yes"] = {"node": "nowhere"}


def _flowchart_loop(data):
    data["flowchart"]["nodes"][4]["answers"]["no"] = {"node": "purpose"}


def _flowchart_both_targets(data):
    data["flowchart"]["nodes"][0]["answers"]["not_sure"] = {"node": "consent", "outcome": "seek_advice"}


def _duplicate_code(data):
    data["legal_gateways"][3]["code"] = data["legal_gateways"][1]["code"]


def _unknown_kind(data):
    data["legal_gateways"][3]["organisation_kinds"][0] = "spaceship"


def _unknown_field(data):
    data["partners"][0]["colour"] = "blue"


def _unknown_forum_purpose(data):
    data["forums"][0]["purposes"] = ["world-peace"]


def _missing_retention_kind(data):
    data["retention"] = [item for item in data["retention"] if item["code"] != "access_log"]


def _impossible_date(data):
    data["effective_date"] = "2021-02-30"


def _review_before_effective(data):
    data["review_date"] = "2020-01-01"


def _duplicate_partner_name(data):
    data["partners"][1]["name"] = data["partners"][0]["name"].upper()


BREAKAGES: list[tuple[Callable[[dict], None], str, str]] = [
    (_missing_required, "partnership_name", "is required but missing"),
    (_wrong_type, "forums[2].shares_individual_data", "must be true or false, not 'sometimes'"),
    (_number_for_text, "version", "put it in quotes"),
    (_flowchart_to_missing_node, "flowchart.nodes[1].answers.yes.node", "'nowhere' is not a node of this flowchart"),
    (_flowchart_loop, "flowchart.nodes[4].answers.no.node", "leads back to 'purpose'"),
    (_flowchart_both_targets, "flowchart.nodes[0].answers.not_sure", "exactly one of `node`"),
    (_duplicate_code, "legal_gateways[3].code", "is already used by legal_gateways[1]"),
    (_unknown_kind, "legal_gateways[3].organisation_kinds[0]", "'spaceship' is not a known organisation kind"),
    (_unknown_field, "partners[0].colour", "is not a field"),
    (_unknown_forum_purpose, "forums[0].purposes[0]", "'world-peace' is not a purpose of this pack"),
    (_missing_retention_kind, "retention", "no default for record kind 'access_log'"),
    (_impossible_date, "effective_date", "is not a valid date"),
    (_review_before_effective, "review_date", "must be after effective_date"),
    (_duplicate_partner_name, "partners[1].name", "is already used by partners[0]"),
]


@pytest.mark.parametrize(("break_it", "path", "message"), BREAKAGES, ids=[b[0].__name__.strip("_") for b in BREAKAGES])
def test_a_broken_pack_is_refused_naming_the_field_and_nothing_is_written(break_it, path, message):
    data = pack_data(STOCKPORT)
    break_it(data)
    before = row_counts()

    with pytest.raises(ProtocolPackError) as refused:
        protocol_pack_load(path_or_text=as_yaml(data))

    assert any(issue.path == path and message in issue.message for issue in refused.value.issues), refused.value.issues
    assert row_counts() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [("slug: [unclosed\n", "is not valid YAML"), ("just some words\n", "must be a mapping of fields")],
)
def test_text_that_is_not_a_pack_is_refused(text, message):
    with pytest.raises(ProtocolPackError) as refused:
        protocol_pack_load(path_or_text=text)
    assert refused.value.path == "" and message in refused.value.message


def test_a_failure_part_way_through_loading_leaves_nothing(monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("the decision log is unavailable")

    monkeypatch.setattr(services, "decision_record", fail)
    before = row_counts()
    with pytest.raises(RuntimeError):
        protocol_pack_load(path_or_text=STOCKPORT)
    assert row_counts() == before


# --- Reloading and versions -------------------------------------------------------------------


def test_loading_the_same_pack_again_changes_nothing():
    first, created = protocol_pack_load(path_or_text=STOCKPORT)
    assert created
    after_first = row_counts()

    again, created_again = protocol_pack_load(path_or_text=STOCKPORT)
    # The same content laid out differently and without comments is the same pack.
    reformatted, created_reformatted = protocol_pack_load(path_or_text=as_yaml(pack_data(STOCKPORT)))

    assert not created_again and not created_reformatted
    assert again.pk == reformatted.pk == first.pk
    assert row_counts() == after_first
    assert after_first["DecisionLogEntry"] == 1


def test_the_same_version_with_different_content_is_refused():
    protocol_pack_load(path_or_text=STOCKPORT)
    before = row_counts()
    data = pack_data(STOCKPORT)
    data["title"] = "A quietly edited protocol"

    with pytest.raises(ProtocolPackError) as refused:
        protocol_pack_load(path_or_text=as_yaml(data))

    assert refused.value.path == "version"
    assert "already loaded with different content" in refused.value.message
    assert row_counts() == before


def test_a_new_version_becomes_current_and_the_old_one_stays_readable(make_member, signed_in):
    old, _ = protocol_pack_load(path_or_text=STOCKPORT)
    data = pack_data(STOCKPORT)
    data["version"] = "2021"
    data["effective_date"], data["review_date"] = "2021-11-01", "2022-11-01"
    data["checklist"][7]["text"] = "Am I sharing this information securely, through the portal?"

    new, created = protocol_pack_load(path_or_text=as_yaml(data))
    old.refresh_from_db()

    assert created and new.is_current and not old.is_current
    assert new.partnership == old.partnership
    assert current_protocol_pack(new.partnership) == new
    assert ProtocolPack.objects.filter(is_current=True).count() == 1
    assert old.checklist_questions.get(code="secure").text == "Am I sharing this information in a secure way?"

    client = signed_in(make_member().user)
    response = client.get(reverse("portal:protocol_version_section", args=[old.slug, old.version, "checklist"]))
    assert response.status_code == 200
    assert "Am I sharing this information in a secure way?" in response.content.decode()
    assert "not the protocol in force" in response.content.decode()
    current = client.get(reverse("portal:protocol_section", args=["checklist"])).content.decode()
    assert "through the portal?" in current and "not the protocol in force" not in current


def test_the_partnership_name_follows_the_packs_in_force():
    assert current_partnership_name() == DEFAULT_PARTNERSHIP_NAME
    assert not current_protocol_packs().exists()
    protocol_pack_load(path_or_text=STOCKPORT)
    assert current_partnership_name() == "Safer Stockport Partnership"
    protocol_pack_load(path_or_text=DURHAM)
    # Both in force, each for its own partnership: the portal is named for all of them.
    assert current_partnership_name() == SEVERAL_PARTNERSHIPS_NAME


def test_the_load_is_recorded_in_the_decision_log(make_member):
    admin = make_member().user
    pack, _ = protocol_pack_load(path_or_text=STOCKPORT, acting_user=admin)
    entry = DecisionLogEntry.objects.get()
    assert (entry.action, entry.actor, entry.reference) == ("protocol.loaded", admin, "safer-stockport/2020")
    assert entry.details["sha256"] == pack.content_sha256
    assert pack.loaded_by == admin


# --- The command ------------------------------------------------------------------------------


def test_the_command_loads_a_pack_and_reports_a_reload():
    out = io.StringIO()
    call_command("load_protocol", str(STOCKPORT), stdout=out)
    call_command("load_protocol", str(STOCKPORT), stdout=out)
    assert "now the protocol in force" in out.getvalue()
    assert "already loaded with the same content" in out.getvalue()
    assert ProtocolPack.objects.count() == 1


def test_the_command_refuses_a_bad_pack_naming_the_field(tmp_path):
    data = pack_data(STOCKPORT)
    _unknown_kind(data)
    bad = tmp_path / "bad.yaml"
    bad.write_text(as_yaml(data), encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        call_command("load_protocol", str(bad))

    assert refused.value.returncode != 0
    assert "legal_gateways[3].organisation_kinds[0]" in str(refused.value)
    assert ProtocolPack.objects.count() == 0


def test_the_command_exits_non_zero_on_a_bad_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nslug: broken\n", encoding="utf-8")
    # The pack is refused before the database is touched, so this does not write to DATABASE_URL.
    result = subprocess.run(
        [sys.executable, "manage.py", "load_protocol", str(bad)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "partnership_name: is required but missing" in result.stderr


def test_the_command_can_create_the_partner_organisations():
    call_command("load_protocol", str(DURHAM), "--create-organisations", stdout=io.StringIO())
    assert Organisation.objects.count() == 10


# --- Organisations from a pack ----------------------------------------------------------------


def test_organisations_are_created_from_the_pack_once():
    pack, _ = protocol_pack_load(path_or_text=DURHAM)
    OrganisationFactory(name="east durham trust", kind=OrganisationKind.OTHER)

    created = organisations_sync_from_pack(pack=pack)

    assert len(created) == 9
    assert Organisation.objects.count() == 10
    police = Organisation.objects.get(name="Durham Constabulary")
    place = PartnershipMember.objects.get(organisation=police, partnership=pack.partnership)
    assert (police.kind, place.standing, police.ico_registration) == ("police", "responsible_authority", "Z4895895")
    assert place.signed_protocol_on == datetime.date(2021, 11, 3)  # SDP Appendix 2 "03/11/21"
    pcc = PartnershipMember.objects.get(organisation__name="Office of the Durham Police & Crime Commissioner")
    assert pcc.signed_protocol_on is None
    # The organisation that existed joins the partnership as it is.
    assert PartnershipMember.objects.filter(partnership=pack.partnership).count() == 10
    assert organisations_sync_from_pack(pack=pack) == []
    assert Organisation.objects.count() == 10


def test_stockport_partners_have_no_signing_date():
    pack, _ = protocol_pack_load(path_or_text=STOCKPORT)
    created = organisations_sync_from_pack(pack=pack)
    assert len(created) == 7
    assert {org.kind for org in created} >= {"police", "local_authority", "fire_and_rescue", "probation", "icb"}
    places = PartnershipMember.objects.filter(organisation__in=created, partnership=pack.partnership)
    assert places.count() == 7
    assert all(place.signed_protocol_on is None for place in places)  # the SSP Signatories table has no dates


# --- Pages ------------------------------------------------------------------------------------

SECTIONS = [
    "purposes",
    "legal-gateways",
    "lawful-bases",
    "checklist",
    "flowchart",
    "golden-rules",
    "markings",
    "forums",
    "retention",
]


@pytest.fixture
def reader(make_member, signed_in):
    return signed_in(make_member().user)


def test_the_overview_shows_the_pack_and_its_partners(reader):
    protocol_pack_load(path_or_text=STOCKPORT)
    page = reader.get(reverse("portal:protocol")).content.decode()
    assert "Safer Stockport Partnership" in page
    assert "Overarching Information Sharing Protocol" in page
    assert "1 May 2021" in page
    for name in ["Stockport Council", "Greater Manchester Police – Stockport Division", "Stockport Homes"]:
        assert escape(name) in page


def test_the_overview_warns_when_the_protocols_review_is_overdue(reader):
    protocol_pack_load(path_or_text=STOCKPORT)
    pack = ProtocolPack.objects.get(is_current=True)
    assert pack.review_date < timezone.localdate()  # the Stockport pack was due for review in 2022
    page = " ".join(reader.get(reverse("portal:protocol")).content.decode().split())
    due = f"{pack.review_date.day} {pack.review_date:%B %Y}"
    assert f"This protocol's review is overdue: it was due by {due}." in page
    assert "govuk-tag--red\">Overdue" in page
    ProtocolPack.objects.filter(pk=pack.pk).update(review_date=timezone.localdate() + datetime.timedelta(days=30))
    page = reader.get(reverse("portal:protocol")).content.decode()
    assert "review is overdue" not in page and "Overdue" not in page


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_renders(reader, section):
    protocol_pack_load(path_or_text=DURHAM)
    response = reader.get(reverse("portal:protocol_section", args=[section]))
    assert response.status_code == 200


def test_the_checklist_page_shows_the_eight_questions(reader):
    protocol_pack_load(path_or_text=STOCKPORT)
    page = reader.get(reverse("portal:protocol_section", args=["checklist"])).content.decode()
    for question in SSP_CHECKLIST:
        assert escape(question) in page
    assert page.count('id="question-') == 8


def test_the_pages_show_the_packs_content(reader):
    protocol_pack_load(path_or_text=STOCKPORT)

    def page(section):
        return reader.get(reverse("portal:protocol_section", args=[section])).content.decode()

    assert "Go to question 2" in page("flowchart")
    markings = page("markings")
    assert "Protect" in markings and "Not to be used" in markings and "No: only on a secure network" in markings
    assert "Care Act 2014" in page("legal-gateways")
    assert "Multi Agency Risk Assessment Conference (MARAC)" in page("forums")
    assert "Be open and honest" in page("golden-rules")
    assert "Destroyed when the meeting closes" in page("retention")
    assert "Protection of public safety" in page("lawful-bases")


def test_durham_has_no_golden_rules_page_content(reader):
    protocol_pack_load(path_or_text=DURHAM)
    page = reader.get(reverse("portal:protocol_section", args=["golden-rules"])).content.decode()
    assert "has no golden rules" in page


def test_unknown_sections_and_versions_are_not_found(reader):
    protocol_pack_load(path_or_text=STOCKPORT)
    assert reader.get(reverse("portal:protocol_section", args=["secret-annex"])).status_code == 404
    assert reader.get(reverse("portal:protocol_version", args=["safer-stockport", "1999"])).status_code == 404
    assert (
        reader.get(reverse("portal:protocol_version_section", args=["safer-stockport", "2020", "nope"])).status_code
        == 404
    )
    assert (
        reader.get(reverse("portal:protocol_version_section", args=["safer-stockport", "2020", "markings"])).status_code
        == 200
    )


def test_the_versions_page_lists_every_loaded_pack(reader):
    protocol_pack_load(path_or_text=STOCKPORT)
    protocol_pack_load(path_or_text=DURHAM)
    page = reader.get(reverse("portal:protocol_versions")).content.decode()
    assert reverse("portal:protocol_version", args=["safer-stockport", "2020"]) in page
    assert reverse("portal:protocol_version", args=["safe-durham", "2021"]) in page
    assert page.count("In force") == 2  # each partnership's


def test_with_two_partnerships_the_protocol_page_asks_which(reader):
    protocol_pack_load(path_or_text=STOCKPORT)
    protocol_pack_load(path_or_text=DURHAM)
    page = reader.get(reverse("portal:protocol")).content.decode()
    assert "Protocols in force" in page
    assert reverse("portal:protocol_version", args=["safer-stockport", "2020"]) in page
    assert reverse("portal:protocol_version", args=["safe-durham", "2021"]) in page


def test_with_no_pack_loaded_the_overview_says_so(reader):
    assert "No protocol has been loaded" in reader.get(reverse("portal:protocol")).content.decode()
    assert reader.get(reverse("portal:protocol_section", args=["checklist"])).status_code == 404


def test_the_protocol_needs_sign_in(client):
    protocol_pack_load(path_or_text=STOCKPORT)
    response = client.get(reverse("portal:protocol_section", args=["checklist"]))
    assert response.status_code == 302 and response.url.startswith(reverse("portal:sign_in"))


@pytest.mark.parametrize("path", [STOCKPORT, DURHAM], ids=["stockport", "durham"])
def test_both_packs_name_every_portal_role_with_its_source(path):
    """Issue 11: the data protection officer is one of the pack's roles, with what the protocol asks of it."""
    from portal.roles import Role

    roles = {role["code"]: role for role in pack_data(path)["roles"]}
    assert set(roles) == set(Role.values)
    assert "data protection officer" in roles[Role.DPO]["name"].lower()
    assert roles[Role.DPO]["source"]


def test_a_pack_role_must_be_a_portal_role():
    data = pack_data(STOCKPORT)
    data["roles"].append({"code": "caldicott_guardian", "name": "Caldicott", "duties": "x", "source": "y"})
    with pytest.raises(ProtocolPackError, match="roles"):
        protocol_pack_load(path_or_text=as_yaml(data))
