"""The contract every target passes, whatever it is: write, upsert twice = one record, a refused
record does not stop the others, lookup, count, links, nothing dangling, delete for undo,
associations, describe; and a whole migration through the runner, reconciled."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.test_pipeline import crm
from wizard.core.migration import Migration
from wizard.core.targets import SandboxTarget, Target

TARGETS = ["sandbox", "postgres"]


@pytest.fixture(params=TARGETS)
def make_target(request, tmp_path: Path):
    made: list[Target] = []

    def make() -> Target:
        if request.param == "sandbox":
            t: Target = SandboxTarget(tmp_path / f"s{len(made)}.db")
        else:
            from wizard.core.targets.postgres import PostgresTarget

            dsn = request.getfixturevalue("pg_dsn")
            t = PostgresTarget(dsn, schema=f"t_{uuid.uuid4().hex[:10]}")
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()


def test_write_upsert_refuse_lookup_links_delete(make_target) -> None:
    t = make_target()
    cols = ["source_id", "name", "properties", "parent_company"]
    first = t.write_batch("company", cols, [("A1", "Acme", "{}", None), ("A2", "Beta", "{}", None)])
    assert [r.error for r in first] == [None, None] and all(r.target_id for r in first)
    a1 = first[0].target_id
    again = t.write_batch("company", cols, [("A1", "Acme Inc", '{"tier": "gold"}', None)])
    assert again[0].target_id == a1 and t.count("company") == 2  # upsert twice = one record
    mixed = t.write_batch("company", cols, [("A3", "Child", "{}", a1), ("A4", "Bad", "{}", 999999)])
    assert mixed[0].target_id is not None and mixed[0].error is None
    assert mixed[1].target_id is None and "does not exist" in (mixed[1].error or "")
    assert t.count("company") == 3
    assert t.link_counts("company") == {"owner": 0, "parent_company": 1}
    assert t.dangling("company") == {"owner": 0, "parent_company": 0}
    assert t.lookup("company", ["A1", "A3", "nope"]) == {"A1": a1, "A3": mixed[0].target_id}
    contact = t.write_batch("contact", ["source_id", "first_name", "properties", "company"],
                            [("C1", "Ann", "{}", a1)])  # fmt: skip
    t.associate([("contact", contact[0].target_id, "company", a1, "primary")])
    t.associate([("contact", contact[0].target_id, "company", a1, "primary")])  # idempotent
    assert t.delete("contact", [contact[0].target_id]) == 1
    assert t.delete("company", [mixed[0].target_id]) == 1 and t.count("company") == 2
    assert t.lookup("company", ["A3"]) == {}
    described = t.describe()
    assert described["deal"]["table"] == "deals"
    assert {"source_id", "company_id", "contact_id", "owner_id", "properties"} <= set(
        described["deal"]["columns"]
    )


def test_a_whole_migration_through_the_runner(make_target, tmp_path: Path) -> None:
    export = crm(tmp_path / "export")
    target = make_target()
    with Migration(tmp_path / "project", target=target) as mig:
        results = mig.migrate([export])
        assert [r.phase for r in results] == ["companies", "contacts", "deals", "activities",
                                              "active"]  # fmt: skip
        assert all(r.state == "completed" and r.reconciled for r in results), [
            r.lines() for r in results]  # fmt: skip
        assert target.count("contact") == 5 and target.count("activity") == 4
        assert target.dangling("activity") == {"company": 0, "contact": 0, "deal": 0, "owner": 0}
        # run again: nothing new, nothing doubled
        mig.migrate([export])
        assert target.count("contact") == 5
        # undo cascades and leaves the target empty of what the phases loaded
        mig.undo(mig.undo_plan("companies"))
        assert target.count("company") == 0 and target.count("activity") == 0


def test_cli_live_cutover_into_postgres(pg_dsn, tmp_path: Path, capsys) -> None:
    """The sandbox rehearsal, then the live cutover into PostgreSQL from the command line
    (gate overridden), then status and the report read the same database back."""
    import psycopg

    from wizard.cli import main

    export = crm(tmp_path / "export")
    folder = tmp_path / "project"
    assert main(["migrate", str(export), "--project", str(folder)]) == 0
    schema = f"live_{uuid.uuid4().hex[:8]}"
    bad = "postgresql://postgres:secret@localhost/postgres"
    assert main(["migrate", str(export), "--project", str(folder), "--env", "live",
                 "--postgres", bad, "--override-reason", "Testing the PostgreSQL target."]) == 2  # fmt: skip
    assert "must not keep secrets" in capsys.readouterr().err
    assert main(["migrate", str(export), "--project", str(folder), "--env", "live",
                 "--postgres", pg_dsn, "--pg-schema", schema,
                 "--override-reason", "Testing the PostgreSQL target."]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "Live cutover into PostgreSQL database postgres" in out
    with psycopg.connect(pg_dsn) as db:
        assert db.execute(f"SELECT COUNT(*) FROM {schema}.contacts").fetchone() == (5,)
        assert db.execute(f"SELECT COUNT(*) FROM {schema}.deals WHERE company_id IS NOT NULL"
                          ).fetchone()[0] >= 2  # fmt: skip
    assert main(["status", "--project", str(folder)]) == 0
    assert "Live cutover:" in capsys.readouterr().out
    assert main(["report", "--project", str(folder), "--out", str(tmp_path / "r.html")]) == 0
    assert "PostgreSQL database postgres" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "secret" not in (folder / "project.json").read_text()
