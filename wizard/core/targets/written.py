"""What an API target wrote, kept beside the project (SQLite): each record's legacy id, the
CRM's id for it and the links it was written with. The reconciliation counts links from it
without reading the whole CRM back; owners, matched and never created, live only here."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from wizard.core.blueprint import ENTITIES


class Written:
    def __init__(self, path: str | Path) -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS records (entity TEXT, source_id TEXT, "
                        "id TEXT, links TEXT, PRIMARY KEY (entity, source_id))")  # fmt: skip
        self.db.commit()

    def remember(self, entity: str, sid: str, rid: str, links: dict[str, str]) -> None:
        self.remember_many(entity, [(sid, rid, links)])

    def remember_many(self, entity: str, rows: list[tuple[str, str, dict[str, str]]]) -> None:
        """(legacy id, CRM id, links) of records the CRM took, in one transaction as soon as it
        answered (a crash after that keeps what it said)."""
        with self.db:
            self.db.executemany(
                "INSERT INTO records VALUES (?,?,?,?) ON CONFLICT (entity, source_id) DO UPDATE "
                "SET id=excluded.id, links=excluded.links",
                [(entity, sid, rid, json.dumps(links)) for sid, rid, links in rows])  # fmt: skip

    def known(self, entity: str, rid: str) -> bool:
        return self.db.execute("SELECT 1 FROM records WHERE entity=? AND id=?",
                               (entity, rid)).fetchone() is not None  # fmt: skip

    def links_of(self, entity: str, rid: str) -> dict[str, str]:
        row = self.db.execute("SELECT links FROM records WHERE entity=? AND id=?",
                              (entity, rid)).fetchone()  # fmt: skip
        return json.loads(row[0]) if row else {}

    def ids(self, entity: str, source_ids: list[str]) -> dict[str, int | str]:
        known = dict(self.db.execute("SELECT source_id, id FROM records WHERE entity=?",
                                     (entity,)))  # fmt: skip
        return {s: known[s] for s in source_ids if s in known}

    def count(self, entity: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM records WHERE entity=?",
                               (entity,)).fetchone()[0]  # fmt: skip

    def forget(self, entity: str, ids: list[str] | None = None) -> int:
        """Records no longer in the CRM (all of the entity's when ``ids`` is None)."""
        with self.db:
            if ids is None:
                return self.db.execute("DELETE FROM records WHERE entity=?", (entity,)).rowcount
            marks = ",".join("?" * len(ids))
            return self.db.execute(f"DELETE FROM records WHERE entity=? AND id IN ({marks})",
                                   [entity, *ids]).rowcount  # fmt: skip

    def _links(self, entity: str) -> list[dict[str, str]]:
        return [json.loads(x) for (x,) in self.db.execute(
            "SELECT links FROM records WHERE entity=?", (entity,))]  # fmt: skip

    def link_counts(self, entity: str) -> dict[str, int]:
        links = self._links(entity)
        return {f.name: sum(1 for x in links if f.name in x) for f in ENTITIES[entity].references}

    def dangling(self, entity: str) -> dict[str, int]:
        """Links to records this index does not hold (deleted since, or never written)."""
        out = {}
        links = self._links(entity)
        for f in ENTITIES[entity].references:
            known = {i for (i,) in self.db.execute("SELECT id FROM records WHERE entity=?",
                                                   (f.ref or "",))}  # fmt: skip
            out[f.name] = sum(1 for x in links if f.name in x and x[f.name] not in known)
        return out

    def close(self) -> None:
        self.db.close()
