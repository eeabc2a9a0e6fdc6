"""Staging: every source row, mapped and checked once, written to the ledger.

Each chunk goes through the same mapping and checks as validation, and lands in the ledger's
``stage_<entity>`` table with its canonical key, content hash and reference keys. A file whose
fingerprint (size, modification time, and its part of the plan) has not changed is not staged
again, so a resumed ``migrate`` starts where it was. ``finalize`` then works on the whole
staged data set in SQL: duplicates to merge, references resolved to the records they point to,
active sales contacts, the phase of every row, and parents before children.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from wizard.core.automatch import RESERVED
from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.ledger import (
    HASH_SCHEME,
    Ledger,
    fold,
    now,
    outcome_table,
    ref_fields,
    stage_table,
    value_fields,
)
from wizard.core.phases import HOME
from wizard.core.plan import Plan, SourcePlan
from wizard.core.sources import Source
from wizard.core.validate import (
    Checker,
    Finding,
    Findings,
    Mapped,
    as_written,
    wants_name_keys,
)

# fields whose unreadable values (and a link's whole multi-valued cell) are kept beside them
_KEEPS = (FieldType.EMAIL, FieldType.DOMAIN, FieldType.NUMBER, FieldType.MONEY, FieldType.DATE,
          FieldType.DATETIME, FieldType.BOOLEAN, FieldType.REFERENCE)  # fmt: skip

# custom fields per json_group_object() over a VALUES list (no function-argument limit; two
# parameters each, well under SQLite's smallest default of 32,766 parameters a statement)
_JSON_PAIRS = 10_000


@dataclass
class StageProgress:
    file: str
    rows_done: int
    rows_per_s: float


@dataclass
class StagedFile:
    label: str
    entity: str
    rows_read: int
    set_aside: int
    rejected: int  # rows validation found unloadable
    restaged: bool  # False when the file had not changed since it was last staged
    # the columns checked again from the raw store (the file was not read again); empty when
    # the whole file was read
    columns: list[str] = field(default_factory=list)


@dataclass
class Staged:
    files: list[StagedFile] = field(default_factory=list)
    findings: Findings | None = None
    orphans: Counter[str] = field(default_factory=Counter)  # relation -> rows, before the run
    links: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)  # entity -> rows merged
    active_contacts: int = 0
    as_of: str = ""
    # records loaded before whose rows none of the files holds now (Migration.deleted_since)
    deleted: dict[str, list[str]] = field(default_factory=dict)


def _data(source: Source, splan: SourcePlan, plan: Plan) -> list[object]:
    """What a file's staged rows depend on besides its own plan: the file itself, the phone
    region, the options the admin added to its entity, and whether other files link to its
    records by name (then its rows carry name keys)."""
    st = source.path.stat()
    data: list[object] = [plan.phone_region, st.st_size, st.st_mtime_ns]
    added = {k: v for k, v in plan.options.items() if k.startswith(f"{splan.entity}.")}
    if added:  # options the admin added change what the check decides
        data.append(added)
    if splan.entity and wants_name_keys(plan, splan.entity):
        data.append("name keys")
    return data


def fingerprint(source: Source, splan: SourcePlan, plan: Plan) -> str:
    data = [splan.to_dict(), *_data(source, splan, plan)]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def data_signature(source: Source, splan: SourcePlan, plan: Plan) -> str:
    """The part of :func:`fingerprint` that is not the file's own plan."""
    data = _data(source, splan, plan)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def custom_props(splan: SourcePlan) -> list[tuple[str, str]]:
    """(column, custom property) per custom column: one property per column, even in a plan
    written before names were made unique."""
    out: list[tuple[str, str]] = []
    names: set[str] = set(RESERVED)
    for column, prop in splan.custom.items():
        unique, n = prop, 1
        while unique in names:
            n += 1
            unique = f"{prop}_{n}"
        names.add(unique)
        out.append((column, unique))
    return out


def kept_props(splan: SourcePlan) -> list[tuple[str, str]]:
    """(field, custom property) per typed field whose unreadable values are kept as written
    in a custom field beside it."""
    ent = ENTITIES[splan.entity or ""]
    taken = set(splan.custom.values())
    out: list[tuple[str, str]] = []
    for fm in splan.fields:
        if ent.has(fm.field) and ent.field(fm.field).type in _KEEPS:
            prop = as_written(fm.field)
            while prop in taken:
                prop += "_"
            taken.add(prop)
            out.append((fm.field, prop))
    return out


def custom_hash_name(column: str, prop: str) -> str:
    return f"c_{column}\x1f{prop}"


def hash_term(name: str, values: pd.Series) -> np.ndarray:
    """One value's part of a row's content hash (scheme 2): 0 where it is empty, so a value
    mapped but empty is no value at all."""
    key = hashlib.blake2b(name.encode(), digest_size=8).hexdigest()
    raw = values.to_numpy(dtype=object)
    # the same hashes either way; factorizing first (categorize) costs 5-7x more on columns of
    # mostly distinct values, such as ids, emails and phones (measured on 100k contacts)
    out = pd.util.hash_array(raw, hash_key=key, categorize=False)
    out[raw == ""] = 0
    return out


def content_hash(terms: list[tuple[str, pd.Series]], index: pd.Index) -> pd.Series:
    """A row's content hash (scheme 2): the XOR of its values' parts, so one column's part can
    be taken out and put back (:mod:`recheck`) without the others."""
    out = np.zeros(len(index), dtype=np.uint64)
    for name, values in terms:
        out ^= hash_term(name, values)
    return pd.Series(out.view("int64"), index=index)


def _none_if_empty(s: pd.Series) -> list[object]:
    """The values, an empty one as None (NULL), for ``executemany``. Text pyarrow holds is
    turned in pyarrow: 2.5x faster than pandas' ``where``, whose NaN SQLite stored as NULL."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        arrow = s.array.__arrow_array__()
        return pc.if_else(pc.equal(arrow, ""), None, arrow).to_pylist()
    return s.where(s != "", None).tolist()


class _Inserter:
    """Turns mapped chunks of one source into rows of its staging table."""

    def __init__(self, ledger: Ledger, splan: SourcePlan, fid: int) -> None:
        self.ledger, self.splan, self.fid = ledger, splan, fid
        self.ent = ENTITIES[splan.entity or ""]
        self.values = value_fields(self.ent)
        self.refs = ref_fields(self.ent)
        self.booleans = {f.name for f in self.ent.fields if f.type == FieldType.BOOLEAN}
        self.custom = custom_props(splan)
        self.kept = kept_props(splan)
        self.scheme = ledger.meta("hash_scheme") or "1"
        self.rejected = 0
        self._sql: dict[tuple[str, ...], str] = {}

    def sql(self, columns: tuple[str, ...]) -> str:
        """The INSERT for the columns this source fills (the others stay NULL)."""
        if columns not in self._sql:
            cols, marks = list(columns), ["?"] * len(columns)
            every = self.custom + self.kept
            if every:
                cols.append("properties")
                parts = []
                for i in range(0, len(every), _JSON_PAIRS):  # no nesting: thousands of columns
                    rows = ", ".join(["(?, ?)"] * len(every[i : i + _JSON_PAIRS]))
                    parts.append(f"(SELECT json_group_object(column1, column2) FROM (VALUES "
                                 f"{rows}) WHERE column2 <> '')")  # fmt: skip
                expr = parts[0]
                for part in parts[1:]:
                    expr = f"json_patch({expr}, {part})"
                marks.append(expr)
            self._sql[columns] = (f"INSERT INTO {stage_table(self.ent.name)} ({', '.join(cols)}) "
                                  f"VALUES ({', '.join(marks)})")  # fmt: skip
        return self._sql[columns]

    def key(self, mapped: Mapped, hashes: pd.Series) -> pd.Series:
        """The canonical source key: the record id; without one, a natural key (email for
        people, domain for companies); without that, the row's content."""
        key = mapped.keys.get("source_id")
        key = key.copy() if key is not None else pd.Series("", index=mapped.index, dtype=object)
        missing = key == ""
        if not missing.any():
            return key
        natural = None
        if self.ent.name in ("contact", "owner") and "email" in mapped.keys:
            natural = mapped.keys["email"], "email:"
        elif self.ent.name == "company" and "domain" in mapped.keys:
            natural = mapped.keys["domain"], "domain:"
        if natural is not None:
            use = missing & (natural[0] != "")
            key[use] = natural[1] + natural[0][use]
            missing &= ~use
        if missing.any():
            key[missing] = [f"row:{h & 0xFFFFFFFFFFFFFFFF:016x}" for h in hashes[missing]]
        return key

    def insert(self, frame: pd.DataFrame, mapped: Mapped) -> None:
        n = len(frame)
        idx = frame.index
        content: dict[str, pd.Series] = {}
        for name in self.values:
            s = mapped.values.get(name)
            if s is None:
                continue
            if name in self.booleans:
                s = s.map({"TRUE": "1", "FALSE": "0"}).fillna("")
            content[f"f_{name}"] = s
        for name in self.refs:
            if name in mapped.refs:
                key, _, raw, _ = mapped.refs[name]
                content[f"r_{name}"] = key.reindex(idx, fill_value="")
                content[f"v_{name}"] = raw.reindex(idx, fill_value="")
        for column, _ in self.custom:
            content[f"c_{column}"] = (frame[column] if column in frame.columns
                                      else pd.Series("", index=idx, dtype=object))  # fmt: skip
        for name, _ in self.kept:
            if name in mapped.kept:
                content[f"k_{name}"] = mapped.kept[name]
        if self.scheme == "1":  # ledgers staged before scheme 2 keep their hashes
            hashed = pd.DataFrame(content, index=idx) if content else pd.DataFrame(index=idx)
            hashes = pd.Series(pd.util.hash_pandas_object(hashed, index=False).to_numpy()
                               .view("int64"), index=idx)  # fmt: skip
        else:
            props = dict(self.custom)
            hashes = content_hash(
                [(custom_hash_name(name[2:], props[name[2:]]) if name.startswith("c_") else name,
                  values) for name, values in content.items()], idx)  # fmt: skip
        key = self.key(mapped, hashes)
        errors = mapped.errors
        raw = [None] * n
        if errors.any():
            bad = frame[errors]
            positions = [idx.get_loc(r) for r in bad.index]
            for pos, record in zip(positions, bad.to_dict("records"), strict=True):
                raw[pos] = json.dumps(record, ensure_ascii=False)
            self.rejected += int(errors.sum())
        read, kept = self.cells(frame, mapped)
        columns = ["fid", "row", "key", "hash", "reason", "raw", "note", "phase", "vr", "vk"]
        arrays: list[list[object]] = [
            [self.fid] * n,
            idx.tolist(),
            key.tolist(),
            hashes.tolist(),
            _none_if_empty(mapped.reasons),
            raw,
            _none_if_empty(mapped.notes),
            [HOME[self.ent.name]] * n,  # finalize moves the active ones
            read.tolist(),
            kept.tolist(),
        ]
        if mapped.merge_to is not None:
            columns.append("merge_key")
            arrays.append(_none_if_empty(mapped.merge_to))
        for kind in ("email", "domain", "name"):
            if kind in mapped.keys:
                columns.append(f"k_{kind}")
                arrays.append(_none_if_empty(mapped.keys[kind]))
        for name, s in content.items():
            if name.startswith(("f_", "r_", "v_")):
                columns.append(name)
                arrays.append(_none_if_empty(s))
        for name in self.refs:
            if name in mapped.refs:
                fm = self.splan.field_map(name)
                columns.append(f"b_{name}")
                arrays.append([(fm.match_by if fm else None) or "source_id"] * n)
        for column, prop in self.custom:
            values = frame[column].tolist() if column in frame.columns else [""] * n
            arrays += [[prop] * n, values]
        for name, prop in self.kept:
            values = mapped.kept[name].tolist() if name in mapped.kept else [""] * n
            arrays += [[prop] * n, values]
        with self.ledger.transaction() as db:
            db.executemany(self.sql(tuple(columns)), zip(*arrays, strict=True))

    def cells(self, frame: pd.DataFrame, mapped: Mapped) -> tuple[pd.Series, pd.Series]:
        """Per row: its non-empty source cells, and how many of them the record keeps (in a
        field, beside it as written, in a custom field, or as a link). Columns the plan leaves
        out on purpose keep nothing: that loss is counted too."""
        idx = frame.index
        kept = pd.Series(0, index=idx, dtype="int64")
        blank = pd.Series("", index=idx, dtype=object)
        holds: dict[str, pd.Series] = {}  # column -> rows where something it fed is kept
        for fm in self.splan.fields:
            if fm.field in mapped.refs:
                has = mapped.refs[fm.field][2].reindex(idx, fill_value="") != ""
            else:
                has = mapped.values.get(fm.field, blank) != ""
                if fm.field in mapped.kept:
                    has |= mapped.kept[fm.field] != ""
            for col in fm.columns:
                holds[col] = holds[col] | has if col in holds else has
        filled = frame.ne("")
        read = filled.sum(axis=1).astype("int64")
        custom = [c for c in self.splan.custom if c in filled.columns]
        if custom:
            kept += filled[custom].sum(axis=1)
        for col, has in holds.items():
            if col in filled.columns and col not in self.splan.custom:
                kept += filled[col] & has
        return read, kept

    def insert_set_aside(self, source: Source, label: str) -> None:
        rows = []
        for aside in source.set_aside:
            rows.append((self.fid, aside.row, f"unreadable:{self.fid}:{aside.row}", 0,
                         aside.reason, json.dumps(aside.fields, ensure_ascii=False),
                         sum(1 for v in aside.fields if str(v).strip())))  # fmt: skip
        if rows:
            with self.ledger.transaction() as db:
                db.executemany(
                    f"INSERT INTO {stage_table(self.ent.name)} (fid, row, key, hash, reason, raw, "
                    f"phase, vr, vk) VALUES (?,?,?,?,?,?,'{HOME[self.ent.name]}',?,0)",
                    rows,
                )
        self.rejected += len(rows)


def stage(plan: Plan, sources: dict[tuple[str, str | None], Source], ledger: Ledger,
          findings: Findings | None = None,
          should_stop: Callable[[], bool] = lambda: False,
          keep_raw: bool = True) -> Iterator[StageProgress | Staged]:  # fmt: skip
    """Stage every mapped source that changed since it was last staged, then finalize.

    Yields progress after each chunk, and the :class:`Staged` summary last. The run is in the
    journal (completed, stopped or failed). ``keep_raw``: each file's cells are kept in the
    raw store (:mod:`rawstore`), so a mapping change re-checks only the columns it touched."""
    run_id = ledger.start_run("stage", None, "ledger")
    outcome, rows, message = "stopped", 0, "Stopped while reading; run again to go on."
    try:
        for item in _stage(plan, sources, ledger, findings, should_stop, keep_raw):
            if isinstance(item, Staged):
                outcome = "completed"
                rows = sum(f.rows_read for f in item.files if f.restaged and not f.columns)
                columns = sum(1 for f in item.files if f.restaged and f.columns)
                message = (f"{len(item.files)} files, {rows} rows read again" if rows
                           else f"{len(item.files)} files, none read again" if columns
                           else f"{len(item.files)} files, none changed")  # fmt: skip
                if columns:
                    message += (f"; {columns} checked again in the columns whose mapping "
                                "changed")  # fmt: skip
            yield item
    except Exception as exc:
        outcome, message = "failed", str(exc)
        raise
    finally:
        ledger.end_run(run_id, outcome, rows, message)


def _stage(plan: Plan, sources: dict[tuple[str, str | None], Source], ledger: Ledger,
           findings: Findings | None, should_stop: Callable[[], bool],
           keep_raw: bool) -> Iterator[StageProgress | Staged]:  # fmt: skip
    from wizard.core import rawstore, recheck

    findings = findings or Findings()
    result = Staged(findings=findings)
    db = ledger.db
    changed = False
    keep = set()
    signed_before = _signature(db, plan)  # the staged set as the last finalize left it
    for splan in plan.sources:
        source = sources.get((splan.file, splan.options.sheet))
        if source is None or splan.entity is None:
            continue
        ent = ENTITIES[splan.entity]
        label = source.label
        fp = fingerprint(source, splan, plan)
        sheet = splan.options.sheet or ""
        row = file_row(db, splan)
        if row and row[1] == fp and row[2]:
            keep.add(row[0])
            _load_findings(db, row[0], findings)  # found when it was last read
            result.files.append(StagedFile(label, ent.name, row[4], row[5],
                                           _rejected(db, ent.name, row[0]), False))  # fmt: skip
            continue
        change = recheck.column_change(ledger, row, splan, source, plan)
        done: bool | None = None
        if change is not None:  # only some columns' mapping changed: those are checked again
            assert row is not None
            done = yield from recheck.recheck(ledger, plan, change, row[0], label, fp,
                                              findings.keep, should_stop)  # fmt: skip
            if done is False:
                return
            if done is None:  # its kept cells could not be read: the file is read instead
                rawstore.drop(ledger.path, row[0])
        if change is not None and done:
            changed = changed or change.needs_finalize
            keep.add(row[0])
            _load_findings(db, row[0], findings)
            touched = bool(change.fields or change.gone or change.added)
            result.files.append(StagedFile(label, ent.name, row[4], row[5],
                                           _rejected(db, ent.name, row[0]), touched,
                                           columns=change.columns))  # fmt: skip
            continue
        changed = True
        with ledger.transaction():
            if row:
                fid = row[0]
                old = ENTITIES[row[3]]
                db.execute(f"DELETE FROM {stage_table(old.name)} WHERE fid=?", (fid,))
                db.execute(f"DELETE FROM {outcome_table(old.name)} WHERE fid=?", (fid,))
                db.execute(
                    "UPDATE files SET label=?, entity=?, fingerprint=?, complete=0, "
                    "staged_at=?, staged_plan=NULL, data_sig=NULL WHERE fid=?",
                    (label, ent.name, fp, now(), fid),
                )
            else:
                fid = int(db.execute(
                    "INSERT INTO files(path, sheet, label, entity, fingerprint, staged_at) "
                    "VALUES (?,?,?,?,?,?)", (splan.file, sheet, label, ent.name, fp, now()),
                ).lastrowid or 0)  # fmt: skip
        keep.add(fid)
        found = Findings(keep=findings.keep)  # this file's, kept in the ledger too
        checker = Checker(plan, splan, label, found)  # links resolve in the ledger
        inserter = _Inserter(ledger, splan, fid)
        raw = rawstore.RawWriter(ledger.path, fid) if keep_raw else None
        start, done, read_all = time.perf_counter(), 0, False
        try:
            for frame in source.chunks():
                if raw is not None:
                    raw.write(frame)
                inserter.insert(frame, checker.check(frame))
                done += len(frame)
                yield StageProgress(label, done, done / max(time.perf_counter() - start, 1e-9))
                if should_stop():
                    return
            read_all = True
        finally:
            if raw is not None and not read_all:  # stopped or failed: no half store is left
                raw.abandon()
        inserter.insert_set_aside(source, label)
        rows_read = source.rows_read or 0
        findings.merge(found)
        kept_raw = raw is not None and raw.commit()
        with ledger.transaction():
            _save_findings(db, fid, found)
            db.execute(
                "UPDATE files SET rows_read=?, set_aside=?, complete=1, staged_plan=?, "
                "data_sig=? WHERE fid=?",
                (rows_read, len(source.set_aside),
                 json.dumps(splan.to_dict()) if kept_raw else None,
                 data_signature(source, splan, plan) if kept_raw else None, fid),
            )  # fmt: skip
        result.files.append(StagedFile(label, ent.name, rows_read, len(source.set_aside),
                                       inserter.rejected, True))  # fmt: skip
    # tables no longer in the plan leave the staging area (what they loaded stays loaded)
    gone = [fid for (fid,) in db.execute("SELECT fid FROM files WHERE fingerprint != ?",
                                           (DERIVED,)) if fid not in keep]  # fmt: skip
    if gone:
        changed = True
        with ledger.transaction():
            for fid in gone:
                (entity,) = db.execute("SELECT entity FROM files WHERE fid=?", (fid,)).fetchone()
                db.execute(f"DELETE FROM {stage_table(entity)} WHERE fid=?", (fid,))
                db.execute(f"DELETE FROM {outcome_table(entity)} WHERE fid=?", (fid,))
                db.execute("DELETE FROM files WHERE fid=?", (fid,))
                _save_findings(db, fid, None)
        for fid in gone:
            rawstore.drop(ledger.path, fid)
    signature = _signature(db, plan)
    if changed or ledger.meta("as_of") is None:
        with ledger.transaction():
            ledger.set_meta("as_of", date.today().isoformat())
    if not changed and signature != signed_before and ledger.meta("finalized") == signed_before:
        # only columns finalize never reads were checked again: the set is as finalized
        with ledger.transaction():
            ledger.set_meta("finalized", signature)
    if changed or ledger.meta("finalized") != signature:
        finalize(ledger, plan)
        with ledger.transaction():
            ledger.set_meta("finalized", signature)
    summarize(ledger, result, plan)
    yield result


def file_row(db, splan: SourcePlan) -> tuple | None:
    """A file's entry in the ledger: fid, fingerprint, complete, entity, rows_read, set_aside,
    staged_plan, data_sig."""
    return db.execute(
        "SELECT fid, fingerprint, complete, entity, rows_read, set_aside, staged_plan, "
        "data_sig FROM files WHERE path=? AND sheet=?",
        (splan.file, splan.options.sheet or ""),
    ).fetchone()


def _signature(db, plan: Plan) -> str:
    """What finalize's result depends on: the active rule, the derived parents and every
    staged file's fingerprint."""
    return hashlib.sha256(json.dumps(
        [plan.active_rule.to_dict(), plan.derived,
         sorted(db.execute("SELECT fid, fingerprint FROM files WHERE fingerprint != ?",
                           (DERIVED,)))]
    ).encode()).hexdigest()  # fmt: skip


def _rejected(db, entity: str, fid: int) -> int:
    return db.execute(f"SELECT COUNT(*) FROM {stage_table(entity)} WHERE fid=? AND reason IS "
                      "NOT NULL", (fid,)).fetchone()[0]  # fmt: skip


_FINDING_COLS = ("file", "row", "col", "value", "rule", "severity", "message", "fix", "entity",
                 "field")  # fmt: skip


def insert_findings(db, fid: int | None, items: list[Finding]) -> None:
    """Findings into the ledger: a file's (``fid``), or the cross-file ones (None)."""
    cols = ", ".join(_FINDING_COLS)
    values = [tuple(getattr(f, "column" if c == "col" else c) for c in _FINDING_COLS)
              for f in items]  # fmt: skip
    if fid is None:
        db.executemany(f"INSERT INTO cross_findings({cols}) VALUES "
                       f"({', '.join('?' * len(_FINDING_COLS))})", values)  # fmt: skip
    else:
        db.executemany(f"INSERT INTO findings(fid, {cols}) VALUES "
                       f"({', '.join('?' * (len(_FINDING_COLS) + 1))})",
                       [(fid, *v) for v in values])  # fmt: skip


def _save_findings(db, fid: int, found: Findings | None) -> None:
    """A file's findings replace the ones of its last check (None: the file left the plan)."""
    db.execute("DELETE FROM findings WHERE fid=?", (fid,))
    db.execute("DELETE FROM finding_counts WHERE fid=?", (fid,))
    if found is None:
        return
    insert_findings(db, fid, found.items)
    db.executemany("INSERT INTO finding_counts VALUES (?,?,?,?,?)",
                   [(fid, file, rule, sev, n) for (file, rule, sev), n in found.counts.items()])  # fmt: skip


def _load_findings(db, fid: int, into: Findings) -> None:
    """The findings of a file that was not read again, as its last check found them."""
    counts = {(file, rule, sev): n for file, rule, sev, n in db.execute(
        "SELECT file, rule, severity, n FROM finding_counts WHERE fid=?", (fid,))}  # fmt: skip
    items = [Finding(*values) for values in db.execute(
        f"SELECT {', '.join(_FINDING_COLS)} FROM findings WHERE fid=? ORDER BY rowid", (fid,))]  # fmt: skip
    into.restore(items, counts)


_KEY_INDEXES = {
    "owner": ("key", "k_email", "k_name"),
    "company": ("key", "k_domain", "k_name"),
    "contact": ("key", "k_email", "k_name"),
    "deal": ("key", "k_name"),
    "activity": ("key",),
}
_MATCH_COLUMN = {"source_id": "key", "email": "k_email", "domain": "k_domain", "name": "k_name"}
CLOSED_STAGES = ("Closed won", "Closed lost")
DUP_ORD = 1_000_000  # merged duplicates go after every record they could be merged into


def parent_key(field: str, alias: str = "") -> str:
    """SQL for the key of the record a reference points to: the id as written when it is
    matched by record id (no copy is stored), else the key finalize resolved."""
    a = f"{alias}." if alias else ""
    return f"(CASE WHEN {a}b_{field}='source_id' THEN {a}r_{field} ELSE {a}p_{field} END)"


def finalize(ledger: Ledger, plan: Plan) -> None:
    """Merges, links, the active rule, phases and load order, over the whole staged set."""
    db = ledger.db
    with ledger.transaction():
        fold(db)  # what re-checks wrote beside the rows: merges below read and write it
        for name, cols in _KEY_INDEXES.items():
            t = stage_table(name)
            for col in cols:
                # email, domain and name keys are often empty: index only the rows that have one
                where = f" WHERE {col} IS NOT NULL" if col != "key" else ""
                db.execute(f"CREATE INDEX IF NOT EXISTS {t}_{col} ON {t}({col}){where}")
            db.execute(f"CREATE INDEX IF NOT EXISTS {t}_fid ON {t}(fid, row)")
            # the few merged and rejected rows, found without reading every row
            db.execute(
                f"CREATE INDEX IF NOT EXISTS {t}_dup ON {t}(dup_of) WHERE dup_of IS NOT NULL"
            )
            db.execute(f"CREATE INDEX IF NOT EXISTS {t}_rejected ON {t}(fid) "
                       "WHERE reason IS NOT NULL")  # fmt: skip
        _derive_parents(db, plan)
        _ties_without_their_record(db, plan)
        scheme = ledger.meta("hash_scheme") or "1"
        for name in ENTITIES:
            _merge_duplicates(db, name)
            _enrich_survivors(db, name, scheme)
        for name in ENTITIES:
            _resolve_links(db, name)
        for name in ENTITIES:
            _settle_shared(db, name, _shared_pairs(plan, name))
        _active(db, plan, date.fromisoformat(ledger.meta("as_of") or date.today().isoformat()))
        _phases(db)
        for name in _KEY_INDEXES:
            # the rows each phase loads, in order: built once the phases are set, rather than
            # kept up to date while most rows move (0.5-0.8 s at 1.05M rows)
            t = stage_table(name)
            db.execute(f"CREATE INDEX IF NOT EXISTS {t}_todo ON {t}(phase, ord, sid)")
        ledger.set_meta("cross_token", uuid.uuid4().hex)  # the cross-file findings are stale


def _merge_duplicates(db, entity: str) -> None:
    t = stage_table(entity)
    db.execute(f"UPDATE {t} SET dup_of=NULL WHERE dup_of IS NOT NULL")
    # converted leads into the contact they became
    db.execute(
        f"UPDATE {t} SET dup_of=merge_key WHERE merge_key IS NOT NULL AND reason IS NULL AND "
        f"EXISTS (SELECT 1 FROM {t} o WHERE o.key={t}.merge_key AND o.reason IS NULL AND "
        f"o.sid != {t}.sid)"
    )
    kinds = ["key"] + [c for c in ("k_email", "k_domain")
                       if c in _KEY_INDEXES[entity]]  # fmt: skip
    # the same record id twice: one record
    first = (f"SELECT o.key FROM {t} o WHERE o.key={t}.key AND o.reason IS NULL AND "
             f"o.sid < {t}.sid ORDER BY o.sid LIMIT 1")  # fmt: skip
    shared = f"SELECT key FROM {t} GROUP BY key HAVING COUNT(*) > 1"
    db.execute(f"UPDATE {t} SET dup_of=({first}) WHERE key IN ({shared}) AND dup_of IS NULL AND "
               f"reason IS NULL AND EXISTS ({first})")  # fmt: skip
    # a shared email or domain merges a record without an id of its own into the first record
    # that has one (else into the first record); two records that carry different legacy ids
    # are never merged: validation reports them as possible duplicates
    for col in kinds[1:]:
        first = (f"SELECT o.key FROM {t} o WHERE o.{col}={t}.{col} AND o.reason IS NULL AND "
                 f"o.dup_of IS NULL AND o.sid != {t}.sid AND ({real_id('o.key')} OR "
                 f"o.sid < {t}.sid) ORDER BY {real_id('o.key')} DESC, o.sid LIMIT 1")  # fmt: skip
        shared = f"SELECT {col} FROM {t} WHERE {col} IS NOT NULL GROUP BY {col} HAVING COUNT(*) > 1"
        db.execute(
            f"UPDATE {t} SET dup_of=({first}) WHERE {col} IN ({shared}) AND dup_of IS NULL AND "
            f"reason IS NULL AND NOT {real_id(t + '.key')} AND EXISTS ({first})"
        )


DERIVED = "derived"  # the fingerprint of a file entry made from references, not read


def derived_sheet(spec: dict) -> str:
    return f"{spec.get('sheet') or ''}->{spec['field']}"


def derived_label(spec: dict, child_label: str) -> str:
    what = ENTITIES[spec["entity"]].label.split(" (")[0]
    return f"{what} named in {child_label} ({spec['column']})"


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big",
                          signed=True)  # fmt: skip


def _derive_parents(db, plan: Plan) -> None:
    """Parents no file holds, made from the references to them: one record per distinct
    value (a company per name in a contacts file's company column, an owner per email or name
    in an owner column, flagged to invite). Rows keep their keys from run to run, so what is
    loaded stays loaded; values no longer referenced leave the staging area."""
    wanted = set()
    for spec in plan.derived:
        child = db.execute("SELECT fid, label, entity FROM files WHERE path=? AND sheet=?",
                           (spec["file"], spec.get("sheet") or "")).fetchone()  # fmt: skip
        if child is None:
            continue
        cfid, clabel, centity = child
        if not ENTITIES[centity].has(spec["field"]):  # a plan made for another file's entity
            continue
        ent = ENTITIES[spec["entity"]]
        t, ct = stage_table(ent.name), stage_table(centity)
        sheet = derived_sheet(spec)
        wanted.add((spec["file"], sheet))
        label = derived_label(spec, clabel)
        row = db.execute("SELECT fid FROM files WHERE path=? AND sheet=?",
                         (spec["file"], sheet)).fetchone()  # fmt: skip
        if row is None:
            fid = db.execute(
                "INSERT INTO files(path, sheet, label, entity, fingerprint, staged_at, complete) "
                "VALUES (?,?,?,?,?,?,1)", (spec["file"], sheet, label, ent.name, DERIVED, now()),
            ).lastrowid  # fmt: skip
        else:
            fid = row[0]
        f, how = spec["field"], spec["match_by"]
        values = db.execute(
            f"SELECT r_{f}, MIN(v_{f}), MIN(row) FROM {ct} WHERE fid=? AND r_{f} IS NOT NULL "
            f"AND b_{f}=? GROUP BY r_{f}",
            (cfid, how),
        ).fetchall()
        have = {k for (k,) in db.execute(f"SELECT key FROM {t} WHERE fid=?", (fid,))}
        keys = {}
        for rkey, value, first_row in values:
            key = rkey if how == "source_id" else f"{how}:{rkey}"
            keys[key] = (rkey, value, first_row)
        gone = have - set(keys)
        if gone:
            db.executemany(f"DELETE FROM {t} WHERE fid=? AND key=?", [(fid, k) for k in gone])
        note = (f"Made from the {spec['column']} column of {clabel}: no file holds "
                f"{ent.label.split(' (')[0].lower()}.")  # fmt: skip
        if ent.name == "owner":
            note += " To invite: the new CRM needs each person's email to give them a login."
        for key, (rkey, value, first_row) in keys.items():
            if key in have:
                continue
            cols = {"key": key, "hash": _stable_hash(f"{key}\x1f{value}"), "row": first_row}
            if how == "name":
                cols["k_name"] = rkey
                cols["f_name" if ent.name in ("company", "deal") else "f_full_name"] = value
            elif how in ("email", "domain"):
                cols[f"k_{how}"] = rkey
                cols[f"f_{how}"] = value
                if ent.name == "company":
                    cols["f_name"] = value
            else:  # only an id is known
                cols["f_name" if ent.name in ("company", "deal") else "f_full_name"] = (
                    f"{ent.name.capitalize()} {value}")  # fmt: skip
            db.execute(
                f"INSERT INTO {t} (fid, phase, note, vr, vk, {', '.join(cols)}) VALUES "
                f"(?, ?, ?, 0, 0, {', '.join('?' * len(cols))})",
                (fid, HOME[ent.name], note, *cols.values()),
            )
        count = db.execute(f"SELECT COUNT(*) FROM {t} WHERE fid=?", (fid,)).fetchone()[0]
        db.execute("UPDATE files SET rows_read=?, set_aside=0, label=? WHERE fid=?",
                   (count, label, fid))  # fmt: skip
    for fid, path, sheet, entity in db.execute(
        "SELECT fid, path, sheet, entity FROM files WHERE fingerprint=?", (DERIVED,)
    ).fetchall():
        if (path, sheet) not in wanted:
            db.execute(f"DELETE FROM {stage_table(entity)} WHERE fid=?", (fid,))
            db.execute(f"DELETE FROM {outcome_table(entity)} WHERE fid=?", (fid,))
            db.execute("DELETE FROM files WHERE fid=?", (fid,))


_TIE = "Not loaded: the {what} it adds to ('{{}}') is not in your files, and this file only ties records together."


def _ties_without_their_record(db, plan: Plan) -> None:
    """A row of a file that only ties records together (``merge_into`` with "required") whose
    record no file holds cannot exist on its own: rejected, with the reason."""
    for splan in plan.sources:
        if not (splan.merge_into and splan.merge_into.get("required") and splan.entity):
            continue
        found = db.execute("SELECT fid FROM files WHERE path=? AND sheet=?",
                           (splan.file, splan.options.sheet or "")).fetchone()  # fmt: skip
        if found is None:
            continue
        t = stage_table(splan.entity)
        what = ENTITIES[splan.entity].record
        text = _TIE.format(what=what)
        marker = text.split("(")[0] + "%"
        db.execute(f"UPDATE {t} SET reason=NULL WHERE fid=? AND reason LIKE ?", (found[0], marker))
        rows = db.execute(
            f"SELECT sid, merge_key FROM {t} s WHERE fid=? AND reason IS NULL AND (merge_key IS "
            f"NULL OR NOT EXISTS (SELECT 1 FROM {t} o WHERE o.key=s.merge_key AND o.fid != s.fid))",
            (found[0],),
        ).fetchall()
        db.executemany(f"UPDATE {t} SET reason=? WHERE sid=?",
                       [(text.format(key or ""), sid) for sid, key in rows])  # fmt: skip


def _mix(value: int) -> int:
    """A 64-bit hash mixed (splitmix64's finalizer): with scheme 2 a row's hash is an XOR of
    its values' parts, so XOR-ing a duplicate's hash into the survivor's as it is would cancel
    a change both share (the same title moved to a custom field on both rows would look like
    no change at all)."""
    z = value & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return z - (1 << 64) if z >= 1 << 63 else z


def _enrich_survivors(db, entity: str, scheme: str = HASH_SCHEME) -> None:
    """A record that duplicates another is merged into it, and so are its values: a field the
    survivor leaves empty is filled; a value that differs is kept beside the field, as
    ``<field>_merged`` (so nothing a duplicate held is lost). Idempotent: finalize runs again
    whenever the staged data changes."""
    t = stage_table(entity)
    names = value_fields(ENTITIES[entity])
    cols = ", ".join(f"f_{n}" for n in names)
    db.execute(f"UPDATE {t} SET mhash=NULL WHERE mhash IS NOT NULL")
    # a link the survivor lacks comes from its first duplicate that has it (a file that ties
    # deals to contacts gives each deal its first contact; every one is an association)
    for f in ref_fields(ENTITIES[entity]):
        first = (f"(SELECT d.{{c}} FROM {t} d WHERE d.dup_of={t}.key AND d.reason IS NULL AND "
                 f"d.r_{f} IS NOT NULL ORDER BY d.sid LIMIT 1)")  # fmt: skip
        db.execute(
            f"UPDATE {t} SET r_{f}={first.format(c=f'r_{f}')}, b_{f}={first.format(c=f'b_{f}')}, "
            f"v_{f}={first.format(c=f'v_{f}')} WHERE r_{f} IS NULL AND dup_of IS NULL AND "
            f"reason IS NULL AND key IN (SELECT dup_of FROM {t} WHERE dup_of IS NOT NULL AND "
            f"r_{f} IS NOT NULL)"
        )
    survivors = db.execute(
        f"SELECT DISTINCT dup_of FROM {t} WHERE dup_of IS NOT NULL AND reason IS NULL"
    ).fetchall()
    for (key,) in survivors:
        found = db.execute(
            f"SELECT sid, {cols}, properties FROM {t} WHERE key=? AND dup_of IS NULL AND "
            "reason IS NULL ORDER BY sid LIMIT 1",
            (key,),
        ).fetchone()
        if found is None:
            continue
        sid, values, props = found[0], list(found[1:-1]), json.loads(found[-1] or "{}")
        added: dict[str, set[str]] = {}
        mhash = 0
        for dup in db.execute(
            f"SELECT hash, {cols}, properties FROM {t} WHERE dup_of=? AND reason IS NULL "
            "ORDER BY sid",
            (key,),
        ):
            mhash ^= dup[0] if scheme == "1" else _mix(dup[0])
            for i, value in enumerate(dup[1:-1]):
                if value in (None, ""):
                    continue
                if values[i] in (None, ""):
                    values[i] = value
                elif value != values[i]:
                    added.setdefault(f"{names[i]}_merged", set()).add(value)
            for k, v in json.loads(dup[-1] or "{}").items():
                if v in (None, ""):
                    continue
                if props.get(k) in (None, ""):
                    props[k] = v
                elif props[k] != v:
                    added.setdefault(f"{k}_merged", set()).add(str(v))
        for k, vs in added.items():
            props[k] = " | ".join(sorted(vs))
        db.execute(
            f"UPDATE {t} SET {', '.join(f'f_{n}=?' for n in names)}, properties=?, mhash=? "
            "WHERE sid=?",
            (*values, json.dumps(props, ensure_ascii=False), mhash, sid),
        )


def real_id(column: str) -> str:
    """SQL: the key is a record id from the file (not an email, domain or row stand-in)."""
    return (f"({column} NOT LIKE 'email:%' AND {column} NOT LIKE 'domain:%' AND "
            f"{column} NOT LIKE 'row:%' AND {column} NOT LIKE 'name:%')")  # fmt: skip


def _resolve_links(db, entity: str) -> None:
    t = stage_table(entity)
    refs = ENTITIES[entity].references
    if not refs:
        return
    # every link's resolved key forgotten, and the kinds of match each link uses, in one pass
    # over the rows each (a pass per link cost 0.35-0.45 s per link at 2M activities)
    db.execute(f"UPDATE {t} SET {', '.join(f'p_{f.name}=NULL' for f in refs)} WHERE "
               + " OR ".join(f"p_{f.name} IS NOT NULL" for f in refs))  # fmt: skip
    by_link: list[set[str]] = [set() for _ in refs]
    for row in db.execute(f"SELECT DISTINCT {', '.join(f'b_{f.name}' for f in refs)} FROM {t}"):
        for kinds, kind in zip(by_link, row, strict=True):
            if kind is not None:
                kinds.add(kind)
    for f, kinds in zip(refs, by_link, strict=True):
        parent = stage_table(f.ref or "")
        for kind in sorted(kinds):
            col = _MATCH_COLUMN.get(kind)
            if col is None or col not in _KEY_INDEXES[f.ref or ""]:
                continue
            if col == "key":  # by record id: parent_key() reads r_ itself, nothing to store
                continue
            # prefer a loadable parent; a rejected one still tells the orphan's reason. A name
            # (or email, or domain) that two different records share links to neither: which
            # one was meant cannot be told, so the value stays as written and is flagged
            db.execute(
                f"UPDATE {t} SET p_{f.name}=(SELECT o.key FROM {parent} o WHERE "
                f"o.{col}={t}.r_{f.name} ORDER BY o.reason IS NOT NULL, o.sid LIMIT 1) "
                f"WHERE r_{f.name} IS NOT NULL AND b_{f.name}=? AND (SELECT COUNT(DISTINCT "
                f"COALESCE(o.dup_of, o.key)) FROM {parent} o WHERE o.{col}={t}.r_{f.name} AND "
                "o.reason IS NULL) <= 1",
                (kind,),
            )


def found_sql(entity: str, name: str, alias: str = "") -> str:
    """SQL: the row's reference ``name`` points to a record the files hold (matched by record
    id: the id is among the parent's keys; otherwise finalize resolved it). One definition for
    staging, the summary and fidelity."""
    a = f"{alias}." if alias else ""
    parent = stage_table(ENTITIES[entity].field(name).ref or "")
    return (f"(CASE WHEN {a}b_{name}='source_id' THEN {a}r_{name} IN (SELECT key FROM {parent}) "
            f"ELSE {a}p_{name} IS NOT NULL END)")  # fmt: skip


def _shared_pairs(plan: Plan, entity: str) -> set[tuple[str, str]]:
    """The pairs of this entity's links that some file fills from the same column."""
    refs = {f.name for f in ENTITIES[entity].references}
    pairs: set[tuple[str, str]] = set()
    for splan in plan.sources:
        if splan.entity != entity:
            continue
        by_column: dict[str, list[str]] = {}
        for fm in splan.fields:
            if fm.field in refs:
                for col in fm.columns:
                    by_column.setdefault(col, []).append(fm.field)
        for fields in by_column.values():
            pairs |= {(f, g) for f in fields for g in fields if f != g}
    return pairs


def _settle_shared(db, entity: str, pairs: set[tuple[str, str]]) -> None:
    """One column feeding several links (a polymorphic 'regarding' id): each value belongs to
    the link whose records hold it; the others forget it instead of calling it an orphan.
    Only the pairs of links some file fills from one column can share a value: each pair is a
    pass over the table, so the others are not looked at."""
    t = stage_table(entity)
    refs = [f.name for f in ENTITIES[entity].references]
    for f in refs:
        for g in refs:
            if f == g or (f, g) not in pairs:
                continue
            db.execute(
                f"UPDATE {t} SET r_{f}=NULL, v_{f}=NULL, b_{f}=NULL, p_{f}=NULL WHERE "
                f"r_{f} IS NOT NULL AND v_{f} = v_{g} AND NOT {found_sql(entity, f)} AND "
                f"{found_sql(entity, g)}"
            )


def _active(db, plan: Plan, as_of: date) -> None:
    rule = plan.active_rule
    c = stage_table("contact")
    # each rule marks only who is not active yet: a row rewritten costs its whole width
    db.execute(f"UPDATE {c} SET active=0 WHERE active != 0")
    if rule.lifecycle:
        marks = ",".join("?" * len(rule.lifecycle))
        db.execute(f"UPDATE {c} SET active=1 WHERE f_lifecycle_stage IN ({marks})",
                   rule.lifecycle)  # fmt: skip
    if rule.lead_status:
        marks = ",".join("?" * len(rule.lead_status))
        db.execute(f"UPDATE {c} SET active=1 WHERE active=0 AND f_lead_status IN "
                   f"({marks})", rule.lead_status)  # fmt: skip
    if rule.recent_days:
        cutoff = (as_of - timedelta(days=rule.recent_days)).isoformat()
        db.execute(f"UPDATE {c} SET active=1 WHERE active=0 AND "
                   "substr(f_last_activity_at, 1, 10) >= ?", (cutoff,))  # fmt: skip
        db.execute(
            f"UPDATE {c} SET active=1 WHERE active=0 AND key IN (SELECT "
            f"{parent_key('contact')} FROM stage_activity WHERE r_contact IS NOT NULL AND "
            "reason IS NULL AND substr(f_occurred_at, 1, 10) >= ?)",
            (cutoff,),
        )
    if rule.open_deal:
        marks = ",".join("?" * len(CLOSED_STAGES))
        # a row merged into a deal (a contact role) is as open as that deal
        db.execute(
            f"UPDATE {c} SET active=1 WHERE active=0 AND key IN (SELECT "
            f"{parent_key('contact', 'd')} FROM stage_deal d LEFT JOIN stage_deal s ON "
            "s.key=d.dup_of AND s.dup_of IS NULL AND s.reason IS NULL WHERE d.r_contact IS NOT "
            "NULL AND d.reason IS NULL AND "
            "COALESCE(s.f_is_closed, d.f_is_closed, '0') != '1' AND COALESCE(s.f_stage, "
            f"d.f_stage, '') NOT IN ({marks}))",
            CLOSED_STAGES,
        )
    if rule.open_deal and rule.via_company:
        marks = ",".join("?" * len(CLOSED_STAGES))
        company = parent_key("company")
        db.execute(
            f"UPDATE {c} SET active=1 WHERE active=0 AND r_company IS NOT NULL AND {company} IN "
            f"(SELECT {company} FROM stage_deal WHERE r_contact IS NULL AND r_company IS NOT "
            "NULL AND reason IS NULL AND COALESCE(f_is_closed, '0') != '1' AND "
            f"COALESCE(f_stage, '') NOT IN ({marks}))",
            CLOSED_STAGES,
        )
    # a person is active or not as a whole: duplicates and converted leads follow
    for _ in range(2):
        db.execute(f"UPDATE {c} SET active=1 WHERE active=0 AND dup_of IN "
                   f"(SELECT key FROM {c} WHERE active=1)")  # fmt: skip
        db.execute(f"UPDATE {c} SET active=1 WHERE active=0 AND key IN "
                   f"(SELECT dup_of FROM {c} WHERE active=1 AND dup_of IS NOT NULL)")  # fmt: skip


def _phases(db) -> None:
    """Rows were staged in their entity's own phase; move what the active rule holds back
    (and back again when the rule or the data changed), and set the load order."""
    c, d = stage_table("contact"), stage_table("deal")
    active = f"SELECT key FROM {c} WHERE active=1"
    contact, deal = parent_key("contact"), parent_key("deal")
    # each row is held back with active contacts or not (a link to nothing: not), and moves
    # only when that differs from its phase: one pass over the rows, each rule read once
    for entity, held in (
        ("contact", "active=1"),
        ("deal", f"{contact} IN ({active})"),
        ("activity",
         f"{contact} IN ({active}) OR {deal} IN (SELECT key FROM {d} WHERE phase='active')"),
    ):  # fmt: skip
        db.execute(f"UPDATE {stage_table(entity)} SET phase=CASE WHEN phase='active' THEN "
                   f"'{HOME[entity]}' ELSE 'active' END WHERE (phase='active') != "
                   f"COALESCE({held}, 0)")  # fmt: skip
    for name in ENTITIES:  # a merged row loads in the phase of the record it is merged into
        t = stage_table(name)
        db.execute(f"UPDATE {t} SET phase=(SELECT o.phase FROM {t} o WHERE o.key={t}.dup_of AND "
                   f"o.dup_of IS NULL ORDER BY o.sid LIMIT 1) WHERE dup_of IS NOT NULL AND EXISTS "
                   f"(SELECT 1 FROM {t} o WHERE o.key={t}.dup_of AND o.dup_of IS NULL)")  # fmt: skip
    for name in ENTITIES:
        db.execute(f"UPDATE {stage_table(name)} SET ord=0 WHERE ord != 0")
    # parents before children: each company one level below the company it belongs to, however
    # deep the chain (a chain cannot be longer than there are companies: beyond, it is a loop)
    companies = db.execute("SELECT COUNT(*) FROM stage_company").fetchone()[0]
    for level in range(companies):
        moved = db.execute(
            f"UPDATE stage_company SET ord=? WHERE {parent_key('parent_company')} IN "
            f"(SELECT key FROM stage_company WHERE ord=?) AND {parent_key('parent_company')} != key",
            (level + 1, level),
        ).rowcount
        if not moved:
            break
    for name in ENTITIES:
        db.execute(f"UPDATE {stage_table(name)} SET ord=? WHERE dup_of IS NOT NULL", (DUP_ORD,))


def _cross(ledger: Ledger, plan: Plan, keep: int | None) -> tuple[Findings, dict]:
    """The cross-file findings (:mod:`crosscheck`) and the counts of the set: worked out after
    each finalize, and kept in the ledger until the staged set or what the findings name of
    the plan changes (a re-check of columns finalize never reads leaves them as they are)."""
    from wizard.core.crosscheck import cross_findings

    db = ledger.db
    named = [[s.file, s.options.sheet, s.entity,
              [(fm.field, fm.columns) for fm in s.fields if s.entity
               and ENTITIES[s.entity].has(fm.field)
               and ENTITIES[s.entity].field(fm.field).type == FieldType.REFERENCE]]
             for s in plan.sources]  # fmt: skip
    token = ledger.meta("cross_token")
    sig = hashlib.sha256(json.dumps([token, keep, named, sorted(plan.orphan_policy.items())])
                         .encode()).hexdigest()  # fmt: skip
    cached = json.loads(ledger.meta("cross_cache") or "{}")
    if token is not None and cached.get("sig") == sig and "summary" in cached:
        found = Findings(keep=keep)
        items = [Finding(*values) for values in db.execute(
            f"SELECT {', '.join(_FINDING_COLS)} FROM cross_findings ORDER BY rowid")]  # fmt: skip
        found.restore(items, {tuple(k): n for k, n in cached["counts"]})
        return found, cached["summary"]
    counted: Counter[str] = Counter()
    found = cross_findings(ledger, plan, keep, counted)
    summary = _counts(db, counted)
    if not ledger.read_only and token is not None:
        with ledger.transaction():
            db.execute("DELETE FROM cross_findings")
            insert_findings(db, None, found.items)
            ledger.set_meta("cross_cache", json.dumps(
                {"sig": sig, "counts": [[list(k), n] for k, n in found.counts.items()],
                 "summary": summary}))  # fmt: skip
    return found, summary


def _counts(db, counted: Counter[str] | None) -> dict:
    """Links and orphans per relation, merged rows per entity, active contacts; ``counted``:
    the orphan rows the findings' scan found (then every link is not looked up again)."""
    links: dict[str, int] = {}
    orphans: dict[str, int | None] = {}
    duplicates: dict[str, int] = {}
    for name, ent in ENTITIES.items():
        t = stage_table(name)
        filled: tuple = ()
        if counted is not None and ent.references:  # every link's rows, in one pass
            filled = db.execute("SELECT " + ", ".join(
                f"COALESCE(SUM(r_{f.name} IS NOT NULL), 0)" for f in ent.references
            ) + f" FROM {t}").fetchone()  # fmt: skip
        for i, f in enumerate(ent.references):
            if counted is not None:  # the findings' scan looked every link up already
                written = filled[i]
                linked = written - counted[f"{name}.{f.name}"]
            else:  # the look-up once per row (an inner query's expression is copied where used)
                linked, written = db.execute(
                    f"SELECT SUM({found_sql(name, f.name)}), COUNT(*) FROM {t} "
                    f"WHERE r_{f.name} IS NOT NULL"
                ).fetchone()
            lost = written - (linked or 0) if written else None
            if linked or lost:
                links[f"{name}.{f.name}"] = linked
                orphans[f"{name}.{f.name}"] = lost
        dups = db.execute(f"SELECT COUNT(*) FROM {t} WHERE dup_of IS NOT NULL").fetchone()[0]
        if dups:
            duplicates[name] = dups
    active = db.execute(
        "SELECT COUNT(*) FROM stage_contact WHERE active=1 AND reason IS NULL").fetchone()[0]  # fmt: skip
    return {"links": links, "orphans": orphans, "duplicates": duplicates, "active": active}


def summarize(ledger: Ledger, result: Staged, plan: Plan | None = None) -> None:
    """Links, orphans, merges and active contacts as the staged data stands; with the plan,
    the findings only the whole set can tell (orphans, merges: :mod:`crosscheck`) join the
    result's findings."""
    if plan is not None and result.findings is not None:
        found, summary = _cross(ledger, plan, result.findings.keep)
        result.findings.merge(found)
    else:
        summary = _counts(ledger.db, None)
    result.links.update(summary["links"])
    result.orphans.update(summary["orphans"])
    result.duplicates.update(summary["duplicates"])
    result.active_contacts = summary["active"]
    result.as_of = ledger.meta("as_of") or ""
