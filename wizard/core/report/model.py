"""What the cutover report says, gathered from the project (no Qt, no layout).

The proof that the migration was done right, and the record of what was not: the summary and
verdict, every phase's accounting and reconciliation (sandbox and live), the rejections with
their reasons and example rows, orphans and how each relation's policy handled them, merged
duplicates, QA (checklist, spot checks, pre- and post-cutover lists, overrides), the plan, and
the journal of every run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from wizard import __version__
from wizard.core.blueprint import ENTITIES
from wizard.core.cutover import POSTLOAD as _POST
from wizard.core.cutover import PRECUTOVER as _PRE
from wizard.core.ledger import outcome_table, staged_rows_sql
from wizard.core.migration import record_values
from wizard.core.plan import Plan
from wizard.core.qa import buffer, evaluate
from wizard.core.runner import (
    ReasonTally,
    _reason_kind,
    accounting,
    stored_result,
)
from wizard.core.staging import Staged, summarize
from wizard.core.transforms import TRANSFORM_LABELS

if TYPE_CHECKING:
    from wizard.core.cutover import Project
    from wizard.core.migration import Counted, Migration

OUTCOMES = ("loaded", "updated", "unchanged", "rejected", "deferred", "merged")
METHOD_WORDS = {"integration_sync": "Integration Sync", "manual": "Manual CSV Import"}
POLICY_WORDS = {"unlinked": "loaded without the link, flagged", "reject": "rejected"}
EXAMPLES = 3


@dataclass
class PhaseLine:
    environment: str  # Sandbox or Live
    phase: str
    label: str
    state: str
    read: int = 0
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deferred: int = 0
    merged: int = 0
    seconds: float = 0.0
    rows_per_s: float = 0.0
    reconciled: bool = False
    reconciliation: list[str] = field(default_factory=list)
    balanced: bool = True


@dataclass
class Reason:
    text: str
    count: int
    examples: list[str] = field(default_factory=list)  # "file, row N: col=value, ..."


@dataclass
class Rejected:
    environment: str
    entity: str
    file: str
    row: int | None
    reason: str
    values: str


@dataclass
class Report:
    project: str
    generated: datetime
    source_crm: str
    target: str
    method: str
    dates: list[tuple[str, datetime | None]]
    signed_off_by: str
    verdict: str
    phases: list[PhaseLine]
    reasons: list[Reason]
    rejected: list[Rejected]
    rejected_total: int
    flagged: list[Reason]  # findings on records that loaded (values kept as written, ...)
    flagged_rows: list[Rejected]  # those records, with their findings and values
    flagged_total: int  # records that loaded with at least one finding
    fidelity: list[dict[str, Any]]  # per file: records, links, values that reached the target
    orphans: list[tuple[str, int, int, str]]  # relation, linked, orphans, policy
    duplicates: list[tuple[str, int]]  # entity, rows merged
    qa: list[dict[str, Any]]
    spot_checks: list[dict[str, Any]]
    precutover: list[tuple[str, str, str]]  # item, by, at
    postload: list[tuple[str, str, str]]
    overrides: list[dict[str, str]]
    plan: list[dict[str, Any]]
    journal: list[dict[str, Any]]
    buffer_text: str
    version: str = __version__

    def chart_phases(self) -> tuple[str, list[tuple[str, dict[str, int]]]]:
        """The environment shown in the outcome chart (live once it ran, else the sandbox)
        and its phases' outcome counts."""
        live = [p for p in self.phases if p.environment == "Live"]
        shown = live if any(p.read for p in live) else [p for p in self.phases
                                                         if p.environment == "Sandbox"]  # fmt: skip
        env = shown[0].environment if shown else "Sandbox"
        return env, [(p.label, {o: getattr(p, o) for o in OUTCOMES}) for p in shown]


def at_text(text: str | None) -> str:
    """An ISO time as people read it: 2026-11-24 09:07."""
    return (text or "")[:16].replace("T", " ")


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _phase_lines(mig: Migration, plan: Plan, env: str,
                 counted: Counted | None = None) -> list[PhaseLine]:  # fmt: skip
    out = []
    phases = mig.phases(plan)
    census, recs = counted or mig.counted(plan)
    for phase in phases:
        stored = stored_result(mig.ledger, phase.name)
        line = PhaseLine(env, phase.name, phase.label, "completed" if mig.is_done(phase)
                         else (stored.state if stored else "not run"))  # fmt: skip
        for acc in accounting(mig.ledger, phase, census):
            line.read += acc.read
            for o in OUTCOMES:
                setattr(line, o, getattr(line, o) + getattr(acc, o))
            line.balanced = line.balanced and acc.balanced
        mine = [recs[e] for e in dict.fromkeys(phase.entities)]
        line.reconciled = all(r.ok for r in mine)
        line.reconciliation = [ln for r in mine for ln in r.lines()]
        if stored is not None:
            line.seconds, line.rows_per_s = stored.seconds, stored.rows_per_s
        out.append(line)
    return out


class _RowValues:
    """A staged row's file, row number and values, for the rows the report lists: each
    entity's SQL built once per report (built per row, it was 3.6 s of a report listing
    20,000 rows)."""

    def __init__(self, mig: Migration) -> None:
        self.db = mig.ledger.db
        self.labels = dict(self.db.execute("SELECT fid, label FROM files"))
        self.sql: dict[str, str] = {}

    def __call__(self, entity: str, sid: int) -> tuple[str, int | None, str]:
        sql = self.sql.get(entity)
        if sql is None:  # the values as the last re-check left them
            sql = self.sql[entity] = staged_rows_sql(self.db, entity) + " WHERE s.sid=?"
        cur = self.db.execute(sql, (sid,))
        found = cur.fetchone()
        if found is None:
            return "", None, ""
        record = dict(zip([d[0] for d in cur.description], found, strict=True))
        raw = record.get("raw")
        values = json.loads(raw) if raw else record_values(record)
        text = ", ".join(f"{k}={v}" for k, v in values.items() if v not in ("", None))
        return self.labels.get(record["fid"], ""), record["row"], text[:400]


_SENTENCE = re.compile(r"(?<=\.)\s+(?=[A-Z])")
Grouped = tuple[list[Reason], list[Rejected], int]


def _grouped(mig: Migration, env: str, full_limit: int, column: str, where: str,
             sentences: bool) -> Grouped:  # fmt: skip
    """Rows of ``outcomes`` whose ``column`` says something (a rejection's reason, a loaded
    record's findings), grouped by kind with example rows, the rows themselves (up to
    ``full_limit``) and how many there are. ``sentences``: one text may say several things."""
    tally = ReasonTally()
    row_values = _RowValues(mig)
    examples: dict[str, list[tuple[str, int]]] = {}
    rows: list[Rejected] = []
    total = 0
    found = (
        (entity, sid, text)
        for entity in sorted(ENTITIES)  # in the order of the entities' names, then of the rows
        for sid, text in mig.ledger.db.execute(
            f"SELECT sid, {column} FROM {outcome_table(entity)} WHERE {where} ORDER BY sid"
        )
    )
    for entity, sid, text in found:
        total += 1
        if len(rows) < full_limit:
            label, row, values = row_values(entity, sid)
            rows.append(Rejected(env, ENTITIES[entity].label, label, row, text or "", values))
        for part in dict.fromkeys(_SENTENCE.split(text or "")) if sentences else [text or ""]:
            tally.add(part)
            kind = _reason_kind(part)
            if len(examples.setdefault(kind, [])) < EXAMPLES:
                examples[kind].append((entity, sid))
    out = []
    for kind, said, n in tally.groups():
        shown = []
        for entity, sid in examples[kind]:
            label, row, values = row_values(entity, sid)
            shown.append(f"{label}, row {row}: {values}")
        out.append(Reason(said, n, shown))
    return out, rows, total


def _rejections(mig: Migration, env: str, full_limit: int) -> Grouped:
    return _grouped(mig, env, full_limit, "reason", "outcome='rejected'", sentences=False)


def _flagged(mig: Migration, env: str, full_limit: int) -> Grouped:
    """What loaded records carry a finding about (a value kept as written, a value made from
    the rest of the row, a link left out)."""
    return _grouped(mig, env, full_limit, "note", "note IS NOT NULL AND outcome IN ('loaded', "
                    "'updated', 'unchanged')", sentences=True)  # fmt: skip


def _plan_appendix(plan: Plan) -> list[dict[str, Any]]:
    out = []
    for s in plan.sources:
        ent = ENTITIES.get(s.entity or "")
        fields = []
        for fm in s.fields:
            label = ent.field(fm.field).label if ent and ent.has(fm.field) else fm.field
            fields.append({
                "field": label, "columns": " + ".join(fm.columns),
                "transforms": ", ".join(TRANSFORM_LABELS.get(t, t) for t in fm.transforms),
                "match_by": fm.match_by or "", "decided_by": fm.origin,
            })  # fmt: skip
        maps = {(ent.field(k).label if ent and ent.has(k) else k): v
                for k, v in s.value_maps.items() if v}  # fmt: skip
        out.append({"file": s.label, "entity": ent.label if ent else "not imported",
                    "fields": fields, "custom": dict(s.custom), "value_maps": maps,
                    "note": s.note})  # fmt: skip
    return out


def build_report(project: Project, sandbox: Migration, live: Migration | None = None,
                 full_limit: int = 100_000) -> Report:  # fmt: skip
    """Everything the report says. ``full_limit`` caps the listed rejected rows (the counts
    are always exact)."""
    plan = sandbox.require_plan()
    state = project.state
    now = project.clock.now()
    counted = sandbox.counted(plan)  # the phases' lines and the QA checklist read it
    phases = _phase_lines(sandbox, plan, "Sandbox", counted)
    live_ran = live is not None and any(
        stored_result(live.ledger, p.name) for p in live.phases(plan)
    )
    if live_ran:
        phases += _phase_lines(live, plan, "Live")  # type: ignore[arg-type]
    main = live if live_ran else sandbox
    env = "Live" if live_ran else "Sandbox"
    reasons, rejected, total = _rejections(main, env, full_limit)  # type: ignore[arg-type]
    flagged, flagged_rows, flagged_total = _flagged(main, env, full_limit)  # type: ignore[arg-type]
    staged = Staged()
    summarize(sandbox.ledger, staged)
    orphans = []
    for relation in sorted(staged.links):
        entity, ref = relation.split(".")
        ent = ENTITIES[entity]
        orphans.append((f"{ent.label} → {ent.field(ref).label.lower()}", staged.links[relation],
                        staged.orphans[relation], POLICY_WORDS[plan.policy(entity, ref)]))  # fmt: skip
    duplicates = [(ENTITIES[e].label, n) for e, n in staged.duplicates.items()]
    buf = buffer(state, project.clock)
    signoff = state.signoff or {}
    live_done = [p for p in phases if p.environment == "Live"]
    cutover_at = None
    if live_ran:
        ends = [r["ended_at"] for r in live.ledger.runs() if r["action"] == "run" and r["ended_at"]]  # type: ignore[union-attr]
        cutover_at = _when(max(ends)) if ends else None
    dates = [
        ("Sample rehearsal", _when(state.mock_completed)),
        ("Sandbox rehearsal completed (buffer start)", _when(state.rehearsal_completed)),
        ("Testing buffer ends", datetime.combine(buf.unlocks, datetime.min.time())
         if buf.unlocks else None),
        ("QA signed off", _when(signoff.get("at"))),
        ("Live cutover (last phase run)", cutover_at),
    ]  # fmt: skip
    journal = []
    for env_name, mig in (("Sandbox", sandbox), ("Live", live)):
        if mig is None:
            continue
        for r in mig.ledger.runs():
            journal.append({"environment": env_name, **r})
    journal.sort(key=lambda r: str(r.get("started_at") or ""))
    items = evaluate(state, sandbox, counted)
    report = Report(
        project=state.name or project.folder.name,
        generated=now,
        source_crm=(plan.preset or "spreadsheets").capitalize() if plan.preset
        else "Spreadsheets (no known CRM export)",
        target=live.target.label if live_ran else sandbox.target.label,  # type: ignore[union-attr]
        method=METHOD_WORDS.get(plan.method, plan.method),
        dates=dates,
        signed_off_by=signoff.get("by", ""),
        verdict="",
        phases=phases,
        reasons=reasons,
        rejected=rejected,
        rejected_total=total,
        flagged=flagged,
        flagged_rows=flagged_rows,
        flagged_total=flagged_total,
        fidelity=[f.to_dict() for f in main.fidelity(plan)],  # type: ignore[union-attr]
        orphans=orphans,
        duplicates=duplicates,
        qa=[i.to_dict() for i in items],
        spot_checks=list(state.spot_checks),
        precutover=[(text, *_by_at(state.precutover.get(key))) for key, text in _PRE],
        postload=[(text, *_by_at(state.postload.get(key))) for key, text in _POST],
        overrides=list(state.overrides),
        plan=_plan_appendix(plan),
        journal=journal,
        buffer_text=buf.describe(),
    )  # fmt: skip
    report.verdict = _verdict(report, live_done)
    return report


def fidelity_rows(report: Report) -> list[list[object]]:
    """The fidelity table, as the three writers show it."""

    def part(kept: int, total: int) -> str:
        return f"{kept:,} of {total:,}" + (f" ({kept / total:.1%})" if total and kept != total
                                           else "")  # fmt: skip

    return [[f["label"], part(f["records_kept"], f["records"]), part(f["links_kept"], f["links"]),
             part(f["values_kept"], f["values"]) if f["counted"] else "not counted",
             "all of it" if f["complete"] else "; ".join(f["why"])]
            for f in report.fidelity]  # fmt: skip


def _by_at(entry: dict[str, str] | None) -> tuple[str, str]:
    return (entry["by"], entry["at"]) if entry else ("", "")


def _verdict(report: Report, live: list[PhaseLine]) -> str:
    sandbox = [p for p in report.phases if p.environment == "Sandbox"]
    rejected = f" {report.rejected_total:,} rows were rejected, each with its reason." if (
        report.rejected_total) else " No row was rejected."  # fmt: skip
    if report.flagged_total:
        rejected += (f" {report.flagged_total:,} records loaded with a finding (a value kept "
                     "as written, made from the rest of the row, or a link left out): see "
                     "'Loaded with findings'.")  # fmt: skip
    overrides = (f" The method's gate was overridden {len(report.overrides)} time"
                 f"{'s' if len(report.overrides) != 1 else ''}, with the reasons below."
                 if report.overrides else "")  # fmt: skip
    if live and all(p.state == "completed" for p in live):
        ok = all(p.reconciled and p.balanced for p in live)
        loaded = sum(p.loaded + p.updated for p in live)
        return ((f"The live cutover is complete: {loaded:,} records loaded in {len(live)} phases"
                 + (", every row accounted for and every count matching." if ok else
                    ", but the reconciliation differs: see the phases.")) + rejected + overrides)  # fmt: skip
    if live:
        done = sum(p.state == "completed" for p in live)
        return (f"The live cutover is in progress: {done} of {len(live)} phases loaded."
                + rejected + overrides)  # fmt: skip
    if sandbox and all(p.state == "completed" for p in sandbox):
        if not all(p.reconciled for p in sandbox):
            return ("The sandbox rehearsal's phases ran, but the sandbox no longer holds what "
                    "they loaded (it was deleted, emptied or changed since): the reconciliation "
                    "differs, so the rehearsal does not count. Undo the phases and run them "
                    "again." + rejected + overrides)  # fmt: skip
        return (f"The sandbox rehearsal is complete; the live cutover has not started. "
                f"{report.buffer_text}" + rejected + overrides)  # fmt: skip
    done = sum(p.state == "completed" for p in sandbox)
    return (
        f"The sandbox rehearsal is in progress: {done} of {len(sandbox)} phases loaded." + rejected
    )
