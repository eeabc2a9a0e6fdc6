"""Presets for HubSpot and Pipedrive, manual auto-matching in several languages, the plan file,
and validation rules (dates, numbers, duplicates, orphans, formulas)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.core.errors import CutoverError, PlanError, SourceError
from wizard.core.inspection import inspect
from wizard.core.mapping import build_plan, remap
from wizard.core.plan import Plan
from wizard.core.sources import open_source


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def _fields(plan, name):
    splan = next(s for s in plan.sources if Path(s.file).name == name)
    return splan, {m.field: (m.columns[0], m.match_by) for m in splan.fields}


def test_hubspot_export_maps_without_manual_work(tmp_path: Path) -> None:
    _write(tmp_path, "hubspot-crm-exports-all-companies.csv",
           "Record ID,Company name,Company Domain Name,Industry,Company owner,Create Date\n"
           "101,Acme,acme.com,Software,Jane Doe,2024-01-05 10:00\n")  # fmt: skip
    _write(tmp_path, "hubspot-crm-exports-all-contacts.csv",
           "Record ID,First Name,Last Name,Email,Lifecycle Stage,Contact owner,"
           "Associated Company IDs,Create Date\n"
           "1,Ann,Lee,ann@acme.com,salesqualifiedlead,Jane Doe,101,2024-02-01 09:00\n"
           "2,Bob,Roy,bob@acme.com,customer,Jane Doe,999,2024-02-02 09:00\n")  # fmt: skip
    report = inspect([str(tmp_path)])
    assert report.plan.preset == "hubspot" and report.plan.method == "integration_sync"
    splan, fields = _fields(report.plan, "hubspot-crm-exports-all-contacts.csv")
    assert splan.entity == "contact"
    assert fields["company"] == ("Associated Company IDs", "source_id")
    assert fields["owner"] == ("Contact owner", "name")
    assert splan.value_maps["lifecycle_stage"]["salesqualifiedlead"] == "Sales qualified lead"
    _, cfields = _fields(report.plan, "hubspot-crm-exports-all-companies.csv")
    assert cfields["domain"] == ("Company Domain Name", None)
    assert report.validation.links["contact.company"] == 1
    assert report.validation.orphans["contact.company"] == 1  # company 999 is not exported


def test_pipedrive_prefixed_export(tmp_path: Path) -> None:
    _write(tmp_path, "deals-export.csv",
           "Deal - ID,Deal - Title,Deal - Value,Deal - Organization,Deal - Stage,"
           "Deal - Expected close date,Deal - Status,Person - Email\n"
           "7,Big deal,1000,Acme,Proposal Made,2024-06-30,won,ann@acme.com\n")  # fmt: skip
    _write(tmp_path, "organizations.csv", "ID,Name,Owner\n1,Acme,Jane\n")
    plan = inspect([str(tmp_path)]).plan
    splan, fields = _fields(plan, "deals-export.csv")
    assert (splan.preset, splan.entity) == ("pipedrive", "deal")
    assert fields["name"] == ("Deal - Title", None)
    assert fields["company"] == ("Deal - Organization", "name")
    assert fields["contact"] == ("Person - Email", "email")
    assert fields["close_date"][0] == "Deal - Expected close date"


def test_manual_import_matches_german_and_french_headers(tmp_path: Path) -> None:
    _write(tmp_path, "Kontakte.csv",
           "Vorname;Nachname;E-Mail-Adresse;Telefon;Firma;Straße;PLZ;Ort\n"
           "Jürgen;Müller;j.mueller@beispiel.de;+49 30 1234567;Beispiel GmbH;Hauptstr. 1;"
           "10115;Berlin\n", "cp1252")  # fmt: skip
    _write(tmp_path, "societes.csv", "Nom de la société,Site web,Secteur\nBeispiel GmbH,"
           "beispiel.de,Industrie\n")  # fmt: skip
    report = inspect([str(tmp_path)])
    assert report.plan.method == "manual"
    splan, fields = _fields(report.plan, "Kontakte.csv")
    assert splan.entity == "contact"
    assert {k: v[0] for k, v in fields.items()}.items() >= {
        "first_name": "Vorname", "last_name": "Nachname", "email": "E-Mail-Adresse",
        "phone": "Telefon", "street": "Straße", "postal_code": "PLZ", "city": "Ort",
        "company": "Firma",
    }.items()  # fmt: skip
    assert all(0 < m.confidence <= 1 for m in splan.fields)
    cplan, cfields = _fields(report.plan, "societes.csv")
    assert cplan.entity == "company" and cfields["name"][0] == "Nom de la société"
    assert report.validation.links["contact.company"] == 1  # linked by name


def test_admin_decision_wins_and_plan_round_trips(tmp_path: Path) -> None:
    path = _write(tmp_path, "people.csv", "Full Name,Mail,Notes\nDoe, Jane,x@y.com,hi\n")
    path.write_text('Full Name,Mail,Notes\n"Doe, Jane",x@y.com,hi\n')
    plan = build_plan([open_source(path)])
    splan = plan.sources[0]
    remap(splan, "first_name", ["Full Name"], transforms=["split_name:first"])
    remap(splan, "last_name", ["Full Name"], transforms=["split_name:last"])
    remap(splan, "description", [])
    saved = plan.save(tmp_path / "plan.json")
    again = Plan.load(saved)
    assert again.to_dict() == plan.to_dict()
    assert json.loads(saved.read_text())["schema_version"] == 1
    report = inspect([str(path)], plan_path=saved)
    assert report.plan.sources[0].field_map("first_name").origin == "admin"
    assert report.validation.count("error") == 0


def test_plan_errors_are_plain(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(PlanError, match="could not be read"):
        Plan.load(tmp_path / "bad.json")
    (tmp_path / "future.json").write_text('{"schema_version": 99}')
    with pytest.raises(PlanError, match="newer Cutover Wizard"):
        Plan.load(tmp_path / "future.json")


def _findings(tmp_path: Path, name: str, text: str):
    _write(tmp_path, name, text)
    report = inspect([str(tmp_path / name)])
    return report, report.validation.findings.items


def test_dates_decided_per_column_and_ambiguity_flagged(tmp_path: Path) -> None:
    report, items = _findings(tmp_path, "deals.csv",
                              "Deal name,Close date,Created\nA,25/12/2024,01/02/2024\n"
                              "B,03/04/2024,03/04/2024\n")  # fmt: skip
    splan = report.plan.sources[0]
    assert splan.date_orders["Close date"] == "DMY"
    assert splan.date_orders["Created"] == "DMY?"  # follows the file's settled column
    assert [f.column for f in items if f.rule == "date_order"] == ["Created"]
    report, items = _findings(tmp_path, "serial.csv", "Deal name,Close date\nA,45123\n")
    assert [f.rule for f in items] == ["excel_serial"]


def test_validation_rules_with_rows_and_fixes(tmp_path: Path) -> None:
    _write(tmp_path, "companies.csv", "Company name,Domain\nAcme Inc.,acme.com\n"
           "ACME,acme.com\n,empty.com\n")  # fmt: skip
    _write(tmp_path, "contacts.csv",
           "Email,First name,Company,Phone\nbob@,Bob,Acme,+1 415 555 0100\n"
           "ann@acme.com,Ann,Nowhere Ltd,12\nann@acme.com,Ann2,Acme,\n"
           '"=HYPERLINK(""x"")",Eve,Acme,\n')  # fmt: skip
    _write(tmp_path, "deals.csv", "Deal name,Amount,Close date,Stage\nBig,\"1,250.50\","
           "2024-02-30,Closed Won\nSmall,lots,2024-02-01,Weird stage\n")  # fmt: skip
    report = inspect([str(tmp_path)])
    items = report.validation.findings.items
    by = {(f.file, f.rule, f.row) for f in items}
    assert ("companies.csv", "derived", 4) in by  # no name: named from its domain
    assert ("companies.csv", "duplicate", 3) in by  # same domain
    assert ("contacts.csv", "email", 2) in by
    assert ("contacts.csv", "email", 5) in by  # a formula is not an email either
    assert ("contacts.csv", "duplicate", 4) in by
    assert ("contacts.csv", "orphan", 3) in by
    assert ("contacts.csv", "phone", 3) in by
    assert ("deals.csv", "date", 2) in by  # 30 February
    assert ("deals.csv", "number", 3) in by
    assert ("deals.csv", "picklist", 3) in by
    assert ("deals.csv", "number", 2) not in by  # 1,250.50 reads fine
    for f in items:
        assert f.message and f.fix and "Traceback" not in f.message
    email = next(f for f in items if f.rule == "email" and f.row == 2)
    assert email.message == (
        "Row 2 of contacts.csv: the email 'bob@' is not valid; the record loads and the value "
        "is kept as written in the custom field email_as_written."
    )
    assert email.severity == "warning"
    # a bad value is a finding on its field, never a reason to leave the record out
    assert report.validation.count("error") == 0
    named = next(f for f in items if f.rule == "derived")
    assert "loads as 'empty.com'" in named.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".tsv"]))
def test_reader_raises_only_its_own_error_on_random_bytes(tmp_path: Path, data: bytes,
                                                          suffix: str) -> None:  # fmt: skip
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    try:
        source = open_source(path)
        for _ in source.chunks(size=7):
            pass
        source.preview(5)
    except SourceError as exc:
        assert exc.message and exc.hint


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rows=st.lists(st.lists(st.text(max_size=12), min_size=3, max_size=3), min_size=1,
                     max_size=30))  # fmt: skip
def test_random_tables_round_trip_or_fail_plainly(tmp_path: Path, rows) -> None:
    import csv

    path = tmp_path / "t.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["A", "B", "C"], *rows])
    try:
        source = open_source(path, None)
        list(source.chunks())
        assert source.rows_read == sum(len(c) for c in source.chunks()) + len(source.set_aside)
    except CutoverError as exc:
        assert exc.message


def test_file_vanishing_between_open_and_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "gone.csv", "Name\nAnn\n")
    source = open_source(path)
    path.unlink()
    with pytest.raises(SourceError, match="no longer where it was"):
        list(source.chunks())


def test_preview_of_a_large_file_reads_only_the_start(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write("Name,Email\n")
        f.writelines(f"n{i},n{i}@example.com\n" for i in range(200_000))
    source = open_source(path)
    head = source.preview(100)
    assert len(head) == 100 and head.index[0] == 2 and head.index[-1] == 101
    chunks = list(source.chunks(size=50_000))
    assert [len(c) for c in chunks] == [50_000] * 4 and source.rows_read == 200_000


def test_iso_date_fast_path_agrees_with_the_general_reader() -> None:
    import pandas as pd

    from wizard.core.transforms import _parse_dates, parse_dates

    values = pd.Series(["2024-05-01", "2024-02-30", "2024-05-01 10:30:00", "2024-05-01T23:59:59",
                        "2024-05-01 00:00:00", "2024-05-01 24:00:00", "05/01/2024", "", "45123",
                        "1 March 2024", "2024-13-01", "2024-05-01 10:61:00", "1999-12-31"])  # fmt: skip
    for order in ("MDY", "DMY"):
        for with_time in (False, True):
            fast, slow = (
                parse_dates(values, order, with_time),
                _parse_dates(values, order, with_time),
            )
            assert fast[0].tolist() == slow[0].tolist()
            assert fast[1].tolist() == slow[1].tolist() and fast[2] == slow[2]
