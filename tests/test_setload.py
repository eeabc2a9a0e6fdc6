"""The set-based load (``wizard.core.setload``) decides and writes exactly what the row-by-row
path does: the same sandbox row for row, the same outcomes, reasons, notes and crosswalk, on
exports of many shapes, with merges, orphans under both policies, a delta, a record deleted
from the sandbox behind the project's back, and batches as small as two rows."""

from __future__ import annotations

import csv
import importlib.util
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests import vendor_exports
from tests.conftest import ROOT
from tests.test_pipeline import crm, write
from wizard.core import runner
from wizard.core.migration import Migration
from wizard.core.setload import SetLoad

TABLES = ("owners", "companies", "contacts", "deals", "activities", "associations")


def _json(value: object) -> object:
    if isinstance(value, str) and value.startswith("{"):
        return json.loads(value)
    return value


def dump(project: Path) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    con = sqlite3.connect(project / "sandbox.db")
    try:
        for t in TABLES:
            rows = con.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
            out[t] = [tuple(_json(v) for v in r) for r in rows]
    finally:
        con.close()
    con = sqlite3.connect(project / "ledger.db")
    try:
        out["outcomes"] = con.execute(
            "SELECT entity, sid, fid, phase, outcome, reason, target_id, linked, note "
            "FROM outcomes ORDER BY entity, sid"
        ).fetchall()
        out["crosswalk"] = con.execute(
            "SELECT entity, source_id, target_id, hash, phase, created, seq FROM crosswalk "
            "ORDER BY entity, source_id"
        ).fetchall()
        out["inflight"] = con.execute("SELECT * FROM inflight").fetchall()
    finally:
        con.close()
    return out


def both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              scenario: Callable[[Path, Path], list]) -> tuple[dict, dict, list, list]:  # fmt: skip
    """Run ``scenario(project, workdir)`` with the row path and with the set-based path."""
    results = []
    dumps = []
    calls = {"batches": 0, "by_rows": 0}
    real_run, real_rows = SetLoad.run, SetLoad._by_rows

    def counted_run(self, *args):
        n, last = real_run(self, *args)
        calls["batches"] += bool(n)
        return n, last

    def counted_rows(self, *args):
        calls["by_rows"] += 1
        return real_rows(self, *args)

    monkeypatch.setattr(SetLoad, "run", counted_run)
    monkeypatch.setattr(SetLoad, "_by_rows", counted_rows)
    for flag in (False, True):
        monkeypatch.setattr(runner, "SET_BASED", flag)
        work = tmp_path / ("set" if flag else "rows")
        work.mkdir()
        res = scenario(work / "project", work)
        results.append([(r.phase, r.state, [a.line() for a in r.accounting], r.reasons,
                         r.fidelity_lines(), r.message) for r in res])  # fmt: skip
        dumps.append(dump(work / "project"))
    # the set-based run decided most batches in SQL (not all through the row path)
    assert calls["batches"] > 2 * calls["by_rows"], calls
    return dumps[0], dumps[1], results[0], results[1]


def assert_same(tmp_path, monkeypatch, scenario) -> dict:
    rows, sets, rres, sres = both_ways(tmp_path, monkeypatch, scenario)
    for name in rows:
        assert rows[name] == sets[name], name
    assert rres == sres
    return sets


def _pipeline(batch_rows: int, policies: dict[str, str] | None = None):
    def scenario(project: Path, work: Path) -> list:
        src = crm(work / "export")
        with Migration(project) as mig:
            plan_path = None
            if policies:
                prepared = mig.prepare([src])
                prepared.plan.orphan_policy.update(policies)
                plan_path = mig.save_plan(prepared.plan)
            return mig.migrate([src], plan_path=plan_path, batch_rows=batch_rows)

    return scenario


@pytest.mark.parametrize("batch_rows", [1, 2, 3, 10_000])
def test_the_pipeline_export_in_batches_of_any_size(tmp_path, monkeypatch, batch_rows) -> None:
    got = assert_same(tmp_path, monkeypatch, _pipeline(batch_rows))
    outcomes = {o[4] for o in got["outcomes"]}
    assert {"loaded", "merged", "rejected"} <= outcomes  # the cases this compares are there
    assert any(o[8] and "Loaded without its link" in o[8] for o in got["outcomes"])


def test_orphans_rejected_by_policy(tmp_path, monkeypatch) -> None:
    got = assert_same(tmp_path, monkeypatch, _pipeline(
        3, {"contact.company": "reject", "deal.company": "reject", "activity.deal": "reject"}))  # fmt: skip
    assert any(o[5] and o[5].startswith("Not loaded: its company") for o in got["outcomes"])


def test_a_delta_and_a_record_deleted_from_the_sandbox(tmp_path, monkeypatch) -> None:
    def scenario(project: Path, work: Path) -> list:
        src = crm(work / "export")
        with Migration(project) as mig:
            mig.migrate([src], batch_rows=2)
        # someone deletes a contact in the sandbox by hand, and a company it links to
        con = sqlite3.connect(project / "sandbox.db")
        with con:
            con.execute("DELETE FROM activities")
            con.execute("DELETE FROM associations")
            con.execute("UPDATE deals SET contact_id=NULL")
            con.execute("DELETE FROM contacts WHERE source_id='C1'")
        con.close()
        companies = work / "export" / "companies.csv"
        rows = list(csv.reader(companies.open(encoding="utf-8")))
        rows[3][1] = "Parent Incorporated"
        rows.append(["A6", "Newco", "newco.com", "A1"])
        write(companies, rows[0], rows[1:])
        contacts = work / "export" / "contacts.csv"
        rows = list(csv.reader(contacts.open(encoding="utf-8")))
        rows[1][2] = "Lee-Smith"  # C1 changed: it is sent again, though the sandbox lost it
        rows.append(["C8", "New", "Person", "new@newco.com", "A6", "Lead", "", ""])
        write(contacts, rows[0], rows[1:])
        with Migration(project) as mig:
            return mig.migrate([work / "export"], batch_rows=3)

    got = assert_same(tmp_path, monkeypatch, scenario)
    assert {"updated", "unchanged"} <= {o[4] for o in got["outcomes"]}


def test_a_refusal_by_the_sandbox_goes_row_by_row(tmp_path, monkeypatch) -> None:
    """A link to a company deleted from the sandbox (its crosswalk id points to nothing):
    the foreign key refuses that record only."""

    def scenario(project: Path, work: Path) -> list:
        src = crm(work / "export")
        with Migration(project) as mig:
            mig.migrate([src], through="companies")
        con = sqlite3.connect(project / "sandbox.db")
        with con:
            con.execute("DELETE FROM companies WHERE source_id='A2'")
        con.close()
        with Migration(project) as mig:
            return mig.migrate([src], batch_rows=10)

    got = assert_same(tmp_path, monkeypatch, scenario)
    assert any(o[5] and "does not exist in the sandbox" in o[5] for o in got["outcomes"])


SHAPES = [name for name in ("zoho", "hubspot_ui", "maven", "dynamics", "handkept",
                            "salesforce_export", "hubspot_ids", "pipedrive", "odoo")]  # fmt: skip


@pytest.mark.parametrize("shape", SHAPES)
def test_vendor_export_shapes(tmp_path, monkeypatch, shape) -> None:
    def scenario(project: Path, work: Path) -> list:
        export = getattr(vendor_exports, shape)(work / "export")
        with Migration(project) as mig:
            return mig.migrate([export.folder], batch_rows=25)

    assert_same(tmp_path, monkeypatch, scenario)


def test_generated_export_with_dirty_rows(tmp_path, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_dataset", ROOT / "tests" / "benchmarks" / "make_dataset.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]

    def scenario(project: Path, work: Path) -> list:
        module.generate(work / "export", scale=0.002, seed=3)
        with Migration(project) as mig:
            return mig.migrate([work / "export"], batch_rows=500)

    got = assert_same(tmp_path, monkeypatch, scenario)
    assert len(got["outcomes"]) > 5_000


@pytest.mark.parametrize(
    ("encoding", "delimiter", "title"),
    [("utf-8", ",", False), ("cp1252", ";", True), ("utf-16", "\t", False)],
)
def test_the_column_reader_gives_what_the_row_reader_gives(tmp_path, encoding, delimiter,
                                                            title) -> None:  # fmt: skip
    """Link recognition reads parent keys with ``columns_only`` (pyarrow): the same values as
    the full reader's, in any encoding and delimiter, quoted line breaks kept, ragged rows out."""
    from wizard.core.sources import open_source

    lines = ["Report of accounts"] if title else []
    lines += [delimiter.join(["Id", "Name", "Website"])]
    for i in range(300):
        name = f'"Société {i}\nsecond line"' if i % 7 == 0 else f"Café {i}"
        lines.append(delimiter.join([f"A{i}", name, f"site{i}.com"]))
    lines.insert(5, delimiter.join(["A_bad", "too", "many", "values"]))  # set aside
    path = tmp_path / "accounts.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    source = open_source(path)
    full = pd.concat(list(source.chunks()))

    def no_fallback(*_a, **_k):
        raise AssertionError("columns_only fell back to the row reader")

    source.chunks = no_fallback  # type: ignore[method-assign]
    cols = pd.concat(list(source.columns_only(["Id", "Name"])))
    assert list(cols.columns) == ["Id", "Name"]
    assert cols["Id"].tolist() == full["Id"].tolist()
    assert cols["Name"].tolist() == full["Name"].tolist()
    assert "A_bad" not in set(cols["Id"]) and len(cols) == 300


def test_one_column_feeding_two_links_settles_each_value(tmp_path) -> None:
    """A 'Regarding' column that holds deal ids and company ids, mapped to both links: each
    value stays on the link whose records hold it and is no orphan on the other."""
    from wizard.core.plan import FieldMap

    src = tmp_path / "export"
    write(src / "companies.csv", ["Company ID", "Company Name"], [["A1", "Acme"], ["A2", "Beta"]])
    write(src / "deals.csv", ["Deal ID", "Deal Name", "Company ID"],
          [["D1", "Big", "A1"], ["D2", "Small", "A2"]])  # fmt: skip
    write(src / "activities.csv", ["Activity ID", "Subject", "Activity Date", "Regarding"], [
        ["T1", "Call", "2025-01-01", "D1"], ["T2", "Visit", "2025-01-02", "A2"],
        ["T3", "Note", "2025-01-03", ""],
    ])  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare([src])
        acts = next(s for s in prepared.plan.sources if s.entity == "activity")
        acts.fields = [fm for fm in acts.fields if "Regarding" not in fm.columns]
        acts.fields += [FieldMap("deal", ["Regarding"], match_by="source_id", origin="admin"),
                        FieldMap("company", ["Regarding"], match_by="source_id", origin="admin")]  # fmt: skip
        plan_path = mig.save_plan(prepared.plan)
        mig.migrate([src], plan_path=plan_path)
        fid = next(f for f in mig.fidelity() if f.entity == "activity")
    db = tmp_path / "p" / "sandbox.db"
    con = sqlite3.connect(db)
    rows = dict(con.execute(
        "SELECT a.source_id, COALESCE(d.source_id, c.source_id) FROM activities a LEFT JOIN "
        "deals d ON d.id=a.deal_id LEFT JOIN companies c ON c.id=a.company_id"))  # fmt: skip
    con.close()
    assert rows == {"T1": "D1", "T2": "A2", "T3": None}
    assert (fid.links, fid.links_kept, fid.orphans) == (2, 2, 0)
