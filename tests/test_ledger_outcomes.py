"""The outcomes live in one table per entity (ledger version 6); a ledger of version 5 kept
them in one table ``outcomes``, and still reads, and is brought up to date, with nothing lost.
The crosswalk has no index by phase any more: undo reads it through."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.test_pipeline import write
from tests.test_recheck import export
from wizard.core import runner
from wizard.core.blueprint import LOAD_ORDER
from wizard.core.ledger import LEDGER_VERSION, OUTCOME_COLUMNS, outcome_table
from wizard.core.migration import Migration

V5_OUTCOMES = """CREATE TABLE outcomes (
  entity TEXT NOT NULL, sid INTEGER NOT NULL, fid INTEGER NOT NULL, phase TEXT NOT NULL,
  outcome TEXT NOT NULL, reason TEXT, target_id, linked INTEGER NOT NULL DEFAULT 0,
  note TEXT, run_id INTEGER,
  PRIMARY KEY (entity, sid)
) WITHOUT ROWID"""


def _outcomes(db: sqlite3.Connection) -> list[tuple]:
    return db.execute("SELECT * FROM outcomes ORDER BY entity, sid").fetchall()


def _as_version_5(path: Path) -> None:
    """The ledger as version 5 wrote it: one outcomes table (with its index), no others."""
    db = sqlite3.connect(path)
    with db:
        rows = _outcomes(db)
        db.execute("DROP VIEW outcomes")
        for name in LOAD_ORDER:
            db.execute(f"DROP TABLE {outcome_table(name)}")
        db.execute(V5_OUTCOMES)
        db.execute("CREATE INDEX outcomes_phase ON outcomes(phase, fid, outcome)")
        db.executemany(f"INSERT INTO outcomes VALUES ({', '.join('?' * 10)})", rows)
        db.execute("UPDATE meta SET value='5' WHERE key='ledger_version'")
    db.close()


def _status(mig: Migration) -> str:
    status = mig.status()
    return json.dumps(status, sort_keys=True, default=str)


def test_each_entity_has_its_outcome_table_and_the_view_reads_them_all(tmp_path: Path) -> None:
    inputs = export(tmp_path / "export", rows=300)
    with Migration(tmp_path / "p") as mig:
        mig.migrate(inputs)
        db = mig.ledger.db
        per_entity = {
            name: db.execute(f"SELECT COUNT(*) FROM {outcome_table(name)}").fetchone()[0]
            for name in LOAD_ORDER
        }
        assert per_entity["contact"] == 300 and per_entity["company"] == 40
        by_view = dict(db.execute("SELECT entity, COUNT(*) FROM outcomes GROUP BY entity"))
        assert by_view == {k: v for k, v in per_entity.items() if v}
        cols = [r[1] for r in db.execute("PRAGMA table_info(outcomes)")]
        assert cols == ["entity", *OUTCOME_COLUMNS]


def test_a_version_5_ledger_reads_and_is_brought_up_to_date_with_nothing_lost(
    tmp_path: Path,
) -> None:
    inputs = export(tmp_path / "export", rows=300)
    project = tmp_path / "p"
    with Migration(project) as mig:
        mig.migrate(inputs)
        before = _outcomes(mig.ledger.db)
        status = _status(mig)
        kept = [f.to_dict() for f in mig.fidelity()]
    assert {o[4] for o in before} >= {"loaded", "merged"}
    _as_version_5(project / "ledger.db")

    with Migration(project, read_only=True) as ro:  # status and report only read
        assert ro.ledger.meta("ledger_version") == "5"
        assert _status(ro) == status
        assert [f.to_dict() for f in ro.fidelity()] == kept

    with Migration(project) as mig:  # written to: the rows move to their entity's table
        db = mig.ledger.db
        assert mig.ledger.meta("ledger_version") == str(LEDGER_VERSION)
        assert db.execute("SELECT type FROM sqlite_master WHERE name='outcomes'").fetchone() == (
            "view",
        )
        index = db.execute("SELECT 1 FROM sqlite_master WHERE name='outcomes_phase'").fetchone()
        assert index is None
        assert _outcomes(db) == before
        assert _status(mig) == status
        # a fresh export with one value changed: its rows are decided again, against what
        # the moved outcomes and the crosswalk know, and nothing loads twice
        loaded = mig.target.count("contact")
        lines = inputs[1].read_text(encoding="utf-8").splitlines()
        lines[1] = lines[1].replace("Name0", "Name0-changed")
        inputs[1].write_text("\n".join(lines) + "\n", encoding="utf-8")
        mig.migrate(inputs)
        assert mig.target.count("contact") == loaded
        after = {o[:2]: o[4] for o in _outcomes(db)}
        assert set(after) == {o[:2] for o in before}
        contacts = [o for (entity, _), o in after.items() if entity == "contact"]
        assert "loaded" not in contacts and contacts.count("updated") == 1

    with Migration(project) as mig:  # opened again: nothing more to do, nothing changes
        assert _outcomes(mig.ledger.db) == _outcomes(sqlite3.connect(project / "ledger.db"))


def test_the_crosswalk_keeps_no_phase_index_and_undo_still_goes_children_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Undo reads the crosswalk without an index by phase (an older Cutover Wizard's ledger
    loses it when opened to write): a chain of companies listed children first is deleted
    deepest first, one record per batch here, or the sandbox's foreign keys would refuse."""
    folder = tmp_path / "export"
    chain = [[f"A{i}", f"Company {i}", f"c{i}.example.com", f"A{i - 1}" if i else ""]
             for i in range(12)]  # fmt: skip
    write(folder / "companies.csv", ["Company ID", "Company Name", "Website",
                                     "Parent Company ID"], chain[::-1])  # fmt: skip
    write(
        folder / "contacts.csv",
        ["Contact ID", "First Name", "Last Name", "Email", "Company ID"],
        [[f"C{i}", "Ann", f"N{i}", f"p{i}@example.com", f"A{i % 12}"] for i in range(30)],
    )
    indexes = "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='crosswalk'"
    with Migration(tmp_path / "p") as mig:
        mig.migrate([folder / "companies.csv", folder / "contacts.csv"])
        assert mig.ledger.db.execute(indexes).fetchall() == []
        # an older Cutover Wizard opened the project and built its index again
        mig.ledger.db.execute("CREATE INDEX crosswalk_phase ON crosswalk(phase, entity, seq)")
    monkeypatch.setattr(runner, "BATCH_ROWS", 1)
    with Migration(tmp_path / "p") as mig:
        assert mig.ledger.db.execute(indexes).fetchall() == []
        done = mig.undo(mig.undo_plan("companies"))
        assert sum(sum(d.values()) for d in done.values()) == 42
        assert mig.ledger.db.execute("SELECT COUNT(*) FROM crosswalk").fetchone()[0] == 0
    sandbox = sqlite3.connect(tmp_path / "p" / "sandbox.db")
    assert sandbox.execute("SELECT COUNT(*) FROM companies").fetchone()[0] == 0
    sandbox.close()
