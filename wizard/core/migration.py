"""One migration project on disk, driven the same way by the wizard and the command line.

The project folder holds ``plan.json`` (the plan used), ``ledger.db`` (staging, crosswalk,
outcomes, journal), ``sandbox.db`` (the sandbox CRM) and ``exports/`` (success and error files).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

from wizard.core import stage_process
from wizard.core.automatch import custom_name
from wizard.core.blueprint import ENTITIES, LOAD_ORDER
from wizard.core.errors import CutoverError, SourceError
from wizard.core.exports import write_phase_files
from wizard.core.fidelity import Fidelity, fidelity
from wizard.core.ledger import Ledger, outcome_table, stage_table, staged_rows_sql
from wizard.core.mapping import build_plan, plan_source
from wizard.core.paths import private
from wizard.core.phases import (
    PENDING,
    READY,
    PhaseDef,
    RefusedError,
    find,
    phase_list,
)
from wizard.core.plan import Plan, SourcePlan
from wizard.core.runner import (
    BATCH_ROWS,
    Census,
    PhaseProgress,
    PhaseResult,
    Reconciliation,
    accounting,
    is_done,
    pending_rows,
    phase_state,
    reconcile_entities,
    refresh_states,
    run_phase,
    stored_result,
    undo_order,
    undo_phase,
    undo_steps,
)
from wizard.core.sources import ReadOptions, Source, discover, open_source, shown
from wizard.core.staging import Staged, StageProgress, parent_key, stage
from wizard.core.targets import SandboxTarget, Target

PLAN_FILE, LEDGER_FILE, SANDBOX_FILE, EXPORTS = "plan.json", "ledger.db", "sandbox.db", "exports"
LIVE_FILE = "live-crm.db"  # the local database standing in for the live CRM
SANDBOX, LIVE, MOCK = "sandbox", "live", "mock"
ENVIRONMENTS = {
    SANDBOX: "Sandbox CRM",
    LIVE: "Live CRM (a local database standing in for it)",
    MOCK: "Sandbox CRM, sample rehearsal",
}


@dataclass
class UndoProgress:
    phase: str
    deleted: int
    total: int


@dataclass
class UndoDone:
    deleted: dict[str, dict[str, int]]  # phase -> entity -> records deleted


# a project's rows counted and its entities reconciled (see Migration.counted)
Counted = tuple[Census, dict[str, Reconciliation]]


@dataclass
class Prepared:
    plan: Plan
    sources: dict[tuple[str, str | None], Source]
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # columns new or gone since the plan
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why) left out

    def source_of(self, splan: SourcePlan) -> Source | None:
        return self.sources.get((splan.file, splan.options.sheet))

    def change_source(self, splan: SourcePlan, options: ReadOptions | None = None,
                      entity: str | None = None) -> SourcePlan:  # fmt: skip
        """The admin corrects how a file is read (encoding, delimiter, header row) or what it
        holds (``entity``; '' = not imported). Returns the file's new plan, which takes the old
        one's place. The mapping is kept when the columns and the entity stay the same;
        otherwise the file is recognised and mapped again. Raises SourceError (nothing
        changed) when the file cannot be read that way."""
        at = self.plan.sources.index(splan)
        key = (splan.file, splan.options.sheet)
        source = self.sources[key]
        if options is not None and options != source.options:
            options = replace(options, sheet=splan.options.sheet)
            source = open_source(splan.file, options)
        same_entity = entity is None or (entity or None) == splan.entity
        if source.columns == self.sources[key].columns and same_entity:
            splan.options = source.options
            self.sources[key] = source
            return splan
        new = plan_source(source, entity=entity if entity is not None else splan.entity)
        self.sources[key] = source
        self.plan.sources[at] = new
        return new


def _columns_since(plan: Plan, sources: dict[tuple[str, str | None], Source]) -> list[str]:
    """A saved plan replayed on fresh exports: a column that appeared since is added to the
    plan as a custom field (nothing it holds is left behind), one that went away is said."""
    out = []
    for splan in plan.sources:
        source = sources.get((splan.file, splan.options.sheet))
        if source is None or not splan.entity:
            continue
        known = splan.mapped_columns() | set(splan.custom) | set(splan.skipped)
        if splan.merge_into:
            known.add(splan.merge_into["column"])
        new = [c for c in source.columns if c not in known]
        for c in new:
            splan.custom[c] = custom_name(c, set(splan.custom.values()))
        if new:
            out.append(f"{splan.label}: new column{'s' if len(new) > 1 else ''} since the plan "
                       f"was made: {', '.join(new)}; loaded as custom fields.")  # fmt: skip
        gone = sorted(known - set(source.columns))
        if gone:
            out.append(f"{splan.label}: no longer in the file: {', '.join(gone)}; nothing is "
                       "loaded from them.")  # fmt: skip
    return out


def deleted_since(ledger: Ledger) -> dict[str, list[str]]:
    """Records this project loaded whose rows none of the files holds any more: deleted in
    the old CRM since the last run, or their file left out. They stay in the target until
    :meth:`Migration.remove_deleted` takes them out. Entity -> legacy ids, in load order."""
    out: dict[str, list[str]] = {}
    for entity in LOAD_ORDER:
        ids = [sid for (sid,) in ledger.db.execute(
            f"SELECT c.source_id FROM crosswalk c WHERE c.entity=? AND c.created=1 AND NOT "
            f"EXISTS (SELECT 1 FROM {stage_table(entity)} s WHERE s.key=c.source_id) "
            "ORDER BY c.seq", (entity,))]  # fmt: skip
        if ids:
            out[entity] = ids
    return out


def settle_staged(ledger: Ledger, staged: Staged) -> None:
    """After staging, where it ran (a worker thread, the staging process): phases with rows
    to load again are pending again, and the records gone from the files are listed."""
    refresh_states(ledger)
    staged.deleted = deleted_since(ledger)


class Migration:
    """Open (or create) the project in ``folder``."""

    def __init__(self, folder: str | Path, target: Target | None = None,
                 env: str = SANDBOX, read_only: bool = False) -> None:  # fmt: skip
        self.folder = Path(folder).expanduser().resolve()
        if self.folder.exists() and not self.folder.is_dir():
            raise CutoverError(f"{self.folder} is a file, not a project folder.",
                               "Pick a folder for the project.")  # fmt: skip
        if env not in ENVIRONMENTS:
            raise CutoverError(f"'{env}' is not an environment.",
                               "Use sandbox or live.")  # fmt: skip
        self.env = env
        self.read_only = read_only  # status and report: nothing written, no lock taken
        # the sandbox lives in the project folder itself (as it always has); the live cutover
        # and the sample rehearsal each have their own ledger: their crosswalks differ
        self.home = self.folder if env == SANDBOX else self.folder / env
        self._lock: ProjectLock | None = None
        try:
            if not read_only:
                self.home.mkdir(parents=True, exist_ok=True)
                private(self.folder)
                private(self.home)
                self._lock = ProjectLock(self.folder)
            self.ledger = Ledger(self.home / LEDGER_FILE, read_only=read_only)
            if not read_only:
                self.ledger.close_interrupted_runs()
            if target is None:
                target = SandboxTarget(self.home / (SANDBOX_FILE if env != LIVE else LIVE_FILE),
                                       read_only=read_only)  # fmt: skip
                target.label = ENVIRONMENTS[env]
            self.target = target
        except PermissionError as exc:
            self._unlock()
            raise not_allowed(self.folder, exc) from None
        except BaseException:
            self._unlock()  # a project that cannot open must not stay locked
            raise
        self.exports = self.home / EXPORTS

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def plan_path(self) -> Path:
        return self.folder / PLAN_FILE

    def saved_plan(self) -> Plan | None:
        return Plan.load(self.plan_path) if self.plan_path.exists() else None

    def require_plan(self) -> Plan:
        plan = self.saved_plan()
        if plan is None:
            raise CutoverError(
                f"{self.folder} is not a Cutover Wizard project yet (it has no plan).",
                "Run 'cutover-wizard migrate FILES --project DIR' first.",
            )
        return plan

    # -- sources and plan ----------------------------------------------------------------
    def prepare(self, inputs: list[str | Path], plan_path: Path | None = None) -> Prepared:
        """Read the inputs and settle the plan: the given plan, else the project's own, else
        a new automatic one. Inputs the plan does not know are planned automatically."""
        inputs = [Path(i).expanduser().resolve() for i in inputs]
        plan = Plan.load(plan_path) if plan_path else self.saved_plan()
        sources: dict[tuple[str, str | None], Source] = {}
        unreadable: list[tuple[str, str]] = []
        found = discover(inputs)
        skipped = [(shown(f.path), f.skipped) for f in found if f.skipped]
        for item in found:
            if item.skipped:
                continue
            if item.error:
                unreadable.append((shown(item.path), str(item.error)))
            else:
                src = item.source
                sources[(str(src.path), src.sheet)] = src
        changes: list[str] = []
        if plan is None:
            plan = build_plan(list(sources.values()))
        else:
            given = {(str(s.path), s.sheet) for s in sources.values()}
            known = {(s.file, s.options.sheet) for s in plan.sources}
            for key in sorted(given - known, key=str):
                # fresh exports in another folder: the plan of the file with the same name
                # (and sheet) applies, with the admin's mapping
                same = [s for s in plan.sources if Path(s.file).name == Path(key[0]).name
                        and s.options.sheet == key[1] and (s.file, s.options.sheet) not in sources]  # fmt: skip
                if len(same) == 1:
                    same[0].file = key[0]
                else:
                    plan.sources.append(plan_source(sources[key]))
            for splan in plan.sources:
                key = (splan.file, splan.options.sheet)
                if key in sources or not inputs:
                    continue
                # a file of the plan that was not among the inputs: read again from where it
                # was (said, unless it lives under a folder given again); gone, it is said
                # with what it loaded, which stays where it was loaded
                under = any(Path(splan.file).is_relative_to(i) for i in inputs if i.is_dir())
                if Path(splan.file).is_file():
                    try:
                        sources[key] = open_source(splan.file, splan.options)
                    except SourceError as exc:
                        unreadable.append((splan.file, str(exc)))
                        continue
                    if not under:
                        changes.append(f"{splan.label}: not among the files given; it is part "
                                       "of this project's plan, so it was read again from "
                                       f"{splan.file}.")  # fmt: skip
                else:
                    loaded = self._loaded_from(splan)
                    changes.append(f"{splan.label}: not among the files given, and no longer "
                                   f"at {splan.file}: it leaves the check. The {loaded:,} "
                                   f"records it loaded stay in the {self.target.label}; undo "
                                   "its phase to take them out, or give the file again.")  # fmt: skip
            # the plan's own read options (header row, delimiter...) win over detection
            for splan in plan.sources:
                key = (splan.file, splan.options.sheet)
                if key in sources and sources[key].options != splan.options:
                    try:
                        sources[key] = open_source(splan.file, splan.options)
                    except SourceError as exc:
                        unreadable.append((splan.file, str(exc)))
                        del sources[key]
            plan.sources = [s for s in plan.sources if (s.file, s.options.sheet) in sources]
            changes += _columns_since(plan, sources)
        return Prepared(plan, sources, unreadable, changes, skipped)

    def _loaded_from(self, splan: SourcePlan) -> int:
        """Records the rows of this file loaded (still known to the ledger)."""
        row = self.ledger.db.execute("SELECT fid, entity FROM files WHERE path=? AND sheet=?",
                                     (splan.file, splan.options.sheet or "")).fetchone()  # fmt: skip
        if row is None:
            return 0
        return self.ledger.db.execute(
            f"SELECT COUNT(*) FROM {outcome_table(row[1])} WHERE fid=? AND outcome IN "
            "('loaded','updated','unchanged')", (row[0],)).fetchone()[0]  # fmt: skip

    def deleted_since(self) -> dict[str, list[str]]:
        """Records this project loaded whose rows none of the files holds any more (see
        :func:`deleted_since`)."""
        return deleted_since(self.ledger)

    def remove_deleted(self, gone: dict[str, list[str]]) -> dict[str, tuple[int, int]]:
        """Take the records of :meth:`deleted_since` out of the target, children first. A
        record that a record still in the files links to stays (it would break the link).
        Returns entity -> (removed, kept because linked)."""
        db = self.ledger.db
        out: dict[str, tuple[int, int]] = {}
        run_id = self.ledger.start_run("remove deleted", None, self.target.kind)
        for entity in reversed(LOAD_ORDER):
            ids = gone.get(entity, [])
            if not ids:
                continue
            linked: set[str] = set()
            for child in ENTITIES.values():
                for f in child.references:
                    if f.ref == entity:
                        linked.update(k for (k,) in db.execute(
                            f"SELECT DISTINCT {parent_key(f.name)} FROM {stage_table(child.name)} "
                            f"WHERE b_{f.name} IS NOT NULL"))  # fmt: skip
            drop = [i for i in ids if i not in linked]
            ids_of = dict(db.execute("SELECT source_id, target_id FROM crosswalk WHERE entity=? "
                                     "AND created=1", (entity,)))  # fmt: skip
            targets = [ids_of[i] for i in drop if i in ids_of]
            removed = self.target.delete(entity, targets) if targets else 0
            with self.ledger.transaction():
                db.executemany("DELETE FROM crosswalk WHERE entity=? AND source_id=?",
                               [(entity, i) for i in drop])  # fmt: skip
            out[entity] = (removed, len(ids) - len(drop))
        self.ledger.end_run(run_id, "completed", sum(r for r, _ in out.values()),
                            "Records whose rows are no longer in the files were taken out.")  # fmt: skip
        return out

    def staged_paths(self) -> list[Path]:
        """The files this project has read, as it read them (to reopen it days later)."""
        rows = self.ledger.db.execute("SELECT DISTINCT path FROM files ORDER BY fid")
        return [Path(p) for (p,) in rows]

    def save_plan(self, plan: Plan) -> Path:
        return plan.save(self.plan_path)

    def phases(self, plan: Plan | None = None) -> list[PhaseDef]:
        return phase_list(plan or self.require_plan())

    # -- the work ------------------------------------------------------------------------
    def stage(self, prepared: Prepared, should_stop: Callable[[], bool] = lambda: False,
              process: bool | None = False,
              keep_raw: bool = True) -> Iterator[StageProgress | Staged]:  # fmt: skip
        """Read, map and check every changed file into the ledger (see :func:`stage`).

        ``process``: False stages in the calling thread; True in a process of its own
        (:mod:`stage_process`, so a window beside it never waits); None decides by the size
        of what is to be read again. ``keep_raw``: keep the cells for a re-check of the
        columns a mapping change touches (a throwaway project need not)."""
        self.save_plan(prepared.plan)
        plan, sources = prepared.plan, prepared.sources
        if process is None:
            process = stage_process.worth_a_process(plan, sources, self.ledger)
        if process:
            yield from stage_process.stage_apart(self.ledger, plan, sources, should_stop,
                                                 keep_raw)  # fmt: skip
            return
        for item in stage(plan, sources, self.ledger, should_stop=should_stop,
                          keep_raw=keep_raw):  # fmt: skip
            if isinstance(item, Staged):
                settle_staged(self.ledger, item)
            yield item

    def run(self, phase: PhaseDef | str, plan: Plan | None = None,
            should_stop: Callable[[], bool] = lambda: False,
            batch_rows: int = BATCH_ROWS) -> Iterator[PhaseProgress | PhaseResult]:  # fmt: skip
        plan = plan or self.require_plan()
        phases = self.phases(plan)
        if isinstance(phase, str):
            phase = find(phase, phases)

        if hasattr(self.target, "should_stop"):  # a wait the API asks for ends on Stop too
            self.target.should_stop = should_stop

        def export(p: PhaseDef) -> list[str]:
            return write_phase_files(self.ledger, p, self.exports)

        yield from run_phase(self.ledger, self.target, plan, phase, phases, should_stop, export,
                             batch_rows)  # fmt: skip

    def migrate(self, inputs: list[str | Path], plan_path: Path | None = None,
                through: str | None = None, batch_rows: int = BATCH_ROWS,
                should_stop: Callable[[], bool] = lambda: False) -> list[PhaseResult]:  # fmt: skip
        """Stage and run every phase not yet done (up to ``through``); what the CLI's
        ``migrate`` does, without the printing. Returns the results of the phases it ran."""
        prepared = self.prepare(inputs, plan_path)
        if prepared.unreadable:
            path, message = prepared.unreadable[0]
            raise SourceError(f"{Path(path).name}: {message}")
        for _ in self.stage(prepared, should_stop):
            pass
        results = []
        for phase in self.phases(prepared.plan):
            if should_stop():
                break
            if not self.is_done(phase):
                for item in self.run(phase, prepared.plan, should_stop, batch_rows):
                    if isinstance(item, PhaseResult):
                        results.append(item)
                if not self.is_done(phase):  # stopped (or failed): the next run goes on
                    break
            if through and phase.name == find(through).name:
                break
        return results

    def is_done(self, phase: PhaseDef) -> bool:
        return is_done(self.ledger, phase)

    def reconciled(self) -> bool:
        """Every completed phase's records and links are in the target as the ledger says
        (a sandbox deleted or emptied since is caught here)."""
        done = [e for p in self.phases() if self.is_done(p) for e in p.entities]
        # each entity once (the active phase loads contacts, deals and activities again)
        return all(r.ok for r in reconcile_entities(self.ledger, self.target, done))

    def undo_plan(self, phase: PhaseDef | str) -> list[PhaseDef]:
        phases = self.phases()
        if isinstance(phase, str):
            phase = find(phase, phases)
        return undo_order(self.ledger, phase, phases)

    def undo(self, phases: list[PhaseDef]) -> dict[str, dict[str, int]]:
        """Undo each phase in the order given (see :meth:`undo_plan`)."""
        return {p.name: undo_phase(self.ledger, self.target, p) for p in phases}

    def undo_iter(self, phases: list[PhaseDef]) -> Iterator[UndoProgress | UndoDone]:
        """:meth:`undo` a batch at a time, for the wizard's worker: progress after each
        batch (records deleted of those loaded), then the result."""
        total = sum(self.ledger.db.execute(
            "SELECT COUNT(*) FROM crosswalk WHERE phase=? AND created=1", (p.name,)
        ).fetchone()[0] for p in phases)  # fmt: skip
        done: dict[str, dict[str, int]] = {}
        for p in phases:
            for deleted in undo_steps(self.ledger, self.target, p):
                done[p.name] = deleted
                yield UndoProgress(p.label, sum(sum(d.values()) for d in done.values()), total)
        yield UndoDone(done)

    # -- where it stands -----------------------------------------------------------------
    def status(self) -> dict[str, object]:
        plan = self.require_plan()
        out_phases = []
        before_done = True
        phases = self.phases(plan)
        census, recs = self.counted(plan)
        for p in phases:
            state = phase_state(self.ledger, p.name)
            done = self.is_done(p)
            if state == PENDING and before_done:
                state = READY  # derived: it may start now
            before_done = before_done and done
            stored = stored_result(self.ledger, p.name)
            acc = accounting(self.ledger, p, census)
            out_phases.append({
                "name": p.name,
                "label": p.label,
                "state": state,
                "pending_rows": pending_rows(self.ledger, p, census),
                "accounting": [a.__dict__ | {"balanced": a.balanced} for a in acc],
                "reconciliation": [recs[e].__dict__ | {"ok": recs[e].ok}
                                   for e in dict.fromkeys(p.entities)],
                "seconds": stored.seconds if stored else 0.0,
                "rows_per_s": round(stored.rows_per_s, 1) if stored else 0.0,
                "reasons": stored.reasons if stored else [],
                "exports": stored.exports if stored else [],
                "message": stored.message if stored else "",
            })  # fmt: skip
        files = []
        for fid, label, entity, rows_read, path in self.ledger.db.execute(
            "SELECT fid, label, entity, rows_read, path FROM files ORDER BY fid"
        ):
            files.append({"label": label, "path": path, "entity": entity, "rows_read": rows_read,
                          **self.file_outcomes(fid, entity, census)})  # fmt: skip
        return {
            "project": str(self.folder),
            "target": self.target.label,
            "fidelity": [f.to_dict() for f in self.fidelity(plan)],
            "method": plan.method,
            "active_rule": plan.active_rule.describe(),
            "as_of": self.ledger.meta("as_of"),
            "phases": out_phases,
            "files": files,
            "journal": self.ledger.runs(),
        }

    def counted(self, plan: Plan | None = None) -> Counted:
        """Every staged row of the plan's phases counted once (by file, phase and outcome) and
        every entity reconciled once: a pass each, a second or more at a million rows, for
        everything that reads them (status, the report, the QA checks)."""
        census = Census(self.ledger, [e for p in self.phases(plan) for e in p.entities])
        recs = {r.entity: r for r in reconcile_entities(self.ledger, self.target, census.counts)}
        return census, recs

    def fidelity(self, plan: Plan | None = None) -> list[Fidelity]:
        """Per file: the records, links and values that reached the target (see
        :mod:`wizard.core.fidelity`); one call for the CLI, the GUI and the report."""
        plan = plan or self.saved_plan()
        skipped = {s.label: s.skipped for s in plan.sources if s.skipped} if plan else {}
        rows = fidelity(self.ledger, skipped=skipped)
        for entity in {f.entity for f in rows}:  # checked against the target itself
            loaded = self.ledger.db.execute("SELECT COUNT(*) FROM crosswalk WHERE entity=? "
                                            "AND created=1", (entity,)).fetchone()[0]  # fmt: skip
            gone = max(0, loaded - self.target.count(entity)) if loaded else 0
            for f in rows:
                if f.entity == entity and gone:
                    f.gone = gone
                    f.why.append(f"The target holds {loaded - gone:,} of the {loaded:,} "
                                 f"{ENTITIES[entity].label.lower()} loaded: the rest were "
                                 "deleted there since (undo the phases and run them again).")  # fmt: skip
        return rows

    def staged_row(self, label: str, row: int) -> dict[str, str]:
        """One source row as staging kept it: the original values of a row that cannot load,
        else the record it becomes. Empty when the ledger has no such row."""
        found = self.ledger.db.execute("SELECT fid, entity FROM files WHERE label=?",
                                       (label,)).fetchone()  # fmt: skip
        if found is None:
            return {}
        fid, entity = found
        # as the last re-check left it
        sql = staged_rows_sql(self.ledger.db, entity) + " WHERE s.fid=? AND s.row=?"
        cur = self.ledger.db.execute(sql, (fid, row))
        values = cur.fetchone()
        if values is None:
            return {}
        return record_values(dict(zip([d[0] for d in cur.description], values, strict=True)))

    def file_outcomes(self, fid: int, entity: str,
                      census: Census | None = None) -> dict[str, int]:  # fmt: skip
        """A file's rows by final outcome; rows not decided yet are 'waiting'."""
        counts = {"loaded": 0, "updated": 0, "unchanged": 0, "rejected": 0, "merged": 0,
                  "waiting": 0}  # fmt: skip
        if census is not None and entity in census.counts:
            for (_, outcome), n in census.of_file(entity, fid).items():
                counts[outcome or "waiting"] = counts.get(outcome or "waiting", 0) + n
            return counts
        for bucket, n in self.ledger.db.execute(
            f"SELECT COALESCE(o.outcome, 'waiting'), COUNT(*) FROM {stage_table(entity)} s LEFT "
            f"JOIN {outcome_table(entity)} o ON o.sid=s.sid WHERE s.fid=? GROUP BY 1",
            (fid,),
        ):
            counts[bucket] = n
        return counts

    def close(self) -> None:
        try:
            self.target.close()
            self.ledger.close()
        finally:
            self._unlock()

    def __enter__(self) -> Migration:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def record_values(record: dict[str, object]) -> dict[str, str]:
    """A staged row (its columns by name, as :func:`staged_rows_sql` reads them) as the admin
    knows it: the original values of a row that cannot load, else the record it becomes."""
    if record.get("raw"):
        return {str(k): str(v) for k, v in json.loads(str(record["raw"])).items()}
    out = {k[2:]: str(v) for k, v in record.items() if k.startswith(("f_", "v_")) and v}
    for k, v in json.loads(str(record.get("properties") or "{}")).items():
        out[k] = str(v)
    return out


def not_allowed(folder: Path, exc: OSError) -> CutoverError:
    """A plain message for a project folder (or a file in it) this user may not write."""
    where = exc.filename or folder
    return CutoverError(f"This app is not allowed to write in the project folder {folder} "
                        f"({Path(where).name}).", "Check the folder's permissions, or copy the "
                        "project to a folder of your own. 'status' and 'report' still work on "
                        "a folder you may only read.")  # fmt: skip


class ProjectLock:
    """One process at a time changes a project (the wizard and the command line alike):
    the sandbox, the live cutover and project.json. Within one process the lock is shared
    (the wizard holds the sandbox and the live cutover open together)."""

    _held: ClassVar[dict[Path, list]] = {}
    _guard = threading.Lock()

    def __init__(self, folder: Path) -> None:
        from filelock import FileLock, Timeout

        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        with self._guard:
            held = self._held.get(folder)
            if held is not None:
                held[1] += 1
                return
            lock = FileLock(str(folder / ".lock"), timeout=0, thread_local=False,
                            is_singleton=False)  # fmt: skip
            try:
                lock.acquire()
            except Timeout:
                raise RefusedError(
                    "This project is open in another Cutover Wizard window or command.",
                    "Close it there first, or wait for its run to finish.",
                ) from None
            self._held[folder] = [lock, 1]

    def release(self) -> None:
        with self._guard:
            held = self._held.get(self.folder)
            if held is None:
                return
            held[1] -= 1
            if held[1] == 0:
                held[0].release()
                del self._held[self.folder]
