"""The sandbox schema on a PostgreSQL database: for self-hosted CRMs and IT teams who want the
migrated records in a database they run.

Same tables, columns, foreign keys and ``associations`` as the sandbox (in a schema of their
own, ``cutover`` by default). A batch goes in with ``COPY`` into a temporary table, then one
``INSERT ... ON CONFLICT (source_id) DO UPDATE ... RETURNING`` (an upsert: sending a record
twice leaves one). When the batch holds a record the database refuses (a link to a record that
does not exist), the batch is written again row by row, each in its own savepoint, so the
refused one is reported and the others load.

The connection string comes from the caller; a password in it is never stored by this module
(the command line reads it from the environment, the wizard from the OS keyring).
"""

from __future__ import annotations

from typing import Any

from wizard.core.blueprint import ENTITIES, Entity, FieldType
from wizard.core.errors import CutoverError
from wizard.core.targets.base import Target, WriteResult, column_for, table_ddl

LOAD_ORDER = ("owner", "company", "contact", "deal", "activity")
_PG_TYPES = {FieldType.NUMBER: "double precision", FieldType.MONEY: "double precision",
             FieldType.BOOLEAN: "integer"}  # fmt: skip


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise CutoverError(f"'{name}' cannot be used as a PostgreSQL schema name.",
                           "Use letters, digits and underscores.")  # fmt: skip
    return f'"{name}"'


def schema_ddl(ent: Entity, schema: str) -> list[str]:
    return table_ddl(ent, _PG_TYPES, {
        "id": "bigserial", "ref": "bigint", "text": "text",
        "properties": "jsonb NOT NULL DEFAULT '{}'::jsonb"}, prefix=f"{schema}.")  # fmt: skip


def _plain(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    if "foreign key" in text:
        return "It links to a record that does not exist in the target."
    if "not-null" in text or "null value" in text:
        return "A value the target requires is missing."
    if "invalid input syntax" in text:
        return f"A value is not what the target's column holds ({text})."
    return f"The database refused it: {text}"


class PostgresTarget(Target):
    kind = "postgres"
    label = "PostgreSQL database"

    def __init__(self, dsn: str, schema: str = "cutover") -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a declared dependency
            raise CutoverError(
                "The PostgreSQL driver (psycopg) is not installed.",
                "Reinstall Cutover Wizard: pip install -e .",
            ) from exc
        self._psycopg = psycopg
        self.schema = _ident(schema)
        self.schema_name = schema
        try:
            self.db = psycopg.connect(dsn, autocommit=True)  # every write in a transaction()
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
            raise CutoverError(
                f"The PostgreSQL database could not be reached: {first}.",
                "Check the host, port, database name, user and password.",
            ) from exc
        host = self.db.info.host if self.db.info.host and "/" not in self.db.info.host else "local"
        self.label = f"PostgreSQL database {self.db.info.dbname} on {host} (schema {schema})"
        with self.db.transaction():
            self.db.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            for name in LOAD_ORDER:
                for stmt in schema_ddl(ENTITIES[name], self.schema):
                    self.db.execute(stmt)
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {self.schema}.associations (id bigserial PRIMARY "
                "KEY, from_table text NOT NULL, from_id bigint NOT NULL, to_table text NOT NULL, "
                "to_id bigint NOT NULL, label text NOT NULL DEFAULT '', UNIQUE (from_table, "
                "from_id, to_table, to_id, label))"
            )

    def _t(self, entity: str) -> str:
        return f"{self.schema}.{ENTITIES[entity].table}"

    # -- writing -------------------------------------------------------------------------
    def write_batch(self, entity: str, columns: list[str],
                    rows: list[tuple]) -> list[WriteResult]:  # fmt: skip
        if not rows:
            return []
        ent = ENTITIES[entity]
        cols = [c if c in ("source_id", "properties") else column_for(entity, c) for c in columns]
        types = []
        for c in columns:
            if c == "properties":
                types.append("jsonb")
            elif c == "source_id":
                types.append("text")
            else:
                f = ent.field(c)
                types.append("bigint" if f.type == FieldType.REFERENCE
                             else _PG_TYPES.get(f.type, "text"))  # fmt: skip
        at = columns.index("source_id")
        select = ", ".join(f"NULLIF({c}, '')::{t}" if t != "text" else c
                           for c, t in zip(cols, types, strict=True))  # fmt: skip
        update = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != "source_id")
        upsert = (f"INSERT INTO {self._t(entity)} ({', '.join(cols)}) SELECT {select} FROM _in "
                  f"ORDER BY _ord ON CONFLICT (source_id) DO UPDATE SET {update} "
                  "RETURNING source_id, id")  # fmt: skip
        text_rows = [[None if v is None else str(v) for v in row] for row in rows]
        with self.db.transaction(), self.db.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE _in (_ord integer, "
                        f"{', '.join(f'{c} text' for c in cols)}) ON COMMIT DROP")  # fmt: skip
            with cur.copy(f"COPY _in (_ord, {', '.join(cols)}) FROM STDIN") as copy:
                for i, row in enumerate(text_rows):
                    copy.write_row([i, *row])
            try:
                with self.db.transaction():  # a savepoint: the whole batch at once
                    ids = dict(cur.execute(upsert).fetchall())
                return [WriteResult(ids.get(r[at])) for r in rows]
            except self._psycopg.Error:
                pass  # a refused record: row by row below, each in its own savepoint
            results = []
            for i in range(len(rows)):
                one = upsert.replace("FROM _in", f"FROM _in WHERE _ord = {i}")
                try:
                    with self.db.transaction():
                        got = cur.execute(one).fetchone()
                    results.append(WriteResult(got[1] if got else None))
                except self._psycopg.Error as exc:
                    results.append(WriteResult(None, _plain(exc)))
            return results

    def associate(self, links: list[tuple[str, int | str, str, int | str, str]]) -> None:
        if not links:
            return
        rows = [(ENTITIES[a].table, ai, ENTITIES[b].table, bi, label)
                for a, ai, b, bi, label in links]  # fmt: skip
        with self.db.transaction(), self.db.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {self.schema}.associations (from_table, from_id, to_table, to_id, "
                "label) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", rows)  # fmt: skip

    # -- reading -------------------------------------------------------------------------
    def lookup(self, entity: str, source_ids: list[str]) -> dict[str, int | str]:
        if not source_ids:
            return {}
        with self.db.transaction():
            rows = self.db.execute(f"SELECT source_id, id FROM {self._t(entity)} WHERE "
                                   "source_id = ANY(%s)", (list(source_ids),)).fetchall()  # fmt: skip
        return dict(rows)

    def delete(self, entity: str, ids: list[int | str]) -> int:
        if not ids:
            return 0
        table = ENTITIES[entity].table
        ids = [int(i) for i in ids]
        with self.db.transaction():
            self.db.execute(
                f"DELETE FROM {self.schema}.associations WHERE (from_table = %s AND from_id = "
                "ANY(%s)) OR (to_table = %s AND to_id = ANY(%s))", (table, ids, table, ids))  # fmt: skip
            cur = self.db.execute(f"DELETE FROM {self._t(entity)} WHERE id = ANY(%s)", (ids,))
            return cur.rowcount

    def count(self, entity: str) -> int:
        with self.db.transaction():
            return self.db.execute(f"SELECT COUNT(*) FROM {self._t(entity)}").fetchone()[0]

    def link_counts(self, entity: str) -> dict[str, int]:
        ent = ENTITIES[entity]
        with self.db.transaction():
            return {f.name: self.db.execute(f"SELECT COUNT({f.name}_id) FROM "
                                            f"{self._t(entity)}").fetchone()[0]
                    for f in ent.references}  # fmt: skip

    def dangling(self, entity: str) -> dict[str, int]:
        ent = ENTITIES[entity]
        out = {}
        with self.db.transaction():
            for f in ent.references:
                parent = f"{self.schema}.{ENTITIES[f.ref or ''].table}"
                out[f.name] = self.db.execute(
                    f"SELECT COUNT(*) FROM {self._t(entity)} c WHERE c.{f.name}_id IS NOT NULL "
                    f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c.{f.name}_id)"
                ).fetchone()[0]
        return out

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        with self.db.transaction():
            for name in LOAD_ORDER:
                ent = ENTITIES[name]
                cols = [r[0] for r in self.db.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                    "AND table_name = %s ORDER BY ordinal_position",
                    (self.schema_name, ent.table))]  # fmt: skip
                out[name] = {"table": ent.table, "columns": cols, "references": {
                    f.name: f"{f.name}_id -> {ENTITIES[f.ref or ''].table}(id)"
                    for f in ent.references}}  # fmt: skip
        return out

    def close(self) -> None:
        self.db.close()
