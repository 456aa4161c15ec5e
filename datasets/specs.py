"""The dataset specifications of a protocol pack, as objects (SDP Appendix 1; the pack's
`datasets:` and `disclosure_control:` sections, validated by portal/protocols/validation.py)."""
from __future__ import annotations

from dataclasses import dataclass

from portal.models import OrganisationKind, ProtocolPack

DEFAULT_THRESHOLD = 5

LOCATION_RULE_LABELS = {
    "point": "Point (easting and northing rounded to 100 m), street and outward postcode",
    "street": "Street and outward postcode (house numbers removed)",
    "outward_postcode": "Outward postcode only",
}


@dataclass(frozen=True)
class FieldSpec:
    code: str
    label: str
    type: str
    required: bool
    personal_data: str  # "refuse", "strip" or "" (not free text)


@dataclass(frozen=True)
class DatasetSpec:
    code: str
    name: str
    owner_kind: str
    location_rule: str
    fields: tuple[FieldSpec, ...]
    categories: tuple[tuple[str, str], ...]
    portal_default: bool
    source: str
    note: str

    @property
    def columns(self) -> list[str]:
        return [field.code for field in self.fields]

    @property
    def category_names(self) -> dict[str, str]:
        return dict(self.categories)

    @property
    def has_categories(self) -> bool:
        return bool(self.categories)

    @property
    def owner_kind_label(self) -> str:
        return OrganisationKind(self.owner_kind).label

    @property
    def location_rule_label(self) -> str:
        return LOCATION_RULE_LABELS[self.location_rule]


def _spec(data: dict) -> DatasetSpec:
    return DatasetSpec(
        code=data["code"],
        name=data["name"],
        owner_kind=data["owner_kind"],
        location_rule=data["location_rule"],
        fields=tuple(
            FieldSpec(
                code=field["code"],
                label=field["label"],
                type=field["type"],
                required=bool(field.get("required", False)),
                personal_data=field.get("personal_data", "refuse" if field["type"] in ("text", "street") else ""),
            )
            for field in data["fields"]
        ),
        categories=tuple((item["code"], item["name"]) for item in data.get("categories", [])),
        portal_default=bool(data.get("portal_default", False)),
        source=data["source"],
        note=data.get("note", ""),
    )


def pack_datasets(pack: ProtocolPack | None) -> list[DatasetSpec]:
    if pack is None:
        return []
    return [_spec(item) for item in pack.data.get("datasets", [])]


def pack_dataset(pack: ProtocolPack | None, code: str) -> DatasetSpec | None:
    return next((spec for spec in pack_datasets(pack) if spec.code == code), None)


def pack_threshold(pack: ProtocolPack | None) -> int:
    if pack is None:
        return DEFAULT_THRESHOLD
    return int(pack.data.get("disclosure_control", {}).get("threshold", DEFAULT_THRESHOLD))
