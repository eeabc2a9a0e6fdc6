"""``inspect``: read inputs, build (or load) a plan, validate, and summarise for people."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from wizard.core.blueprint import ENTITIES
from wizard.core.plan import Plan
from wizard.core.presets import PRESET_LABELS
from wizard.core.sources import Source
from wizard.core.sources.csv_reader import delimiter_name
from wizard.core.staging import Staged
from wizard.core.validate import RULE_TITLES, FileSummary, Findings, Validation


@dataclass
class Inspection:
    plan: Plan
    sources: list[Source]
    validation: Validation
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why) left out
    changes: list[str] = field(default_factory=list)  # a saved plan's columns new or gone

    def to_dict(self) -> dict[str, object]:
        files = []
        for source in self.sources:
            splan = self.plan.source(str(source.path), source.sheet)
            summary = self.validation.files.get(source.label)
            files.append({
                "file": str(source.path),
                "label": source.label,
                "kind": source.kind,
                "encoding": source.options.encoding,
                "delimiter": source.options.delimiter,
                "sheet": source.options.sheet,
                "header_row": source.options.header_row,
                "columns": source.columns,
                "rows": summary.rows_read if summary else source.rows_read,
                "set_aside": summary.set_aside if summary else 0,
                "rows_with_errors": summary.rows_with_errors if summary else 0,
                "entity": splan.entity if splan else None,
                "entity_confidence": splan.entity_confidence if splan else 0,
                "preset": splan.preset if splan else None,
                "preset_object": splan.preset_object if splan else None,
                "note": splan.note if splan else "",
                "mapping": [m.to_dict() for m in splan.fields] if splan else [],
                "custom": splan.custom if splan else {},
                "errors": dict(summary.errors) if summary else {},
                "warnings": dict(summary.warnings) if summary else {},
                "notices": [n.__dict__ for n in source.notices + source.read_notices],
            })  # fmt: skip
        return {
            "method": self.plan.method,
            "preset": self.plan.preset,
            "files": files,
            "unreadable": [{"file": f, "message": m} for f, m in self.unreadable],
            "skipped": [{"path": f, "why": m} for f, m in self.skipped],
            "changes": self.changes,
            "links": dict(self.validation.links),
            "orphans": dict(self.validation.orphans),
            "duplicates": dict(self.validation.duplicates),
            "errors": self.validation.count("error"),
            "warnings": self.validation.count("warning"),
            "findings": [f.to_dict() for f in self.validation.findings.items],
        }

    def lines(self, examples: int = 3) -> list[str]:
        out: list[str] = []
        v = self.validation
        method = ("Integration Sync" if self.plan.method == "integration_sync"
                  else "Manual CSV Import")  # fmt: skip
        crm = PRESET_LABELS.get(self.plan.preset or "", "")
        out.append(f"Import method: {method}" + (f" ({crm} export)" if crm else ""))
        for source in self.sources:
            splan = self.plan.source(str(source.path), source.sheet)
            summary = v.files.get(source.label)
            out.append("")
            out.append(f"== {source.label}")
            if source.kind == "csv":
                out.append(f"   encoding {source.options.encoding}, "
                           f"{delimiter_name(source.options.delimiter)}-separated, "
                           f"header on row {source.options.header_row}")  # fmt: skip
            else:
                out.append(f"   sheet '{source.options.sheet}', header on row "
                           f"{source.options.header_row}")  # fmt: skip
            for n in source.notices + source.read_notices:
                out.append(f"   note: {n.message}")
            if splan is None or splan.entity is None:
                out.append(f"   not imported: {splan.note if splan else 'no plan for it'}")
                continue
            rows = summary.rows_read if summary else 0
            preset = (f", {PRESET_LABELS[splan.preset]} {splan.preset_object}"
                      if splan.preset else "")  # fmt: skip
            out.append(f"   {rows} rows -> {ENTITIES[splan.entity].label} "
                       f"(confidence {splan.entity_confidence:.0%}{preset})")  # fmt: skip
            ent = ENTITIES[splan.entity]
            for m in splan.fields:
                how = f" (linked by {m.match_by.replace('_', ' ')})" if m.match_by else ""
                gone = [c for c in m.columns if c not in source.columns]
                if gone:
                    how += f" (not in the file: {', '.join(gone)}; nothing is read from it)"
                shown = f"made: {m.template}" if m.template else " + ".join(m.columns)
                out.append(f"     {shown:<32} -> {ent.field(m.field).label}"
                           f"{how}  [{m.origin}, {m.confidence:.0%}]")  # fmt: skip
            for name, value in splan.constants.items():
                out.append(f"     {'(every row)':<32} -> {ent.field(name).label} = {value}")
            if splan.custom:
                out.append(f"     kept as custom fields: {', '.join(splan.custom)}")
            if splan.skipped:
                out.append(f"     left out: {', '.join(splan.skipped)}")
            if summary:
                errs = sum(summary.errors.values())
                warns = sum(summary.warnings.values())
                out.append(f"   validation: {summary.rows_with_errors} of {rows} rows have "
                           f"errors ({errs} errors, {warns} warnings and notes)")  # fmt: skip
        for path, message in self.unreadable:
            out.append("")
            out.append(f"== {Path(path).name}: could not be read")
            out.append(f"   {message}")
        for path, why in self.skipped:
            out.append(f"Skipped {path}: {why}.")
        for change in self.changes:
            out.append(change)
        out.append("")
        out.append(f"Errors: {v.count('error')}   Warnings: {v.count('warning')}")
        for relation in sorted(set(v.links) | set(v.orphans)):
            out.append(f"  links {relation}: {v.links[relation]} matched, "
                       f"{v.orphans[relation]} orphans")  # fmt: skip
        for key, n in sorted(v.duplicates.items()):
            out.append(f"  duplicates by {key}: {n}")
        for rule, items in v.findings.by_rule().items():
            out.append(f"  {RULE_TITLES.get(rule, rule)}: {_count(v.findings, rule)}")
            for f in items[:examples]:
                out.append(f"    - {f.message}")
        return out


def _count(findings: Findings, rule: str) -> int:
    return sum(n for (_, r, _), n in findings.counts.items() if r == rule)


def inspect(inputs: list[str], plan_path: Path | None = None) -> Inspection:
    """Read every input (files and folders), plan, and check every row exactly as ``migrate``
    and the wizard do: staged into a throwaway project, so every count (findings, links,
    orphans, merges) is the one the Validation page and the phases see. Unreadable files are
    listed."""
    from wizard.core.migration import Migration

    staged = None
    with (tempfile.TemporaryDirectory(prefix="cutover-inspect-") as tmp,
          Migration(Path(tmp) / "inspect") as mig):  # fmt: skip
        prepared = mig.prepare([str(i) for i in inputs], plan_path)
        for item in mig.stage(prepared, keep_raw=False):
            if isinstance(item, Staged):
                staged = item
    assert staged is not None and staged.findings is not None
    return Inspection(prepared.plan, list(prepared.sources.values()), as_validation(staged),
                      prepared.unreadable, prepared.skipped, prepared.changes)  # fmt: skip


def as_validation(staged: Staged) -> Validation:
    """A check's summary per file, as ``inspect`` says it."""
    findings = staged.findings or Findings()
    files = {f.label: FileSummary(f.label, f.entity, f.rows_read, f.rejected, f.set_aside)
             for f in staged.files}  # fmt: skip
    for (file, rule, severity), n in findings.counts.items():
        if file in files:
            (files[file].errors if severity == "error" else files[file].warnings)[rule] += n
    return Validation(findings, files, Counter(staged.orphans), Counter(staged.links),
                      Counter(staged.duplicates))  # fmt: skip
