"""Benchmark: the fastest this design can write, beside the ``sqlite3`` shell's ``.import``.

Not a test, and not the product: a lower bound for ``migrate`` (issue 15). On the same
generated files as ``bench_migrate.py``, it does only the writes the guarantees cannot do
without, each in C and each row once:

1. read each CSV in Arrow batches (pyarrow) and stage its rows into the ledger's real stage
   tables with ADBC bulk ingest (adbc-driver-sqlite), then build the key and load-order
   indexes the loader needs;
2. per batch of 10,000 rows, in load order, decide the batch in one ``CREATE TEMP TABLE ... AS
   SELECT``: each link's target id looked up in the crosswalk, rows already decided left out;
3. load the batch into the sandbox's real tables (foreign keys on) with ``INSERT ... SELECT``,
   and build their link indexes after the load, as the sandbox does;
4. record each row's outcome and its crosswalk row with ``INSERT ... SELECT``.

No checks, no mapping, no merges, no active rule, no fidelity, no success or error files: all
of that comes on top. So ``migrate`` cannot be faster than this figure without writing less
than one stage row, one target row, one outcome and one crosswalk row per source row.

``--ledger duckdb`` measures the same writes with the ledger's tables (stage, outcomes,
crosswalk) in DuckDB instead of SQLite: DuckDB reads and stages the CSVs, decides each batch
with its hash joins, and hands the batch to the sandbox as Arrow, which ADBC ingests into
SQLite (the sandbox stays SQLite: it is the public contract).

    python tests/benchmarks/bench_floor.py [--scale 0.1] [--batch 10000] [--ledger duckdb]

It installs adbc-driver-sqlite and duckdb (pip) and the sqlite3 shell (apt-get) when they are
missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))
from make_dataset import generate  # noqa: E402

from wizard.core.blueprint import ENTITIES  # noqa: E402
from wizard.core.ledger import Ledger, stage_table  # noqa: E402
from wizard.core.targets.base import column_for  # noqa: E402
from wizard.core.targets.sandbox import SCHEMA_TAIL, table_sql  # noqa: E402

OUT = HERE / "out"
DEFER_FK = False  # --defer-fk: foreign keys checked once after the load, not row by row

# entity: (file, id column, {field: column}, {link: column}), in load order
FILES = {
    "company": ("companies.csv", "Company ID",
                {"name": "Company Name", "domain": "Website", "phone": "Phone",
                 "industry": "Industry"},
                {"parent_company": "Parent Company ID"}),
    "contact": ("contacts.csv", "Contact ID",
                {"first_name": "First Name", "last_name": "Last Name", "email": "Email",
                 "phone": "Phone", "title": "Job Title", "lifecycle_stage": "Lifecycle Stage"},
                {"company": "Company ID"}),
    "deal": ("deals.csv", "Deal ID",
             {"name": "Deal Name", "amount": "Amount", "stage": "Stage",
              "close_date": "Close Date"},
             {"company": "Company ID", "contact": "Contact ID"}),
    "activity": ("activities.csv", "Activity ID",
                 {"type": "Activity Type", "subject": "Subject", "occurred_at": "Activity Date",
                  "body": "Notes"},
                 {"contact": "Contact ID", "deal": "Deal ID"}),
}  # fmt: skip


def ensure_tools() -> None:
    for module, package in (("adbc_driver_sqlite", "adbc-driver-sqlite"), ("duckdb", "duckdb")):
        if importlib.util.find_spec(module) is None:
            print(f"installing {package} (pip)...", flush=True)
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)
    if shutil.which("sqlite3") is None:
        print("installing the sqlite3 command-line shell (apt-get)...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "sqlite3"], check=True)


class Clock:
    def __init__(self) -> None:
        self.parts: dict[str, float] = {}

    def add(self, name: str, since: float) -> None:
        self.parts[name] = self.parts.get(name, 0.0) + time.perf_counter() - since


def stage(data: Path, ledger: Path, clock: Clock) -> int:
    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rows = 0
    conn = adbc.connect(str(ledger))
    try:
        for entity, (name, id_col, values, links) in FILES.items():
            start = time.perf_counter()
            reader = pcsv.open_csv(
                data / name,
                read_options=pcsv.ReadOptions(block_size=8 << 20),
                convert_options=pcsv.ConvertOptions(
                    strings_can_be_null=False,
                    column_types={c: pa.string() for c in (id_col, *values.values(),
                                                           *links.values())},
                ),
            )  # fmt: skip
            sid = 0
            with conn.cursor() as cur:
                for batch in reader:
                    n = batch.num_rows
                    cols = {
                        "sid": pa.array(range(sid + 1, sid + n + 1), pa.int64()),
                        "fid": pa.repeat(pa.scalar(1, pa.int64()), n),
                        "row": pa.array(range(sid + 2, sid + n + 2), pa.int64()),
                        "key": batch.column(id_col),
                        "hash": pa.repeat(pa.scalar(0, pa.int64()), n),
                        "phase": pa.repeat(pa.scalar(entity), n),
                        "vr": pa.repeat(pa.scalar(batch.num_columns, pa.int64()), n),
                        "vk": pa.repeat(pa.scalar(batch.num_columns, pa.int64()), n),
                    }
                    for field, col in values.items():
                        cols[f"f_{field}"] = batch.column(col)
                    for field, col in links.items():
                        cols[f"r_{field}"] = batch.column(col)
                        cols[f"b_{field}"] = pa.repeat(pa.scalar("source_id"), n)
                    cur.adbc_ingest(stage_table(entity), pa.table(cols), mode="append")
                    sid += n
            conn.commit()
            rows += sid
            clock.add("read and stage (pyarrow, ADBC ingest)", start)
    finally:
        conn.close()
    return rows


def link_lookups(entity: str, links: dict[str, str]) -> tuple[str, str]:
    """The crosswalk joins of a stage row's links, and their target ids (t0, t1, ...)."""
    ent = ENTITIES[entity]
    joins = " ".join(f"LEFT JOIN crosswalk x{i} ON x{i}.entity='{ent.field(r).ref}' AND "
                     f"x{i}.source_id=s.r_{r}" for i, r in enumerate(links))  # fmt: skip
    return joins, ", ".join(f"x{i}.target_id AS t{i}" for i in range(len(links)))


def load(ledger: Path, sandbox: Path, batch_rows: int, cache_mb: int, clock: Clock) -> None:
    db = sqlite3.connect(ledger, isolation_level=None)
    db.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
    start = time.perf_counter()
    for entity in FILES:
        t = stage_table(entity)
        db.execute(f"CREATE INDEX {t}_key ON {t}(key)")
        db.execute(f"CREATE INDEX {t}_todo ON {t}(phase, ord, sid)")
    clock.add("stage indexes", start)
    db.execute("ATTACH DATABASE ? AS crm", (str(sandbox),))
    db.execute("PRAGMA crm.synchronous=NORMAL")
    db.execute(f"PRAGMA crm.cache_size=-{cache_mb // 2 * 1024}")
    db.execute(f"PRAGMA foreign_keys={'OFF' if DEFER_FK else 'ON'}")
    for entity, (_, _, values, links) in FILES.items():
        ent = ENTITIES[entity]
        t = stage_table(entity)
        joins, tids = link_lookups(entity, links)
        fill = (f"CREATE TEMP TABLE _load AS SELECT s.sid, s.fid, s.key, s.hash, {tids} FROM "
                f"{t} s {joins} WHERE s.phase=? AND s.ord=0 AND s.sid>? AND NOT EXISTS (SELECT 1 "
                f"FROM outcomes o WHERE o.entity='{entity}' AND o.sid=s.sid) ORDER BY s.sid "
                "LIMIT ?")  # fmt: skip
        targets = ["id", "source_id", *(column_for(entity, v) for v in values),
                   *(column_for(entity, r) for r in links), "properties"]  # fmt: skip
        sources = ["l.sid", "l.key", *(f"s.f_{v}" for v in values),
                   *(f"l.t{i}" for i in range(len(links))), "s.properties"]  # fmt: skip
        insert = (f"INSERT INTO crm.{ent.table} ({', '.join(targets)}) SELECT "
                  f"{', '.join(sources)} FROM _load l CROSS JOIN {t} s ON s.sid=l.sid")  # fmt: skip
        record = [
            f"INSERT INTO outcomes(entity, sid, fid, phase, outcome, target_id, run_id) SELECT "
            f"'{entity}', sid, fid, '{entity}', 'loaded', sid, 1 FROM _load",
            f"INSERT INTO crosswalk SELECT '{entity}', key, sid, hash, '{entity}', 1, sid FROM "
            "_load WHERE true ON CONFLICT DO NOTHING",
        ]
        after = 0
        while True:
            start = time.perf_counter()
            db.execute("DROP TABLE IF EXISTS temp._load")
            db.execute(fill, (entity, after, batch_rows))
            n, last = db.execute("SELECT COUNT(*), MAX(sid) FROM _load").fetchone()
            clock.add("decide (crosswalk look-ups)", start)
            if not n:
                break
            after = last
            start = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute(insert)
            db.execute("COMMIT")
            clock.add("load the sandbox (INSERT ... SELECT)", start)
            start = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            for sql in record:
                db.execute(sql)
            db.execute("COMMIT")
            clock.add("outcomes and crosswalk", start)
    db.close()


def floor_duckdb(data: Path, work: Path, sandbox: Path, batch_rows: int, clock: Clock) -> int:
    """The same writes with the ledger's tables in DuckDB; the sandbox written through ADBC
    (the only connection to it while it loads: two SQLite libraries in one process must not
    share a file)."""
    import adbc_driver_sqlite.dbapi as adbc
    import duckdb

    ddb = duckdb.connect(str(work / "ledger.duckdb"))
    rows = 0
    for entity, (name, id_col, values, links) in FILES.items():
        start = time.perf_counter()
        cols = [f'"{id_col}" AS key', *(f'"{c}" AS f_{f}' for f, c in values.items()),
                *(f'"{c}" AS r_{f}' for f, c in links.items())]  # fmt: skip
        ddb.execute(
            f"CREATE TABLE {stage_table(entity)} AS SELECT row_number() OVER () AS sid, 1 AS fid, "
            f"'{entity}' AS phase, 0 AS ord, {', '.join(cols)} FROM read_csv(?, header=true, "
            "all_varchar=true)",
            [str(data / name)],
        )
        rows += ddb.execute(f"SELECT COUNT(*) FROM {stage_table(entity)}").fetchone()[0]
        clock.add("read and stage (DuckDB)", start)
    ddb.execute("CREATE TABLE outcomes (entity VARCHAR, sid BIGINT, fid BIGINT, phase VARCHAR, "
                "outcome VARCHAR, target_id BIGINT, run_id BIGINT)")  # fmt: skip
    ddb.execute("CREATE TABLE crosswalk (entity VARCHAR, source_id VARCHAR, target_id BIGINT, "
                "hash BIGINT, phase VARCHAR, created INTEGER, seq BIGINT)")  # fmt: skip
    crm = adbc.connect(str(sandbox), autocommit=True)
    try:
        with crm.cursor() as cur:
            cur.execute(f"PRAGMA foreign_keys={'OFF' if DEFER_FK else 'ON'}")
            cur.execute("PRAGMA synchronous=NORMAL")
        for entity, (_, _, values, links) in FILES.items():
            ent = ENTITIES[entity]
            t = stage_table(entity)
            joins, tids = link_lookups(entity, links)
            picked = ", ".join(["l.sid AS id", "l.key AS source_id",
                                *(f"s.f_{v} AS {column_for(entity, v)}" for v in values),
                                *(f"l.t{i} AS {column_for(entity, r)}"
                                  for i, r in enumerate(links))])  # fmt: skip
            (top,) = ddb.execute(f"SELECT COALESCE(MAX(sid), 0) FROM {t}").fetchone()
            for lo in range(0, top, batch_rows):
                start = time.perf_counter()
                ddb.execute(
                    f"CREATE OR REPLACE TEMP TABLE _load AS SELECT s.sid, s.fid, s.key, {tids} "
                    f"FROM {t} s {joins} WHERE s.phase=? AND s.ord=0 AND s.sid > ? AND s.sid <= ? "
                    f"AND s.sid NOT IN (SELECT sid FROM outcomes WHERE entity='{entity}')",
                    [entity, lo, lo + batch_rows],
                )
                clock.add("decide (crosswalk look-ups)", start)
                start = time.perf_counter()
                batch = ddb.execute(f"SELECT {picked} FROM _load l JOIN {t} s ON s.sid=l.sid "
                                    "ORDER BY l.sid").to_arrow_table()  # fmt: skip
                with crm.cursor() as cur:  # autocommit is off only between BEGIN and COMMIT
                    cur.execute("BEGIN IMMEDIATE")
                    cur.adbc_ingest(ent.table, batch, mode="append")
                    cur.execute("COMMIT")
                clock.add("load the sandbox (Arrow, ADBC ingest)", start)
                start = time.perf_counter()
                ddb.execute("BEGIN")
                ddb.execute(f"INSERT INTO outcomes SELECT '{entity}', sid, fid, '{entity}', "
                            "'loaded', sid, 1 FROM _load")  # fmt: skip
                ddb.execute(f"INSERT INTO crosswalk SELECT '{entity}', key, sid, 0, '{entity}', "
                            "1, sid FROM _load")  # fmt: skip
                ddb.execute("COMMIT")
                clock.add("outcomes and crosswalk", start)
    finally:
        crm.close()
        ddb.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--ledger", choices=("sqlite", "duckdb"), default="sqlite")
    parser.add_argument("--defer-fk", action="store_true",
                        help="foreign keys off while loading, checked once after")  # fmt: skip
    parser.add_argument("--cache-mb", type=int, default=32,
                        help="the ledger's page cache in MB (the sandbox: half)")  # fmt: skip
    args = parser.parse_args()
    global DEFER_FK
    DEFER_FK = args.defer_fk
    ensure_tools()
    data = OUT / f"data-{args.scale:g}"
    files = generate(data, scale=args.scale, seed=7)
    work = OUT / f"floor-{args.scale:g}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    db = work / "import.db"
    start = time.perf_counter()
    cmd = ["sqlite3", str(db), ".mode csv"]
    subprocess.run(cmd + [f".import {p} {n}" for n, p in files.items()], check=True)
    import_s = time.perf_counter() - start

    ledger, sandbox = work / "ledger.db", work / "sandbox.db"
    Ledger(ledger).close()  # the real schema: stage tables, outcomes, crosswalk
    con = sqlite3.connect(sandbox, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    for name in ENTITIES:  # the link indexes are built after the load, as the sandbox does
        con.execute(table_sql(ENTITIES[name])[0])
    con.executescript(SCHEMA_TAIL)
    con.close()
    clock = Clock()
    if args.ledger == "duckdb":
        rows = floor_duckdb(data, work, sandbox, args.batch, clock)
    else:
        rows = stage(data, ledger, clock)
        load(ledger, sandbox, args.batch, args.cache_mb, clock)
    start = time.perf_counter()
    con = sqlite3.connect(sandbox, isolation_level=None)
    for name in ENTITIES:
        for sql in table_sql(ENTITIES[name])[1:]:
            con.execute(sql)
    con.close()
    clock.add("the sandbox's link indexes", start)
    if DEFER_FK:
        start = time.perf_counter()
        con = sqlite3.connect(sandbox, isolation_level=None)
        broken = con.execute("SELECT COUNT(*) FROM pragma_foreign_key_check").fetchone()[0]
        con.close()
        clock.add(f"foreign keys checked after the load ({broken} broken)", start)

    total = sum(clock.parts.values())
    print(
        f"\n{rows:,} rows (scale {args.scale:g}), batches of {args.batch:,}, "
        f"ledger in {args.ledger}"
        + (f", cache {args.cache_mb} MB" if args.ledger == "sqlite" else "")
    )
    for name, seconds in clock.parts.items():
        print(f"{seconds:8.2f} s  {name}")
    print(f"{total:8.2f} s  the floor: {rows / total:,.0f} rows/s")
    print(f"{import_s:8.2f} s  sqlite3 .import: {rows / import_s:,.0f} rows/s")
    print(
        f"\nfloor / .import = {import_s / total:.3f}x (issue 15 asks migrate for >= 0.2x)",
        flush=True,
    )


if __name__ == "__main__":
    main()
