"""Recognition: columns judged by their values, record ids and links found whatever their
spelling, and nothing lost on exports no one here wrote."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tests.test_pipeline import write
from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.inspection import inspect
from wizard.core.migration import Migration
from wizard.core.presets import hubspot, parse_spec, pipedrive, salesforce
from wizard.core.recognition.profile import profile_column
from wizard.core.recognition.vocab import activity_type_from_name, option_for


def test_no_preset_names_a_field_its_entity_lacks() -> None:
    for module in (salesforce, hubspot, pipedrive):
        for name, spec in module.OBJECTS.items():
            if spec.entity is None:
                continue
            ent = ENTITIES[spec.entity]
            for column, specs in spec.columns.items():
                for one in filter(None, specs.split(";")):
                    fm = parse_spec(column, one)
                    assert ent.has(fm.field), f"{module.__name__} {name}.{column} -> {fm.field}"
                    f = ent.field(fm.field)
                    if fm.match_by:
                        assert f.type == FieldType.REFERENCE and fm.match_by in f.match_by
            for field_name, value in spec.constants.items():
                assert ent.has(field_name), f"{name} constant {field_name}"
                f = ent.field(field_name)
                assert not f.options or value in f.options, f"{name} {field_name}={value}"
            for field_name, vmap in spec.value_maps.items():
                f = ent.field(field_name)
                assert set(vmap.values()) <= set(f.options), f"{name} {field_name}"


def test_a_salesforce_task_export_with_created_date_is_read(tmp_path: Path) -> None:
    write(tmp_path / "Task.csv", ["Id", "WhoId", "Subject", "ActivityDate", "CreatedDate",
                                  "TaskSubtype", "OwnerId"],
          [["00T000000000001AAA", "003000000000001AAA", "Call back", "2024-01-05",
            "2024-01-01T10:00:00.000Z", "Call", "005000000000001AAA"]])  # fmt: skip
    report = inspect([str(tmp_path)])
    splan = report.plan.sources[0]
    assert splan.preset_object == "Task" and splan.entity == "activity"
    assert "CreatedDate" in splan.custom  # activities have no created date: kept as custom
    assert report.lines()  # the summary is written without an error


@pytest.mark.parametrize(
    ("header", "values", "shape"),
    [
        ("idade", [str(18 + i % 60) for i in range(500)], "number"),
        ("cliente_id", [str(i) for i in range(1, 501)], "integer_id"),
        ("ACCOUNTID", [f"zcrm_36523970000006{i:05d}" for i in range(300)], "alnum_id"),
        ("USER_ID", [str(3652397000000186017 + i) for i in range(40)], "integer_id"),
        ("Id", [f"001bm00001ZL8U{c}AAL" for c in "ABCDEFGHIJ"], "salesforce_id"),
        (
            "uuid",
            ["6f1c2a9e-3b7d-4e2a-9c1f-0a1b2c3d4e5f", "0d9e8f7a-6b5c-4d3e-8f2a-1b2c3d4e5f60"],
            "uuid",
        ),
        (
            "nome",
            ["Ana Luiza Carvalho", "Manuela Pinto", "Vitor Gomes", "Rafael Lima"] * 10,
            "person_name",
        ),
        ("valor", [f"{i * 13.37:.2f}" for i in range(200)], "money"),
        ("data", [f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(200)], "date"),
        ("respondeu", ["sim", "nao"] * 50, "boolean"),
        ("tipo", ["mensalidade", "compra"] * 100, "category"),
        ("mail", [f"p{i}@example.com" for i in range(50)], "email"),
    ],
)
def test_columns_are_profiled_from_their_values(header, values, shape) -> None:
    prof = profile_column(header, pd.Series(values, dtype=object))
    assert prof.shape == shape, (header, prof)


def test_picklist_values_of_other_crms_and_activity_types_from_names() -> None:
    from wizard.core.blueprint import LIFECYCLE, STAGES

    assert option_for("Qualified To Buy", "stage", STAGES)[0] == "Qualification"  # HubSpot
    assert option_for("decisionmakerboughtin", "stage", STAGES)[0] == "Proposal"
    assert option_for("Won", "stage", STAGES)[0] == "Closed won"  # Maven, Pipedrive
    assert option_for("Engaging", "stage", STAGES)[0] == "Prospecting"
    assert option_for("Closed-Lost to Competition", "stage", STAGES)[0] == "Closed lost"  # Zoho
    assert option_for("Propose", "stage", STAGES)[0] == "Proposal"  # Dynamics 365
    assert option_for("salesqualifiedlead", "lifecycle_stage", LIFECYCLE)[0] == (
        "Sales qualified lead"
    )
    assert option_for("Carrier pigeon", "type", ("Email", "Call", "Meeting", "Note", "Task")) == (
        "",
        0.0,
    )
    assert [activity_type_from_name(n) for n in ("Calls.csv", "Zoho Events.csv",
            "Anrufe.xlsx", "book.xlsx [Meetings]", "tarefas.csv", "transacoes.csv")] == [
        "Call", "Meeting", "Call", "Meeting", "Task", None]  # fmt: skip


def test_header_matches_the_values_contradict_are_dropped(tmp_path: Path) -> None:
    rows = [[str(i), f"Pessoa Numero{i} Silva", str(20 + i % 50), "Sul"] for i in range(1, 101)]
    write(tmp_path / "clientes.csv", ["cliente_id", "nome", "idade", "regiao"], rows)
    report = inspect([str(tmp_path)])
    splan = report.plan.sources[0]
    fields = {m.field: m.columns[0] for m in splan.fields}
    assert fields["source_id"] == "cliente_id"  # found by shape and uniqueness
    assert fields["full_name"] == "nome"  # 'nome' over full names is the full name
    assert "city" not in fields and "idade" in splan.custom  # an age is not a city
    assert any("idade is not city" in n for n in splan.notes)


def _ptbr_truth(folder: Path) -> dict[str, int]:
    """What a careful admin would get, counted from the files with the csv module."""
    counts = {}
    ids = set()
    with (folder / "clientes.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ids.add(row["cliente_id"])
    counts["clientes"] = len(ids)
    for name in ("campanhas", "transacoes"):
        with (folder / f"{name}.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        counts[name] = len(rows)
        counts[f"{name}_links"] = sum(1 for r in rows if r["cliente_id"] in ids)
    return counts


def test_the_portuguese_crm_migrates_with_no_plan(ptbr_sample: Path, tmp_path: Path) -> None:
    truth = _ptbr_truth(ptbr_sample)
    with Migration(tmp_path / "p") as mig:
        results = mig.migrate([ptbr_sample])
        assert all(r.state == "completed" and r.reconciled for r in results)
    db = sqlite3.connect(tmp_path / "p" / "sandbox.db")
    try:
        assert db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == truth["clientes"]
        # every campaign send and every transaction kept, each linked to its customer
        acts = db.execute("SELECT COUNT(*), COUNT(contact_id) FROM activities").fetchone()
        sends, transactions = truth["campanhas"], truth["transacoes"]
        assert acts == (sends + transactions, truth["campanhas_links"] + truth["transacoes_links"])
        assert acts == (23_948, 23_948)  # as SOURCE.txt says a careful admin gets
        # full name, age and income kept (custom fields where the blueprint has none)
        name, props = db.execute(
            "SELECT full_name, properties FROM contacts WHERE source_id='1'"
        ).fetchone()
        assert name == "Ana Luiza Carvalho"
        assert json.loads(props) | {"idade": "58", "renda_mensal": "3002.97"} == json.loads(props)
        kinds = dict(db.execute(
            "SELECT json_extract(properties, '$.tipo'), COUNT(*) FROM activities GROUP BY 1"))  # fmt: skip
        assert kinds.get(None, 0) == sends and sum(kinds.values()) == sends + transactions
    finally:
        db.close()


def _salesforce_truth(folder: Path) -> set[str]:
    """Contacts of accounts with an open opportunity, from the files themselves."""
    with (folder / "Opportunity.csv").open(encoding="utf-8") as f:
        open_accounts = {r["AccountId"] for r in csv.DictReader(f) if r["IsClosed"] == "FALSE"}
    with (folder / "Contact.csv").open(encoding="utf-8") as f:
        return {r["Id"] for r in csv.DictReader(f) if r["AccountId"] in open_accounts}


def test_golden_rule_holds_back_contacts_of_companies_with_open_deals(
    salesforce_sample: Path, tmp_path: Path
) -> None:
    expected = _salesforce_truth(salesforce_sample)
    assert len(expected) == 17
    with Migration(tmp_path / "p") as mig:
        results = {r.phase: r for r in mig.migrate([salesforce_sample])}
        active = {
            key
            for (key,) in mig.ledger.db.execute(
                "SELECT s.key FROM stage_contact s JOIN files f ON f.fid=s.fid WHERE "
                "f.label='Contact.csv' AND s.phase='active'"
            )
        }
    assert active == expected
    contacts = next(a for a in results["active"].accounting if a.label == "Contact.csv")
    assert contacts.loaded == 17


def test_fidelity_is_counted_from_the_files_and_said(ptbr_sample: Path, tmp_path: Path) -> None:
    truth = _ptbr_truth(ptbr_sample)
    cells = {}
    for name in ("clientes", "campanhas", "transacoes"):
        with (ptbr_sample / f"{name}.csv").open(encoding="utf-8") as f:
            cells[f"{name}.csv"] = sum(1 for r in csv.DictReader(f) for v in r.values() if v)
    with Migration(tmp_path / "p") as mig:
        results = mig.migrate([ptbr_sample])
        kept = {f.label: f for f in mig.fidelity()}
        status = mig.status()
    for label, fi in kept.items():
        assert fi.values == cells[label] and fi.values_kept == fi.values, fi
        assert fi.records == fi.records_kept and fi.complete
    assert kept["transacoes.csv"].links == truth["transacoes_links"] == 22_688
    assert all(
        r.message.startswith("Completed: every row is accounted for, and every record")
        for r in results
    )
    assert [f["complete"] for f in status["fidelity"]] == [True, True, True]


def test_a_phase_that_leaves_something_behind_says_what(tmp_path: Path) -> None:
    from tests.test_pipeline import crm

    with Migration(tmp_path / "p") as mig:
        results = {r.phase: r for r in mig.migrate([crm(tmp_path / "export")])}
    companies = results["companies"]
    assert companies.message.startswith("Completed, but not everything arrived")
    assert "rejected" in companies.message  # the row with nothing that names a company
    fi = companies.fidelity[0]
    assert (fi["records"], fi["records_kept"], fi["complete"]) == (7, 6, False)
    assert any("arrived" in line for line in companies.lines())


def test_merged_duplicates_bring_their_values(tmp_path: Path) -> None:
    write(tmp_path / "contacts.csv", ["Contact ID", "First Name", "Last Name", "Email", "Title",
                                      "Phone", "Shoe size"],
          [["C1", "Ann", "Lee", "ann@x.com", "", "+44 20 7946 0000", "38"],
           ["", "Ann", "Lee", "ann@x.com", "CFO", "+44 20 7946 0999", "39"]])  # fmt: skip
    with Migration(tmp_path / "p") as mig:
        mig.migrate([tmp_path])
        (fi,) = mig.fidelity()
    assert (fi.records_kept, fi.values_kept, fi.values) == (2, 12, 12)
    db = sqlite3.connect(tmp_path / "p" / "sandbox.db")
    title, phone, props = db.execute("SELECT title, phone, properties FROM contacts").fetchone()
    db.close()
    assert (title, phone) == ("CFO", "+442079460000")  # an empty field filled from the duplicate
    extra = json.loads(props)
    assert extra["phone_merged"] == "+442079460999" and extra["shoe_size_merged"] == "39"


def test_a_version_1_ledger_is_upgraded(tmp_path: Path) -> None:
    from wizard.core.ledger import LEDGER_VERSION, SCHEMA, Ledger, _stage_sql

    path = tmp_path / "ledger.db"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    for name in ENTITIES:
        sql = _stage_sql(ENTITIES[name]).replace(", vr INTEGER, vk INTEGER, mhash INTEGER", "")
        db.execute(sql)
    db.execute("INSERT INTO meta VALUES ('ledger_version', '1')")
    db.commit()
    db.close()
    ledger = Ledger(path)
    cols = {r[1] for r in ledger.db.execute("PRAGMA table_info(stage_contact)")}
    assert {"vr", "vk", "mhash"} <= cols and ledger.meta("ledger_version") == str(LEDGER_VERSION)
    ledger.close()


def test_tables_that_are_no_entity_are_left_out_with_the_reason(tmp_path: Path) -> None:
    write(tmp_path / "contacts.csv", ["Contact ID", "Name", "Email"],
          [[f"C{i}", f"Person Number{i}", f"p{i}@x.com"] for i in range(5)])  # fmt: skip
    write(tmp_path / "Tickets.csv", ["Ticket ID", "Subject", "Contact ID", "Created"],
          [[f"T{i}", "Printer broken", f"C{i}", "2024-01-02"] for i in range(4)])  # fmt: skip
    write(tmp_path / "CampaignMember.csv", ["Id", "CampaignId", "ContactId", "Status"],
          [[f"M{i}", "701A", f"C{i}", "Sent"] for i in range(3)])  # fmt: skip
    write(tmp_path / "products.csv", ["product", "series", "sales_price"],
          [["GTX Basic", "GTX", "550"], ["GTX Pro", "GTX", "4821"]])  # fmt: skip
    report = inspect([str(tmp_path)])
    notes = {Path(s.file).name: (s.entity, s.note) for s in report.plan.sources}
    assert notes["contacts.csv"][0] == "contact"
    for name, what, rows in (("Tickets.csv", "support tickets", 4),
                             ("CampaignMember.csv", "campaign members", 3),
                             ("products.csv", "products", 2)):  # fmt: skip
        entity, note = notes[name]
        assert entity is None and what in note and f"its {rows} rows are left out" in note


def test_a_near_miss_of_a_name_is_said_not_linked(tmp_path: Path) -> None:
    write(tmp_path / "accounts.csv", ["account", "sector"],
          [["GTX Pro Ltd", "tech"], ["Acme Corp", "retail"], ["Globex", "energy"]])  # fmt: skip
    write(tmp_path / "deals.csv", ["Deal ID", "Deal Name", "Account Name", "Amount"],
          [["D1", "One", "Acme Corp", "10"], ["D2", "Two", "GTXPro", "20"],
           ["D3", "Three", "Globexx", "30"], ["D4", "Four", "acme corp.", "40"]])  # fmt: skip
    report = inspect([str(tmp_path)])
    orphans = [f for f in report.validation.findings.items if f.rule == "orphan"]
    assert [(f.row, f.value) for f in orphans] == [(4, "Globexx")]
    assert "The closest is 'globex'" in orphans[0].message
    # 'acme corp.' is Acme Corp and 'GTXPro' is GTX Pro Ltd (case, spacing, legal suffix)
    assert report.validation.links["deal.company"] == 3
