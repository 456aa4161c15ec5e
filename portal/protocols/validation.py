"""Reading and checking a protocol pack before anything is written (DOMAIN.md §2, §6).

Two passes: the JSON Schema (schema.py) for shape, then the cross-references a schema cannot
express — codes unique within each list, flowchart answers leading to questions that exist and
never looping back, forums naming the pack's own purposes, a retention default for every record
kind, the review date after the effective date. Every problem is reported with the path of the
field it is about (`legal_gateways[3].organisation_kinds[0]`), so a partnership admin can find it
in the YAML.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass

import yaml
from jsonschema import Draft202012Validator, ValidationError

from portal.models import RetentionRecordKind

from .schema import CODED_LISTS, PACK_SCHEMA


@dataclass(frozen=True)
class PackIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(the pack)'}: {self.message}"


class ProtocolPackError(Exception):
    """The pack was refused. `issues` lists every problem found; `path` and `message` are the first."""

    def __init__(self, issues: list[PackIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))

    @property
    def path(self) -> str:
        return self.issues[0].path

    @property
    def message(self) -> str:
        return self.issues[0].message


# --- Reading -----------------------------------------------------------------------------------


class _PackLoader(yaml.SafeLoader):
    """YAML 1.2 scalars: only true/false are booleans (so the flowchart's `yes:`/`no:` answers stay
    strings, as a pack author would expect), and dates stay text until the schema checks them."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_PackLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PackLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def pack_parse(text: str) -> object:
    try:
        return yaml.load(text, Loader=_PackLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ProtocolPackError([PackIssue("", f"is not valid YAML: {exc}")]) from exc


def pack_content_sha256(data: dict) -> str:
    """Hash of the pack's content, not its text: comments and layout don't make a new version."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- Checking ----------------------------------------------------------------------------------


def pack_validate(data: object) -> None:
    """Raise ProtocolPackError listing every problem, or return if the pack is sound."""
    issues = _schema_issues(data)
    if not issues:
        # The cross-reference checks rely on the shape the schema guarantees.
        issues = _reference_issues(data)
    if issues:
        raise ProtocolPackError(issues)


def field_path(parts) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


_validator = Draft202012Validator(PACK_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)

_TYPE_NAMES = {
    "object": "a mapping of fields",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def _describe_value(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return repr(value)


def _schema_issues(data: object) -> list[PackIssue]:
    errors = sorted(_validator.iter_errors(data), key=lambda e: [(isinstance(p, str), p) for p in e.absolute_path])
    # jsonschema reports each missing required field as its own error, but _issues_from_error
    # lists all of them from any one; dict keys keep the first of each, in order.
    issues = {issue: None for error in errors for issue in _issues_from_error(error)}
    return list(issues)


def _issues_from_error(error: ValidationError) -> list[PackIssue]:
    parts = list(error.absolute_path)
    path = field_path(parts)
    instance, schema, kind = error.instance, error.schema, error.validator
    label = schema.get("x-label") if isinstance(schema, dict) else None

    if kind == "required":
        missing = [name for name in error.validator_value if isinstance(instance, dict) and name not in instance]
        return [PackIssue(field_path([*parts, name]), "is required but missing") for name in missing]
    if kind == "additionalProperties":
        unknown = sorted(set(instance) - set(schema.get("properties", {})), key=str)
        return [
            PackIssue(field_path([*parts, str(name)]), "is not a field this part of a pack can have")
            for name in unknown
        ]
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, str) else error.validator_value[0]
        message = f"must be {_TYPE_NAMES.get(wanted, wanted)}, not {_describe_value(instance)}"
        if wanted == "string" and isinstance(instance, (int, float, bool)):
            message += " (put it in quotes)"
        return [PackIssue(path, message)]
    if kind == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return [
            PackIssue(path, f"{_describe_value(instance)} is not a known {label or 'value'}; use one of: {allowed}")
        ]
    if kind in ("pattern", "format"):
        return [PackIssue(path, f"{_describe_value(instance)} is not a valid {label or kind}")]
    if kind == "const":
        return [PackIssue(path, f"must be {error.validator_value!r}")]
    if kind == "minItems":
        return [PackIssue(path, f"must have at least {error.validator_value} item(s)")]
    if kind == "minLength":
        return [PackIssue(path, "must not be empty")]
    if kind == "maxLength":
        return [PackIssue(path, f"is longer than {error.validator_value} characters")]
    if kind == "uniqueItems":
        return [PackIssue(path, "lists the same value more than once")]
    if kind in ("minProperties", "maxProperties"):
        return [PackIssue(path, "must give exactly one of `node` (the next question) or `outcome`")]
    if kind == "minimum":
        return [PackIssue(path, f"must be at least {error.validator_value}")]
    return [PackIssue(path, error.message)]


def _reference_issues(pack: dict) -> list[PackIssue]:
    issues: list[PackIssue] = []
    issues += _duplicate_codes(pack)
    issues += _duplicate_partner_names(pack)
    issues += _date_order(pack)
    issues += _flowchart_issues(pack["flowchart"])
    issues += _forum_purposes(pack)
    issues += _retention_issues(pack["retention"])
    issues += _dataset_issues(pack.get("datasets", []))
    return issues


def _unique(items: list[dict], key: str, list_path: list, what: str) -> list[PackIssue]:
    issues, seen = [], {}
    for index, item in enumerate(items):
        value = item[key]
        folded = value.casefold()
        if folded in seen:
            first = field_path([*list_path, seen[folded]])
            issues.append(
                PackIssue(field_path([*list_path, index, key]), f"{what} {value!r} is already used by {first}")
            )
        else:
            seen[folded] = index
    return issues


def _duplicate_codes(pack: dict) -> list[PackIssue]:
    issues = []
    for list_path in CODED_LISTS:
        items = pack
        for part in list_path:
            items = items.get(part, [])  # an optional list (roles) may be absent
        issues += _unique(items, "code", list(list_path), "code")
    for index, level in enumerate(pack["marking_scheme"]["levels"]):
        issues += _unique(
            level["handling_rules"], "code", ["marking_scheme", "levels", index, "handling_rules"], "code"
        )
    return issues


def _duplicate_partner_names(pack: dict) -> list[PackIssue]:
    # Organisation names are unique, and organisations_sync_from_pack matches partners by name.
    return _unique(pack["partners"], "name", ["partners"], "name")


def _date_order(pack: dict) -> list[PackIssue]:
    effective = datetime.date.fromisoformat(pack["effective_date"])
    review = datetime.date.fromisoformat(pack["review_date"])
    if review <= effective:
        return [PackIssue("review_date", f"must be after effective_date ({pack['effective_date']})")]
    return []


def _flowchart_issues(flowchart: dict) -> list[PackIssue]:
    issues = []
    nodes = flowchart["nodes"]
    index_of = {node["code"]: index for index, node in enumerate(nodes)}
    described = {outcome["code"] for outcome in flowchart["outcomes"]}
    known_nodes = ", ".join(index_of)

    if flowchart["start"] not in index_of:
        issues.append(
            PackIssue(
                "flowchart.start", f"{flowchart['start']!r} is not a node of this flowchart (nodes: {known_nodes})"
            )
        )

    edges: dict[str, list[tuple[str, str]]] = {}
    for index, node in enumerate(nodes):
        for answer, target in node["answers"].items():
            target_path = ["flowchart", "nodes", index, "answers", answer]
            if "node" in target:
                if target["node"] not in index_of:
                    issues.append(
                        PackIssue(
                            field_path([*target_path, "node"]),
                            f"{target['node']!r} is not a node of this flowchart (nodes: {known_nodes})",
                        )
                    )
                else:
                    edges.setdefault(node["code"], []).append((target["node"], field_path([*target_path, "node"])))
            elif target["outcome"] not in described:
                issues.append(
                    PackIssue(
                        field_path([*target_path, "outcome"]),
                        f"outcome {target['outcome']!r} is not described in flowchart.outcomes",
                    )
                )
    if issues:
        return issues

    # Every run of the flowchart must end: no answer may lead back to a question already asked.
    state: dict[str, str] = {}

    def visit(code: str) -> None:
        state[code] = "open"
        for target, path in edges.get(code, []):
            if state.get(target) == "open":
                issues.append(PackIssue(path, f"leads back to {target!r}, so the flowchart would never end"))
            elif target not in state:
                visit(target)
        state[code] = "done"

    visit(flowchart["start"])
    for code, index in index_of.items():
        if code not in state:
            issues.append(
                PackIssue(field_path(["flowchart", "nodes", index]), f"node {code!r} cannot be reached from the start")
            )
    return issues


def _forum_purposes(pack: dict) -> list[PackIssue]:
    purposes = {purpose["code"] for purpose in pack["purposes"]}
    return [
        PackIssue(field_path(["forums", index, "purposes", position]), f"{code!r} is not a purpose of this pack")
        for index, forum in enumerate(pack["forums"])
        for position, code in enumerate(forum.get("purposes", []))
        if code not in purposes
    ]


def _retention_issues(retention: list[dict]) -> list[PackIssue]:
    issues = []
    present = {item["code"] for item in retention}
    for kind in RetentionRecordKind.values:
        if kind not in present:
            issues.append(PackIssue("retention", f"has no default for record kind {kind!r}"))
    for index, item in enumerate(retention):
        if item.get("destroy_at_meeting_close") and item["code"] != RetentionRecordKind.MEETING_PAPERS:
            issues.append(
                PackIssue(
                    field_path(["retention", index, "destroy_at_meeting_close"]),
                    "only meeting_papers can be destroyed when a meeting closes",
                )
            )
    return issues


# The location fields each rule allows: the finest location a dataset may hold (SDP Appendix 1:
# where a precise location could identify someone, only the outward postcode).
_LOCATION_FIELDS = {
    "point": {"postcode", "street", "easting", "northing"},
    "street": {"postcode", "street"},
    "outward_postcode": {"postcode"},
}


def _dataset_issues(datasets: list[dict]) -> list[PackIssue]:
    issues = _unique(datasets, "code", ["datasets"], "code")
    for index, dataset in enumerate(datasets):
        path = ["datasets", index]
        fields = dataset["fields"]
        issues += _unique(fields, "code", [*path, "fields"], "code")
        issues += _unique(dataset.get("categories", []), "code", [*path, "categories"], "code")
        types = [field["type"] for field in fields]
        for wanted in ("date", "postcode"):
            if types.count(wanted) != 1:
                issues.append(
                    PackIssue(field_path([*path, "fields"]), f"must have exactly one field of type {wanted!r}")
                )
        if types.count("category") > 1:
            issues.append(PackIssue(field_path([*path, "fields"]), "may have at most one field of type 'category'"))
        if ("category" in types) != bool(dataset.get("categories")):
            issues.append(
                PackIssue(
                    field_path([*path, "categories"]),
                    "must be given exactly when the dataset has a field of type 'category'",
                )
            )
        allowed = _LOCATION_FIELDS[dataset["location_rule"]]
        for position, field in enumerate(fields):
            field_at = [*path, "fields", position]
            if field["type"] in {"street", "easting", "northing"} and field["type"] not in allowed:
                issues.append(
                    PackIssue(
                        field_path([*field_at, "type"]),
                        f"a {field['type']} field is finer than the location rule {dataset['location_rule']!r} allows",
                    )
                )
            if "personal_data" in field and field["type"] not in {"text", "street"}:
                issues.append(
                    PackIssue(field_path([*field_at, "personal_data"]), "only text and street fields can have a personal-data rule")
                )
        if dataset["location_rule"] == "point" and not {"easting", "northing"} <= set(types):
            issues.append(PackIssue(field_path([*path, "fields"]), "a point location needs an easting and a northing field"))
    return issues
