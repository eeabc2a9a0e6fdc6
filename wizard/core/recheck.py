"""A re-check of the columns a mapping change touched, from the staged raw values.

"Check again with this mapping" after the admin moved a column (a job title into a custom
field, a notes column added, a city column swapped) used to read and check the whole file
again. When the change only touches columns whose values nothing else reads, their part of
each staged row is worked out again from the raw store (:mod:`rawstore`) instead: the field
values, the custom fields, the content hash (scheme 2: one part per value), the count of
values kept, and the findings of those fields. A row with nothing in those columns, before or
after the change, is left as it is, unless its file merges with others. Every other part of
the row is what it was, and what finalize made of the set (links, phases, the active rule)
does not depend on those columns, so it stands; merged values do, and are merged again
(below).

A change qualifies when, between the plan the file was staged with and the new one:

- the file, the phone region, the entity's options and the name keys are the same;
- everything but the fields and the custom columns is the same;
- each field that changed is plain text that no key, identity, required value, derived value
  or the active rule reads; a column it reads feeds no field that stays as it was;
- the values kept as written beside typed fields keep their custom fields;
- the file has a raw store and the ledger hashes by value (scheme 2).

Rows keyed by their content (no record id, no email or domain) get their new key. Rows merged
with others (a duplicate, a converted lead) have their merged values worked out again: the
records of other files they merge into first get back their own values of the changed fields
(from their file's raw store, so that file needs one too), then finalize runs over the set,
as after a fresh read. Anything else reads and checks the file again, as before.

Where nothing merges or is re-keyed, the new values go beside the staged rows, into the narrow
``recheck_<entity>`` (:class:`ledger.Rechecked`), which every reader of those values reads in
their place: rewriting the 48-column rows cost 3-5 s per million (the width probe of
``bench_recheck.py``: 4.45 s against 0.92 s for a six-column table), most of the re-check.
Finalize writes them into the rows before it reads or changes them (:func:`ledger.fold`), so
merges and keys always work on the rows themselves.

The result is the same staged rows and findings as a fresh check (tests compare them column
by column); the examples kept of a rule with more than ``Findings.keep`` findings may be
other rows than a fresh check's first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from wizard.core import rawstore
from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.ledger import (
    Ledger,
    Rechecked,
    fold,
    now,
    outcome_table,
    recheck_table,
    stage_table,
)
from wizard.core.logs import log
from wizard.core.plan import FieldMap, Plan, SourcePlan
from wizard.core.validate import _IDENTITY, Checker, Finding, Findings

if TYPE_CHECKING:
    from wizard.core.sources import Source
    from wizard.core.staging import StageProgress

BATCH = 50_000  # rows per step: pandas' string calls hold the GIL for a whole column
# fields finalize, the phases or the active rule read (beside keys, identity, required values)
_READ_BY_FINALIZE = {"source_id", "name", "full_name", "first_name", "last_name", "email",
                     "domain", "website", "lifecycle_stage", "lead_status", "last_activity_at",
                     "occurred_at", "is_closed", "is_won", "stage", "close_date", "type"}  # fmt: skip
# everything in a file's plan that is not its fields and custom columns, and changes nothing
_IGNORED = ("fields", "custom", "entity_confidence", "notes", "note", "skipped")


@dataclass
class ColumnChange:
    old: SourcePlan
    new: SourcePlan
    fields: list[str]  # the fields whose mapping changed (in either plan)
    gone: list[tuple[str, str]]  # (column, custom property) the new plan no longer has
    added: list[tuple[str, str]]  # (column, custom property) the old plan did not have
    columns: list[str]  # the source columns read again
    rekeyed: bool = False  # some rows are keyed by their content: their keys change too
    merged: bool = False  # some rows merge with others: merged values change too
    # (fid, its staged plan, rows) of the records in other files that rows of this one merge
    # into: their own values of the changed fields are put back before finalize merges again
    survivors: list[tuple[int, SourcePlan, list[int]]] = field(default_factory=list)

    @property
    def needs_finalize(self) -> bool:
        """Keys or merged values changed: links and merges are worked out again."""
        return self.rekeyed or self.merged


def _effect(fm: FieldMap) -> tuple[object, ...]:
    """What a field map changes in the staged rows (not how sure recognition was)."""
    return (tuple(fm.columns), tuple(fm.transforms), fm.match_by, fm.prefix, fm.template)


def _local(entity: str, name: str, splan: SourcePlan) -> bool:
    ent = ENTITIES[entity]
    if not ent.has(name):
        return True  # a field the entity does not have is left out by the check
    f = ent.field(name)
    return (f.type == FieldType.TEXT and not f.required and name not in _IDENTITY[entity]
            and name not in _READ_BY_FINALIZE and name not in splan.constants)  # fmt: skip


def diff(old: SourcePlan, new: SourcePlan) -> ColumnChange | None:
    """The change from ``old`` to ``new`` when only local columns changed; else None."""
    from wizard.core.staging import custom_props, kept_props

    def rest(s: SourcePlan) -> dict[str, object]:
        return {k: v for k, v in s.to_dict().items() if k not in _IGNORED}

    if new.entity is None or rest(old) != rest(new):
        return None
    entity = new.entity
    by_old = {fm.field: fm for fm in old.fields}
    by_new = {fm.field: fm for fm in new.fields}
    if len(by_old) != len(old.fields) or len(by_new) != len(new.fields):
        return None  # a field filled twice: the check's order decides, read it all again
    fields = [name for name in dict.fromkeys([*by_old, *by_new])
              if name not in by_old or name not in by_new
              or _effect(by_old[name]) != _effect(by_new[name])]  # fmt: skip
    if not all(_local(entity, name, old) and _local(entity, name, new) for name in fields):
        return None
    if kept_props(old) != kept_props(new):
        return None
    old_custom, new_custom = custom_props(old), custom_props(new)
    gone = [pair for pair in old_custom if pair not in new_custom]
    added = [pair for pair in new_custom if pair not in old_custom]
    columns = list(dict.fromkeys(
        [c for name in fields for fm in (by_old.get(name), by_new.get(name)) if fm
         for c in fm.columns] + [c for c, _ in gone + added]))  # fmt: skip
    touched = set(columns)
    for name, fm in by_new.items():
        if name not in fields and touched & set(fm.columns):
            return None  # a column shared with a field that stays: its count needs both
    return ColumnChange(old, new, fields, gone, added, columns)


def column_change(ledger: Ledger, row: tuple | None, splan: SourcePlan, source: Source,
                  plan: Plan) -> ColumnChange | None:  # fmt: skip
    """The change to re-check column by column for a staged file (``row``: its entry in the
    ledger's files), or None when the file must be read again."""
    from wizard.core.staging import data_signature

    if row is None or not row[2] or row[6] is None or row[7] is None:
        return None
    fid, entity = row[0], row[3]
    if entity != splan.entity or ledger.meta("hash_scheme") != "2":
        return None
    try:
        if row[7] != data_signature(source, splan, plan):
            return None
    except OSError:
        return None  # staging says what is wrong with the file
    change = diff(SourcePlan.from_dict(json.loads(row[6])), splan)
    if change is None:
        return None
    if rawstore.columns(ledger.path, fid) is None:
        return None
    t = stage_table(entity)
    db = ledger.db
    # merges: each side's values are worked out again by finalize, from each row's own ones
    change.merged = db.execute(
        f"SELECT 1 FROM {t} d JOIN {t} s ON s.key = d.dup_of WHERE d.dup_of IS NOT NULL AND "
        "(d.fid=? OR s.fid=?) LIMIT 1", (fid, fid)).fetchone() is not None  # fmt: skip
    if change.merged:
        # records of other files that rows of this one merge into: what they hold of these
        # fields is their own again (from their file's raw store), before finalize merges
        for ofid, rows in _survivors_elsewhere(db, t, fid).items():
            found = db.execute("SELECT staged_plan FROM files WHERE fid=?", (ofid,)).fetchone()
            if found is None or found[0] is None or rawstore.columns(ledger.path, ofid) is None:
                return None
            other = SourcePlan.from_dict(json.loads(found[0]))
            if not _own_values_known(other, change):
                return None
            change.survivors.append((ofid, other, rows))
    change.rekeyed = db.execute(f"SELECT 1 FROM {t} WHERE key >= 'row:' AND key < 'row;' AND "
                                "+fid=? LIMIT 1", (fid,)).fetchone() is not None  # fmt: skip
    return change


def _survivors_elsewhere(db, t: str, fid: int) -> dict[int, list[int]]:
    """Rows of other files that rows of this one are merged into, per file."""
    out: dict[int, list[int]] = {}
    for ofid, row in db.execute(
        f"SELECT DISTINCT s.fid, s.row FROM {t} d JOIN {t} s ON s.key = d.dup_of AND "
        f"s.dup_of IS NULL AND s.reason IS NULL WHERE d.dup_of IS NOT NULL AND d.fid=? AND "
        "s.fid != ?", (fid, fid)):  # fmt: skip
        out.setdefault(ofid, []).append(row)
    return out


def _own_values_known(other: SourcePlan, change: ColumnChange) -> bool:
    """Whether another file's own values of the changed fields and properties can be read
    again from its raw store: each is a plain text field there (or not mapped), or a custom
    column, never a constant nor a value kept beside a typed field."""
    from wizard.core.staging import kept_props

    entity = other.entity or ""
    if any(name in other.constants or not _local(entity, name, other) for name in change.fields):
        return False
    kept = {prop for _, prop in kept_props(other)}
    return not any(prop in kept for _, prop in change.gone + change.added)


def _own_values(ledger: Ledger, plan: Plan, change: ColumnChange, t: str) -> None:
    """The survivors in other files get back their own values of the changed fields and
    properties (merging filled or set them beside from this file's rows before)."""
    from wizard.core.staging import custom_props

    db = ledger.db
    ent = ENTITIES[change.new.entity or ""]
    names = [name for name in change.fields if ent.has(name)]
    props = list(dict.fromkeys(prop for _, prop in change.gone + change.added))
    stale = [f"{name}_merged" for name in change.fields] + [f"{p}_merged" for p in props]
    for ofid, other, rows in change.survivors:
        checker = Checker(plan, other, "", Findings(keep=0))
        by_prop = {prop: column for column, prop in custom_props(other)}
        columns = [c for name in names if (fm := other.field_map(name)) for c in fm.columns]
        columns += [by_prop[p] for p in props if p in by_prop]
        wanted = set(rows)
        updates = []
        for frame in rawstore.read(ledger.path, ofid, list(dict.fromkeys(columns)), BATCH):
            frame = frame[frame.index.isin(wanted)]
            if frame.empty:
                continue
            own: dict[str, pd.Series] = {}
            for name in names:
                fm = other.field_map(name)
                own[name] = (checker.field_values(frame, fm)[0] if fm is not None
                             else pd.Series("", index=frame.index, dtype=object))  # fmt: skip
            for r in frame.index:
                patch = {p: (_cell(frame, by_prop[p]).at[r] or None) if p in by_prop else None
                         for p in props}  # fmt: skip
                patch.update({k: None for k in stale})
                updates.append((*(own[n].at[r] or None for n in names), json.dumps(patch),
                                ofid, int(r)))  # fmt: skip
        sets = [f"f_{name}=?" for name in names] + ["properties=json_patch(properties, ?)"]
        db.executemany(f"UPDATE {t} SET {', '.join(sets)} WHERE fid=? AND row=?", updates)


def _cell(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column's cells; a column the file does not have is empty, as staging reads it."""
    if column in frame.columns:
        return frame[column]
    return pd.Series("", index=frame.index, dtype=object)


class _Stopped(Exception):
    pass


def recheck(ledger: Ledger, plan: Plan, change: ColumnChange, fid: int, label: str,
            fingerprint: str, keep: int | None,
            should_stop) -> Generator[StageProgress, None, bool | None]:  # fmt: skip
    """Re-check ``change`` in the file's staged rows, in one transaction; yields progress and
    returns True when done (False: stopped; None: a raw store could not be read, so the file
    must be read again; nothing changed in both cases)."""
    from wizard.core.staging import StageProgress, custom_hash_name, hash_term

    db = ledger.db
    entity = change.new.entity or ""
    ent, t = ENTITIES[entity], stage_table(entity)
    before, after = Findings(keep=0), Findings(keep=keep)  # old findings: only counted
    checkers = (Checker(plan, change.old, label, before), Checker(plan, change.new, label, after))
    plans = (change.old, change.new)
    new_fields = [name for name in change.fields if change.new.field_map(name) and ent.has(name)]
    cols = [f"f_{name}" for name in new_fields]
    temp = ["row INTEGER PRIMARY KEY", "dh INTEGER NOT NULL", "dvk INTEGER NOT NULL",
            *(f"u{i} TEXT" for i in range(len(cols) + len(change.added)))]  # fmt: skip
    start, done = time.perf_counter(), 0
    if not (change.fields or change.gone or change.added):  # nothing the rows hold changed
        with ledger.transaction():
            db.execute("UPDATE files SET fingerprint=?, staged_plan=? WHERE fid=?",
                       (fingerprint, json.dumps(change.new.to_dict()), fid))  # fmt: skip
        return True
    try:
        with ledger.transaction():
            db.execute("DROP TABLE IF EXISTS temp._recheck")
            db.execute(f"CREATE TEMP TABLE _recheck ({', '.join(temp)})")
            marks = ", ".join("?" * (3 + len(cols) + len(change.added)))
            for frame in rawstore.read(ledger.path, fid, change.columns, BATCH):
                dh = np.zeros(len(frame), dtype=np.uint64)
                dvk = np.zeros(len(frame), dtype=np.int64)
                # a row none of whose changed values or cells holds anything stays as it is,
                # unless merges may have filled its fields from other rows
                touched = np.full(len(frame), change.merged, dtype=bool)
                values: list[dict[str, pd.Series]] = [{}, {}]
                for side, (splan, checker) in enumerate(zip(plans, checkers, strict=True)):
                    for name in change.fields:
                        fm = splan.field_map(name)
                        if fm is None or not ent.has(name):
                            continue
                        out, col = checker.field_values(frame, fm)
                        checker.formulas(out, col, ent.field(name))
                        values[side][name] = out
                        dh ^= hash_term(f"f_{name}", out)
                        touched |= (out != "").to_numpy(dtype=bool)
                    pairs = change.gone if side == 0 else change.added
                    for column, prop in pairs:
                        cells = _cell(frame, column)
                        dh ^= hash_term(custom_hash_name(column, prop), cells)
                        touched |= (cells != "").to_numpy(dtype=bool)
                    sign = -1 if side == 0 else 1
                    for column in change.columns:
                        cells = _cell(frame, column) != ""
                        if column in splan.custom:
                            kept = cells
                        else:
                            has = pd.Series(False, index=frame.index)
                            for name, out in values[side].items():
                                fm = splan.field_map(name)
                                if fm is not None and column in fm.columns:
                                    has |= out != ""
                            kept = cells & has
                        dvk += sign * kept.to_numpy(dtype=np.int64)
                if touched.any():
                    arrays: list[list[object]] = [
                        frame.index[touched].tolist(), dh.view(np.int64)[touched].tolist(),
                        dvk[touched].tolist()]  # fmt: skip
                    for name in new_fields:
                        out = values[1][name][touched]
                        arrays.append(out.where(out != "", None).tolist())
                    for column, _ in change.added:
                        cell = _cell(frame, column)[touched]
                        arrays.append(cell.where(cell != "", None).tolist())
                    db.executemany(f"INSERT INTO _recheck VALUES ({marks})",
                                   zip(*arrays, strict=True))  # fmt: skip
                done += len(frame)
                yield StageProgress(label, done, done / max(time.perf_counter() - start, 1e-9))
                if should_stop():
                    raise _Stopped
            patch = [(prop, None) for _, prop in change.gone]
            patch += [(prop, f"u.u{len(cols) + i}") for i, (_, prop) in enumerate(change.added)]
            patch = list(dict(patch).items())  # a property both gone and added: the new value
            args = [prop for prop, _ in patch] + [fid]
            beside = {f"f_{name}" for name in change.fields if ent.has(name)}
            if change.needs_finalize or not beside <= Rechecked(entity).fields:
                # merges and keys (and any field not kept beside): the rows themselves, as
                # finalize reads them (what earlier re-checks wrote beside them goes in)
                fold(db)
                db.execute(_update_rows(t, change, cols, new_fields, patch), args)
            else:  # the values beside the rows (a narrow table, 5x faster than the rows)
                # (read beside the table it writes, SQLite would first copy the rows it writes)
                earlier = db.execute(f"SELECT 1 FROM {recheck_table(entity)} LIMIT 1").fetchone()
                db.execute(_beside_rows(entity, change, new_fields, patch, earlier is not None),
                           args)  # fmt: skip
            db.execute("DROP TABLE temp._recheck")
            if change.merged:  # what duplicates added of these fields is added again
                stale = [f"{name}_merged" for name in change.fields]
                stale += [f"{prop}_merged" for _, prop in change.gone + change.added]
                paths = ", ".join("?" * len(stale))
                db.execute(f"UPDATE {t} SET properties=json_remove(properties, {paths}) WHERE "
                           "fid=? AND instr(properties, '_merged') > 0",
                           [f'$."{k}"' for k in stale] + [fid])  # fmt: skip
            if change.survivors:
                _own_values(ledger, plan, change, t)
            # what the rows loaded is decided again when their phase runs (updated or not)
            db.execute(f"DELETE FROM {outcome_table(entity)} WHERE fid=?", (fid,))
            _findings(db, fid, label, change, before, after, keep)
            db.execute("UPDATE files SET fingerprint=?, staged_plan=?, staged_at=? WHERE fid=?",
                       (fingerprint, json.dumps(change.new.to_dict()), now(), fid))  # fmt: skip
    except _Stopped:
        return False
    except (pa.ArrowException, OSError) as exc:  # a damaged store: the file is read again
        log.warning("the kept cells of %s could not be read (%s); reading the file", label, exc)
        return None
    return True


def _patched(props: str, patch: list[tuple[str, str | None]]) -> str:
    """SQL: the custom fields ``props`` with each of ``patch`` set (None: removed)."""
    if not patch:
        return props
    pairs = ", ".join(f"?, {expr or 'NULL'}" for _, expr in patch)
    return f"json_patch({props}, json_object({pairs}))"


def _update_rows(t: str, change: ColumnChange, cols: list[str], new_fields: list[str],
                 patch: list[tuple[str, str | None]]) -> str:  # fmt: skip
    """The re-check written into the staged rows (``_recheck`` by row)."""
    ent = ENTITIES[change.new.entity or ""]
    sets = [f"{c}=u.u{i}" for i, c in enumerate(cols)]
    sets += [f"f_{name}=NULL" for name in change.fields
             if name not in new_fields and ent.has(name)]  # fmt: skip
    xor = "(hash | u.dh) - (hash & u.dh)"  # SQLite has no ^ (every right side is
    sets += [f"hash={xor}", "vk=vk + u.dvk"]  # the row as it was)
    if change.rekeyed:  # a row keyed by its content: 'row:' and the content hash
        sets.append(f"key=CASE WHEN key >= 'row:' AND key < 'row;' THEN "
                    f"printf('row:%016x', {xor}) ELSE key END")  # fmt: skip
    if patch:
        sets.append(f"properties={_patched('properties', patch)}")
    return (f"UPDATE {t} SET {', '.join(sets)} FROM _recheck u WHERE {t}.fid=? AND "
            f"{t}.row=u.row")  # fmt: skip


def _beside_rows(entity: str, change: ColumnChange, new_fields: list[str],
                 patch: list[tuple[str, str | None]], earlier: bool) -> str:  # fmt: skip
    """The re-check written beside the staged rows (:class:`ledger.Rechecked`): each row's
    values as the rows and earlier re-checks (when there were: ``earlier``) left them, with
    this one's changes."""
    ent = ENTITIES[entity]
    t, r = stage_table(entity), recheck_table(entity)
    rc = Rechecked(entity, alias="s", other="o")
    changed = {f"f_{name}": f"COALESCE(u.u{i}, '')" for i, name in enumerate(new_fields)}
    changed |= {f"f_{name}": "''" for name in change.fields
                if name not in new_fields and ent.has(name)}  # fmt: skip

    def cur(c: str) -> str:
        return rc.col(c) if earlier else f"s.{c}"

    h = cur("hash")
    values = ["s.sid", f"({h} | u.dh) - ({h} & u.dh)", f"{cur('vk')} + u.dvk",
              _patched(cur("properties"), patch)]  # fmt: skip
    fields = sorted(rc.fields)
    values += [changed.get(c, f"o.{c}" if earlier else "NULL") for c in fields]
    return (f"INSERT OR REPLACE INTO {r} (sid, hash, vk, properties, {', '.join(fields)}) "
            f"SELECT {', '.join(values)} FROM _recheck u JOIN {t} s ON s.fid=? AND "
            f"s.row=u.row {rc.join if earlier else ''}")  # fmt: skip


def _findings(db, fid: int, label: str, change: ColumnChange, before: Findings,
              after: Findings, keep: int | None) -> None:  # fmt: skip
    """The changed fields' findings replace their old ones (counts exact; examples up to
    ``keep`` per rule)."""
    from wizard.core.staging import insert_findings

    fields = list(change.fields)
    marks = ",".join("?" * len(fields))
    db.execute(f"DELETE FROM findings WHERE fid=? AND field IN ({marks})", (fid, *fields))
    delta = {k: after.counts[k] - before.counts[k] for k in {*before.counts, *after.counts}}
    for (_, rule, severity), n in delta.items():
        if not n:
            continue
        db.execute("INSERT OR IGNORE INTO finding_counts VALUES (?,?,?,?,0)",
                   (fid, label, rule, severity))  # fmt: skip
        db.execute("UPDATE finding_counts SET n=n+? WHERE fid=? AND rule=? AND severity=?",
                   (n, fid, rule, severity))  # fmt: skip
    db.execute("DELETE FROM finding_counts WHERE fid=? AND n<=0", (fid,))
    room: dict[str, int | None] = {}
    rows: list[Finding] = []
    for f in after.items:
        if f.rule not in room:
            held = db.execute("SELECT COUNT(*) FROM findings WHERE fid=? AND rule=?",
                              (fid, f.rule)).fetchone()[0]  # fmt: skip
            room[f.rule] = None if keep is None else keep - held
        left = room[f.rule]
        if left is not None:
            if left <= 0:
                continue
            room[f.rule] = left - 1
        rows.append(f)
    insert_findings(db, fid, rows)
