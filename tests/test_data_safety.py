"""Silent loss, class by class (issue 14): each case loses nothing, or says what and why."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd

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
    assert all(r.message.startswith("Completed and reconciled") for r in results)
    linked = _sandbox(tmp_path / "p", "SELECT COUNT(parent_company_id) FROM companies")
    assert linked == [(79,)]
    assert _sandbox(
        tmp_path / "p",
        "SELECT COUNT(*) FROM companies c JOIN companies p ON "
        "p.id = c.parent_company_id WHERE p.id > c.id",
    ) == [(0,)]
