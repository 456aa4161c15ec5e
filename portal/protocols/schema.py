"""The JSON Schema of a protocol pack (DOMAIN.md §2's table, one property per row).

The shape only: which fields exist, their types and allowed values. Rules that need more than one
field at a time (flowchart targets exist, codes are unique, every retention kind has a default)
live in validation.py. Choice lists come from the models, so a new organisation kind or lawful-basis
category is one edit, not two.

`x-label` names what an enum or pattern holds, for the error messages validation.py writes.
"""

from portal.models import (
    FlowchartOutcome,
    LawfulBasisCategory,
    OrganisationKind,
    RetentionRecordKind,
    StatutoryStanding,
)
from portal.roles import Role

SCHEMA_VERSION = 1
# How a new version comes into force (the pack's `review.approval`): a designated officer of every
# signatory organisation approves it, or the partnership admin records the board's approval.
REVIEW_APPROVALS = ("designated_officers_of_every_signatory", "board")

CODE_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"

_text = {"type": "string", "minLength": 1}
_date = {
    "type": "string",
    "format": "date",
    "pattern": r"^\d{4}-\d{2}-\d{2}$",
    "x-label": "date (YYYY-MM-DD)",
}
_code = {
    "type": "string",
    "maxLength": 80,
    "pattern": CODE_PATTERN,
    "x-label": "code (lower-case letters and digits joined by - or _)",
}
_source = _text
_text_list = {"type": "array", "items": _text}


def _object(properties: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _enum(values: list[str], label: str) -> dict:
    return {"type": "string", "enum": list(values), "x-label": label}


def _list_of(item: dict, min_items: int = 1) -> dict:
    return {"type": "array", "items": item, "minItems": min_items}


_person = _object({"name": _text, "role": _text}, ["name", "role"])

_partner = _object(
    {
        "code": _code,
        "name": {**_text, "maxLength": 200},
        "kind": _enum(OrganisationKind.values, "organisation kind"),
        "standing": _enum(StatutoryStanding.values, "statutory standing"),
        "ico_registration": {
            "type": "string",
            "pattern": r"^Z[A-Z0-9]{7}$",
            "x-label": "ICO registration number (Z and seven letters or digits)",
        },
        "signatory": _object({"name": _text, "role": _text, "signed_on": _date}, ["name", "role"]),
        "designated_officer": _person,
        "data_protection_officer": _person,
        "review_leads": _list_of(_person),
        "note": _text,
        "source": _source,
    },
    ["code", "name", "kind", "standing", "source"],
)

_purpose = _object(
    {"code": _code, "name": _text, "description": _text, "source": _source},
    ["code", "name", "source"],
)

_legal_gateway = _object(
    {
        "code": _code,
        "name": {**_text, "maxLength": 300},
        "summary": _text,
        "applies_to": _list_of(_text),
        "organisation_kinds": {
            "type": "array",
            "items": _enum(OrganisationKind.values, "organisation kind"),
            "minItems": 1,
            "uniqueItems": True,
        },
        "note": _text,
        "source": _source,
    },
    ["code", "name", "applies_to", "organisation_kinds", "source"],
)

_lawful_basis = _object(
    {
        "code": _code,
        "category": _enum(LawfulBasisCategory.values, "lawful basis category"),
        "reference": {**_text, "maxLength": 200},
        "name": {**_text, "maxLength": 300},
        "description": _text,
        "source": _source,
    },
    ["code", "category", "reference", "name", "source"],
)

_checklist_question = _object(
    {"code": _code, "text": _text, "guidance": _text_list, "source": _source},
    ["code", "text", "source"],
)

# An answer leads to exactly one of: another question, or an outcome.
_answer_target = {
    "type": "object",
    "properties": {"node": _code, "outcome": _enum(FlowchartOutcome.values, "flowchart outcome")},
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
}

_flowchart_node = _object(
    {
        "code": _code,
        "question": _text,
        "guidance": _text,
        "answers": _object(
            {"yes": _answer_target, "no": _answer_target, "not_sure": _answer_target}, ["yes", "no", "not_sure"]
        ),
    },
    ["code", "question", "answers"],
)

_flowchart = _object(
    {
        "source": _source,
        "start": _code,
        "nodes": _list_of(_flowchart_node),
        "outcomes": _list_of(
            _object(
                {"code": _enum(FlowchartOutcome.values, "flowchart outcome"), "title": _text, "guidance": _text},
                ["code", "title", "guidance"],
            )
        ),
        "safeguarding": _object(
            {"question": _text, "title": _text, "guidance": _text}, ["question", "title", "guidance"]
        ),
        "share_confirmations": _list_of(_object({"code": _code, "text": _text}, ["code", "text"])),
    },
    ["source", "start", "nodes", "outcomes", "safeguarding", "share_confirmations"],
)

_golden_rule = _object({"code": _code, "title": _text, "text": _text}, ["code", "title", "text"])

_public_interest_ground = _object(
    {"code": _code, "name": _text, "description": _text, "source": _source},
    ["code", "name", "source"],
)

_marking_level = _object(
    {
        "code": _code,
        "name": {**_text, "maxLength": 100},
        "definition": _text,
        "signing_in_text": _text,
        "internet_allowed": {"type": "boolean"},
        "handling_rules": _list_of(
            _object({"code": _code, "action": _text, "rule": _text}, ["code", "action", "rule"]), min_items=0
        ),
        "note": _text,
    },
    ["code", "name", "definition", "internet_allowed", "handling_rules"],
)

_marking_scheme = _object(
    {"name": _text, "source": _source, "levels": _list_of(_marking_level)},
    ["name", "source", "levels"],
)

_forum = _object(
    {
        "code": _code,
        "name": {**_text, "maxLength": 300},
        "theme": {**_text, "maxLength": 300},
        "purposes": {"type": "array", "items": _code, "uniqueItems": True},
        "shares_individual_data": {"type": "boolean"},
        "description": _text,
        "arrangements": _text,
        "source": _source,
    },
    ["code", "name", "theme", "shares_individual_data", "source"],
)

# The roles the protocol gives people (DOMAIN.md §3): the portal's roles are code (portal/roles.py),
# the pack says what this protocol asks of each and where. Optional: a pack without it uses the
# portal's roles as they are.
_role = _object(
    {"code": _enum(Role.values, "role"), "name": _text, "duties": _text, "source": _source},
    ["code", "name", "duties", "source"],
)

_retention_default = _object(
    {
        "code": _enum(RetentionRecordKind.values, "record kind"),
        "days": {"type": "integer", "minimum": 0},
        "destroy_at_meeting_close": {"type": "boolean"},
        "rule": _text,
        "source": _source,
    },
    ["code", "days", "rule", "source"],
)

# Depersonalised datasets (SDP Appendix 1; issue 13). The field types are what the datasets app
# knows how to check and coarsen, so a pack describes its datasets but cannot invent a type.
DATASET_FIELD_TYPES = ["date", "time", "category", "postcode", "street", "easting", "northing", "integer", "text"]
LOCATION_RULES = ["point", "street", "outward_postcode"]

_dataset_field = _object(
    {
        "code": _code,
        "label": _text,
        "type": _enum(DATASET_FIELD_TYPES, "dataset field type"),
        "required": {"type": "boolean"},
        # For text: what to do with a value that looks like personal data (a name, a full
        # postcode, a phone number...): refuse the row, or strip the value and keep the row.
        "personal_data": _enum(["refuse", "strip"], "personal-data rule (refuse or strip)"),
        "note": _text,
    },
    ["code", "label", "type"],
)

_dataset = _object(
    {
        "code": _code,
        "name": {**_text, "maxLength": 200},
        "owner_kind": _enum(OrganisationKind.values, "organisation kind"),
        "location_rule": _enum(LOCATION_RULES, "location rule (point, street or outward_postcode)"),
        "fields": _list_of(_dataset_field),
        "categories": _list_of(_object({"code": _code, "name": _text}, ["code", "name"])),
        "portal_default": {"type": "boolean"},
        "note": _text,
        "source": _source,
    },
    ["code", "name", "owner_kind", "location_rule", "fields", "source"],
)

_disclosure_control = _object(
    {
        "threshold": {"type": "integer", "minimum": 2},
        "portal_default": {"type": "boolean"},
        "rule": _text,
        "source": _source,
    },
    ["threshold"],
)

PACK_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Protocol pack",
    **_object(
        {
            "schema_version": {"const": SCHEMA_VERSION},
            "slug": {**_code, "maxLength": 80},
            "version": {
                "type": "string",
                "maxLength": 40,
                "pattern": r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                "x-label": "version (letters, digits, - and _, e.g. 2021 or 2021-06)",
            },
            "title": {**_text, "maxLength": 300},
            "partnership_name": {**_text, "maxLength": 200},
            "document_date": _text,
            "effective_date": _date,
            "review_date": _date,
            "dates_source": _source,
            "partners": _list_of(_partner),
            "purposes": _list_of(_purpose),
            "legal_gateways": _list_of(_legal_gateway),
            "lawful_bases": _list_of(_lawful_basis),
            "checklist": _list_of(_checklist_question),
            "flowchart": _flowchart,
            "golden_rules": _list_of(_golden_rule, min_items=0),
            "public_interest_grounds": _list_of(_public_interest_ground),
            "marking_scheme": _marking_scheme,
            "forums": _list_of(_forum, min_items=0),
            "retention": _list_of(_retention_default),
            "datasets": _list_of(_dataset, min_items=0),
            "disclosure_control": _disclosure_control,
            "roles": _list_of(_role),
            # SSP 17, SDP 13 (optional; issue 12): how a new version comes into force, and whether
            # an organisation without a current signature, designated officer or valid ICO number
            # may share. Without it: every signatory's designated officer approves; nothing blocks.
            "review": _object(
                {
                    "approval": _enum(REVIEW_APPROVALS, "approval rule"),
                    "unsigned_blocks_sharing": {"type": "boolean"},
                    "source": _source,
                },
                [],
            ),
        },
        [
            "schema_version",
            "slug",
            "version",
            "title",
            "partnership_name",
            "effective_date",
            "review_date",
            "partners",
            "purposes",
            "legal_gateways",
            "lawful_bases",
            "checklist",
            "flowchart",
            "golden_rules",
            "public_interest_grounds",
            "marking_scheme",
            "forums",
            "retention",
        ],
    ),
}

# Lists whose items carry a `code` that must be unique within the list (validation.py checks them;
# marking levels' handling_rules are checked per level).
CODED_LISTS = [
    ("partners",),
    ("purposes",),
    ("legal_gateways",),
    ("lawful_bases",),
    ("checklist",),
    ("flowchart", "nodes"),
    ("flowchart", "outcomes"),
    ("flowchart", "share_confirmations"),
    ("golden_rules",),
    ("public_interest_grounds",),
    ("marking_scheme", "levels"),
    ("forums",),
    ("retention",),
    ("roles",),
]
