"""The ingestion pipeline: sandbox contract, phase order, active contacts last, accounting,
orphans, parents first, resume, undo, delta and the success/error files."""

from __future__ import annotations

import csv
import json
import random
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from wizard.core.blueprint import ENTITIES, LOAD_ORDER
from wizard.core.migration import Migration
from wizard.core.phases import RefusedError
from wizard.core.runner import PhaseResult
from wizard.core.targets import SandboxTarget

TODAY = date.today()
RECENT = (TODAY - timedelta(days=10)).isoformat()
OLD = (TODAY - timedelta(days=400)).isoformat()


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def crm(folder: Path) -> Path:
    """A small relational export with one of everything worth testing."""
    write(folder / "companies.csv", ["Company ID", "Company Name", "Website", "Parent Company ID"], [
        ["A3", "Grandchild Ltd", "grandchild.com", "A2"],  # listed before its parents
        ["A2", "Child GmbH", "child.de", "A1"],
        ["A1", "Parent Inc", "parent.com", ""],
        ["A4", "", "noname.com", ""],  # no name: loads, named from its domain
        ["", "Parent Inc (again)", "parent.com", ""],  # no id, A1's domain: merged into A1
        ["", "", "", "A1"],  # nothing that names a company: rejected
        ["A7", "Parent Holdings", "parent.com", ""],  # A1's domain, its own id: kept apart
    ])  # fmt: skip
    write(folder / "contacts.csv", ["Contact ID", "First Name", "Last Name", "Email", "Company ID",
                                    "Lifecycle Stage", "Last Activity Date", "Shoe Size"], [
        ["C1", "Ann", "Lee", "ann@parent.com", "A1", "Customer", OLD, "38"],
        ["C2", "Bob", "Roy", "bob@child.de", "A2", "Lead", OLD, "44"],  # has an open deal
        ["C3", "Eve", "Stone", "eve@grandchild.com", "A3", "Subscriber", OLD, ""],  # recent act.
        ["C4", "Sam", "Hill", "sam@x.com", "A1", "Opportunity", OLD, ""],  # lifecycle: active
        ["C5", "Zoe", "Kay", "not an email", "A9", "Lead", OLD, "=HYPERLINK(\"x\")"],  # orphan
        ["", "Ann", "Lee", "ann@parent.com", "A1", "Customer", OLD, ""],  # no id: merged into C1
        ["", "", "", "", "A1", "Lead", OLD, ""],  # nothing to tell it apart: rejected
    ])  # fmt: skip
    write(folder / "deals.csv", ["Deal ID", "Deal Name", "Amount", "Stage", "Company ID",
                                 "Contact ID", "Close Date"], [
        ["D1", "Big deal", "1000", "Negotiation", "A2", "C2", "2030-01-01"],  # open: C2 active
        ["D2", "Old deal", "500", "Closed won", "A1", "C1", "2020-01-01"],
        ["D3", "Bad amount", "lots", "Closed lost", "A1", "C1", "2020-01-01"],  # kept as written
        ["D4", "Lost one", "10", "Closed lost", "A9", "C1", "2020-01-01"],  # company orphan
    ])  # fmt: skip
    write(folder / "activities.csv", ["Activity ID", "Activity Type", "Subject", "Activity Date",
                                      "Contact ID", "Deal ID"], [
        ["T1", "Call", "Hello", RECENT, "C3", ""],  # recent: C3 active
        ["T2", "Email", "Quote", OLD, "C1", "D2"],
        ["T3", "Meeting", "Kickoff", OLD, "C2", "D1"],  # hangs on an active contact
        ["T4", "Carrier pigeon", "Coo", OLD, "C1", ""],  # not a type: kept as written
        ["T5", "Note", "About D1", OLD, "C1", "D1"],  # hangs on a deferred deal
    ])  # fmt: skip
    return folder


def table(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def by_phase(results: list[PhaseResult]) -> dict[str, PhaseResult]:
    return {r.phase: r for r in results}


@pytest.fixture
def migrated(tmp_path: Path) -> tuple[Migration, dict[str, PhaseResult], Path]:
    src = crm(tmp_path / "export")
    mig = Migration(tmp_path / "project")
    results = by_phase(mig.migrate([src], batch_rows=2))
    yield mig, results, tmp_path / "project"
    mig.close()


def test_sandbox_schema_is_the_public_contract(tmp_path: Path) -> None:
    target = SandboxTarget(tmp_path / "sandbox.db")
    target.close()
    con = sqlite3.connect(tmp_path / "sandbox.db")
    fks = {}
    for name in LOAD_ORDER:
        t = ENTITIES[name].table
        cols = {r[1]: r for r in con.execute(f"PRAGMA table_info({t})")}
        assert cols["id"][2] == "INTEGER" and cols["id"][5] == 1  # primary key
        assert cols["source_id"][3] == 1  # NOT NULL
        assert "properties" in cols
        unique = [r for r in con.execute(f"PRAGMA index_list({t})") if r[2]]
        assert any(con.execute(f"PRAGMA index_info({u[1]})").fetchone()[2] == "source_id"
                   for u in unique)  # fmt: skip
        fks[t] = {r[3]: r[2] for r in con.execute(f"PRAGMA foreign_key_list({t})")}
    assert fks["contacts"] == {"company_id": "companies", "owner_id": "owners"}
    assert fks["deals"] == {"company_id": "companies", "contact_id": "contacts",
                            "owner_id": "owners"}  # fmt: skip
    assert fks["activities"] == {"company_id": "companies", "contact_id": "contacts",
                                 "deal_id": "deals", "owner_id": "owners"}  # fmt: skip
    assert fks["companies"]["parent_company_id"] == "companies"
    cols = [r[1] for r in con.execute("PRAGMA table_info(associations)")]
    assert cols[1:] == ["from_table", "from_id", "to_table", "to_id", "label"]
    con.close()


def test_target_contract_upsert_refusal_delete_count_links(tmp_path: Path) -> None:
    t = SandboxTarget(tmp_path / "sandbox.db")
    cols = ["source_id", "name", "properties", "parent_company"]
    first = t.write_batch("company", cols, [("A1", "Acme", "{}", None), ("A2", "Beta", "{}", None)])
    assert [r.error for r in first] == [None, None]
    a1 = first[0].target_id
    again = t.write_batch("company", cols, [("A1", "Acme Inc", "{}", None)])  # upsert
    assert again[0].target_id == a1 and t.count("company") == 2
    assert table(tmp_path / "sandbox.db", "SELECT name FROM companies WHERE id=1") == [
        ("Acme Inc",)
    ]
    # a record pointing to nothing is refused on its own; the others load
    mixed = t.write_batch("company", cols, [("A3", "Child", "{}", a1), ("A4", "Bad", "{}", 999)])
    assert mixed[0].target_id is not None and mixed[1].target_id is None
    assert "does not exist" in (mixed[1].error or "")
    assert t.link_counts("company") == {"owner": 0, "parent_company": 1}
    assert t.dangling("company") == {"owner": 0, "parent_company": 0}
    assert t.lookup("company", ["A1", "A3", "nope"]) == {"A1": a1, "A3": mixed[0].target_id}
    assert t.delete("company", [mixed[0].target_id]) == 1 and t.count("company") == 2
    t.close()


def test_phases_load_in_order_with_active_contacts_last(migrated) -> None:
    _mig, results, project = migrated
    assert list(results) == ["companies", "contacts", "deals", "activities", "active"]
    db = project / "sandbox.db"
    # active: C2 (open deal D1), C3 (recent activity), C4 (lifecycle Opportunity)
    contacts = results["contacts"].accounting[0]
    assert (contacts.read, contacts.loaded, contacts.rejected, contacts.merged,
            contacts.deferred) == (7, 2, 1, 1, 3)  # fmt: skip
    companies = results["companies"].accounting[0]
    assert (companies.read, companies.loaded, companies.merged, companies.rejected) == (7, 5, 1, 1)
    deals = results["deals"].accounting[0]
    assert (deals.loaded, deals.rejected, deals.deferred) == (3, 0, 1)  # D1 hangs on C2
    acts = results["activities"].accounting[0]
    assert (acts.loaded, acts.rejected, acts.deferred) == (2, 0, 3)  # T1, T3, T5 wait
    active = {a.entity: a for a in results["active"].accounting}
    assert (active["contact"].read, active["contact"].loaded) == (3, 3)
    assert (active["deal"].read, active["deal"].loaded) == (1, 1)
    assert (active["activity"].read, active["activity"].loaded) == (3, 3)
    # the active contacts really were written after everything else
    ids = dict(table(db, "SELECT source_id, id FROM contacts"))
    assert max(ids["C1"], ids["C5"]) < min(ids["C2"], ids["C3"], ids["C4"])
    for r in results.values():
        assert r.state == "completed" and r.reconciled, r.message
        assert all(a.balanced for a in r.accounting)


def test_rows_move_back_from_the_active_phase_when_the_rule_changes(tmp_path: Path) -> None:
    """What the active rule held back goes home when the rule no longer holds it, and is held
    back again when it does: contacts, their deals and the activities on either."""
    from wizard.core.plan import ActiveRule
    from wizard.core.staging import Staged

    src = crm(tmp_path / "export")

    def phases(mig: Migration) -> dict[str, str]:
        out = {}
        for t in ("stage_contact", "stage_deal", "stage_activity"):
            out |= dict(mig.ledger.db.execute(f"SELECT key, phase FROM {t} WHERE key LIKE "
                                              "'C_' OR key LIKE 'D_' OR key LIKE 'T_'"))  # fmt: skip
        return out

    def check(mig: Migration, prepared) -> None:
        assert any(isinstance(item, Staged) for item in mig.stage(prepared))

    held = {"C2", "C3", "C4", "D1", "T1", "T3", "T5"}  # as test_phases_load_in_order... says
    with Migration(tmp_path / "project") as mig:
        prepared = mig.prepare([src])
        check(mig, prepared)
        first = phases(mig)
        assert {k for k, v in first.items() if v == "active"} == held
        # only the lifecycle stage makes a contact active now: C4 alone (Opportunity)
        prepared.plan.active_rule = ActiveRule(open_deal=False, via_company=False,
                                               recent_days=None, lifecycle=["Opportunity"])  # fmt: skip
        check(mig, prepared)
        narrow = phases(mig)
        assert {k for k, v in narrow.items() if v == "active"} == {"C4"}
        home = {"C": "contacts", "D": "deals", "T": "activities"}
        assert all(narrow[k] == home[k[0]] for k in first if k != "C4"), narrow
        prepared.plan.active_rule = ActiveRule()
        check(mig, prepared)
        assert phases(mig) == first


def test_links_parents_first_merges_and_orphans(migrated) -> None:
    _mig, _results, project = migrated
    db = project / "sandbox.db"
    parents = dict(table(db, "SELECT c.source_id, p.source_id FROM companies c LEFT JOIN "
                             "companies p ON p.id = c.parent_company_id"))  # fmt: skip
    # the row without an id was merged into A1; A7 shares A1's domain but has an id of its own
    assert parents == {"A1": None, "A2": "A1", "A3": "A2", "A4": None, "A7": None}
    ids = dict(table(db, "SELECT source_id, id FROM companies"))
    assert ids["A1"] < ids["A2"] < ids["A3"]  # parents before children, whatever the file order
    assert table(db, "SELECT name FROM companies WHERE source_id='A4'") == [("noname.com",)]
    # the duplicate contact without an id was merged into C1; a deal on C1 links to the one
    assert table(db, "SELECT COUNT(*) FROM contacts WHERE email='ann@parent.com'") == [(1,)]
    # a value its field cannot hold is kept as written beside it, and the record loads
    amount, props = table(db, "SELECT amount, properties FROM deals WHERE source_id='D3'")[0]
    assert amount is None and json.loads(props)["amount_as_written"] == "lots"
    assert "'lots' could not be read" in json.loads(props)["cutover_flag"]
    assert table(db, "SELECT type FROM activities WHERE source_id='T4'") == [("Carrier pigeon",)]
    # orphans: loaded without the link and flagged (the default policy)
    row = table(db, "SELECT company_id, email, properties FROM contacts WHERE source_id='C5'")[0]
    assert row[0] is None and row[1] is None
    flag = json.loads(row[2])["cutover_flag"]
    assert "'A9' is not among the companies" in flag and "not an email" in flag
    assert json.loads(row[2])["email_as_written"] == "not an email"
    assert json.loads(row[2])["company_as_written"] == "A9"  # the link's value stays too
    assert json.loads(row[2])["shoe_size"] == '=HYPERLINK("x")'  # stored as text, as written
    d4 = table(db, "SELECT company_id, contact_id FROM deals WHERE source_id='D4'")[0]
    assert (
        d4[0] is None and d4[1] == table(db, "SELECT id FROM contacts WHERE source_id='C1'")[0][0]
    )
    assert table(db, "PRAGMA foreign_key_check") == []


def test_a_link_the_target_holds_is_kept_when_its_record_leaves_the_files(tmp_path: Path) -> None:
    """A fresh export no longer lists company A2, loaded last time; then the companies file
    leaves the plan. C2's link to A2 is in the target all along: fidelity counts it as kept,
    never as 'loaded without the link'."""
    src = crm(tmp_path / "export")
    files = [src / "companies.csv", src / "contacts.csv"]
    sandbox = tmp_path / "project" / "sandbox.db"
    linked = ("SELECT p.source_id FROM contacts c JOIN companies p ON p.id=c.company_id "
              "WHERE c.source_id='C2'")  # fmt: skip

    def contacts(mig: Migration):
        return next(f for f in mig.fidelity() if f.label == "contacts.csv")

    with Migration(tmp_path / "project") as mig:
        mig.migrate(files)
        first = contacts(mig)
        # C1..C4 and the merged duplicate keep their link; C5's A9 is in no file; the rejected
        # row's A1 is in the files but not written
        assert (first.links, first.links_kept, first.orphans) == (6, 5, 1)
        rows = (src / "companies.csv").read_text().splitlines()
        (src / "companies.csv").write_text("\n".join(r for r in rows if not r.startswith("A2,")))
        mig.migrate(files)
        assert table(sandbox, linked) == [("A2",)]  # what was loaded stays loaded
        again = contacts(mig)
        assert (again.links, again.links_kept, again.orphans) == (6, 5, 1)
        prepared = mig.prepare(files)
        prepared.plan.sources = [s for s in prepared.plan.sources
                                 if not s.file.endswith("companies.csv")]  # fmt: skip
        mig.save_plan(prepared.plan)
        mig.migrate([src / "contacts.csv"])
        assert table(sandbox, linked) == [("A2",)]
        alone = contacts(mig)
    # the five links written are kept; the rejected row's A1 is now in no file (an orphan)
    assert (alone.links, alone.links_kept, alone.orphans) == (5, 5, 2)
    assert not any("were not written" in why for why in alone.why)


def test_orphan_policy_reject(tmp_path: Path) -> None:
    src = crm(tmp_path / "export")
    with Migration(tmp_path / "p") as mig:
        prepared = mig.prepare([src])
        prepared.plan.orphan_policy["contact.company"] = "reject"
        plan_path = mig.save_plan(prepared.plan)
        results = by_phase(mig.migrate([src], plan_path=plan_path))
    contacts = results["contacts"].accounting[0]
    assert contacts.rejected == 2  # C7 (no name) and C5 (company A9 missing)
    assert any("not among the companies" in reason for reason, _ in results["contacts"].reasons)


def test_phase_order_is_enforced_and_undo_cascades(migrated) -> None:
    mig, _results, project = migrated
    db = project / "sandbox.db"
    order = [p.name for p in mig.undo_plan("deals")]
    assert order == ["active", "activities", "deals"]  # later phases first
    mig.undo(mig.undo_plan("deals"))
    assert table(db, "SELECT COUNT(*) FROM deals") == [(0,)]
    assert table(db, "SELECT COUNT(*) FROM activities") == [(0,)]
    # contacts of the active phase are gone, the others stay
    assert sorted(r[0] for r in table(db, "SELECT source_id FROM contacts")) == ["C1", "C5"]
    with pytest.raises(RefusedError):
        for _ in mig.run("activities"):
            pass
    again = by_phase(mig.migrate([project.parent / "export"]))
    assert list(again) == ["deals", "activities", "active"]
    assert table(db, "SELECT COUNT(*) FROM activities") == [(5,)]
    assert table(db, "PRAGMA foreign_key_check") == []


def test_stop_between_batches_then_resume_gives_the_same_sandbox(tmp_path: Path) -> None:
    src = crm(tmp_path / "export")
    with Migration(tmp_path / "once") as mig:
        mig.migrate([src], batch_rows=2)
    rnd = random.Random(5)

    def stop_soon() -> bool:
        return rnd.random() < 0.3  # asked after every batch (and every chunk read)

    with Migration(tmp_path / "stops") as mig:
        for _ in range(100):
            mig.migrate([src], batch_rows=2, should_stop=stop_soon)
            if all(mig.is_done(p) for p in mig.phases()):
                break
        states = [p["state"] for p in mig.status()["phases"]]
        runs = [r["outcome"] for r in mig.ledger.runs()]
    assert states == ["completed"] * 5 and "stopped" in runs
    for t in ("companies", "contacts", "deals", "activities", "associations"):
        q = f"SELECT * FROM {t} ORDER BY id"
        assert table(tmp_path / "once" / "sandbox.db", q) == table(
            tmp_path / "stops" / "sandbox.db", q
        )


def test_delta_loads_new_updates_changed_leaves_the_rest(migrated, tmp_path: Path) -> None:
    mig, _results, project = migrated
    src = tmp_path / "export" / "companies.csv"
    rows = list(csv.reader(src.open(encoding="utf-8")))
    rows[3][1] = "Parent Incorporated"  # A1 renamed
    rows.append(["A6", "Newco", "newco.com", ""])
    write(src, rows[0], rows[1:])
    again = by_phase(mig.migrate([tmp_path / "export"]))
    acc = again["companies"].accounting[0]
    assert (acc.read, acc.loaded, acc.updated, acc.unchanged, acc.merged, acc.rejected) == (
        8, 1, 1, 4, 1, 1)  # fmt: skip
    db = project / "sandbox.db"
    assert table(db, "SELECT name FROM companies WHERE source_id='A1'") == [
        ("Parent Incorporated",)
    ]
    assert table(db, "SELECT COUNT(*) FROM companies") == [(6,)]
    assert list(again) == ["companies"]  # nothing else changed


def test_success_and_error_files(migrated) -> None:
    _mig, results, project = migrated
    exports = project / "exports"
    with (exports / "03-contacts-rejected.csv").open(encoding="utf-8-sig") as f:
        rejected = list(csv.DictReader(f))
    assert [r["Row"] for r in rejected] == ["8"]
    assert "has no first name" in rejected[0]["Reason"] or "no " in rejected[0]["Reason"]
    with (exports / "03-contacts-loaded.csv").open(encoding="utf-8-sig") as f:
        loaded = {r["Record ID"]: r for r in csv.DictReader(f)}
    by_row = {r["Row"]: r for r in loaded.values()}
    assert by_row["7"]["Outcome"] == "merged" and by_row["7"]["New ID"] == loaded["C1"]["New ID"]
    wb = openpyxl.load_workbook(exports / "06-active-loaded.xlsx", read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:6] == ("File", "Row", "Entity", "Record ID", "New ID", "Outcome")
    assert isinstance(rows[1][1], int) and len(rows) == 1 + 7
    wb.close()
    assert all(Path(p).exists() for p in results["active"].exports)
    # UTF-8 with its byte order mark, which Excel needs to show accents
    assert (exports / "03-contacts-loaded.csv").read_bytes().startswith(b"\xef\xbb\xbfFile,")


def test_the_success_file_counts_its_rows(tmp_path: Path) -> None:
    from wizard.core.exports import _write_csv

    for n in (0, 1, 7):
        rows = iter([("a", i, "é") for i in range(n)])
        assert _write_csv(tmp_path / f"{n}.csv", ["x", "y", "z"], rows) == n
        with (tmp_path / f"{n}.csv").open(encoding="utf-8-sig", newline="") as f:
            assert list(csv.reader(f)) == [["x", "y", "z"]] + [["a", str(i), "é"]
                                                               for i in range(n)]  # fmt: skip


def test_status_reports_phases_files_and_journal(migrated) -> None:
    mig, _results, _project = migrated
    status = mig.status()
    assert [p["state"] for p in status["phases"]] == ["completed"] * 5
    files = {f["label"]: f for f in status["files"]}
    c = files["contacts.csv"]
    assert c["rows_read"] == 7 == c["loaded"] + c["rejected"] + c["merged"]
    assert any(r["action"] == "run" and r["outcome"] == "completed" for r in status["journal"])
    assert status["journal"][0]["action"] == "stage" and status["journal"][0]["rows"] == 23


def test_one_process_at_a_time_and_fresh_exports_keep_the_plan(tmp_path: Path) -> None:
    src = crm(tmp_path / "export")
    with Migration(tmp_path / "p") as mig:
        other = subprocess.run([sys.executable, "-c", "import sys\nfrom wizard.core.migration "
                                "import Migration\nMigration(sys.argv[1])", str(tmp_path / "p")],
                               capture_output=True, text=True)  # fmt: skip
        assert "open in another Cutover Wizard window" in other.stderr  # another process
        Migration(tmp_path / "p", env="live").close()  # this process may open it again
        prepared = mig.prepare([src])
        contacts = next(s for s in prepared.plan.sources if s.file.endswith("contacts.csv"))
        contacts.custom["Shoe Size"] = "shoe_size_eu"  # the admin's own name for it
        mig.save_plan(prepared.plan)
        mig.migrate([src])
        fresh = crm(tmp_path / "export-monday")  # the same exports, in a new folder
        again = mig.prepare([fresh])
    mine = next(s for s in again.plan.sources if s.file.endswith("contacts.csv"))
    assert mine.file == str(fresh / "contacts.csv")
    assert mine.custom["Shoe Size"] == "shoe_size_eu"
    assert len(again.plan.sources) == 4


def test_a_value_made_from_the_row_fills_a_field_the_file_lacks(tmp_path: Path) -> None:
    """No email column: the admin makes it from the names ('{First Name}.{Last Name}@acme.com');
    a row missing a name gets no email (never a half-made one), and the names' cells count as
    kept by it."""
    from wizard.core.errors import PlanError
    from wizard.core.plan import FieldMap, Plan

    src = write(tmp_path / "export" / "people.csv", ["Person ID", "First Name", "Last Name"],
                [["P1", "Ann", "Lee"], ["P2", " Bob ", "Roy"], ["P3", "Cy", ""]])  # fmt: skip
    with Migration(tmp_path / "project") as mig:
        prepared = mig.prepare([src])
        people = prepared.plan.sources[0]
        assert people.entity == "contact" and people.field_map("email") is None
        people.fields.append(FieldMap("email", ["First Name", "Last Name"],
                                      template="{First Name}.{Last Name}@acme.com",
                                      origin="admin"))  # fmt: skip
        mig.save_plan(prepared.plan)
        assert Plan.load(mig.plan_path).sources[0].field_map("email").template  # saved, read back
        mig.migrate([src])
        rows = table(tmp_path / "project" / "sandbox.db",
                     "SELECT source_id, email FROM contacts ORDER BY source_id")  # fmt: skip
        assert rows == [("P1", "ann.lee@acme.com"), ("P2", "bob.roy@acme.com"), ("P3", None)]
        (kept,) = mig.fidelity()
        assert kept.values == kept.values_kept  # every cell is in the record it made
    bad = prepared.plan.to_dict()
    bad["sources"][0]["fields"][-1]["template"] = "no column named"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(PlanError, match="names at least one"):
        Plan.load(path)


def test_the_sandbox_is_reconciled_only_while_it_holds_what_every_phase_loaded(migrated) -> None:
    """``reconciled`` (what makes the rehearsal count) checks each entity once, whichever
    phases loaded it: a contact deleted from the sandbox after the last phase is caught,
    whether the contacts phase or the active one loaded it."""
    mig, _, project = migrated
    assert all(mig.is_done(p) for p in mig.phases())
    assert mig.reconciled()
    picked = [mig.ledger.db.execute(
        "SELECT s.key FROM outcomes o JOIN stage_contact s ON s.sid=o.sid WHERE "
        "o.entity='contact' AND o.phase=? AND o.outcome='loaded' LIMIT 1", (phase,),
    ).fetchone()[0] for phase in ("contacts", "active")]  # fmt: skip
    sandbox = sqlite3.connect(project / "sandbox.db")
    try:
        for source_id in picked:
            row = sandbox.execute("SELECT * FROM contacts WHERE source_id=?",
                                  (source_id,)).fetchone()  # fmt: skip
            with sandbox:
                sandbox.execute("DELETE FROM contacts WHERE source_id=?", (source_id,))
            assert not mig.reconciled(), source_id
            with sandbox:  # put back: reconciled again
                sandbox.execute(f"INSERT INTO contacts VALUES ({','.join('?' * len(row))})", row)
            assert mig.reconciled(), source_id
    finally:
        sandbox.close()


def _accounting_row_by_row(db: sqlite3.Connection, phase, home: dict[str, str]) -> list[dict]:
    """The accounting as it was counted before the census: one query per file."""
    out = []
    for entity in phase.entities:
        for fid, label, rows_read in db.execute(
            "SELECT fid, label, rows_read FROM files WHERE entity=? ORDER BY fid", (entity,)
        ).fetchall():
            is_home = home[entity] == phase.name
            where = "s.fid=?" if is_home else "s.fid=? AND s.phase=?"
            args = (fid,) if is_home else (fid, phase.name)
            buckets = dict(db.execute(
                f"SELECT CASE WHEN s.phase != ? THEN 'deferred' ELSE COALESCE(o.outcome, "
                f"'pending') END AS b, COUNT(*) FROM stage_{entity} s LEFT JOIN outcomes o ON "
                f"o.entity=? AND o.sid=s.sid WHERE {where} GROUP BY b",
                (phase.name, entity, *args)))  # fmt: skip
            read = (rows_read or 0) if is_home else sum(buckets.values())
            if is_home or read:
                out.append({"label": label, "entity": entity, "read": read, **{
                    b: buckets.get(b, 0) for b in ("loaded", "updated", "unchanged", "rejected",
                                                   "deferred", "merged", "pending")}})  # fmt: skip
    return out


@pytest.mark.parametrize("through", ["companies", "deals", None])
def test_status_counts_every_row_once_as_each_file_and_phase_did(tmp_path: Path,
                                                                 through) -> None:  # fmt: skip
    from wizard.core.phases import HOME

    folder = crm(tmp_path / "export")
    write(folder / "more_contacts.csv", ["Contact ID", "First Name", "Last Name", "Email",
                                         "Company ID", "Lifecycle Stage"], [
        ["C8", "Ida", "Moe", "ida@child.de", "A2", "Opportunity"],
        ["C9", "Max", "Roe", "max@child.de", "A2", "Subscriber"],
        ["C1", "Ann", "Lee", "ann@parent.com", "A1", "Customer"],
    ])  # fmt: skip
    project = tmp_path / "project"
    with Migration(project) as mig:
        results = mig.migrate([folder], through=through)
        status = mig.status()
        db = mig.ledger.db
        phases = {p.name: p for p in mig.phases()}
        # each phase's own accounting, counted with its fidelity as it completed
        assert results and all(r.state == "completed" for r in results)
        for r in results:
            want = _accounting_row_by_row(db, phases[r.phase], HOME)
            assert [{k: getattr(a, k) for k in w} for a, w in zip(r.accounting, want,
                                                                   strict=True)] == want  # fmt: skip
        for p in status["phases"]:
            phase = phases[p["name"]]
            want = _accounting_row_by_row(db, phase, HOME)
            assert [{k: a[k] for k in w} for a, w in zip(p["accounting"], want, strict=True)] \
                == want  # fmt: skip
            assert p["pending_rows"] == sum(
                db.execute(f"SELECT COUNT(*) FROM stage_{e} s WHERE s.phase=? AND NOT EXISTS "
                           "(SELECT 1 FROM outcomes o WHERE o.entity=? AND o.sid=s.sid)",
                           (phase.name, e)).fetchone()[0] for e in phase.entities)  # fmt: skip
            assert all(a["balanced"] for a in p["accounting"])
        for f in status["files"]:
            (fid,) = db.execute("SELECT fid FROM files WHERE label=?", (f["label"],)).fetchone()
            rows = dict(db.execute(
                f"SELECT COALESCE(o.outcome, 'waiting'), COUNT(*) FROM stage_{f['entity']} s "
                "LEFT JOIN outcomes o ON o.entity=? AND o.sid=s.sid WHERE s.fid=? GROUP BY 1",
                (f["entity"], fid)))  # fmt: skip
            assert {k: v for k, v in f.items() if k in rows} == rows
            assert sum(f[k] for k in ("loaded", "updated", "unchanged", "rejected", "merged",
                                      "waiting")) == f["rows_read"]  # fmt: skip
        waiting = sum(f["waiting"] for f in status["files"])
        assert (waiting > 0) == (through is not None)
