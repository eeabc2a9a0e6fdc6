"""The method's rules: the testing buffer (with an injected clock), the QA checklist, spot
checks, sign-off, the gate and its overrides, project.json (atomic saves, fallback, upgrade),
and the live cutover from the command line."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.test_pipeline import crm, write
from wizard.cli import main
from wizard.core import qa
from wizard.core.clock import FixedClock
from wizard.core.cutover import Project, delta_check
from wizard.core.errors import CutoverError
from wizard.core.migration import Migration
from wizard.core.project import SCHEMA_VERSION, ProjectState, ProjectStore

DAY0 = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture
def rehearsed(tmp_path: Path):
    """A project whose sandbox rehearsal completed on DAY0."""
    export = crm(tmp_path / "export")
    folder = tmp_path / "project"
    clock = FixedClock(DAY0)
    with Migration(folder) as mig:
        mig.migrate([export])
        project = Project(folder, clock)
        assert project.note_sandbox(mig)
    return folder, export, clock


def test_the_buffer_and_the_gate_by_the_day(rehearsed) -> None:
    folder, _, clock = rehearsed
    project = Project(folder, clock)
    assert project.state.rehearsal_completed.startswith("2026-11-24")
    for day, locked in ((0, True), (29, True), (30, False), (45, False)):
        clock.at = DAY0
        clock.advance(days=day)
        buf = qa.buffer(project.state, clock)
        assert buf.day == day and buf.elapsed is (not locked)
        kinds = [lock.kind for lock in project.locks("companies")]
        assert kinds == (["buffer"] if locked else [])
        # active sales contacts also wait for the sign-off, whatever the day
        assert "qa" in [lock.kind for lock in project.locks("active")]
    assert qa.buffer(project.state, clock).unlocks.isoformat() == "2026-12-24"
    clock.at = DAY0
    clock.advance(days=3)
    assert "Day 3 of 30" in qa.buffer(project.state, clock).describe()
    project.state.buffer_days = 14  # a project setting
    clock.advance(days=11)
    assert project.locks("deals") == []


def test_checklist_sign_off_and_spot_checks(rehearsed) -> None:
    folder, _, clock = rehearsed
    project = Project(folder, clock)
    with Migration(folder) as mig:
        items = {i.item.id: i for i in qa.evaluate(project.state, mig)}
        assert items["quality.counts"].status == "passed"
        assert items["quality.rejected"].status == "failed"  # the fixture has rejects
        # T4's activity type 'Carrier pigeon' loaded as written: the check says so
        assert items["consistency.picklists"].status == "failed"
        assert "'Carrier pigeon'" in items["consistency.picklists"].detail
        assert items["consistency.dates"].status == "passed"
        assert items["consistency.phones"].status == "passed"
        assert items["accessibility.spot_checks"].status == "open"
        assert items["accessibility.find_own"].status == "open"
        with pytest.raises(CutoverError, match="cannot be signed off yet"):
            qa.sign_off(project.state, list(items.values()), "Dana", clock)
        with pytest.raises(CutoverError, match="Say why"):
            qa.decide(project.state, "quality.rejected", "Dana", "", clock)
        qa.decide(project.state, "quality.rejected", "Dana",
                  "The rejected rows are test data we do not want.", clock)  # fmt: skip
        qa.decide(project.state, "consistency.picklists", "Dana",
                  "The new CRM gets a 'Carrier pigeon' activity type.", clock)  # fmt: skip
        qa.decide(project.state, "accessibility.find_own", "Sam", clock=clock)
        picked = qa.draw_spot_checks(mig, 50, seed=1)
        assert len(picked) == len(set(picked)) and {e for e, _ in picked} >= {"company",
                                                                              "contact"}  # fmt: skip
        spots = [qa.spot_record(mig, e, s) for e, s in picked]
        company = next(s for s in spots if s.entity == "company" and s.source_id == "A1")
        assert company.source_row["name"] == "Parent Inc" and company.record["name"] == "Parent Inc"
        assert company.source_where == "companies.csv, row 4"
        assert dict(company.links)["Contacts"].startswith("2:")  # Ann and Sam (C4 active)
        deal = next(s for s in spots if s.entity == "deal")
        assert "Company" in dict(deal.links) and deal.source_where.startswith("deals.csv, row")
        first = spots[0]
        with pytest.raises(CutoverError, match="what is wrong"):
            qa.record_spot_check(project.state, first, "fail", "Dana", "", clock)
        qa.record_spot_check(project.state, first, "fail", "Dana", "Wrong owner", clock)
        for s in spots[1:]:
            qa.record_spot_check(project.state, s, "pass", "Dana", clock=clock)
        items = {i.item.id: i for i in qa.evaluate(project.state, mig)}
        assert items["accessibility.spot_checks"].status == "failed"
        qa.record_spot_check(project.state, first, "pass", "Dana", "Owner fixed", clock)
        items = qa.evaluate(project.state, mig)
        assert qa.finalized(items)
        qa.sign_off(project.state, items, "Dana Lee", clock)
        assert project.state.signoff["by"] == "Dana Lee"
        project.save()
    clock.advance(days=30)
    again = Project(folder, clock)
    assert again.state.signoff["by"] == "Dana Lee" and again.locks("active") == []
    assert len(again.state.spot_checks) == len(spots)


def test_consistency_checks_read_the_sandbox(rehearsed) -> None:
    folder, _, clock = rehearsed
    db = sqlite3.connect(folder / "sandbox.db")
    db.execute("UPDATE contacts SET lifecycle_stage='Hot lead', phone='0171 555' WHERE id=1")
    db.execute("UPDATE deals SET close_date='31/12/2030' WHERE id=1")
    db.commit()
    db.close()
    with Migration(folder) as mig:
        items = {i.item.id: i for i in qa.evaluate(Project(folder, clock).state, mig)}
    assert items["consistency.picklists"].status == "failed"
    assert "'Hot lead'" in items["consistency.picklists"].detail
    assert items["consistency.dates"].status == "failed"
    assert "'31/12/2030'" in items["consistency.dates"].detail
    assert items["consistency.phones"].status == "failed"


def test_override_needs_a_reason_and_is_journaled(rehearsed) -> None:
    folder, _, clock = rehearsed
    project = Project(folder, clock)
    locks = project.locks("active")
    assert {lock.kind for lock in locks} == {"buffer", "qa"}
    with pytest.raises(CutoverError, match="reason"):
        project.override(locks, "because", "Dana")
    with Migration(folder, env="live") as live:
        project.override(locks, "The board moved the go-live to this weekend.", "Dana",
                         live.ledger)  # fmt: skip
        journal = [r for r in live.ledger.runs() if r["action"] == "override"]
    assert len(journal) == 2 and "board moved" in journal[0]["message"]
    assert project.locks("active") == []
    kept = Project(folder, clock).state.overrides
    assert [o["gate"] for o in kept] == ["buffer", "qa"] and kept[0]["by"] == "Dana"


def test_delta_check_against_fresh_exports(rehearsed, tmp_path: Path) -> None:
    folder, export, clock = rehearsed
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for f in export.iterdir():
        (fresh / f.name).write_bytes(f.read_bytes())
    write(fresh / "deals.csv", ["Deal ID", "Deal Name", "Amount", "Stage", "Company ID",
                                "Contact ID", "Close Date", "Region"],
          [["D1", "Big deal", "1000", "Negotiation", "A2", "C2", "2030-01-01", "EU"]])  # fmt: skip
    project = Project(folder, clock)
    with Migration(folder, env="live") as live:
        prepared = live.prepare([fresh])
        deltas = {d.label: d for d in delta_check(project.state, prepared, {"deals.csv": 1})}
    assert deltas["deals.csv"].new_columns == ["Region"]
    text = " ".join(deltas["deals.csv"].lines())
    assert "new columns: Region" in text and "1 rows, 3 fewer than at the rehearsal (4)" in text
    assert deltas["contacts.csv"].lines() == []


def test_project_file_saves_atomically_and_falls_back(tmp_path: Path) -> None:
    store = ProjectStore(tmp_path)
    state = store.load()
    assert state.name == tmp_path.name and store.notice == ""
    state.page = 5
    store.save(state)
    state.page = 6
    store.save(state)
    assert json.loads((tmp_path / "project.json").read_text())["schema_version"] == SCHEMA_VERSION
    assert json.loads((tmp_path / "project.json.bak").read_text())["page"] == 5
    (tmp_path / "project.json").write_text('{"schema_version": 2, "page": 7, "na')  # cut short
    again = ProjectStore(tmp_path)
    assert again.load().page == 5 and "last good copy" in again.notice
    (tmp_path / "project.json.bak").write_text("")
    third = ProjectStore(tmp_path)
    assert third.load().page == 0 and "start afresh" in third.notice


def test_an_older_project_file_is_upgraded(tmp_path: Path) -> None:
    (tmp_path / "project.json").write_text(json.dumps({
        "schema_version": 1, "name": "acme", "created": "2026-10-01T10:00:00+00:00",
        "last_page": "phase:deals", "buffer": {"days": 21, "started": "2026-10-20T12:00:00"},
        "qa": {"items": {"accessibility.find_own": {"status": "passed", "by": "Sam"}},
               "signed_by": "Dana", "signed_at": "2026-11-01T09:00:00"},
    }))  # fmt: skip
    store = ProjectStore(tmp_path)
    state = store.load()
    assert store.upgraded_from == 1
    assert (state.page, state.phase, state.buffer_days) == (10, "deals", 21)
    assert state.rehearsal_completed == "2026-10-20T12:00:00"
    assert state.signoff == {"by": "Dana", "at": "2026-11-01T09:00:00"}
    assert state.checklist["accessibility.find_own"]["by"] == "Sam"
    store.save(state)
    assert json.loads((tmp_path / "project.json").read_text())["schema_version"] == 2
    (tmp_path / "project.json").write_text(json.dumps({"schema_version": 99}))
    (tmp_path / "project.json.bak").unlink()
    newer = ProjectStore(tmp_path)
    newer.load()
    assert "newer Cutover Wizard" in newer.notice


SAVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from wizard.core.project import ProjectStore
    store = ProjectStore(Path(sys.argv[1]))
    state = store.load()
    print("ready", flush=True)
    while True:
        state.page += 1
        state.spot_checks = [{"n": i, "comment": "x" * 200} for i in range(state.page % 50)]
        store.save(state)
""")


def test_killed_while_saving_the_project_still_opens(tmp_path: Path) -> None:
    """SIGKILL at random points of a save loop, many times: the project always opens with a
    state that was saved whole (and never goes back further than the last good copy)."""
    import random

    rng = random.Random(7)
    last_seen = 0
    for trial in range(25):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(tmp_path)],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stdout.readline().strip() == "ready"
        # let it save for a few milliseconds (a random number of saves), then kill it
        deadline = rng.uniform(0.002, 0.05)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=deadline)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        store = ProjectStore(tmp_path)
        state = store.load()
        assert isinstance(state, ProjectState)
        assert state.page >= last_seen, f"trial {trial}: went back from {last_seen}"
        assert len(state.spot_checks) == state.page % 50  # saved whole, never half
        assert "start afresh" not in store.notice
        last_seen = state.page
        assert not list(tmp_path.glob(".project-*.tmp"))  # a killed save's leftovers go
    assert last_seen > 0


def test_cli_live_cutover_refuses_then_overrides(rehearsed, capsys) -> None:
    folder, export, _ = rehearsed
    args = [str(export), "--project", str(folder)]
    assert main(["status", "--project", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "of 30 of the testing buffer" in out and "QA is not signed off yet." in out
    assert "Gate for the live cutover: locked" in out
    assert main(["migrate", *args, "--env", "live"]) == 3
    err = capsys.readouterr().err
    assert "Refused: The testing buffer is still running" in err and "--override-reason" in err
    assert not (folder / "live" / "live-crm.db").exists()  # nothing touched the live CRM
    reason = "Go-live moved up by the board, see ticket 42."
    # the buffer override lets the phases run, up to active sales contacts (QA not signed off)
    assert main(["migrate", *args, "--env", "live", "--override-reason", reason,
                 "--by", "Dana"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "Override recorded" in out and "Live cutover into Live CRM" in out
    assert "The exports match the rehearsal" in out
    state = Project(folder).state
    assert [o["gate"] for o in state.overrides] == ["buffer", "qa"]
    db = sqlite3.connect(folder / "live" / "live-crm.db")
    assert db.execute("SELECT COUNT(*) FROM contacts").fetchone() == (5,)
    db.close()
    assert main(["status", "--project", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Override of the buffer gate by Dana" in out and "Live cutover:" in out


def test_cli_live_refuses_active_contacts_until_signed_off(rehearsed, capsys) -> None:
    folder, export, _clock = rehearsed
    project = Project(folder)
    project.state.rehearsal_completed = "2026-01-01T00:00:00+00:00"  # the buffer is long over
    project.save()
    args = [str(export), "--project", str(folder), "--env", "live"]
    assert main(["migrate", *args]) == 3
    err = capsys.readouterr().err
    assert "only after QA is signed off" in err
    with Migration(folder, env="live") as live:
        done = [p.name for p in live.phases() if live.is_done(p)]
    assert done == ["companies", "contacts", "deals", "activities"]  # everything but active


def test_sample_rehearsal_keeps_links_and_accounts_for_every_row(tmp_path: Path) -> None:
    from wizard.core.cutover import SampleResult, rehearse_sample
    from wizard.core.demo import generate

    files = generate(tmp_path / "export", scale=0.002, seed=3)  # a few thousand rows
    folder = tmp_path / "project"
    with Migration(folder) as mig:
        prepared = mig.prepare(list(files.values()))
        mig.save_plan(prepared.plan)
    project = Project(folder, FixedClock(DAY0))
    items = list(rehearse_sample(project, list(files.values()), 120, seed=5, batch_rows=50))
    result = items[-1]
    assert isinstance(result, SampleResult) and result.ok, [r.lines() for r in result.results]
    companies = result.kept["company"]
    assert 0 < companies < 30 and 100 <= result.total - result.kept["owner"] <= 400
    assert project.state.mock_completed and project.state.sample_size == 120
    for r in result.results:  # every row of every file is accounted for: loaded or deferred
        assert all(a.balanced for a in r.accounting)
    db = sqlite3.connect(folder / "mock" / "sandbox.db")
    try:
        n_contacts = db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0]
        linked = db.execute("SELECT COUNT(*) FROM contacts WHERE company_id IS NOT NULL").fetchone()
        assert n_contacts > 0 and linked[0] == n_contacts  # every contact kept its company
        orphan_deals = db.execute(
            "SELECT COUNT(*) FROM deals WHERE company_id IS NULL AND contact_id IS NULL"
        ).fetchone()[0]
        assert orphan_deals == 0
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()
    real = sqlite3.connect(folder / "sandbox.db")  # the real sandbox is untouched
    assert real.execute("SELECT COUNT(*) FROM contacts").fetchone() == (0,)
    real.close()


def test_the_project_list_shows_the_buffer_day(rehearsed) -> None:
    from wizard.core.projects import summarize

    folder, _, _ = rehearsed
    project = Project(folder)
    project.state.rehearsal_completed = (datetime.now(UTC) - timedelta(days=12)).isoformat()
    project.state.signoff = {"by": "Dana", "at": "2026-11-20T10:00:00"}
    project.save()
    where = summarize(folder).where
    assert "Sandbox loaded 12 days ago, day 12 of 30." in where and "signed off by Dana" in where
