"""A proposed protocol version set against the version in force (SSP 17, SDP 13): what a reviewer
and a designated officer approving it need to see — partners, legal gateways, checklist questions,
the flowchart, markings, forums and retention defaults, each item added, removed or changed
(and which of its fields), matched by its code. Works on the packs' validated data only."""
from __future__ import annotations

from dataclasses import dataclass, field

SECTIONS = (  # (title, path to the list in the pack, the item's label field)
    ("Partners", ("partners",), "name"),
    ("Legal gateways", ("legal_gateways",), "name"),
    ("Purposes", ("purposes",), "name"),
    ("Checklist questions", ("checklist",), "text"),
    ("Flowchart questions", ("flowchart", "nodes"), "question"),
    ("Markings", ("marking_scheme", "levels"), "name"),
    ("Forums", ("forums",), "name"),
    ("Retention defaults", ("retention",), "code"),
)
IGNORED_FIELDS = {"source"}  # where in the document an item comes from is not a change of substance


@dataclass
class ItemChange:
    code: str
    label: str
    change: str  # "added", "removed" or "changed"
    fields: list[str] = field(default_factory=list)


@dataclass
class SectionDiff:
    title: str
    changes: list[ItemChange]


def _items(data: dict, path: tuple[str, ...]) -> list[dict]:
    value = data
    for key in path:
        value = (value or {}).get(key) if isinstance(value, dict) else None
    return [item for item in (value or []) if isinstance(item, dict)]


def _label(item: dict, label_field: str) -> str:
    text = str(item.get(label_field) or item.get("code") or "")
    return text if len(text) <= 140 else text[:139] + "…"


def pack_diff(*, old: dict, new: dict) -> list[SectionDiff]:
    sections = []
    for title, path, label_field in SECTIONS:
        before = {item.get("code"): item for item in _items(old, path)}
        after = {item.get("code"): item for item in _items(new, path)}
        changes = []
        for code, item in after.items():
            if code not in before:
                changes.append(ItemChange(code, _label(item, label_field), "added"))
                continue
            keys = (set(item) | set(before[code])) - IGNORED_FIELDS
            changed = sorted(key for key in keys if item.get(key) != before[code].get(key))
            if changed:
                changes.append(ItemChange(code, _label(item, label_field), "changed", [k.replace("_", " ") for k in changed]))
        for code, item in before.items():
            if code not in after:
                changes.append(ItemChange(code, _label(item, label_field), "removed"))
        sections.append(SectionDiff(title, changes))
    for key, title in (("review_date", "Review date"), ("effective_date", "Effective date"), ("title", "Title")):
        if old.get(key) != new.get(key):
            sections.insert(0, SectionDiff(title, [ItemChange(key, f"{old.get(key)} → {new.get(key)}", "changed")]))
    return sections
