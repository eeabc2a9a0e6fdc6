"""The real Salesforce export in ../shared/data: recognised and mapped with no plan."""

from __future__ import annotations

from wizard.core.inspection import inspect


def _by_name(report):
    return {s.path.name: report.plan.source(str(s.path), s.sheet) for s in report.sources}


def test_every_file_recognised_and_mapped(salesforce_sample) -> None:
    report = inspect([str(salesforce_sample)])
    assert report.unreadable == []
    assert report.plan.method == "integration_sync" and report.plan.preset == "salesforce"
    plans = _by_name(report)
    assert {n: (p.preset_object, p.entity) for n, p in plans.items()} == {
        "Account.csv": ("Account", "company"),
        "Contact.csv": ("Contact", "contact"),
        "Lead.csv": ("Lead", "contact"),
        "Opportunity.csv": ("Opportunity", "deal"),
        "OpportunityHistory.csv": ("OpportunityHistory", "activity"),
        "OpportunityHistoryGroup.csv": ("Summary", None),
    }
    fields = {n: {m.field: m.columns[0] for m in p.fields} for n, p in plans.items()}
    assert fields["Account.csv"]["name"] == "Name"
    assert fields["Account.csv"]["parent_company"] == "ParentId"
    for key, col in {"source_id": "Id", "company": "AccountId", "first_name": "FirstName",
                     "last_name": "LastName", "email": "Email", "phone": "Phone"}.items():  # fmt: skip
        assert fields["Contact.csv"][key] == col
    for key, col in {"company": "AccountId", "stage": "StageName", "amount": "Amount",
                     "close_date": "CloseDate", "name": "Name"}.items():  # fmt: skip
        assert fields["Opportunity.csv"][key] == col
    assert plans["Lead.csv"].constants == {"lifecycle_stage": "Lead"}
    assert plans["Lead.csv"].field_map("company").match_by == "name"
    assert all(m.origin == "preset" for p in plans.values() for m in p.fields)
    # every stage in the export maps to an option
    stages = plans["Opportunity.csv"].value_maps["stage"]
    assert stages["Closed Won"] == "Closed won" and stages["Id. Decision Makers"]


def test_links_resolve_and_known_bad_email_is_flagged(salesforce_sample) -> None:
    report = inspect([str(salesforce_sample)])
    v = report.validation
    # every Contact's AccountId and every Opportunity's AccountId resolves
    orphan = [f for f in v.findings.items if f.rule == "orphan"]
    contacts = [f for f in orphan if f.file == "Contact.csv" and f.field == "company"]
    deals = [f for f in orphan if f.file == "Opportunity.csv"]
    assert contacts == [] and deals == []
    assert v.links["deal.company"] == 36
    assert v.files["Contact.csv"].rows_read == 25
    bad = [(f.row, f.value) for f in v.findings.items if f.rule == "email"]
    assert bad == [(11, "b.levy@expressl&t.net"), (12, "j.davis@expressl&t.net")]
    # converted leads are merged into their contact, not loaded twice
    merged = [f.row for f in v.findings.items if f.rule == "merged"]
    assert merged == [2, 4, 7, 20, 23]
    # no owners file: the owner links are orphans, reported by relation: the 22 leads', and
    # the 5 contacts that take their owner from the converted lead merged into them (the
    # Contact file has no owner column), said as such
    assert v.orphans["contact.owner"] == 27
    taken = [f.row for f in orphan if f.file == "Contact.csv" and f.field == "owner"]
    assert taken == [22, 23, 24, 25, 26]
    assert all("taken from a row merged into it" in f.message
               for f in orphan if f.file == "Contact.csv")  # fmt: skip
    assert sum(1 for f in orphan if f.file == "Lead.csv" and f.field == "owner") == 22
    # stages and two-digit-year dates parsed without errors
    assert v.files["Opportunity.csv"].errors == {}


def test_migrate_sample_every_record_lands_with_its_links(salesforce_sample, tmp_path) -> None:
    """End to end on the real export: every Account, Contact and Opportunity is in the sandbox
    with its links, and every file's rows add up."""
    import csv
    import sqlite3

    from wizard.core.migration import Migration
    from wizard.core.presets.salesforce import id18

    def rows(name: str) -> list[dict[str, str]]:
        with (salesforce_sample / name).open(encoding="utf-8") as f:
            return list(csv.DictReader(f))

    with Migration(tmp_path / "project") as mig:
        results = mig.migrate([salesforce_sample])
        status = mig.status()
    assert all(r.state == "completed" and r.reconciled for r in results)
    db = sqlite3.connect(tmp_path / "project" / "sandbox.db")
    companies = dict(db.execute("SELECT source_id, id FROM companies"))
    accounts = rows("Account.csv")
    assert set(companies) == {id18(a["Id"]) for a in accounts}
    contacts = dict(db.execute("SELECT source_id, company_id FROM contacts"))
    for c in rows("Contact.csv"):
        assert id18(c["Id"]) in contacts
        account = id18(c["AccountId"]) if c["AccountId"] else None
        assert contacts[id18(c["Id"])] == companies.get(account)
    deals = dict(db.execute("SELECT source_id, company_id FROM deals"))
    for o in rows("Opportunity.csv"):
        assert deals[id18(o["Id"])] == companies[id18(o["AccountId"])]
    linked = db.execute("SELECT COUNT(*) FROM activities WHERE deal_id IS NOT NULL").fetchone()
    assert linked == (len(rows("OpportunityHistory.csv")),)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    for f in status["files"]:
        decided = sum(f[k] for k in ("loaded", "updated", "unchanged", "rejected", "merged"))
        assert f["rows_read"] == decided and f["waiting"] == 0, f
    for p in status["phases"]:
        assert all(a["balanced"] for a in p["accounting"])
