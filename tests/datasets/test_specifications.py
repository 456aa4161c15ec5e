"""Dataset specifications in the packs (portal/protocols/schema.py, validation.py; datasets/specs.py)."""
from __future__ import annotations

import copy

import pytest
from django.conf import settings

from datasets.specs import pack_dataset, pack_datasets, pack_threshold
from portal.protocols.services import ProtocolPackError, protocol_pack_load
from portal.protocols.validation import pack_parse, pack_validate

pytestmark = pytest.mark.django_db

DURHAM = settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml"
STOCKPORT = settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml"


def _durham() -> dict:
    return pack_parse(DURHAM.read_text())


def test_durham_pack_carries_the_appendix_1_datasets():
    pack, _ = protocol_pack_load(path_or_text=DURHAM)
    specs = {spec.code: spec for spec in pack_datasets(pack)}
    assert {"police-asb", "police-crime", "fire-deliberate", "fire-malicious-alarms", "council-rtc",
            "council-racial-incidents", "council-asb", "nhs-admissions", "nhs-domestic-abuse-admissions",
            "ambulance-callouts"} == set(specs)
    nhs = specs["nhs-admissions"]
    assert nhs.owner_kind == "nhs_trust" and nhs.location_rule == "outward_postcode"
    assert [code for code, _ in nhs.categories] == ["x85-y09", "f10-f19", "t51", "y90", "y91"]
    assert specs["ambulance-callouts"].location_rule == "outward_postcode"
    assert specs["council-rtc"].location_rule == "point"
    assert pack_threshold(pack) == 5


def test_stockport_datasets_are_marked_portal_defaults():
    pack, _ = protocol_pack_load(path_or_text=STOCKPORT)
    specs = pack_datasets(pack)
    assert specs and all(spec.portal_default for spec in specs)
    assert pack_dataset(pack, "nhs-admissions").owner_kind_label


def _break(change) -> list[str]:
    data = _durham()
    change(data)
    with pytest.raises(ProtocolPackError) as refused:
        pack_validate(data)
    return [str(issue) for issue in refused.value.issues]


def test_a_street_field_under_the_outward_postcode_rule_is_refused():
    def change(data):
        nhs = next(d for d in data["datasets"] if d["code"] == "nhs-admissions")
        nhs["fields"].append({"code": "street", "label": "Street", "type": "street"})

    issues = _break(change)
    assert any("finer than the location rule 'outward_postcode'" in issue for issue in issues)


def test_a_dataset_without_a_postcode_field_is_refused():
    def change(data):
        data["datasets"][0]["fields"] = [f for f in data["datasets"][0]["fields"] if f["type"] != "postcode"]

    assert any("exactly one field of type 'postcode'" in issue for issue in _break(change))


def test_an_unknown_field_type_and_a_low_threshold_are_refused_naming_the_field():
    def change(data):
        data["datasets"][1]["fields"][0]["type"] = "photo"
        data["disclosure_control"]["threshold"] = 1

    issues = _break(change)
    assert any(issue.startswith("datasets[1].fields[0].type:") for issue in issues)
    assert any(issue.startswith("disclosure_control.threshold:") for issue in issues)


def test_categories_without_a_category_field_are_refused():
    def change(data):
        alarms = next(d for d in data["datasets"] if d["code"] == "fire-malicious-alarms")
        alarms["categories"] = [{"code": "x", "name": "X"}]

    assert any("categories" in issue for issue in _break(change))


def test_a_pack_without_datasets_still_loads():
    data = _durham()
    trimmed = copy.deepcopy(data)
    del trimmed["datasets"], trimmed["disclosure_control"]
    pack_validate(trimmed)
