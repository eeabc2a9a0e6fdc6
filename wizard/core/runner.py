"""Run a phase: a generator that loads batch by batch and yields progress after each one.

Per batch: the staged rows are read with their references already resolved through the
crosswalk; each row is decided (rejected, merged, unchanged, or sent to the target); the keys of
new records are written to ``inflight`` and committed; the target writes the batch (an upsert on
source id, committed); then the outcomes, crosswalk and inflight changes are committed in one
ledger transaction. A crash at any instant loses at most the batch in flight, and running again
re-sends it: the upsert keeps one record, and ``inflight`` says the records were ours.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field

from wizard.core import setload
from wizard.core.blueprint import ENTITIES, LOAD_ORDER
from wizard.core.crashpoints import CrashPoints
from wizard.core.fidelity import Fidelity, fidelity
from wizard.core.ledger import (
    Ledger,
    Rechecked,
    now,
    outcome_table,
    ref_fields,
    stage_table,
    value_fields,
)
from wizard.core.phases import (
    COMPLETED,
    FAILED,
    HOME,
    PAUSED,
    PENDING,
    PHASES,
    RUNNING,
    PhaseDef,
    RefusedError,
)
from wizard.core.plan import Plan
from wizard.core.setload import SetLoad
from wizard.core.staging import parent_key
from wizard.core.targets.base import Target

BATCH_ROWS = 10_000
# Crash tests only: "point:n" kills this process (SIGKILL) the n-th time a batch reaches
# ``point`` (inflight, target or ledger: after that step's commit). Unset in normal use.
_crash_point = CrashPoints("CUTOVER_WIZARD_TEST_KILL")


BUCKETS = ("loaded", "updated", "unchanged", "rejected", "deferred", "merged")


@dataclass
class PhaseProgress:
    phase: str
    entity: str
    rows_done: int
    rows_total: int
    rows_per_s: float
    eta_s: float | None


@dataclass
class Accounting:
    """One file's rows in one phase: read = loaded + updated + unchanged + rejected + deferred
    + merged (+ pending while the phase is not finished)."""

    label: str
    entity: str
    read: int = 0
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deferred: int = 0
    merged: int = 0
    pending: int = 0

    @property
    def accounted(self) -> int:
        return sum(getattr(self, b) for b in BUCKETS) + self.pending

    @property
    def balanced(self) -> bool:
        return self.read == self.accounted

    def line(self) -> str:
        parts = [f"{getattr(self, b)} {b}" for b in BUCKETS if getattr(self, b)]
        if self.pending:
            parts.append(f"{self.pending} not yet run")
        return (f"{self.label}: {self.read} read = " + (" + ".join(parts) or "0")
                + ("" if self.balanced else "  (DOES NOT ADD UP)"))  # fmt: skip


@dataclass
class Reconciliation:
    entity: str
    target_count: int
    expected_count: int
    links: dict[str, list[int]] = field(default_factory=dict)  # field -> [in target, expected]
    dangling: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (self.target_count == self.expected_count
                and all(a == b for a, b in self.links.values())
                and not any(self.dangling.values()))  # fmt: skip

    def lines(self) -> list[str]:
        label = ENTITIES[self.entity].label
        # plain words: the CRM the phase wrote to, and what this project loaded into it
        out = [f"{label}: {self.target_count:,} in the CRM, {self.expected_count:,} loaded by "
               "this project" + ("" if self.target_count == self.expected_count
                                 else "  (THEY DIFFER)")]  # fmt: skip
        for name, (have, want) in self.links.items():
            bad = self.dangling.get(name, 0)
            out.append(f"  links to {name}: {have:,} in the CRM, {want:,} loaded"
                       + ("" if have == want else "  (THEY DIFFER)")
                       + (f", {bad:,} point to nothing" if bad else ""))  # fmt: skip
        return out


@dataclass
class PhaseResult:
    phase: str
    label: str
    state: str
    accounting: list[Accounting] = field(default_factory=list)
    reconciliation: list[Reconciliation] = field(default_factory=list)
    seconds: float = 0.0
    rows: int = 0  # rows decided in this run
    reasons: list[tuple[str, int]] = field(default_factory=list)  # top rejection reasons
    exports: list[str] = field(default_factory=list)
    message: str = ""
    fidelity: list[dict] = field(default_factory=list)  # per file: records, links, values

    @property
    def reconciled(self) -> bool:
        return all(r.ok for r in self.reconciliation)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def headline(self) -> str:
        rate = f", {self.rows_per_s:,.0f} rows/s" if self.rows else ""
        return f"{self.label}: {self.state} in {self.seconds:.1f} s{rate}"

    def lines(self, reasons: int = 5) -> list[str]:
        """The accounting, the reconciliation and the top rejection reasons, for people."""
        out = [a.line() for a in self.accounting]
        for rec in self.reconciliation:
            out += rec.lines()
        out += self.fidelity_lines()
        out += [f"rejected {n}: {reason}" for reason, n in self.reasons[:reasons]]
        if self.message and self.state != COMPLETED:
            out.append(self.message)
        return out

    def fidelity_lines(self) -> list[str]:
        """Per file: the records, links and values that reached the target, and why not."""
        out = []
        for fi in self.fidelity:
            out.append(Fidelity(**{k: v for k, v in fi.items() if k != "complete"}).line())
            out += [f"  {why}" for why in fi.get("why", []) if not fi.get("complete")]
        return out

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["reconciled"] = self.reconciled
        data["rows_per_s"] = round(self.rows_per_s, 1)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> PhaseResult:
        return cls(
            phase=data["phase"], label=data["label"], state=data["state"],
            accounting=[Accounting(**a) for a in data.get("accounting", [])],
            reconciliation=[Reconciliation(**r) for r in data.get("reconciliation", [])],
            seconds=data.get("seconds", 0.0), rows=data.get("rows", 0),
            reasons=[tuple(r) for r in data.get("reasons", [])],  # type: ignore[misc]
            exports=data.get("exports", []), message=data.get("message", ""),
            fidelity=data.get("fidelity", []),
        )  # fmt: skip


def phase_state(ledger: Ledger, name: str) -> str:
    row = ledger.db.execute("SELECT state FROM phases WHERE name=?", (name,)).fetchone()
    return row[0] if row else PENDING


class Census:
    """The staged rows of some entities counted by file, phase and outcome (None: not decided
    yet), one pass over each entity's rows. The accounting of every phase, the rows each
    phase has still to load and each file's outcomes read these counts, rather than each
    passing over the rows again (a project's status made 11 passes over them)."""

    def __init__(self, ledger: Ledger, entities: Iterable[str]) -> None:
        self.counts: dict[str, Counter[tuple[int, str, str | None]]] = {}
        for entity in dict.fromkeys(entities):
            self.counts[entity] = Counter({
                (fid, phase, outcome): n for fid, phase, outcome, n in ledger.db.execute(
                    f"SELECT s.fid, s.phase, o.outcome, COUNT(*) FROM {stage_table(entity)} s "
                    f"LEFT JOIN {outcome_table(entity)} o ON o.sid=s.sid GROUP BY 1, 2, 3")
            })  # fmt: skip

    def pending(self, entity: str, phase: str) -> int:
        return sum(n for (_, p, outcome), n in self.counts[entity].items()
                   if p == phase and outcome is None)  # fmt: skip

    def of_file(self, entity: str, fid: int) -> Counter[tuple[str, str | None]]:
        """(phase, outcome) -> rows, for one file."""
        return Counter({(p, o): n for (f, p, o), n in self.counts[entity].items() if f == fid})


def pending_rows(ledger: Ledger, phase: PhaseDef, census: Census | None = None) -> int:
    if census is not None:
        return sum(census.pending(entity, phase.name) for entity in phase.entities)
    total = 0
    for entity in phase.entities:
        total += ledger.db.execute(
            f"SELECT COUNT(*) FROM {stage_table(entity)} s WHERE s.phase=? AND NOT EXISTS "
            f"(SELECT 1 FROM {outcome_table(entity)} o WHERE o.sid=s.sid)",
            (phase.name,),
        ).fetchone()[0]
    return total


def is_done(ledger: Ledger, phase: PhaseDef) -> bool:
    """Completed, with nothing staged for it since: ``refresh_states`` turns a completed phase
    back to pending when staging brings it rows to load. Cheap: the wizard asks often."""
    return phase_state(ledger, phase.name) == COMPLETED


def refresh_states(ledger: Ledger) -> None:
    """After staging: a completed phase that has rows to load again (fresh exports, a changed
    rule or mapping) is pending again, so the order is kept."""
    for phase in PHASES:
        if phase_state(ledger, phase.name) == COMPLETED and pending_rows(ledger, phase):
            with ledger.transaction():
                _set_state(ledger, phase.name, PENDING)


def check_order(ledger: Ledger, phase: PhaseDef, phases: list[PhaseDef]) -> None:
    """Refuse to start a phase before every phase before it has completed."""
    for before in phases:
        if before.name == phase.name:
            return
        if not is_done(ledger, before):
            raise RefusedError(
                f"The phase '{phase.label}' cannot start yet: '{before.label}' has not completed.",
                f"Run '{before.label}' first. Records load in order, parents before children.",
            )
    raise RefusedError(f"The phase '{phase.label}' is not part of this plan.")


def _set_state(ledger: Ledger, name: str, state: str, **extra: object) -> None:
    db = ledger.db
    db.execute("INSERT OR IGNORE INTO phases(name, state) VALUES (?, ?)", (name, PENDING))
    sets = ", ".join(["state=?", *(f"{k}=?" for k in extra)])
    db.execute(f"UPDATE phases SET {sets} WHERE name=?", (state, *extra.values(), name))


class _Batch:
    """Decides and loads one batch of one entity."""

    def __init__(self, ledger: Ledger, target: Target, plan: Plan, phase: PhaseDef,
                 entity: str, run_id: int) -> None:  # fmt: skip
        self.ledger, self.target, self.plan = ledger, target, plan
        self.phase, self.entity, self.run_id = phase, entity, run_id
        ent = ENTITIES[entity]
        self.ent = ent
        self.values = value_fields(ent)
        self.refs = ref_fields(ent)
        self.ref_targets = [ent.field(n).ref or "" for n in self.refs]
        self.policies = [plan.policy(entity, n) for n in self.refs]
        t = stage_table(entity)
        # what a re-check wrote beside the rows takes their place
        rc = self.rechecked = Rechecked(entity, db=ledger.db)
        h = rc.col("hash")
        # the content hash, with what merged duplicates added (XOR: SQLite has no ^)
        mixed = f"(({h} | COALESCE(s.mhash, 0)) - ({h} & COALESCE(s.mhash, 0)))"
        # each column with the name the set-based path (setload) gives it
        self.aliased = [
            ("s.sid", "sid"), ("s.fid", "fid"), ("s.note", "vnote"), ("s.key", "key"),
            (mixed, "hsh"), ("s.reason", "reason"), ("s.dup_of", "dup_of"),
            ("xo.target_id", "xo_id"), ("xo.hash", "xo_hash"), ("xd.target_id", "xd_id"),
            *((rc.col(f"f_{n}"), f"f_{n}") for n in self.values),
            (rc.col("properties"), "props"),
        ]  # fmt: skip
        joins = [
            rc.join,
            f"LEFT JOIN crosswalk xo ON xo.entity='{entity}' AND xo.source_id=s.key",
            f"LEFT JOIN crosswalk xd ON xd.entity='{entity}' AND xd.source_id=s.dup_of",
        ]
        for i, (name, parent) in enumerate(zip(self.refs, self.ref_targets, strict=True)):
            self.aliased += [(f"s.r_{name}", f"r{i}"), (parent_key(name, "s"), f"p{i}"),
                             (f"s.v_{name}", f"v{i}"), (f"x{i}.target_id", f"t{i}")]  # fmt: skip
            joins.append(f"LEFT JOIN crosswalk x{i} ON x{i}.entity='{parent}' AND "
                         f"x{i}.source_id={parent_key(name, 's')}")  # fmt: skip
        self.source = (
            f"FROM {t} s {' '.join(joins)} "
            "WHERE s.phase=? AND s.ord=? AND s.sid>? AND NOT EXISTS (SELECT 1 FROM "
            f"{outcome_table(entity)} o WHERE o.sid=s.sid) ORDER BY s.sid"
        )
        self.select = f"SELECT {', '.join(e for e, _ in self.aliased)} {self.source} LIMIT ?"
        self.columns = ["source_id", *self.values, "properties", *self.refs]
        self.nv = len(self.values)
        self.reasons = ReasonTally()

    def fetch(self, ord_: int, after: int, limit: int) -> list[tuple]:
        return self.ledger.db.execute(self.select, (self.phase.name, ord_, after, limit)).fetchall()

    def _orphan_text(self, i: int, value: str | None, pkey: str | None) -> str:
        value = value if value is not None else ""
        parent = ENTITIES[self.ref_targets[i]]
        what = self.ent.field(self.refs[i]).label.lower()
        if (
            pkey is not None
            and not self.ledger.db.execute(
                f"SELECT 1 FROM {stage_table(parent.name)} WHERE key=? LIMIT 1", (pkey,)
            ).fetchone()
        ):
            pkey = None  # a record id that no file holds
        if pkey is None:
            return (f"its {what} '{value}' is not among the {parent.label.lower()} in your "
                    "files")  # fmt: skip
        return (f"its {what} '{value}' was not loaded (that record was rejected or is not "
                "loaded yet)")  # fmt: skip

    def run(self, rows: list[tuple], ord_: int) -> int:
        """Decide and load ``rows``; returns how many were decided."""
        entity, phase, nv = self.entity, self.phase.name, self.nv
        outcomes: list[tuple] = []
        xw_new: list[tuple] = []  # crosswalk rows for new records
        xw_alias: list[tuple] = []  # crosswalk aliases of merged duplicates
        xw_update: list[tuple] = []
        to_write: list[tuple] = []
        meta: list[tuple] = []  # (sid, fid, key, hash, linked, note, existing target id)
        links: list[tuple] = []
        local: dict[str, object] = {}  # aliases made in this batch
        base = 10 + nv + 1
        for r in rows:
            sid, fid, vnote, key, hsh, reason, dup_of, xo_id, xo_hash, xd_id = r[:10]
            seq = ord_ * 10_000_000_000 + sid
            if reason:
                outcomes.append((entity, sid, fid, phase, "rejected", reason, None, 0, None))
                continue
            resolved: list[object] = []
            linked, refuse = 0, None
            notes = [vnote] if vnote else []
            unlinked: dict[str, str] = {}
            for i in range(len(self.refs)):
                rkey, pkey, value, tid = r[base + 4 * i : base + 4 * i + 4]
                if rkey is None:
                    resolved.append(None)
                    continue
                if tid is None and pkey is not None and pkey in local:
                    tid = local[pkey]
                if tid is not None:
                    resolved.append(tid)
                    linked |= 1 << i
                    continue
                text = self._orphan_text(i, value, pkey)
                if self.policies[i] == "reject":
                    refuse = f"Not loaded: {text}."
                    break
                resolved.append(None)
                notes.append(f"Loaded without its link: {text}.")
                unlinked[f"{self.refs[i]}_as_written"] = value  # the value stays, as written
            if refuse:
                outcomes.append((entity, sid, fid, phase, "rejected", refuse, None, 0, None))
                continue
            note = " ".join(notes) or None
            if dup_of is not None:
                survivor = xd_id if xd_id is not None else local.get(dup_of)
                if survivor is None:
                    outcomes.append((entity, sid, fid, phase, "rejected",
                                     "Not loaded: it duplicates a record that could not be "
                                     "loaded.", None, 0, None))  # fmt: skip
                    continue
                local[key] = survivor
                xw_alias.append((entity, key, survivor, hsh, phase, 0, seq))
                outcomes.append((entity, sid, fid, phase, "merged", None, survivor, linked,
                                 f"Merged into {dup_of}."))  # fmt: skip
                for i, tid in enumerate(resolved):
                    if tid is not None:
                        links.append((entity, survivor, self.ref_targets[i], tid,
                                      f"{self.refs[i]} of a merged duplicate"))  # fmt: skip
                continue
            if xo_id is not None and xo_hash == hsh:
                outcomes.append((entity, sid, fid, phase, "unchanged", None, xo_id, linked, note))
                continue
            props = r[10 + nv]
            if notes:
                data = json.loads(props)
                data.update(unlinked)
                data["cutover_flag"] = " ".join(notes)
                # compact, as SQLite writes JSON (the set-based path writes the same text)
                props = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            to_write.append((key, *r[10 : 10 + nv], props, *resolved))
            meta.append((sid, fid, key, hsh, linked, note, xo_id, seq))
        db = self.ledger.db
        if to_write:
            fresh = [(entity, m[2], phase) for m in meta if m[6] is None]
            if fresh:
                with self.ledger.transaction():
                    db.executemany("INSERT OR IGNORE INTO inflight VALUES (?,?,?)", fresh)
            _crash_point("inflight")
            results = self.target.write_batch(entity, self.columns, to_write)
            _crash_point("target")
            for (sid, fid, key, hsh, linked, note, existing, seq), res in zip(
                meta, results, strict=True
            ):
                if res.target_id is None:
                    reason = f"Not loaded: {res.error or 'the target refused it'}."
                    outcomes.append((entity, sid, fid, phase, "rejected", reason, None, 0, None))
                elif existing is None:
                    outcomes.append((entity, sid, fid, phase, "loaded", None, res.target_id,
                                     linked, note))  # fmt: skip
                    xw_new.append((entity, key, res.target_id, hsh, phase, 1, seq))
                    local[key] = res.target_id
                else:
                    outcomes.append((entity, sid, fid, phase, "updated", None, res.target_id,
                                     linked, note))  # fmt: skip
                    xw_update.append((res.target_id, hsh, entity, key))
        if links:
            self.target.associate(links)
        for o in outcomes:
            if o[4] == "rejected":
                self.reasons.add(o[5])
        with self.ledger.transaction():
            db.executemany(
                f"INSERT OR REPLACE INTO {outcome_table(entity)}(sid, fid, phase, outcome, "
                f"reason, target_id, linked, note, run_id) VALUES (?,?,?,?,?,?,?,?,{self.run_id})",
                (o[1:] for o in outcomes),
            )
            db.executemany("INSERT OR REPLACE INTO crosswalk VALUES (?,?,?,?,?,?,?)", xw_new)
            db.executemany("INSERT OR IGNORE INTO crosswalk VALUES (?,?,?,?,?,?,?)", xw_alias)
            db.executemany(
                "UPDATE crosswalk SET target_id=?, hash=? WHERE entity=? AND source_id=?",
                xw_update,
            )
            db.execute("DELETE FROM inflight WHERE entity=? AND phase=?", (entity, phase))
        _crash_point("ledger")
        return len(outcomes)


_ROW_PREFIX = re.compile(r"^Row \d+ of .+?(?:: | (?=has ))")
_QUOTED = re.compile(r"'[^']*'")


def _reason_kind(reason: str) -> str:
    """Group rejection reasons: drop the row number and the value, keep the rule."""
    text = _QUOTED.sub("'…'", _ROW_PREFIX.sub("", reason))
    return (text[:1].upper() + text[1:])[:160]


def reason_label(example: str, n: int) -> str:
    """A group of reasons said with its first example's values as they are (the data is the
    admin's own): "'n/a' in Amount is not a number (the first of 23 like it)"."""
    text = _ROW_PREFIX.sub("", example)
    text = (text[:1].upper() + text[1:])[:200]
    return text if n == 1 else f"{text} (the first of {n:,} like it)"


class ReasonTally:
    """Rejection reasons counted by kind, each kind remembered by its first example."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.first: dict[str, str] = {}

    def add(self, reason: str) -> None:
        kind = _reason_kind(reason)
        self.counts[kind] += 1
        self.first.setdefault(kind, reason)

    def update(self, other: ReasonTally) -> None:
        self.counts.update(other.counts)
        for kind, text in other.first.items():
            self.first.setdefault(kind, text)

    def groups(self, n: int | None = None) -> list[tuple[str, str, int]]:
        """(kind, label, count), most common first."""
        return [(k, reason_label(self.first[k], c), c) for k, c in self.counts.most_common(n)]

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        return [(label, c) for _, label, c in self.groups(n)]


def run_phase(ledger: Ledger, target: Target, plan: Plan, phase: PhaseDef,
              phases: list[PhaseDef], should_stop: Callable[[], bool] = lambda: False,
              exporter: Callable[[PhaseDef], list[str]] | None = None,
              batch_rows: int = BATCH_ROWS) -> Iterator[PhaseProgress | PhaseResult]:  # fmt: skip
    """Load one phase. Yields :class:`PhaseProgress` after every batch and the
    :class:`PhaseResult` last. Stops cleanly between batches when ``should_stop()`` is true or
    when the caller closes the generator; the next run resumes where it stopped."""
    check_order(ledger, phase, phases)
    total = pending_rows(ledger, phase)
    run_id = ledger.start_run("run", phase.name, target.kind)
    with ledger.transaction():
        _set_state(ledger, phase.name, RUNNING, started_at=now())
    start = time.perf_counter()
    done = 0
    reasons = ReasonTally()
    finished = False
    target.begin_load(phase.entities)
    attached = _attach(ledger, target)
    try:
        for entity in phase.entities:
            batch = _Batch(ledger, target, plan, phase, entity, run_id)
            by_set = SetLoad(batch, _crash_point) if attached else None
            ords = [o for (o,) in ledger.db.execute(
                f"SELECT DISTINCT ord FROM {stage_table(entity)} WHERE phase=? ORDER BY ord",
                (phase.name,))]  # fmt: skip
            for ord_ in ords:
                after = -1
                while True:
                    if by_set is not None:
                        n, after = by_set.run(ord_, after, batch_rows)
                        if not n:
                            break
                        done += n
                    else:
                        rows = batch.fetch(ord_, after, batch_rows)
                        if not rows:
                            break
                        after = rows[-1][0]
                        done += batch.run(rows, ord_)
                    elapsed = time.perf_counter() - start
                    rate = done / elapsed if elapsed > 0 else 0.0
                    eta = (total - done) / rate if rate > 0 else None
                    yield PhaseProgress(phase.name, entity, done, total, rate, eta)
                    if should_stop():
                        return
            reasons.update(batch.reasons)
        finished = True
    finally:
        if attached:
            setload.detach(ledger.db)
        target.end_load(phase.entities)
        seconds = time.perf_counter() - start
        if not finished:
            with ledger.transaction():
                _set_state(ledger, phase.name, PAUSED)
                ledger.db.execute("UPDATE phases SET seconds=seconds+? WHERE name=?",
                                  (seconds, phase.name))  # fmt: skip
            ledger.end_run(run_id, "stopped", done, "Stopped between batches; run again to go on.")
    skipped = {s.label: s.skipped for s in plan.sources if s.skipped}
    result = complete_phase(ledger, target, phase, seconds, done, reasons, exporter, skipped)
    ledger.end_run(run_id, result.state, done, result.message)
    yield result


SET_BASED = True  # load SQLite targets with set-based SQL (tests compare both paths)


def _attach(ledger: Ledger, target: Target) -> bool:
    """Attach a SQLite target to the ledger's connection for set-based loading; False when
    the target is not one, or cannot be attached (the row path then loads it)."""
    path = target.sqlite_file() if SET_BASED else None
    if path is None or ledger.db.in_transaction:
        return False
    try:
        setload.attach(ledger.db, str(path))
    except sqlite3.Error:
        return False
    return True


def accounting(ledger: Ledger, phase: PhaseDef, census: Census | None = None,
               tally: dict[tuple[str, int], Counter[str]] | None = None) -> list[Accounting]:  # fmt: skip
    """Per file, every row of this phase's entities: its outcome, or deferred, or pending.
    ``census``: the counts to read (one is made for the phase's entities when not given).
    ``tally``: instead, the phase's rows by outcome as :func:`fidelity` counted them; the
    rows the other phases load are then the file's rows less those."""
    db = ledger.db
    if tally is None:
        census = census or Census(ledger, phase.entities)
    out = []
    for entity in phase.entities:
        home = HOME[entity] == phase.name
        files = db.execute("SELECT fid, label, rows_read FROM files WHERE entity=? ORDER BY fid",
                           (entity,)).fetchall()  # fmt: skip
        for fid, label, rows_read in files:
            acc = Accounting(label, entity)
            if tally is not None:
                mine = tally.get((entity, fid), Counter())
                for bucket, n in mine.items():
                    setattr(acc, bucket, getattr(acc, bucket, 0) + n)
                if home:  # the file's rows another phase loads
                    (staged,) = db.execute(f"SELECT COUNT(*) FROM {stage_table(entity)} WHERE "
                                           "fid=?", (fid,)).fetchone()  # fmt: skip
                    acc.deferred = staged - sum(mine.values())
            else:
                assert census is not None
                for (row_phase, outcome), n in census.of_file(entity, fid).items():
                    if row_phase != phase.name:  # the file's rows another phase loads
                        if home:
                            acc.deferred += n
                        continue
                    bucket = outcome or "pending"
                    setattr(acc, bucket, getattr(acc, bucket, 0) + n)
            # the reader's own count, so a row lost between reading and loading shows
            acc.read = (rows_read or 0) if home else acc.accounted
            if home or acc.read:
                out.append(acc)
    return out


def reconcile(ledger: Ledger, target: Target, phase: PhaseDef) -> list[Reconciliation]:
    """The phase's entities in the target against the ledger (the counts are the entity's as
    a whole, whatever phase loaded its records)."""
    return reconcile_entities(ledger, target, phase.entities)


def reconcile_entities(ledger: Ledger, target: Target,
                       entities: Iterable[str]) -> list[Reconciliation]:  # fmt: skip
    db = ledger.db
    out = []
    for entity in dict.fromkeys(entities):
        refs = ref_fields(ENTITIES[entity])
        expected = db.execute("SELECT COUNT(*) FROM crosswalk WHERE entity=? AND created=1",
                              (entity,)).fetchone()[0]  # fmt: skip
        rec = Reconciliation(entity, target.count(entity), expected)
        have = target.link_counts(entity)
        # every link's count in one pass over the entity's outcomes
        wants = db.execute(
            "SELECT "
            + (", ".join(f"SUM((linked & {1 << i}) != 0)" for i in range(len(refs))) or "0")
            + f" FROM {outcome_table(entity)} WHERE outcome IN ('loaded','updated','unchanged')"
        ).fetchone()
        for i, name in enumerate(refs):
            want = wants[i] or 0
            if want or have.get(name):
                rec.links[name] = [have.get(name, 0), want]
        rec.dangling = {k: v for k, v in target.dangling(entity).items() if v}
        out.append(rec)
    return out


ALL_ARRIVED = "Completed: every row is accounted for, and every record, link and value arrived."


def complete_phase(ledger: Ledger, target: Target, phase: PhaseDef, seconds: float, rows: int,
                   reasons: ReasonTally, exporter: Callable[[PhaseDef], list[str]] | None,
                   skipped: dict[str, list[str]] | None = None) -> PhaseResult:  # fmt: skip
    tally: dict[tuple[str, int], Counter[str]] = {}  # the phase's rows, counted with fidelity
    kept = fidelity(ledger, phase.name, skipped, phase.entities, tally)
    acc = accounting(ledger, phase, tally=tally)
    rec = reconcile(ledger, target, phase)
    result = PhaseResult(phase.name, phase.label, COMPLETED, acc, rec, seconds, rows)
    result.reasons = reasons.most_common(10)
    result.fidelity = [f.to_dict() for f in kept]
    behind = [f for f in kept if not f.complete]
    unbalanced = [a for a in acc if not a.balanced or a.pending]
    if unbalanced:
        result.state = FAILED
        result.message = ("Some rows are not accounted for: "
                          + "; ".join(a.line() for a in unbalanced))  # fmt: skip
    elif not result.reconciled:
        result.message = "Loaded, but the count in the CRM differs from what this project loaded: see the counts below."
    elif behind:
        result.message = ("Completed, but not everything arrived: "
                          + "; ".join(f"{f.label}: {', '.join(f.why) or 'see the counts'}"
                                      for f in behind) + ".")  # fmt: skip
    elif any(f.orphans for f in kept):
        result.message = ("Completed, every row accounted for, but some links point to records that none "
                          "of your files holds (" + "; ".join(
                              f"{f.label}: {f.orphans:,} link{'s' if f.orphans > 1 else ''}"
                              for f in kept if f.orphans)
                          + "). Those records loaded without the link, the value kept as "
                          "written; add the file that holds them to link them.")  # fmt: skip
    else:
        result.message = ALL_ARRIVED
    if exporter is not None:
        result.exports = exporter(phase)
    previous = ledger.db.execute("SELECT seconds FROM phases WHERE name=?",
                                 (phase.name,)).fetchone()  # fmt: skip
    result.seconds = seconds + (previous[0] if previous and previous[0] else 0.0)
    with ledger.transaction():
        _set_state(ledger, phase.name, result.state, finished_at=now(), seconds=result.seconds,
                   summary=json.dumps(result.to_dict()))  # fmt: skip
    return result


def stored_result(ledger: Ledger, name: str) -> PhaseResult | None:
    row = ledger.db.execute("SELECT summary FROM phases WHERE name=?", (name,)).fetchone()
    if not row or not row[0]:
        return None
    return PhaseResult.from_dict(json.loads(row[0]))


def undo_order(ledger: Ledger, phase: PhaseDef, phases: list[PhaseDef]) -> list[PhaseDef]:
    """The phases an undo of ``phase`` removes: the later ones that loaded anything (they
    depend on it) first, then ``phase`` itself."""
    names = [p.name for p in phases]
    later = phases[names.index(phase.name) + 1 :]
    touched = [p for p in later if any(ledger.db.execute(
        f"SELECT 1 FROM {outcome_table(e)} WHERE phase=? LIMIT 1", (p.name,)).fetchone()
        for e in p.entities) or phase_state(ledger, p.name) != PENDING]  # fmt: skip
    return [*reversed(touched), phase]


def undo_phase(ledger: Ledger, target: Target, phase: PhaseDef) -> dict[str, int]:
    """Delete what this project created in ``phase``, children before parents; the ledger
    forgets the phase's outcomes and the phase is pending again. Returns deleted per entity."""
    deleted: dict[str, int] = {}
    for deleted in undo_steps(ledger, target, phase):  # noqa: B007 - the last one is the result
        pass
    return deleted


def undo_steps(ledger: Ledger, target: Target, phase: PhaseDef) -> Iterator[dict[str, int]]:
    """:func:`undo_phase` a batch at a time: yields the records deleted so far, per entity,
    after each batch (the wizard shows it). The ledger forgets the phase at the end only, so
    an undo cut short is finished by the next undo: deleting what is already gone is a no-op."""
    db = ledger.db
    run_id = ledger.start_run("undo", phase.name, target.kind)
    deleted: dict[str, int] = {}
    # records sent in a batch that crashed before the ledger knew their ids
    for entity, keys in _group(db.execute(
            "SELECT entity, source_id FROM inflight WHERE phase=?", (phase.name,))):  # fmt: skip
        ids = list(target.lookup(entity, keys).values())
        deleted[entity] = deleted.get(entity, 0) + target.delete(entity, ids)
    for entity in reversed(dict.fromkeys(phase.entities)):
        # the ids come a batch at a time (all of them at once: 56 MB more peak memory for the
        # 3M records of the scale-1 benchmark); nothing writes the ledger until the cursor is done
        rows = db.execute(
            "SELECT target_id FROM crosswalk WHERE phase=? AND entity=? AND created=1 "
            "ORDER BY seq DESC", (phase.name, entity))  # fmt: skip
        while batch := rows.fetchmany(BATCH_ROWS):
            deleted[entity] = deleted.get(entity, 0) + target.delete(
                entity, [tid for (tid,) in batch]
            )
            yield dict(deleted)
    with ledger.transaction():
        db.execute("DELETE FROM crosswalk WHERE phase=?", (phase.name,))
        for entity in LOAD_ORDER:
            db.execute(f"DELETE FROM {outcome_table(entity)} WHERE phase=?", (phase.name,))
        db.execute("DELETE FROM inflight WHERE phase=?", (phase.name,))
        _set_state(ledger, phase.name, PENDING, started_at=None, finished_at=None, seconds=0,
                   summary=None)  # fmt: skip
    ledger.end_run(run_id, "undone", sum(deleted.values()),
                   f"Deleted {sum(deleted.values())} records created by '{phase.label}'.")  # fmt: skip
    yield dict(deleted)


def _group(rows: object) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for entity, key in rows:  # type: ignore[attr-defined]
        groups.setdefault(entity, []).append(key)
    return list(groups.items())


__all__ = [
    "Accounting",
    "Census",
    "PhaseProgress",
    "PhaseResult",
    "Reconciliation",
    "accounting",
    "check_order",
    "run_phase",
    "undo_phase",
]
