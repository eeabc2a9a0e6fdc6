"""Exports in other CRMs' shapes, migrated with no plan: every record, every link that resolves
in the files and every non-empty value reaches the sandbox, counted against what was written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vendor_exports import VENDORS, Export
from wizard.core.blueprint import ENTITIES
from wizard.core.migration import Migration

# file -> (entity, {field: column}) for the fields that matter most; None: not imported
EXPECTED = {
    "zoho": {
        "Users.csv": ("owner", {"source_id": "USER_ID", "email": "Email"}),
        "Accounts.csv": ("company", {"source_id": "ACCOUNTID", "name": "Account Name"}),
        "Contacts.csv": ("contact", {"source_id": "CONTACTID", "email": "Email"}),
        "Potentials.csv": ("deal", {"source_id": "POTENTIALID", "name": "Potential Name",
                                    "stage": "Stage", "amount": "Amount"}),
        "Calls.csv": ("activity", {"source_id": "ACTIVITYID", "occurred_at": "Call Start Time"}),
        "Events.csv": ("activity", {"occurred_at": "Start DateTime"}),
        "Tasks.csv": ("activity", {"occurred_at": "Due Date"}),
    },
    "hubspot_ui": {
        "hubspot-crm-exports-all-companies-2026-11-30.csv": ("company", {"name": "Company name"}),
        "hubspot-crm-exports-all-contacts-2026-11-30.csv": ("contact", {"email": "Email"}),
        "hubspot-crm-exports-all-deals-2026-11-30.csv": ("deal", {"stage": "Deal Stage"}),
    },
    "hubspot_ids": {
        "companies.csv": ("company", {"source_id": "Record ID"}),
        "contacts.csv": ("contact", {"source_id": "Record ID"}),
        "deals.csv": ("deal", {"source_id": "Record ID", "stage": "Deal Stage"}),
    },
    "maven": {
        "sales_teams.csv": ("owner", {"full_name": "sales_agent"}),
        "accounts.csv": ("company", {"name": "account"}),
        "products.csv": (None, {}),
        "sales_pipeline.csv": ("deal", {"source_id": "opportunity_id", "stage": "deal_stage",
                                        "amount": "close_value"}),
    },
    "dynamics": {
        "systemuser.csv": ("owner", {"source_id": "systemuserid",
                                     "email": "internalemailaddress"}),
        "account.csv": ("company", {"source_id": "accountid", "name": "name"}),
        "contact.csv": ("contact", {"source_id": "contactid", "email": "emailaddress1"}),
        "opportunity.csv": ("deal", {"source_id": "opportunityid", "amount": "estimatedvalue",
                                     "close_date": "estimatedclosedate", "stage": "stepname"}),
        "phonecall.csv": ("activity", {"occurred_at": "scheduledstart"}),
        "appointment.csv": ("activity", {"occurred_at": "scheduledstart"}),
        "task.csv": ("activity", {"occurred_at": "scheduledstart"}),
    },
    "handkept": {
        "Our customers 2026.csv": ("contact", {"full_name": "Name", "email": "E-mail"}),
    },
    "salesforce": {
        "User.csv": ("owner", {"source_id": "Id"}),
        "Account.csv": ("company", {"source_id": "Id"}),
        "Contact.csv": ("contact", {"source_id": "Id"}),
        "Opportunity.csv": ("deal", {"source_id": "Id", "stage": "StageName"}),
        "OpportunityContactRole.csv": ("deal", {"source_id": "Id", "contact": "ContactId"}),
        "AccountContactRelation.csv": ("contact", {"source_id": "Id", "company": "AccountId"}),
        "Task.csv": ("activity", {"source_id": "Id"}),
        "Event.csv": ("activity", {"source_id": "Id"}),
    },
    "pipedrive": {
        "organizations.csv": ("company", {"source_id": "ID", "name": "Name"}),
        "persons.csv": ("contact", {"source_id": "ID", "full_name": "Name"}),
        "deals.csv": ("deal", {"source_id": "ID", "name": "Title", "stage": "Stage"}),
        "activities.csv": ("activity", {"source_id": "ID"}),
    },
    "odoo": {
        "Company (res.partner).csv": ("company", {"source_id": "id", "name": "name"}),
        "Contact (res.partner).csv": ("contact", {"source_id": "id", "email": "email"}),
        "Pipeline (crm.lead).csv": ("deal", {"source_id": "id", "stage": "stage_id",
                                             "amount": "expected_revenue"}),
    },
}  # fmt: skip


def _reached(mig: Migration, ex: Export, sandbox: Path) -> dict[str, tuple]:
    """Per file, counted in the sandbox: records there, links there per field, values kept."""
    db = mig.ledger.db
    db.execute(f"ATTACH '{sandbox}' AS t")
    kept = {f.label: f for f in mig.fidelity()}
    out = {}
    for label in ex.rows:
        found = db.execute("SELECT fid, entity FROM files WHERE label=?", (label,)).fetchone()
        if found is None:
            out[label] = None
            continue
        fid, entity = found
        table = ENTITIES[entity].table
        join = (f"FROM stage_{entity} s JOIN outcomes o ON o.entity=? AND o.sid=s.sid JOIN "
                f"t.{table} x ON x.id=o.target_id WHERE s.fid=?")  # fmt: skip
        records = db.execute(f"SELECT COUNT(*) {join}", (entity, fid)).fetchone()[0]
        links = {}
        for key in ex.links:
            file, field = key.split(":")
            if file == label:
                links[field] = db.execute(f"SELECT COUNT(*) {join} AND x.{field}_id IS NOT NULL",
                                          (entity, fid)).fetchone()[0]  # fmt: skip
        out[label] = (records, links, kept[label].values_kept)
    db.execute("DETACH t")
    return out


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_an_export_in_this_shape_migrates_with_nothing_lost(vendor: str, tmp_path: Path) -> None:
    ex = VENDORS[vendor](tmp_path / "export")
    with Migration(tmp_path / "p") as mig:
        results = mig.migrate([ex.folder])
        assert all(r.state == "completed" and r.reconciled for r in results)
        plan = mig.require_plan()
        reached = _reached(mig, ex, tmp_path / "p" / "sandbox.db")
    for label, (entity, fields) in EXPECTED[vendor].items():
        splan = next(s for s in plan.sources if Path(s.file).name == label)
        assert splan.entity == entity, (label, splan.entity, splan.note)
        mapped = {m.field: m.columns[0] for m in splan.fields}
        for fname, column in fields.items():
            assert mapped.get(fname) == column, (label, fname, mapped.get(fname))
        if entity is None:
            assert reached[label] is None and splan.note  # said why, with its rows counted
            continue
        records, links, values = reached[label]
        truth_links = {k.split(":")[1]: n for k, n in ex.links.items() if k.startswith(label + ":")}
        # exact: every row, every link that resolves in the files, every non-empty cell
        assert (records, links, values) == (ex.rows[label], truth_links, ex.cells[label]), label
