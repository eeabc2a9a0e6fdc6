"""Property: for random small relational exports with random rejects, orphans, duplicates and
policies, every file's rows add up and the sandbox holds no dangling reference."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_pipeline import write
from wizard.core.migration import Migration

ids = st.integers(min_value=0, max_value=12)
maybe_ref = st.one_of(st.just(""), ids.map(lambda i: f"A{i}"))


@st.composite
def export(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    n_co = draw(st.integers(0, 8))
    companies = []
    for i in range(n_co):
        name = draw(st.sampled_from(["Acme", "Beta", "", "Gamma Ltd", "=cmd()"]))
        parent = draw(maybe_ref)
        domain = draw(st.sampled_from(["", "acme.com", "beta.io", f"c{i}.com", "not a domain"]))
        companies.append([f"A{draw(ids)}", name, domain, parent])
    contacts = []
    for _ in range(draw(st.integers(0, 10))):
        email = draw(st.sampled_from(["", "a@x.com", "b@y.org", "broken@", "c@z.net"]))
        stage = draw(st.sampled_from(["Lead", "Customer", "Opportunity", "Nonsense", ""]))
        contacts.append([f"C{draw(ids)}", draw(st.sampled_from(["Ann", "", "Bo"])), "Lee",
                         email, draw(maybe_ref), stage])  # fmt: skip
    deals = []
    for _ in range(draw(st.integers(0, 8))):
        deals.append([f"D{draw(ids)}", draw(st.sampled_from(["Deal", ""])),
                      draw(st.sampled_from(["100", "x", ""])),
                      draw(st.sampled_from(["Proposal", "Closed won", "Bogus"])),
                      draw(maybe_ref), draw(st.one_of(st.just(""), ids.map(lambda i: f"C{i}")))])  # fmt: skip
    acts = []
    for _ in range(draw(st.integers(0, 8))):
        acts.append([f"T{draw(ids)}", draw(st.sampled_from(["Call", "Email", "Pigeon"])), "S",
                     draw(st.one_of(st.just(""), ids.map(lambda i: f"C{i}"))),
                     draw(st.one_of(st.just(""), ids.map(lambda i: f"D{i}")))])  # fmt: skip
    return {"companies": companies, "contacts": contacts, "deals": deals, "activities": acts}


HEADERS = {
    "companies": ["Company ID", "Company Name", "Domain", "Parent Company ID"],
    "contacts": ["Contact ID", "First Name", "Last Name", "Email", "Company ID", "Lifecycle Stage"],
    "deals": ["Deal ID", "Deal Name", "Amount", "Stage", "Company ID", "Contact ID"],
    "activities": ["Activity ID", "Activity Type", "Subject", "Contact ID", "Deal ID"],
}
RELATIONS = ["company.parent_company", "contact.company", "deal.company", "deal.contact",
             "activity.contact", "activity.deal"]  # fmt: skip


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(data=export(), policies=st.lists(st.sampled_from(["unlinked", "reject"]), min_size=6,
                                        max_size=6))  # fmt: skip
def test_accounting_adds_up_and_no_reference_dangles(data, policies) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "export"
        for name, rows in data.items():
            if rows:
                write(src / f"{name}.csv", HEADERS[name], rows)
        if not src.exists():
            return
        with Migration(Path(tmp) / "project") as mig:
            prepared = mig.prepare([src])
            prepared.plan.orphan_policy = dict(zip(RELATIONS, policies, strict=True))
            plan = mig.save_plan(prepared.plan)
            results = mig.migrate([src], plan_path=plan, batch_rows=3)
            status = mig.status()
        assert all(r.state == "completed" for r in results), [r.message for r in results]
        assert all(r.reconciled for r in results)
        staged = {f["label"] for f in status["files"]}
        assert staged == {f"{name}.csv" for name, rows in data.items() if rows}
        for f in status["files"]:
            decided = sum(f[k] for k in ("loaded", "updated", "unchanged", "rejected", "merged"))
            assert f["rows_read"] == decided == len(data[f["label"][:-4]]), f
        for p in status["phases"]:
            assert all(a["balanced"] and not a["pending"] for a in p["accounting"])
        con = sqlite3.connect(Path(tmp) / "project" / "sandbox.db")
        try:
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
            for table, col, parent in [("companies", "parent_company_id", "companies"),
                                       ("contacts", "company_id", "companies"),
                                       ("deals", "contact_id", "contacts"),
                                       ("activities", "deal_id", "deals")]:  # fmt: skip
                dangling = con.execute(
                    f"SELECT COUNT(*) FROM {table} c WHERE c.{col} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {parent} p WHERE p.id = c.{col})"
                ).fetchone()[0]
                assert dangling == 0
            # one record per source id, whatever the duplicates
            for table in ("companies", "contacts", "deals", "activities"):
                n, distinct = con.execute(
                    f"SELECT COUNT(*), COUNT(DISTINCT source_id) FROM {table}").fetchone()  # fmt: skip
                assert n == distinct
        finally:
            con.close()
