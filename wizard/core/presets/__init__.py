"""Integration Sync: known CRM exports recognised and mapped with no manual work.

A preset recognises a table (which CRM, which object) and maps its standard columns exactly.
Columns a preset does not know fall back to auto-matching, then to custom fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from wizard.core.blueprint import ENTITIES
from wizard.core.plan import FieldMap
from wizard.core.textnorm import norm


@dataclass
class ObjectSpec:
    """A known CRM object: its entity and how its standard columns map.

    Column specs are 'field', 'field|transform,transform' or 'ref:<field>:<match_by>[:prefix]'.
    Keys are normalised header names, so 'AccountId', 'Account ID' and 'account_id' all match.
    """

    entity: str | None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    merge_into: dict[str, str] | None = None
    skip: tuple[str, ...] = ()
    note: str = ""


@dataclass
class Recognition:
    preset: str
    object: str
    spec: ObjectSpec
    confidence: float
    reason: str


def parse_spec(column: str, spec: str) -> FieldMap:
    if spec.startswith("ref:"):
        parts = spec.split(":")
        return FieldMap(parts[1], [column], match_by=parts[2],
                        prefix=parts[3] if len(parts) > 3 else None,
                        origin="preset")  # fmt: skip
    name, _, transforms = spec.partition("|")
    return FieldMap(name, [column], transforms=[t for t in transforms.split(",") if t],
                    origin="preset")  # fmt: skip


def apply_spec(spec: ObjectSpec, columns: list[str]) -> tuple[list[FieldMap], list[str]]:
    """Field maps for the columns the spec knows, and the columns it deliberately skips."""
    maps: list[FieldMap] = []
    skipped: list[str] = []
    skip = {norm(s) for s in spec.skip}
    from wizard.core.automatch import entity_word
    from wizard.core.textnorm import split_prefix

    for col in columns:
        key = norm(col)
        prefix, rest = split_prefix(col)
        if prefix and key not in spec.columns and entity_word(prefix) == spec.entity:
            key = rest  # 'Deal - Title' in a deals export is the deal's own title
        if key in skip:
            skipped.append(col)
            continue
        for one in filter(None, spec.columns.get(key, "").split(";")):
            fm = parse_spec(col, one)
            if spec.entity and ENTITIES[spec.entity].has(fm.field):  # else: a custom field
                maps.append(fm)
    taken: set[str] = set()
    unique: list[FieldMap] = []
    for m in maps:  # first column listed for a field wins (e.g. ids before names)
        if m.field not in taken:
            taken.add(m.field)
            unique.append(m)
    return unique, skipped


def recognise(name: str, columns: list[str], sample: pd.DataFrame | None) -> Recognition | None:
    from wizard.core.presets import hubspot, pipedrive, salesforce

    found = [
        r
        for r in (
            salesforce.recognise(name, columns, sample),
            hubspot.recognise(name, columns, sample),
            pipedrive.recognise(name, columns, sample),
        )
        if r
    ]
    return max(found, key=lambda r: r.confidence) if found else None


PRESET_LABELS = {"salesforce": "Salesforce", "hubspot": "HubSpot", "pipedrive": "Pipedrive"}
