"""The contract every target passes, whatever it is: write, upsert twice = one record, a refused
record does not stop the others, lookup, count, links, nothing dangling, delete for undo,
associations, describe; and a whole migration through the runner, reconciled."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.test_pipeline import crm, write
from wizard.core.migration import Migration
from wizard.core.targets import SandboxTarget, Target

TARGETS = ["sandbox", "postgres", "hubspot-files", "salesforce-files", "hubspot", "salesforce"]


@pytest.fixture(params=TARGETS)
def make_target(request, tmp_path: Path):
    made: list[Target] = []

    def make() -> Target:
        if request.param == "sandbox":
            t: Target = SandboxTarget(tmp_path / f"s{len(made)}.db")
        elif request.param == "hubspot":
            from tests.conftest import HUBSPOT_TOKEN
            from wizard.core.targets.hubspot import HubSpotTarget

            request.getfixturevalue("hubspot_server")  # reached through the test setting
            t = HubSpotTarget(HUBSPOT_TOKEN, tmp_path / f"hs{len(made)}.db")
        elif request.param == "salesforce":
            from tests.conftest import SALESFORCE_TOKEN
            from wizard.core.targets.salesforce import SalesforceTarget

            request.getfixturevalue("salesforce_server")
            t = SalesforceTarget(
                "", SALESFORCE_TOKEN, tmp_path / f"sf{len(made)}.db", sleep=lambda s: None
            )
        elif request.param.endswith("-files"):
            from wizard.core.targets.importfiles import ImportFilesTarget

            profile = request.param.split("-")[0]
            t = ImportFilesTarget(tmp_path / f"package{len(made)}", profile)
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
        # every activity loads (T4's unknown type is kept as written and flagged)
        assert target.count("contact") == 5 and target.count("activity") == 5
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


def test_hubspot_package_files_in_upload_order_split_to_the_limits(tmp_path: Path) -> None:
    import csv
    from dataclasses import replace

    from wizard.core.targets.importfiles import HUBSPOT, ImportFilesTarget

    export = crm(tmp_path / "export")
    small = replace(HUBSPOT, max_rows=2)  # the limit, made small enough to see the split
    target = ImportFilesTarget(tmp_path / "package", small)
    with Migration(tmp_path / "project", target=target) as mig:
        results = mig.migrate([export])
        assert all(r.state == "completed" and r.reconciled for r in results)
    files = sorted(p.name for p in (tmp_path / "package").glob("*.csv"))
    # 5 companies, 5 contacts, 4 deals and 5 activities, at most 2 rows a file
    assert files == ["02-companies-part1.csv", "02-companies-part2.csv", "02-companies-part3.csv",
                     "03-contacts-part1.csv", "03-contacts-part2.csv", "03-contacts-part3.csv",
                     "04-deals-part1.csv", "04-deals-part2.csv",
                     "05-activities-part1.csv", "05-activities-part2.csv",
                     "05-activities-part3.csv"]  # fmt: skip
    with (tmp_path / "package" / "03-contacts-part1.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["legacy_record_id"] and "company legacy_record_id" in rows[0]
    assert {"firstname", "lastname", "email"} <= set(rows[0])
    contacts = []
    for part in sorted((tmp_path / "package").glob("03-contacts-*.csv")):
        with part.open(encoding="utf-8") as f:
            contacts += list(csv.DictReader(f))
    assert len(contacts) == 5 and len({c["legacy_record_id"] for c in contacts}) == 5
    ann = next(c for c in contacts if c["firstname"] == "Ann")
    assert ann["company legacy_record_id"] == "A1"  # the link by legacy id
    order = (tmp_path / "package" / "UPLOAD-ORDER.txt").read_text(encoding="utf-8")
    steps = [ln for ln in order.splitlines() if ln[:1].isdigit()]
    assert steps[0].startswith("1. 02-companies-part1.csv") and len(steps) == 11
    assert "legacy_record_id" in order


def test_daily_limit_planner() -> None:
    from wizard.core.targets.limits import hubspot_api_days, hubspot_import_days

    small = hubspot_import_days([50, 500, 1_000])
    assert small.days == 1 and "1 day" in small.text
    big = hubspot_import_days([1_048_576] * 30)  # 31M rows: the rows a day decide
    assert big.days == 4 and "10,000,000 rows and 500 imports a day" in big.text
    free = hubspot_import_days([400_000, 400_000], plan="free")
    assert free.days == 2
    api = hubspot_api_days(3_600_000, links=2_000_000, tier="starter")
    assert api.units == 56_000 and api.per_day == 200_000 and api.days == 1
    assert round(api.hours_at_full_speed, 1) == 1.6
    huge = hubspot_api_days(40_000_000, tier="professional")
    assert huge.days == 1 and hubspot_api_days(90_000_000, tier="starter").days == 5


def test_cli_live_cutover_as_salesforce_import_files(tmp_path: Path, capsys) -> None:
    from wizard.cli import main

    export = crm(tmp_path / "export")
    folder = tmp_path / "project"
    assert main(["migrate", str(export), "--project", str(folder)]) == 0
    assert main(["migrate", str(export), "--project", str(folder), "--env", "live",
                 "--import-files", "salesforce", "--override-reason", "Trying the package."]) == 0  # fmt: skip
    package = folder / "live" / "salesforce-import-files"
    names = sorted(p.name for p in package.glob("*.csv"))
    assert names[0] == "02-companies-part1.csv" and "03-contacts-part1.csv" in names
    header = (package / "03-contacts-part1.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Legacy_Id__c,") and "Account:Legacy_Id__c" in header
    assert "Upsert" in (package / "UPLOAD-ORDER.txt").read_text(encoding="utf-8")
    assert main(["status", "--project", str(folder)]) == 0
    assert "Salesforce Data Loader files" in capsys.readouterr().out


def test_confirm_the_crms_export_after_the_upload(tmp_path: Path, capsys) -> None:
    from wizard.cli import main

    export = crm(tmp_path / "export")
    folder = tmp_path / "project"
    assert main(["migrate", str(export), "--project", str(folder)]) == 0
    assert main(["migrate", str(export), "--project", str(folder), "--env", "live",
                 "--import-files", "hubspot", "--override-reason", "Trying the package."]) == 0  # fmt: skip
    # what HubSpot's export looks like after the upload: its record id and our legacy id
    crm_export = tmp_path / "hubspot-contacts-export.csv"
    write(crm_export, ["Record ID", "First Name", "Legacy record ID"],
          [["51", "Ann", "C1"], ["52", "Bob", "C2"], ["53", "Eve", "C3"], ["54", "Sam", "C4"]])  # fmt: skip
    assert main(["confirm", "contacts", str(crm_export), "--project", str(folder)]) == 3
    out = capsys.readouterr().out
    assert "4 of 5 contacts" in out and "Missing (first 20): C5" in out
    write(crm_export, ["Record ID", "First Name", "Legacy record ID"],
          [["51", "Ann", "C1"], ["52", "Bob", "C2"], ["53", "Eve", "C3"], ["54", "Sam", "C4"],
           ["55", "Zoe", "C5"]])  # fmt: skip
    assert main(["confirm", "contacts", str(crm_export), "--project", str(folder)]) == 0
    assert "5 of 5 contacts" in capsys.readouterr().out
