"""Silent loss, class by class (issue 14): each case loses nothing, or says what and why."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tests.test_pipeline import write
from wizard.core.migration import Migration
from wizard.core.transforms import check_phones, parse_dates, parse_numbers


def _sandbox(project: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(project / "sandbox.db")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_columns_whose_names_meet_keep_a_property_each(tmp_path: Path) -> None:
    write(tmp_path / "export" / "contacts.csv",
          ["Contact ID", "Email", "Favourite Colour", "favourite-colour", "cutover_flag"],
          [["C1", "a@x.com", "red", "blue", "mine"], ["C2", "b@x.com", "", "green", "ours"]])  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        mig.migrate([tmp_path / "export"])
        plan = mig.require_plan()
        (fi,) = mig.fidelity()
    custom = plan.sources[0].custom
    assert len(set(custom.values())) == 3 and "cutover_flag" not in custom.values()
    props = json.loads(_sandbox(tmp_path / "p", "SELECT properties FROM contacts WHERE "
                                                 "source_id='C1'")[0][0])  # fmt: skip
    assert sorted(v for k, v in props.items() if k != "cutover_flag") == ["blue", "mine", "red"]
    assert fi.values == fi.values_kept == 9


def test_a_column_new_since_the_plan_is_loaded_and_said(tmp_path: Path) -> None:
    export = tmp_path / "export"
    write(export / "contacts.csv", ["Contact ID", "Email", "Shoe size"],
          [["C1", "a@x.com", "38"]])  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        mig.migrate([export])
        write(export / "contacts.csv", ["Contact ID", "Email", "Loyalty tier"],
              [["C1", "a@x.com", "Gold"], ["C2", "b@x.com", "Silver"]])  # fmt: skip
        prepared = mig.prepare([export])
        assert any("new column since the plan was made: Loyalty tier" in c
                   for c in prepared.changes)  # fmt: skip
        assert any("no longer in the file: Shoe size" in c for c in prepared.changes)
        mig.migrate([export])
        kept = {f.label: f for f in mig.fidelity()}
    rows = _sandbox(tmp_path / "p", "SELECT json_extract(properties, '$.loyalty_tier') FROM "
                                    "contacts ORDER BY source_id")  # fmt: skip
    assert rows == [("Gold",), ("Silver",)]
    assert kept["contacts.csv"].complete


def test_values_no_field_can_hold_are_not_read_as_something_else() -> None:
    numbers, bad = parse_numbers(pd.Series(["1e309", "-1e400", "12.5"], dtype=object))
    assert numbers.tolist() == ["", "", "12.5"] and bad.tolist() == [True, True, False]
    dates, bad, _ = parse_dates(pd.Series(["2024-01-02 25:61:00", "01/02/2024 24:00",
                                           "2024-01-02 23:59:59"], dtype=object), "MDY", True)  # fmt: skip
    assert dates.tolist() == ["", "", "2024-01-02 23:59:59"]  # 25:61 is no time of day
    assert bad.tolist() == [True, True, False]
    phones, bad = check_phones(pd.Series(["+1 512 757 6000 ext. 12", "(512) 757-6000 x7",
                                          "not a phone"], dtype=object), "US")  # fmt: skip
    assert phones.tolist() == ["+15127576000;ext=12", "+15127576000;ext=7", "not a phone"]
    assert bad.tolist() == [False, False, True]  # an unreadable one stays as written, flagged


def test_a_repeated_header_line_is_set_aside_with_its_reason(tmp_path: Path) -> None:
    write(tmp_path / "export" / "contacts.csv", ["Contact ID", "Email", "City"],
          [["C1", "a@x.com", "Porto"], ["Contact ID", "Email", "City"], ["C2", "b@x.com", "Braga"]])  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        (contacts,) = [r for r in mig.migrate([tmp_path / "export"]) if r.phase == "contacts"]
    acc = contacts.accounting[0]
    assert (acc.read, acc.loaded, acc.rejected) == (3, 2, 1)
    assert any("repeats the header line" in reason for reason, _ in contacts.reasons)
    assert _sandbox(tmp_path / "p", "SELECT COUNT(*) FROM contacts") == [(2,)]


def test_a_parent_chain_deeper_than_fifty_keeps_every_link(tmp_path: Path) -> None:
    rows = [[f"A{i}", f"Level {i}", f"A{i - 1}" if i else ""] for i in range(80)]
    rows.reverse()  # children listed before their parents
    write(tmp_path / "export" / "companies.csv", ["Company ID", "Company Name",
                                                  "Parent Company ID"], rows)  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        results = mig.migrate([tmp_path / "export"])
    assert all(r.message.startswith("Completed: every row is accounted for") for r in results)
    linked = _sandbox(tmp_path / "p", "SELECT COUNT(parent_company_id) FROM companies")
    assert linked == [(79,)]
    assert _sandbox(
        tmp_path / "p",
        "SELECT COUNT(*) FROM companies c JOIN companies p ON "
        "p.id = c.parent_company_id WHERE p.id > c.id",
    ) == [(0,)]


# --- secrets and concurrency ---------------------------------------------------------------


def test_the_token_goes_to_hubspot_only(tmp_path: Path, monkeypatch) -> None:
    from wizard.core.cutover import Project
    from wizard.core.errors import CutoverError
    from wizard.core.targets.hubspot import TEST_SERVER_ENV, HubSpotTarget, vendor_url

    monkeypatch.delenv(TEST_SERVER_ENV, raising=False)
    for host in ("http://api.hubapi.com", "https://evil.example", "https://api.hubapi.com.evil.io",
                 "https://user@api.hubapi.com", "http://127.0.0.1:8080"):  # fmt: skip
        with pytest.raises(CutoverError, match="token is sent to no other host"):
            vendor_url(host)
    assert vendor_url(None) == "https://api.hubapi.com"
    assert vendor_url("https://api-eu1.hubapi.com/") == "https://api-eu1.hubapi.com"
    project = Project(tmp_path / "p")  # a project file edited by hand cannot redirect it
    project.state.live_target = {"kind": "hubspot", "base_url": "http://collector.example"}
    with pytest.raises(CutoverError, match="no other host"):
        HubSpotTarget("secret", tmp_path / "i.db", base_url="http://collector.example")
    monkeypatch.setenv(TEST_SERVER_ENV, "http://127.0.0.1:9")  # tests: this machine only
    assert vendor_url("https://api.hubapi.com") == "http://127.0.0.1:9"
    monkeypatch.setenv(TEST_SERVER_ENV, "http://collector.example")
    with pytest.raises(CutoverError):
        vendor_url(None)


def test_retry_after_as_a_date_a_huge_one_and_a_stop() -> None:
    from email.utils import format_datetime

    import httpx

    from wizard.core.connectors.hubspot import hubspot_api
    from wizard.core.errors import CutoverError
    from wizard.core.targets.hubspot import retry_after

    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after(soon, 0) <= 31
    assert retry_after("7", 0) == 7 and retry_after("soon-ish", 2) == 4.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 0) == 0  # in the past: go now
    waits: list[float] = []
    now = [0.0]
    wait_for = ["86400"]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": wait_for[0]}, json={})

    api = hubspot_api("secret", sleep=lambda s: now.__setitem__(0, now[0] + s),
                      clock=lambda: now[0], transport=httpx.MockTransport(answer))  # fmt: skip
    api.on_wait, api.should_stop = waits.append, (lambda: len(waits) > 3)
    with pytest.raises(CutoverError, match="daily API limit"):
        api.json("GET", "/crm/v3/owners")  # a day: said, not slept
    assert waits == [] and now[0] == 0
    wait_for[0] = "120"
    with pytest.raises(CutoverError, match="Stopped while HubSpot asked to wait"):
        api.json("GET", "/crm/v3/owners")
    assert waits[:4] == [120, 119, 118, 117]  # a countdown, a second at a time


def test_no_password_reaches_a_file(tmp_path: Path) -> None:
    from wizard.core.cutover import Project, has_password
    from wizard.core.errors import CutoverError

    for dsn in ("postgresql://u:pw@db/crm", "postgresql://u@db/crm?password=pw",
                "postgresql://u@db/crm?sslmode=require&sslpassword=pw", "host=db password=pw",
                "host=db sslpassword=pw", "host=db PASSWORD = pw"):  # fmt: skip
        assert has_password(dsn), dsn
        with pytest.raises(CutoverError, match="must not keep secrets"):
            Project(tmp_path / "p").use_postgres(dsn)
    assert not has_password("postgresql://u@db/crm?sslmode=require")
    assert not any(b"pw" in p.read_bytes() for p in (tmp_path / "p").rglob("*") if p.is_file())


def test_without_a_password_store_the_token_is_said_to_be_for_this_session(
    tmp_path: Path, monkeypatch
) -> None:
    import keyring
    from keyring.backends.fail import Keyring as NoStore

    from wizard.core import secrets
    from wizard.core.cutover import Project
    from wizard.core.errors import CutoverError

    previous = keyring.get_keyring()
    keyring.set_keyring(NoStore())
    monkeypatch.setattr(secrets, "_session", {})
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    try:
        project = Project(tmp_path / "p")
        assert "this session only" in project.use_hubspot("tok-123")
        monkeypatch.setattr(secrets, "_session", {})  # a later session
        with pytest.raises(CutoverError, match="no password store"):
            Project(tmp_path / "p").open_live()
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "tok-123")  # read again from the variable
        Project(tmp_path / "p").open_live().close()
        monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN")
        Project(tmp_path / "p").open_live(read_only=True).close()  # status needs no token
    finally:
        keyring.set_keyring(previous)


def test_import_files_never_run_as_formulas_and_say_what_was_guarded(tmp_path: Path) -> None:
    from wizard.core.targets.importfiles import GUARDED, ImportFilesTarget

    t = ImportFilesTarget(tmp_path / "pkg", "hubspot")
    t.write_batch("contact", ["source_id", "first_name", "email"],
                  [("C1", "=HYPERLINK(\"http://x\")", "a@x.com"), ("C2", "Bob", "b@x.com")])  # fmt: skip
    t.end_load(("contact",))
    (part,) = t.files_for(("contact",))
    text = part.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    side = (tmp_path / "pkg" / f"03-contacts-{GUARDED}").read_text(encoding="utf-8")
    assert 'C1,firstname,"=HYPERLINK(""http://x"")"' in side
    assert "leading apostrophe" in (tmp_path / "pkg" / "UPLOAD-ORDER.txt").read_text()


def test_one_project_lock_for_sandbox_and_live_across_processes(tmp_path: Path) -> None:
    import subprocess
    import sys

    from wizard.core.cutover import Project

    with Migration(tmp_path / "p"):
        code = ("import sys\nfrom wizard.core.cutover import Project\nfrom wizard.core.phases "
                "import RefusedError\ntry:\n    Project(sys.argv[1]).open_live()\nexcept "
                "RefusedError as e:\n    print(e.message)\n")  # fmt: skip
        other = subprocess.run([sys.executable, "-c", code, str(tmp_path / "p")],
                               capture_output=True, text=True, timeout=60)  # fmt: skip
        assert "open in another Cutover Wizard window" in other.stdout
        saving = subprocess.run([sys.executable, "-c", code.replace(".open_live()", ".save()"),
                                 str(tmp_path / "p")], capture_output=True, text=True, timeout=60)  # fmt: skip
        assert "open in another" in saving.stdout  # project.json is not written under it
        Project(tmp_path / "p").save()  # this process holds the lock: it may


def test_the_data_files_are_for_this_user_only(tmp_path: Path) -> None:
    import stat

    from wizard.core.cutover import Project
    from wizard.core.report import build_report, write_report

    write(tmp_path / "export" / "contacts.csv", ["Contact ID", "Email"], [["C1", "a@x.com"]])
    with Migration(tmp_path / "p") as mig:
        mig.migrate([tmp_path / "export"])
        report = build_report(Project(tmp_path / "p"), mig, None)
    out = write_report(report, tmp_path / "r.html")
    files = [p for p in (tmp_path / "p").rglob("*") if p.is_file() and p.name != ".lock"]
    assert {p.name for p in files} >= {"ledger.db", "sandbox.db", "plan.json"}
    for p in [*files, out]:
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p
    assert stat.S_IMODE((tmp_path / "p").stat().st_mode) == 0o700


def test_a_file_left_out_and_rows_deleted_since_are_said_and_taken_out_on_request(
    tmp_path: Path, capsys
) -> None:
    from wizard.cli import main

    first, later = tmp_path / "monday", tmp_path / "friday"
    write(
        first / "companies.csv", ["Company ID", "Company Name"], [["A1", "Acme"], ["A2", "Globex"]]
    )
    write(first / "contacts.csv", ["Contact ID", "Email", "Company ID"],
          [["C1", "a@x.com", "A1"], ["C2", "b@x.com", "A2"], ["C3", "c@x.com", "A1"]])  # fmt: skip
    project = tmp_path / "p"
    assert main(["migrate", str(first), "--project", str(project)]) == 0
    write(later / "contacts.csv", ["Contact ID", "Email", "Company ID"],
          [["C1", "a@x.com", "A1"], ["C2", "b@x.com", "A2"]])  # C3 deleted in the old CRM  # fmt: skip
    capsys.readouterr()
    assert main(["migrate", str(later / "contacts.csv"), "--project", str(project)]) == 0
    out = capsys.readouterr().out
    assert "companies.csv: not among the files given; it is part of this project's plan, so " \
           "it was read again" in out  # fmt: skip
    assert "Loaded before and no longer in the files: 1 contacts (C3)" in out
    assert "--remove-deleted" in out and _sandbox(project, "SELECT COUNT(*) FROM contacts") == [
        (3,)
    ]
    (first / "companies.csv").unlink()  # now the file is gone for good
    assert main(["migrate", str(later / "contacts.csv"), "--project", str(project),
                 "--remove-deleted"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "companies.csv: not among the files given, and no longer at" in out
    assert "The 2 records it loaded stay in the Sandbox CRM" in out
    assert "Contacts: 1 taken out" in out and "2 kept: records in the files still link" in out
    assert _sandbox(project, "SELECT source_id FROM contacts ORDER BY 1") == [("C1",), ("C2",)]
    with Migration(project) as mig:
        assert mig.deleted_since() == {"company": ["A1", "A2"]}  # still said, still linked


def test_the_preview_never_says_no_problems_beside_rows_that_cannot_load(tmp_path: Path) -> None:
    from wizard.core.mapping import build_plan
    from wizard.core.preview import preview_rows
    from wizard.core.sources import open_source

    path = write(tmp_path / "contacts.csv", ["Contact ID", "Email", "City"],
                 [["", "", "Porto"], ["", "", "Braga"], ["C3", "c@x.com", "Faro"]])  # fmt: skip
    source = open_source(path)
    plan = build_plan([source])
    pv = preview_rows(plan, plan.sources[0], source)
    assert len(pv.row_errors) == 2 and not pv.counts()  # no cell to mark, two rows cannot load
    assert "no problems found" not in pv.summary(200)
    assert "2 rows cannot load" in pv.summary(200)


def test_a_check_that_reads_one_file_again_keeps_every_files_findings(tmp_path: Path) -> None:
    """Findings are kept per file in the ledger: after a re-check that reads only the file that
    changed, and after the project is reopened, the counts are those of a fresh check."""
    from wizard.core.staging import Staged

    export = tmp_path / "export"
    write(export / "companies.csv", ["Company ID", "Company Name", "Website"],
          [["A1", "Acme", "not a web address"], ["A2", "Globex", "globex.com"]])  # fmt: skip
    write(export / "contacts.csv", ["Contact ID", "Email", "Company ID"],
          [["C1", "broken at x", "A1"], ["C2", "b@x.com", "A2"]])  # fmt: skip

    def check(project: Path) -> Staged:
        with Migration(project) as mig:
            *_, staged = mig.stage(mig.prepare([export]))
        return staged

    fresh = check(tmp_path / "p").findings.counts
    assert sum(fresh.values()) >= 2
    write(export / "contacts.csv", ["Contact ID", "Email", "Company ID"],
          [["C1", "broken at x", "A1"], ["C2", "b@x.com", "A2"], ["C3", "c@x.com", "A1"]])  # fmt: skip
    again = check(tmp_path / "p")  # only contacts.csv is read again
    assert [f.restaged for f in again.files] == [False, True]
    assert again.findings.counts == fresh
    reopened = check(tmp_path / "p")  # nothing read again (a resume days later)
    assert not any(f.restaged for f in reopened.files)
    assert reopened.findings.counts == fresh
    assert [f.message for f in reopened.findings.items] == [f.message for f in again.findings.items]


def test_links_to_records_no_file_holds_are_never_called_all_arrived(tmp_path: Path) -> None:
    write(tmp_path / "export" / "contacts.csv", ["Contact ID", "Email", "Owner Email"],
          [["C1", "a@x.com", "rep@acme.com"], ["C2", "b@x.com", "rep@acme.com"]])  # fmt: skip
    write(tmp_path / "export" / "companies.csv", ["Company ID", "Company Name", "Parent ID"],
          [["A1", "Acme", "A9"], ["A2", "Globex", ""]])  # A9 is in no file  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        results = {r.phase: r for r in mig.migrate([tmp_path / "export"])}
        lines = [f.line() for f in mig.fidelity()]
    companies = results["companies"]
    assert companies.reconciled and companies.message.startswith(
        "Completed, every row accounted for, but"
    )
    assert (
        "(companies.csv: 1 link)" in companies.message
        and "every record, link" not in companies.message
    )
    assert any("(and 1 to records no file holds, kept as written)" in ln for ln in lines)
