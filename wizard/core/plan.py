"""The plan: everything needed to replay a migration identically (versioned JSON).

A plan lists each source table with its entity, how its columns map onto blueprint fields
(with transforms), how references are matched, picklist value maps, date orders, and the
orphan policy per relation. ``build_plan`` makes one automatically (Integration Sync presets
first, then fuzzy auto-matching); the admin's edits always win over both.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.core.errors import PlanError
from wizard.core.sources import ReadOptions

SCHEMA_VERSION = 1
METHODS = ("integration_sync", "manual")
ORPHAN_POLICIES = ("unlinked", "reject")


TEMPLATE_PLACE = re.compile(r"\{([^{}]+)\}")


def template_columns(template: str) -> list[str]:
    """The columns a template names, in order, each once."""
    return list(dict.fromkeys(TEMPLATE_PLACE.findall(template)))


@dataclass
class FieldMap:
    """One target field filled from one or more source columns."""

    field: str
    columns: list[str]
    transforms: list[str] = field(default_factory=list)
    match_by: str | None = None  # references: source_id, name, email or domain
    prefix: str | None = None  # references: only ids starting with this (polymorphic ids)
    # a value made from the row: text with {Column} places ('{First Name}.{Last Name}@acme.com');
    # ``columns`` are the columns it names. Empty where one of them is empty in the row.
    template: str | None = None
    confidence: float = 1.0
    origin: str = "auto"  # preset, auto or admin

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: v for k, v in data.items() if v not in (None, [])}


@dataclass
class SourcePlan:
    """How one table of source data becomes records of one entity."""

    file: str
    options: ReadOptions = field(default_factory=ReadOptions)
    entity: str | None = None
    entity_confidence: float = 0.0
    preset: str | None = None
    preset_object: str | None = None
    fields: list[FieldMap] = field(default_factory=list)
    constants: dict[str, str] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)  # column -> custom property name
    skipped: list[str] = field(default_factory=list)
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    date_orders: dict[str, str] = field(default_factory=dict)  # column -> MDY, DMY or YMD
    decimal_marks: dict[str, str] = field(default_factory=dict)  # column -> '.' or ','
    # {"column": ..., "entity": ..., "required": bool}: each row is merged into the record that
    # column names (converted leads; with "required", a row whose record no file holds cannot
    # exist on its own: the rows of a file that only ties records together)
    merge_into: dict[str, Any] | None = None
    note: str = ""  # why a table is not imported (entity None), in plain words
    notes: list[str] = field(default_factory=list)  # what recognition decided from the values

    @property
    def label(self) -> str:
        name = Path(self.file).name
        return f"{name} [{self.options.sheet}]" if self.options.sheet else name

    def field_map(self, name: str) -> FieldMap | None:
        return next((m for m in self.fields if m.field == name), None)

    def mapped_columns(self) -> set[str]:
        return {c for m in self.fields for c in m.columns}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.file,
            "options": self.options.to_dict(),
            "entity": self.entity,
            "entity_confidence": round(self.entity_confidence, 3),
            "fields": [m.to_dict() for m in self.fields],
        }
        for key in ("preset", "preset_object", "merge_into", "note", "notes"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        for key in ("constants", "custom", "skipped", "value_maps", "date_orders",
                    "decimal_marks"):  # fmt: skip
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourcePlan:
        return cls(
            file=data["file"],
            options=ReadOptions.from_dict(data.get("options")),
            entity=data.get("entity"),
            entity_confidence=float(data.get("entity_confidence", 1.0)),
            preset=data.get("preset"),
            preset_object=data.get("preset_object"),
            fields=[FieldMap(**m) for m in data.get("fields", [])],
            constants=dict(data.get("constants", {})),
            custom=dict(data.get("custom", {})),
            skipped=list(data.get("skipped", [])),
            value_maps={k: dict(v) for k, v in data.get("value_maps", {}).items()},
            date_orders=dict(data.get("date_orders", {})),
            decimal_marks=dict(data.get("decimal_marks", {})),
            merge_into=data.get("merge_into"),
            note=data.get("note", ""),
            notes=[str(n) for n in data.get("notes", [])],
        )


DEFAULT_ACTIVE_LIFECYCLE = ("Sales qualified lead", "Opportunity")


@dataclass
class ActiveRule:
    """Which contacts are active sales contacts, held back to the last phase.

    A contact is active when any enabled condition holds: it has an open deal; it had an
    activity (or its last-activity date is) within ``recent_days``; its lifecycle stage or lead
    status is one of the chosen values.
    """

    open_deal: bool = True
    # an open deal that names no contact makes its company's contacts active (exports such as
    # Salesforce's keep the contact-deal link in a file of its own, often left out)
    via_company: bool = True
    recent_days: int | None = 90
    lifecycle: list[str] = field(default_factory=lambda: list(DEFAULT_ACTIVE_LIFECYCLE))
    lead_status: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ActiveRule:
        if not data:
            return cls()
        days = data.get("recent_days", 90)
        return cls(
            open_deal=bool(data.get("open_deal", True)),
            via_company=bool(data.get("via_company", True)),
            recent_days=int(days) if days is not None else None,
            lifecycle=[str(v) for v in data.get("lifecycle", DEFAULT_ACTIVE_LIFECYCLE)],
            lead_status=[str(v) for v in data.get("lead_status", [])],
        )

    def describe(self) -> str:
        parts = []
        if self.open_deal:
            parts.append(
                "has an open deal"
                + (" (or its company has one that names no contact)" if self.via_company else "")
            )
        if self.recent_days:
            parts.append(f"had an activity in the last {self.recent_days} days")
        if self.lifecycle:
            parts.append("has lifecycle stage " + " or ".join(self.lifecycle))
        if self.lead_status:
            parts.append("has lead status " + " or ".join(self.lead_status))
        return ("A contact is active when it " + ", or ".join(parts) + "."
                if parts else "No contact is treated as active.")  # fmt: skip


@dataclass
class Plan:
    method: str = "manual"
    preset: str | None = None
    sources: list[SourcePlan] = field(default_factory=list)
    orphan_policy: dict[str, str] = field(default_factory=dict)  # "contact.company" -> policy
    phone_region: str = "US"  # how to read phone numbers written without a country code
    active_rule: ActiveRule = field(default_factory=ActiveRule)
    # parents made from references when no file holds them: {"entity", "file", "sheet",
    # "field", "match_by", "column"} (a contacts file's company column makes the companies)
    derived: list[dict[str, Any]] = field(default_factory=list)
    # picklist options the admin added ("entity.field" -> values): the new CRM will have them
    options: dict[str, list[str]] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def options_of(self, entity: str, f: Any) -> tuple[str, ...]:
        """A picklist's options: the new CRM's, then the ones the admin added."""
        return (*f.options, *(o for o in self.options.get(f"{entity}.{f.name}", [])
                              if o not in f.options))  # fmt: skip

    def policy(self, entity: str, ref_field: str) -> str:
        return self.orphan_policy.get(f"{entity}.{ref_field}", "unlinked")

    def source(self, file: str, sheet: str | None = None) -> SourcePlan | None:
        return next((s for s in self.sources if s.file == file and s.options.sheet == sheet), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "app_version": __version__,
            "created_at": self.created_at,
            "method": self.method,
            "preset": self.preset,
            "phone_region": self.phone_region,
            "orphan_policy": self.orphan_policy,
            "active_rule": self.active_rule.to_dict(),
            "sources": [s.to_dict() for s in self.sources],
            "derived": self.derived,
            **({"options": self.options} if self.options else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], lines: dict | None = None) -> Plan:
        """A plan from its data, checked first (``lines``: where each value is in the file,
        for the message)."""
        version = data.get("schema_version")
        if not isinstance(version, int):
            raise PlanError(
                "This file is not a Cutover Wizard plan (it has no schema_version).",
                "Pick a plan saved by Cutover Wizard.",
            )
        if version > SCHEMA_VERSION:
            raise PlanError(
                f"This plan was saved by a newer Cutover Wizard (plan version {version}).",
                "Update Cutover Wizard to open it.",
            )
        from wizard.core.plan_check import check_plan, where

        problems = check_plan(data)
        if problems:
            said = []
            for path, message in problems[:5]:
                line = (lines or {}).get(path)
                said.append(f"{f'line {line} ' if line else ''}({where(path)}): {message}.")
            more = f" And {len(problems) - 5} more." if len(problems) > 5 else ""
            raise PlanError("The plan is not valid: " + " ".join(said) + more,
                            "Correct those lines, or make the plan again in the wizard (Save "
                            "plan).")  # fmt: skip
        try:
            plan = cls(
                method=data.get("method", "manual"),
                preset=data.get("preset"),
                sources=[SourcePlan.from_dict(s) for s in data.get("sources", [])],
                orphan_policy=dict(data.get("orphan_policy", {})),
                phone_region=data.get("phone_region", "US"),
                active_rule=ActiveRule.from_dict(data.get("active_rule")),
                derived=[dict(d) for d in data.get("derived", [])],
                options={k: [str(v) for v in vs] for k, vs in data.get("options", {}).items()},
                created_at=data.get("created_at", ""),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PlanError(
                f"The plan file is damaged: {exc}.", "Save the plan again from the wizard."
            ) from exc
        for relation, policy in plan.orphan_policy.items():
            if policy not in ORPHAN_POLICIES:
                raise PlanError(
                    f"Unknown orphan policy '{policy}' for {relation} in the plan.",
                    "Use 'unlinked' (load without the link and flag it) or 'reject'.",
                )
        if plan.method not in METHODS:
            raise PlanError(f"Unknown import method '{plan.method}' in the plan.")
        return plan

    def save(self, path: str | Path) -> Path:
        """Write atomically: a temp file in the same folder, fsync, then rename."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text)
        except FileNotFoundError:
            raise PlanError(f"There is no plan file at {path}.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PlanError(
                f"The plan file {path.name} could not be read: {exc}.",
                "Save the plan again from the wizard.",
            ) from exc
        except RecursionError:
            raise PlanError(f"The plan file {path.name} is nested too deeply to be a plan.",
                            "Pick a plan saved by Cutover Wizard.") from None  # fmt: skip
        if not isinstance(data, dict):
            raise PlanError(f"{path.name} is not a Cutover Wizard plan.")
        from wizard.core.plan_check import json_lines

        return cls.from_dict(data, json_lines(text))
