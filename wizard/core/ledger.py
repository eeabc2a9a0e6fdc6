"""The ledger: the project's local record of truth (SQLite in the project folder).

- ``files``: every staged source table, with its fingerprint and row count;
- ``stage_<entity>``: every source row, mapped and checked, with its canonical key, content
  hash, the keys its references resolved to, and the phase it belongs to;
- ``recheck_<entity>``: what a re-check by column (:mod:`recheck`) wrote of those rows, beside
  them: their text fields, custom fields, hash and values kept, read in their place (see
  :class:`Rechecked`) until finalize writes them into the rows;
- ``crosswalk``: (entity, source id) -> target id, for resolving references, resume, delta and
  undo; merged duplicates appear as aliases of the record they were merged into;
- ``outcome_<entity>``: each staged row's outcome (loaded, updated, unchanged, rejected with a
  reason, merged), by its sid, and the phase that decided it; rows of a later phase count as
  deferred until then. One narrow table per entity keyed by the row's sid (a look-up by sid
  cost 5-7x less than in one table keyed by entity and sid); the view ``outcomes`` reads them
  all, with their entity, for reads that span entities;
- ``inflight``: records sent to the target in the batch in flight (a crash between the target's
  commit and the ledger's cannot lose track of them);
- ``phases`` and ``runs``: phase states and the journal of every run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from wizard.core.blueprint import ENTITIES, LOAD_ORDER, Entity, FieldType
from wizard.core.dbfile import connect, connect_read_only
from wizard.core.errors import CutoverError

# 2: per-row counts of the values read and kept (fidelity); 3: each file's findings are kept
# (a check that reads only the files that changed still shows every file's findings); 4: each
# file's plan as staged (a re-check of the columns a mapping change touched), a content hash
# that changes column by column, and the cross-file findings kept with the staged set's state;
# 5: a re-check's values kept beside the staged rows (``recheck_<entity>``), which an older
# Cutover Wizard would not read; 6: the outcomes in one table per entity (``outcome_<entity>``),
# ``outcomes`` a view of them
LEDGER_VERSION = 6
# the content hash: 1 (ledgers staged before version 4) hashes a row's values as a whole; 2
# combines one hash per value (XOR), so a re-check can change one column's part of it
HASH_SCHEME = "2"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def value_fields(ent: Entity) -> list[str]:
    """Blueprint fields staged as values (everything but the source id and references)."""
    return [f.name for f in ent.fields
            if f.name != "source_id" and f.type != FieldType.REFERENCE]  # fmt: skip


def ref_fields(ent: Entity) -> list[str]:
    return [f.name for f in ent.references]


def stage_table(entity: str) -> str:
    return f"stage_{entity}"


def recheck_table(entity: str) -> str:
    return f"recheck_{entity}"


def outcome_table(entity: str) -> str:
    return f"outcome_{entity}"


# an outcome's columns, in the order of ``outcome_<entity>`` (the view puts ``entity`` first)
OUTCOME_COLUMNS = ("sid", "fid", "phase", "outcome", "reason", "target_id", "linked", "note",
                   "run_id")  # fmt: skip


def _outcome_sql(entity: str) -> str:
    return (f"CREATE TABLE IF NOT EXISTS {outcome_table(entity)} (sid INTEGER PRIMARY KEY, "
            "fid INTEGER NOT NULL, phase TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, "
            "target_id, linked INTEGER NOT NULL DEFAULT 0, note TEXT, run_id INTEGER)")  # fmt: skip


def _outcomes_view() -> str:
    cols = ", ".join(OUTCOME_COLUMNS)
    return "CREATE VIEW outcomes AS " + " UNION ALL ".join(
        f"SELECT '{name}' AS entity, {cols} FROM {outcome_table(name)}" for name in LOAD_ORDER
    )


def _outcome_tables(db: sqlite3.Connection) -> None:
    """One outcome table per entity and the ``outcomes`` view of them. A ledger before
    version 6 kept them in one table ``outcomes``: its rows move to their entity's table."""
    for name in LOAD_ORDER:
        db.execute(_outcome_sql(name))
    kind = db.execute("SELECT type, sql FROM sqlite_master WHERE name='outcomes'").fetchone()
    if kind is not None and kind[0] == "table":
        cols = ", ".join(OUTCOME_COLUMNS)
        for name in LOAD_ORDER:
            db.execute(f"INSERT OR REPLACE INTO {outcome_table(name)} ({cols}) SELECT {cols} "
                       "FROM outcomes WHERE entity=? ORDER BY sid", (name,))  # fmt: skip
        db.execute("DROP TABLE outcomes")  # its index goes with it
        kind = None
    if kind is None or kind[1] != _outcomes_view():
        db.execute("DROP VIEW IF EXISTS outcomes")
        db.execute(_outcomes_view())


def recheck_fields(ent: Entity) -> list[str]:
    """The fields a re-check by column may write beside the staged rows: plain text ones that
    need no value (:func:`recheck._local` narrows it further)."""
    values = set(value_fields(ent))
    return [f.name for f in ent.fields
            if f.name in values and f.type == FieldType.TEXT and not f.required]  # fmt: skip


class Rechecked:
    """Reads of the staged rows of an entity (``FROM stage_<entity> <alias> {join}``) with what
    a re-check wrote beside them (``recheck_<entity>``) taking their place.

    A re-check of one column on a million rows rewrote the 48-column rows in 3-5 s, and 0.9 s
    into a narrow table. So its values go to ``recheck_<entity>``: one row per re-checked row
    (sid), holding its hash, values kept, custom fields (``properties``) and the text fields
    the re-checks changed; a field's cell is NULL when no re-check changed it (the staged row's
    value stands) and '' when the re-check left it empty. Finalize writes them into the staged
    rows (:func:`fold`) before it reads or changes them; a deleted row's go with it (trigger).
    """

    def __init__(self, entity: str, alias: str = "s", other: str = "rc",
                 db: sqlite3.Connection | None = None) -> None:  # fmt: skip
        """``db``: when given and no re-check wrote beside the rows, the reads are the rows'
        own (no join): for SQL run before anything can stage again."""
        self.entity, self.alias, self.other = entity, alias, other
        self.fields = {f"f_{n}" for n in recheck_fields(ENTITIES[entity])}
        self.none = db is not None and db.execute(
            f"SELECT 1 FROM {recheck_table(entity)} LIMIT 1").fetchone() is None  # fmt: skip
        self.join = "" if self.none else (f"LEFT JOIN {recheck_table(entity)} {other} ON "
                                          f"{other}.sid = {alias}.sid")  # fmt: skip

    def col(self, name: str) -> str:
        """SQL for the staged row's column ``name`` as the last re-check left it."""
        a, o = self.alias, self.other
        if self.none:
            return f"{a}.{name}"
        if name in ("hash", "vk", "properties"):
            return f"COALESCE({o}.{name}, {a}.{name})"
        if name in self.fields:
            return f"CASE WHEN {o}.{name} IS NULL THEN {a}.{name} ELSE NULLIF({o}.{name}, '') END"
        return f"{a}.{name}"


def staged_rows_sql(db: sqlite3.Connection, entity: str) -> str:
    """``SELECT`` of every column of the staged rows of an entity, as a re-check left them
    (under their own names; append a ``WHERE`` on ``s.``)."""
    rc = Rechecked(entity, db=db)
    cols = [r[1] for r in db.execute(f"PRAGMA table_info({stage_table(entity)})")]
    return (f"SELECT {', '.join(f'{rc.col(c)} AS {c}' for c in cols)} FROM "
            f"{stage_table(entity)} s {rc.join}")  # fmt: skip


def _recheck_columns(ent: Entity) -> str:
    return ", ".join(["sid INTEGER PRIMARY KEY", "hash INTEGER NOT NULL", "vk INTEGER",
                      "properties TEXT NOT NULL",
                      *(f"f_{n} TEXT" for n in recheck_fields(ent))])  # fmt: skip


def _recheck_sql(ent: Entity) -> list[str]:
    t, r = stage_table(ent.name), recheck_table(ent.name)
    return [f"CREATE TABLE IF NOT EXISTS {r} ({_recheck_columns(ent)})",
            # a staged row deleted (its file read again, its record gone from a fresh export)
            # takes what a re-check wrote of it along: a row staged later may get its sid
            f"CREATE TRIGGER IF NOT EXISTS {r}_gone AFTER DELETE ON {t} BEGIN "
            f"DELETE FROM {r} WHERE sid = old.sid; END"]  # fmt: skip


def fold(db: sqlite3.Connection) -> None:
    """What re-checks wrote beside the staged rows goes into them (finalize, and a re-check
    that merges or re-keys rows, read and write the rows themselves). In the caller's
    transaction."""
    for name in LOAD_ORDER:
        r = recheck_table(name)
        if db.execute(f"SELECT 1 FROM {r} LIMIT 1").fetchone() is None:
            continue
        t = stage_table(name)
        rc = Rechecked(name, alias=t, other="rc")
        sets = [f"{c}={rc.col(c)}" for c in ("hash", "vk", "properties", *sorted(rc.fields))]
        db.execute(f"UPDATE {t} SET {', '.join(sets)} FROM {r} rc WHERE rc.sid = {t}.sid")
        db.execute(f"DELETE FROM {r}")


def _stage_sql(ent: Entity) -> str:
    cols = [
        "sid INTEGER PRIMARY KEY",
        "fid INTEGER NOT NULL",
        "row INTEGER NOT NULL",
        "key TEXT NOT NULL",  # canonical source id (or a natural key when there is none)
        "hash INTEGER NOT NULL",  # content hash, for delta loads
        "reason TEXT",  # why the row cannot load (validation), NULL when it can
        "raw TEXT",  # the original row (JSON) of rows rejected by validation
        "note TEXT",  # what validation left out to load the row (an invalid email...)
        "merge_key TEXT",  # the record this row was converted into (leads)
        "dup_of TEXT",  # the key of the record this row is merged into
        "k_email TEXT",
        "k_domain TEXT",
        "k_name TEXT",
        *(f"f_{name} TEXT" for name in value_fields(ent)),
        "properties TEXT NOT NULL DEFAULT '{}'",
    ]
    for name in ref_fields(ent):
        # r_: the key as written, b_: matched by, v_: the value as written, p_: resolved parent
        cols += [f"r_{name} TEXT", f"b_{name} TEXT", f"v_{name} TEXT", f"p_{name} TEXT"]
    cols += ["active INTEGER NOT NULL DEFAULT 0", "phase TEXT", "ord INTEGER NOT NULL DEFAULT 0"]
    cols += _FIDELITY_COLUMNS
    return f"CREATE TABLE IF NOT EXISTS {stage_table(ent.name)} ({', '.join(cols)})"


# vr, vk: the row's non-empty source cells, and how many of them the staged record keeps (in a
# field, beside it as written, in a custom field or as a link; NULL: staged before they were
# counted); mhash: the hash of what its merged duplicates added to it
_FIDELITY_COLUMNS = ["vr INTEGER", "vk INTEGER", "mhash INTEGER"]


def _upgrade(db: sqlite3.Connection) -> None:
    """Ledgers of version 1 get the fidelity columns (their rows count as not yet counted);
    ledgers before version 3 kept no findings: their files are read and checked again at the
    next check (what was loaded stays loaded)."""
    version = int(db.execute("SELECT value FROM meta WHERE key='ledger_version'").fetchone()[0])
    if version < 3:
        db.execute("UPDATE files SET fingerprint='' WHERE fingerprint != 'derived'")
    have = {r[1] for r in db.execute("PRAGMA table_info(files)")}
    for col in ("staged_plan TEXT", "data_sig TEXT"):
        if col.split()[0] not in have:
            db.execute(f"ALTER TABLE files ADD COLUMN {col}")
    if (
        version < 4
        and db.execute("SELECT value FROM meta WHERE key='hash_scheme'").fetchone() is None
    ):
        # what was loaded keeps its hashes (records loaded stay unchanged); a ledger that
        # loaded nothing yet reads its files again once and hashes by value from then on
        loaded = db.execute("SELECT 1 FROM crosswalk LIMIT 1").fetchone() is not None
        if not loaded:  # (rows hashed the old way are never re-checked column by column)
            db.execute("UPDATE files SET fingerprint='', staged_plan=NULL, data_sig=NULL "
                       "WHERE fingerprint != 'derived'")  # fmt: skip
        db.execute("INSERT INTO meta VALUES ('hash_scheme', ?)", ("1" if loaded else HASH_SCHEME,))
    for name in LOAD_ORDER:
        t = stage_table(name)
        have = {r[1] for r in db.execute(f"PRAGMA table_info({t})")}
        for col in _FIDELITY_COLUMNS:
            if col.split()[0] not in have:
                db.execute(f"ALTER TABLE {t} ADD COLUMN {col}")


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (
  fid INTEGER PRIMARY KEY, path TEXT NOT NULL, sheet TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL, entity TEXT NOT NULL, fingerprint TEXT NOT NULL,
  rows_read INTEGER, set_aside INTEGER, staged_at TEXT, complete INTEGER NOT NULL DEFAULT 0,
  staged_plan TEXT, data_sig TEXT, UNIQUE (path, sheet)
);
CREATE TABLE IF NOT EXISTS crosswalk (
  entity TEXT NOT NULL, source_id TEXT NOT NULL, target_id NOT NULL, hash INTEGER,
  phase TEXT NOT NULL, created INTEGER NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (entity, source_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inflight (
  entity TEXT NOT NULL, source_id TEXT NOT NULL, phase TEXT NOT NULL,
  PRIMARY KEY (entity, source_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS phases (
  name TEXT PRIMARY KEY, state TEXT NOT NULL, started_at TEXT, finished_at TEXT,
  seconds REAL NOT NULL DEFAULT 0, summary TEXT
);
CREATE TABLE IF NOT EXISTS findings (
  fid INTEGER NOT NULL, file TEXT NOT NULL, row INTEGER, col TEXT, value TEXT, rule TEXT NOT NULL,
  severity TEXT NOT NULL, message TEXT NOT NULL, fix TEXT, entity TEXT, field TEXT
);
CREATE INDEX IF NOT EXISTS findings_fid ON findings(fid);
CREATE TABLE IF NOT EXISTS finding_counts (
  fid INTEGER NOT NULL, file TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL,
  n INTEGER NOT NULL, PRIMARY KEY (fid, rule, severity)
);
CREATE TABLE IF NOT EXISTS cross_findings (
  file TEXT NOT NULL, row INTEGER, col TEXT, value TEXT, rule TEXT NOT NULL,
  severity TEXT NOT NULL, message TEXT NOT NULL, fix TEXT, entity TEXT, field TEXT
);
CREATE TABLE IF NOT EXISTS runs (
  run_id INTEGER PRIMARY KEY, action TEXT NOT NULL, phase TEXT, target TEXT,
  started_at TEXT NOT NULL, ended_at TEXT, outcome TEXT, rows INTEGER, message TEXT
);
"""


class Ledger:
    """One SQLite file; one connection; explicit transactions (one per batch)."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        try:
            self.db = connect_read_only(self.path) if read_only else connect(self.path, 32)
            version = self.meta("ledger_version")
            if version is not None and int(version) > LEDGER_VERSION:
                raise CutoverError(
                    "This project was written by a newer Cutover Wizard.",
                    "Update Cutover Wizard to open it.",
                    path=str(self.path),
                )
            if read_only:  # version 3 only keeps findings: a version 2 ledger reads the same
                # a ledger of version 4 or before has no re-checks beside its rows: empty ones
                # (in this connection's temp schema) read as such
                for name in LOAD_ORDER:
                    if self.db.execute("SELECT 1 FROM sqlite_master WHERE name=?",
                                       (recheck_table(name),)).fetchone() is None:  # fmt: skip
                        self.db.execute(f"CREATE TEMP TABLE {recheck_table(name)} "
                                        f"({_recheck_columns(ENTITIES[name])})")  # fmt: skip
                    # before version 6 the outcomes were in one table: each entity's are read
                    # through a view of it
                    if self.db.execute("SELECT 1 FROM sqlite_master WHERE name=?",
                                       (outcome_table(name),)).fetchone() is None:  # fmt: skip
                        self.db.execute(
                            f"CREATE TEMP VIEW {outcome_table(name)} AS SELECT "
                            f"{', '.join(OUTCOME_COLUMNS)} FROM main.outcomes WHERE "
                            f"entity='{name}'"
                        )
                if version is None or int(version) < 2:
                    raise CutoverError(
                        f"The project's ledger {self.path.name} is from an older Cutover "
                        "Wizard and must be brought up to date once, which needs write access "
                        "to the project folder.",
                        "Run the same command once where you may write to the folder.",
                        path=str(self.path),
                    )
                return
            self.db.executescript(SCHEMA)
            with self.transaction():
                for name in LOAD_ORDER:
                    self.db.execute(_stage_sql(ENTITIES[name]))
                    for sql in _recheck_sql(ENTITIES[name]):
                        self.db.execute(sql)
                _outcome_tables(self.db)
                # the crosswalk kept an index by phase for undo alone, and every record loaded
                # wrote it (116 MB and 2-5 s at 3M records): undo reads the crosswalk through
                # (it is derived: an older Cutover Wizard builds it again)
                self.db.execute("DROP INDEX IF EXISTS crosswalk_phase")
                if version is not None and int(version) < LEDGER_VERSION:
                    _upgrade(self.db)
                if version is None:
                    self.set_meta("hash_scheme", HASH_SCHEME)
                self.set_meta("ledger_version", str(LEDGER_VERSION))
        except sqlite3.DatabaseError as exc:
            raise CutoverError(
                f"The project's ledger {self.path.name} could not be opened: {exc}.",
                "If the file is damaged, restore it from a backup or start the project again.",
                path=str(self.path),
            ) from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.db.in_transaction:  # nested: part of the outer one
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        except sqlite3.OperationalError:  # a new ledger: no table yet
            return None
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- the journal ---------------------------------------------------------------------
    def start_run(self, action: str, phase: str | None, target: str) -> int:
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO runs(action, phase, target, started_at) VALUES (?,?,?,?)",
                (action, phase, target, now()),
            )
        return int(cur.lastrowid or 0)

    def end_run(self, run_id: int, outcome: str, rows: int, message: str = "") -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET ended_at=?, outcome=?, rows=?, message=? WHERE run_id=?",
                (now(), outcome, rows, message, run_id),
            )

    def runs(self) -> list[dict[str, object]]:
        cur = self.db.execute("SELECT * FROM runs ORDER BY run_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]

    def close_interrupted_runs(self) -> int:
        """Runs that never ended (the process died): mark them, so the journal tells the truth,
        and a phase left 'running' is 'paused' (the next run resumes it)."""
        with self.transaction():
            self.db.execute("UPDATE phases SET state='paused' WHERE state='running'")
            return self.db.execute(
                "UPDATE runs SET ended_at=?, outcome='interrupted' WHERE ended_at IS NULL",
                (now(),),
            ).rowcount

    def close(self) -> None:
        self.db.close()
