"""Source connectors against local servers that answer in the vendors' documented shapes:
pages and cursors, associations, deltas, deletions, 429/5xx/401 and quotas; a pull killed at
random pages resumes with nothing lost or doubled; a migration from the pulled files."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SALESFORCE_TOKEN
from wizard.core.connectors import pull_folder
from wizard.core.connectors.pull import PullDone, pull
from wizard.core.connectors.salesforce import SalesforceConnector
from wizard.core.errors import CutoverError
from wizard.core.migration import Migration

ROOT = Path(__file__).resolve().parent.parent


def rows_of(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def run_pull(connector, folder: Path, delta: bool = False) -> PullDone:
    done = None
    for item in pull(connector, folder, delta=delta):
        if isinstance(item, PullDone):
            done = item
    assert done is not None
    return done


def migrate_pulled(project: Path, folder: Path) -> dict:
    """Migrate a pulled folder with no plan; every phase completes and reconciles. Each file's
    records, links and values as the fidelity counts them."""
    with Migration(project) as mig:
        results = mig.migrate([folder])
        assert results and all(r.state == "completed" and r.reconciled for r in results), [
            r.lines() for r in results]  # fmt: skip
        return {f.label: f for f in mig.fidelity()}


def fill_org(org, n_accounts: int = 7, seed: int = 3) -> dict[str, list[str]]:
    """Accounts, contacts, a lead, opportunities (one whose contact is only a primary contact
    role), tasks and events, with the values a real org holds (accents, commas, quotes)."""
    rnd = random.Random(seed)
    owner = next(iter(org.records["User"]))
    ids: dict[str, list[str]] = {"Account": [], "Contact": [], "Opportunity": []}
    for i in range(n_accounts):
        acc = org.add("Account", Name=f"Conta {i}, Lda \"Sul\"" if i % 3 == 0 else f"Acme {i}",
                      Website=f"https://acme{i}.example", BillingCity="São Paulo",
                      OwnerId=owner, Legacy_Id__c=None)  # fmt: skip
        ids["Account"].append(acc)
        for j in range(2):
            c = org.add("Contact", FirstName=f"Zoë{i}{j}", LastName=f"Ng-{i}{j}",
                        Email=f"z{i}{j}@acme{i}.example", AccountId=acc, OwnerId=owner)  # fmt: skip
            ids["Contact"].append(c)
    org.add("Lead", FirstName="Lee", LastName="Dee", Company="Leads Inc", Email="lee@leads.example",
            Status="Open", IsConverted=False, OwnerId=owner)  # fmt: skip
    for k in range(n_accounts):
        acc = ids["Account"][k]
        contact = ids["Contact"][2 * k]
        opp = org.add("Opportunity", Name=f"Deal {k}", Amount=1000.5 * (k + 1),
                      StageName=rnd.choice(["Prospecting", "Closed Won", "Negotiation/Review"]),
                      CloseDate="2026-12-31", AccountId=acc, OwnerId=owner,
                      ContactId=None if k == 0 else contact)  # fmt: skip
        ids["Opportunity"].append(opp)
        if k == 0:  # only the contact role says who the deal's contact is
            org.add("OpportunityContactRole", OpportunityId=opp, ContactId=contact,
                    IsPrimary=True, Role="Decision Maker")  # fmt: skip
        org.add("Task", Subject=f"Call {k}", Description="Line one\nline two", Status="Completed",
                ActivityDate="2026-10-01", WhoId=contact, WhatId=opp, OwnerId=owner,
                TaskSubtype="Call", Type="Call")  # fmt: skip
        org.add("Event", Subject=f"Visit {k}", StartDateTime="2026-10-02T10:00:00.000+0000",
                DurationInMinutes=30, WhoId=contact, WhatId=acc, OwnerId=owner)  # fmt: skip
    return ids


def sf(server, folder: Path) -> SalesforceConnector:
    return SalesforceConnector(server.url, SALESFORCE_TOKEN, folder, sleep=lambda s: None)


def test_salesforce_pull_writes_data_export_files_page_by_page(salesforce_server, tmp_path):
    org = salesforce_server.org
    org.page_size = 3  # many pages, each with its nextRecordsUrl
    fill_org(org)
    folder = tmp_path / "pulled"
    done = run_pull(sf(salesforce_server, folder), folder)
    assert done.files == {"User": 1, "Account": 7, "Contact": 14, "Lead": 1,
                          "OpportunityContactRole": 1, "Opportunity": 7,
                          "AccountContactRelation": 0, "Task": 7, "Event": 7}  # fmt: skip
    accounts = rows_of(folder / "Account.csv")
    assert accounts[0][0] == "Id" and "BillingAddress" not in accounts[0]  # compound: left out
    assert len({r[0] for r in accounts[1:]}) == 7  # no record twice
    name = accounts[0].index("Name")
    assert 'Conta 0, Lda "Sul"' in [r[name] for r in accounts[1:]]
    opp = rows_of(folder / "Opportunity.csv")
    first = dict(zip(opp[0], opp[1], strict=True))
    assert first["ContactId"].startswith("003")  # filled from the primary contact role
    task = dict(zip(*rows_of(folder / "Task.csv")[:2], strict=True))
    assert task["Description"] == "Line one\nline two"
    queries = [p for m, p in org.requests if "/query" in p]
    assert len(queries) > 9  # paged


def test_pulled_salesforce_files_migrate_with_every_record_and_link(salesforce_server, tmp_path):
    fill_org(salesforce_server.org)
    folder = tmp_path / "project" / "pulled" / "salesforce"
    run_pull(sf(salesforce_server, folder), folder)
    fidelity = migrate_pulled(tmp_path / "project", folder)
    for label, fi in fidelity.items():
        assert fi.complete, (label, fi.line(), fi.why)
    assert fidelity["Account.csv"].records == 7 and fidelity["Contact.csv"].records == 14
    assert fidelity["Opportunity.csv"].links == 21  # account, contact and owner of every deal


def _cli_pull(crm: str, project: Path, env: dict) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "wizard", "pull", crm, "--project", str(project)]
    if crm != "hubspot":
        cmd += ["--url", f"https://acme.my.{crm}.com" if crm == "salesforce" else
                "https://acme.pipedrive.com"]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.parametrize("crm", ["salesforce", "hubspot", "pipedrive"])
@pytest.mark.parametrize("point", ["page", "state"])
def test_a_pull_killed_at_random_pages_resumes_with_nothing_lost_or_doubled(
    request, tmp_path, crm, point
) -> None:
    from tests import conftest

    server = request.getfixturevalue(f"{crm}_server")
    token = {"salesforce": conftest.SALESFORCE_TOKEN, "hubspot": conftest.HUBSPOT_TOKEN,
             "pipedrive": conftest.PIPEDRIVE_TOKEN}[crm]  # fmt: skip
    clean = tmp_path / "clean"
    if crm == "salesforce":
        server.org.page_size = 2
        fill_org(server.org)
        run_pull(sf(server, clean), clean)
    elif crm == "hubspot":
        server.portal.page_limit = 2
        fill_portal(server.portal)
        run_pull(hs(server), clean)
    else:
        server.account.page_size = 2
        fill_pipedrive(server.account)
        run_pull(pd(clean), clean)
    from wizard.core.connectors import TOKEN_ENV

    env = {**os.environ, TOKEN_ENV[crm]: token,
           f"CUTOVER_WIZARD_TEST_{crm.upper()}": server.url}  # fmt: skip
    project = tmp_path / "project"
    rnd = random.Random(f"{crm}{point}")
    kills = 0
    for _ in range(12):
        proc = _cli_pull(crm, project, env | {"CUTOVER_WIZARD_TEST_KILL_PULL":
                                               f"{point}:{rnd.randint(1, 3)}"})  # fmt: skip
        if proc.returncode == 0:
            break
        assert proc.returncode == -9, proc.stderr  # killed, not failed
        kills += 1
        if crm == "salesforce" and kills % 3 == 0:
            server.org.locators.clear()  # Salesforce forgot the query's locator meanwhile
    else:
        proc = _cli_pull(crm, project, env)
        assert proc.returncode == 0, proc.stderr
    assert kills >= 3
    folder = pull_folder(project, crm)
    names = sorted(p.name for p in clean.glob("*.csv"))
    assert names == sorted(p.name for p in folder.glob("*.csv"))
    for name in names:
        assert rows_of(folder / name) == rows_of(clean / name), name


def test_delta_by_api_reports_new_changed_and_deleted(salesforce_server, tmp_path) -> None:
    org = salesforce_server.org
    ids = fill_org(org)
    project = tmp_path / "project"
    folder = pull_folder(project, "salesforce")
    run_pull(sf(salesforce_server, folder), folder)
    import json

    state = json.loads((folder / "pull-state.json").read_text())
    state["started"] = "2026-11-01T00:10:00Z"  # the first pull, on the server's clock
    (folder / "pull-state.json").write_text(json.dumps(state))
    org.clock = 3600  # later: after the margin
    org.update("Account", ids["Account"][1], Name="Acme One Renamed")
    org.add("Account", Name="Brand New")
    org.delete("Contact", ids["Contact"][3])
    with Migration(project) as mig:
        assert mig.migrate([folder])
    done = run_pull(sf(salesforce_server, folder), folder, delta=True)
    assert done.mode == "delta"
    assert (done.new["Account"], done.changed["Account"], done.deleted["Account"]) == (1, 1, 0)
    assert done.deleted["Contact"] == 1 and done.files["Contact"] == 13
    fresh = tmp_path / "fresh"
    run_pull(sf(salesforce_server, fresh), fresh)
    for path in fresh.glob("*.csv"):
        assert sorted(rows_of(folder / path.name)[1:]) == sorted(rows_of(path)[1:]), path.name
    with Migration(project) as mig:  # the same report as for fresh exports
        for _ in mig.stage(mig.prepare([folder])):
            pass
        assert mig.deleted_since() == {"contact": [ids["Contact"][3]]}


def test_salesforce_errors_are_said_plainly(salesforce_server, tmp_path) -> None:
    org = salesforce_server.org
    fill_org(org, n_accounts=1)
    folder = tmp_path / "p"
    org.fail_next = [
        (503, [{"message": "Server unavailable", "errorCode": "SERVER_UNAVAILABLE"}])
    ] * 2
    assert run_pull(sf(salesforce_server, folder), folder).files["Account"] == 1  # retried
    org.fail_next = [(403, [{"message": "TotalRequests Limit exceeded.",
                             "errorCode": "REQUEST_LIMIT_EXCEEDED"}])]  # fmt: skip
    with pytest.raises(CutoverError, match="daily API quota is used up"):
        run_pull(sf(salesforce_server, tmp_path / "q"), tmp_path / "q")
    bad = SalesforceConnector(salesforce_server.url, "wrong", tmp_path / "r", sleep=lambda s: None)
    with pytest.raises(CutoverError, match="refused the access token"):
        run_pull(bad, tmp_path / "r")


def test_the_token_goes_only_to_salesforce(monkeypatch) -> None:
    monkeypatch.delenv("CUTOVER_WIZARD_TEST_SALESFORCE", raising=False)
    with pytest.raises(CutoverError, match="not Salesforce's own"):
        SalesforceConnector("https://evil.example.com", "t")
    with pytest.raises(CutoverError, match="not Salesforce's own"):
        SalesforceConnector("http://acme.my.salesforce.com", "t")  # not HTTPS
    SalesforceConnector("https://acme.my.salesforce.com", "t").close()


# -- HubSpot ---------------------------------------------------------------------------------
def fill_portal(portal) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {"companies": [], "contacts": [], "deals": []}
    for i in range(5):
        ids["companies"].append(portal.add(
            "companies", name=f"Acme {i}, Inc." if i else "Café Ünïcode", domain=f"acme{i}.example",
            industry="COMPUTER_SOFTWARE" if i % 2 else "RETAIL", hubspot_owner_id="901"))  # fmt: skip
    for j in range(12):
        cid = portal.add("contacts", firstname=f"Ann{j}", lastname=f"O'Neil {j}",
                         email=f"ann{j}@acme.example", lifecyclestage="salesqualifiedlead",
                         hubspot_owner_id="902", shoe_size=str(38 + j % 5))  # fmt: skip
        ids["contacts"].append(cid)
        if j < 10:
            portal.associate("contacts", cid, "companies", ids["companies"][j % 5])
    for k in range(3):  # one contact works for three companies
        portal.associate("contacts", ids["contacts"][11], "companies", ids["companies"][k])
    for k in range(5):
        did = portal.add("deals", dealname=f"Deal {k}", amount=str(1000 * (k + 1)),
                         dealstage="closedwon" if k % 2 else "appointmentscheduled",
                         closedate="2026-12-31T00:00:00.000Z", hubspot_owner_id="901")  # fmt: skip
        ids["deals"].append(did)
        portal.associate("deals", did, "companies", ids["companies"][k])
        portal.associate("deals", did, "contacts", ids["contacts"][k])
    for k in range(4):
        nid = portal.add("notes", hs_note_body=f"Note {k}: rang, all good",
                         hs_timestamp="2026-10-01T10:00:00.000Z", hubspot_owner_id="901")  # fmt: skip
        portal.associate("notes", nid, "contacts", ids["contacts"][k])
        portal.associate("notes", nid, "deals", ids["deals"][k])
        portal.associate("notes", nid, "companies", ids["companies"][k])
    for k in range(3):
        call = portal.add("calls", hs_call_title=f"Call {k}", hs_call_body="Spoke about renewal",
                          hs_call_duration="120000", hs_timestamp="2026-10-02T09:00:00.000Z")  # fmt: skip
        portal.associate("calls", call, "contacts", ids["contacts"][5 + k])
    return ids


def hs(server):
    from tests.conftest import HUBSPOT_TOKEN
    from wizard.core.connectors.hubspot import HubSpotConnector

    return HubSpotConnector(HUBSPOT_TOKEN, sleep=lambda s: None)


def test_hubspot_pull_writes_export_shaped_files_with_associations(hubspot_server, tmp_path):
    portal = hubspot_server.portal
    portal.page_limit, portal.assoc_page = 2, 2  # many pages; a record's associations paged
    ids = fill_portal(portal)
    folder = tmp_path / "pulled"
    done = run_pull(hs(hubspot_server), folder)
    assert done.files == {"owners": 3, "companies": 5, "contacts": 12, "deals": 5,
                          "activities": 7}  # fmt: skip
    owners = list(csv.DictReader((folder / "owners.csv").open()))
    assert owners[1] == {"Record ID": "902", "First Name": "Bo", "Last Name": "Ray",
                         "Email": "bo@acme.com"}  # fmt: skip
    contacts = {r["Record ID"]: r for r in csv.DictReader((folder / "contacts.csv").open())}
    header = rows_of(folder / "contacts.csv")[0]
    assert header[0] == "Record ID" and "Secret Internal" not in header  # hidden: left out
    ann = contacts[ids["contacts"][0]]
    assert ann["First Name"] == "Ann0" and ann["Last Name"] == "O'Neil 0"
    assert ann["Lifecycle Stage"] == "Sales Qualified Lead"  # the option's label, as exported
    assert ann["Contact owner"] == "Bo Ray"  # the owner's name
    assert ann["Associated Company IDs"] == ids["companies"][0]
    many = contacts[ids["contacts"][11]]["Associated Company IDs"].split(";")
    assert sorted(many) == sorted(ids["companies"][:3])  # three, over two answers
    deals = list(csv.DictReader((folder / "deals.csv").open()))
    assert deals[1]["Deal Stage"] == "Closed Won" and deals[0]["Associated Contact IDs"]
    acts = list(csv.DictReader((folder / "activities.csv").open()))
    assert {a["Activity type"] for a in acts} == {"CALL", "NOTE"}
    assert any(a["Call duration (milliseconds)"] == "120000" for a in acts)


def test_pulled_hubspot_files_migrate_with_every_record_and_link(hubspot_server, tmp_path):
    fill_portal(hubspot_server.portal)
    folder = tmp_path / "project" / "pulled" / "hubspot"
    run_pull(hs(hubspot_server), folder)
    fidelity = migrate_pulled(tmp_path / "project", folder)
    assert fidelity["contacts.csv"].records == fidelity["contacts.csv"].records_kept == 12
    for label, fi in fidelity.items():
        assert fi.links_kept == fi.links and fi.values_kept == fi.values, (label, fi.line())
    assert fidelity["deals.csv"].links == 15  # a company, a contact and an owner for each deal


def test_hubspot_delta_searches_by_modified_time_and_finds_the_archived(hubspot_server, tmp_path):
    portal = hubspot_server.portal
    ids = fill_portal(portal)
    folder = tmp_path / "pulled"
    run_pull(hs(hubspot_server), folder)
    import json

    from tests.hubspot_server import iso

    state = json.loads((folder / "pull-state.json").read_text())
    # the first pull began 10 minutes after the last change, on the portal's clock
    state["started"] = iso(portal.clock + 600_000).replace(".000", "")
    (folder / "pull-state.json").write_text(json.dumps(state))
    portal.clock += 3_600_000  # an hour later
    portal.change("contacts", ids["contacts"][2], jobtitle="CEO")
    portal.add("contacts", firstname="New", lastname="Person", email="new@acme.example")
    portal.archive("deals", ids["deals"][4])
    done = run_pull(hs(hubspot_server), folder, delta=True)
    assert (done.new["contacts"], done.changed["contacts"]) == (1, 1)
    assert done.deleted["deals"] == 1 and done.files["deals"] == 4
    fresh = tmp_path / "fresh"
    run_pull(hs(hubspot_server), fresh)
    for path in fresh.glob("*.csv"):
        assert sorted(rows_of(folder / path.name)[1:]) == sorted(rows_of(path)[1:]), path.name


def test_hubspot_pull_rides_out_429_and_502(hubspot_server, tmp_path):
    portal = hubspot_server.portal
    fill_portal(portal)
    portal.rate_limit_next, portal.errors_next = 3, 2
    done = run_pull(hs(hubspot_server), tmp_path / "p")
    assert done.files["contacts"] == 12


def test_a_migration_from_hubspot_to_salesforce_end_to_end(hubspot_server, salesforce_server,
                                                           tmp_path, monkeypatch, capsys):  # fmt: skip
    """Pull the HubSpot portal, rehearse in the sandbox, cut over live into the Salesforce org:
    every record once, every association kept, the accounting exact."""
    from tests.conftest import HUBSPOT_TOKEN
    from wizard.cli import main
    from wizard.core import secrets

    monkeypatch.setattr(secrets, "_session", {})
    monkeypatch.setattr("time.sleep", lambda s: None)  # Salesforce's polls are not slept here
    ids = fill_portal(hubspot_server.portal)
    bo = salesforce_server.org.add("User", FirstName="Bo", LastName="Ray", Email="BO@acme.com",
                                   IsActive=True)  # fmt: skip
    project = tmp_path / "project"
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", HUBSPOT_TOKEN)
    assert main(["pull", "hubspot", "--project", str(project)]) == 0
    out = capsys.readouterr().out
    assert "Pulled from HubSpot: 32 records" in out  # 3 owners, 29 records that name them
    folder = pull_folder(project, "hubspot")
    assert main(["migrate", str(folder), "--project", str(project)]) == 0
    monkeypatch.setenv("SALESFORCE_ACCESS_TOKEN", SALESFORCE_TOKEN)
    live = ["migrate", str(folder), "--project", str(project), "--env", "live", "--salesforce",
            "https://acme.my.salesforce.com", "--override-reason", "Testing the Salesforce target."]  # fmt: skip
    assert main(live) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "Bulk API jobs" in out and "DOES NOT ADD UP" not in out and "THEY DIFFER" not in out
    org = salesforce_server.org.records
    by_legacy = {obj: {r["Legacy_Id__c"]: r for r in org[obj].values() if r.get("Legacy_Id__c")}
                 for obj in ("Account", "Contact", "Opportunity", "Task")}  # fmt: skip
    assert len(by_legacy["Account"]) == 5 and len(by_legacy["Contact"]) == 12
    assert len(by_legacy["Opportunity"]) == 5 and len(by_legacy["Task"]) == 7
    account_of = {r["Id"]: legacy for legacy, r in by_legacy["Account"].items()}
    contact_of = {r["Id"]: legacy for legacy, r in by_legacy["Contact"].items()}
    for j, cid in enumerate(ids["contacts"][:10]):  # the contact's company, as in HubSpot
        assert account_of[by_legacy["Contact"][cid]["AccountId"]] == ids["companies"][j % 5]
    # the contacts' owner in HubSpot (Bo Ray) is the Salesforce user with his email
    assert {c["OwnerId"] for c in by_legacy["Contact"].values()} == {bo}
    for k, did in enumerate(ids["deals"]):
        deal = by_legacy["Opportunity"][did]
        assert account_of[deal["AccountId"]] == ids["companies"][k]
        assert contact_of[deal["ContactId"]] == ids["contacts"][k]
        assert deal["StageName"] in ("Closed Won", "Qualification")
    props = json.loads(by_legacy["Contact"][ids["contacts"][0]]["Legacy_Properties__c"])
    assert props.get("Shoe size") or props.get("shoe_size")  # a custom field, kept
    tasks = [t for t in by_legacy["Task"].values() if t["WhatId"]]
    assert len(tasks) == 4 and all(t["WhoId"] for t in by_legacy["Task"].values())
    assert main(["status", "--project", str(project)]) == 0
    assert "Salesforce org" in capsys.readouterr().out
    leaked = [p for p in project.rglob("*") if p.is_file()
              and (SALESFORCE_TOKEN.encode() in p.read_bytes() or HUBSPOT_TOKEN.encode() in p.read_bytes())]  # fmt: skip
    assert leaked == []


# -- Pipedrive -------------------------------------------------------------------------------
def fill_pipedrive(acct) -> dict[str, list[int]]:
    from tests.pipedrive_server import SIZE_KEY, TIER_KEY

    ids: dict[str, list[int]] = {"organizations": [], "persons": [], "deals": []}
    for i in range(4):
        ids["organizations"].append(acct.add(
            "organizations", name=f"Org {i}", owner_id=11,
            address={"value": f"Rua {i}, Lisboa", "country": "Portugal"},
            custom_fields={TIER_KEY: 1 if i % 2 else 2}))  # fmt: skip
    for j in range(9):
        ids["persons"].append(acct.add(
            "persons", name=f"Zé {j}", first_name="Zé", last_name=str(j), owner_id=11,
            org_id=ids["organizations"][j % 4] if j < 8 else None, label_ids=[5],
            emails=[{"value": f"other{j}@x.example", "primary": False},
                    {"value": f"ze{j}@x.example", "primary": True}],
            phones=[{"value": f"+35121000000{j}", "primary": True}],
            custom_fields={SIZE_KEY: 40 + j}))  # fmt: skip
    for k in range(4):
        ids["deals"].append(acct.add(
            "deals", title=f"Deal {k}", value=500 * (k + 1), currency="EUR",
            org_id=ids["organizations"][k], person_id=ids["persons"][k], stage_id=1 + k % 2,
            pipeline_id=1, status="won" if k % 2 else "open", owner_id=11))  # fmt: skip
        acct.add("activities", subject=f"Call {k}", type="call", due_date="2026-10-01",
                 done=True, deal_id=ids["deals"][k], person_id=ids["persons"][k],
                 org_id=ids["organizations"][k], owner_id=11, note="<p>Rang</p>")  # fmt: skip
    return ids


def pd(folder):
    from tests.conftest import PIPEDRIVE_TOKEN
    from wizard.core.connectors.pipedrive import PipedriveConnector

    return PipedriveConnector("https://acme.pipedrive.com", PIPEDRIVE_TOKEN, folder,
                              sleep=lambda s: None)  # fmt: skip


def test_pipedrive_pull_writes_export_shaped_files(pipedrive_server, tmp_path) -> None:
    acct = pipedrive_server.account
    acct.page_size = 3
    acct.rate_limit_next = 2  # ridden out
    ids = fill_pipedrive(acct)
    folder = tmp_path / "pulled"
    done = run_pull(pd(folder), folder)
    assert done.files == {"users": 1, "organizations": 4, "persons": 9, "deals": 4,
                          "activities": 4}  # fmt: skip
    assert rows_of(folder / "users.csv")[1] == ["11", "Ann Lee", "ann@acme.com", "true"]
    persons = {r["ID"]: r for r in csv.DictReader((folder / "persons.csv").open())}
    ze = persons[str(ids["persons"][0])]
    assert ze["Email"] == "ze0@x.example"  # the primary one
    assert ze["Organization ID"] == str(ids["organizations"][0]) and ze["Owner"] == "Ann Lee"
    assert ze["Label"] == "Hot lead" and ze["Shoe size"] == "40"
    orgs = list(csv.DictReader((folder / "organizations.csv").open()))
    assert orgs[0]["Address"] == "Rua 0, Lisboa" and orgs[0]["Tier"] == "Silver"
    deals = list(csv.DictReader((folder / "deals.csv").open()))
    assert deals[1]["Stage"] == "Won" and deals[1]["Pipeline"] == "Sales"


def test_pulled_pipedrive_files_migrate_with_every_record_and_link(pipedrive_server, tmp_path):
    fill_pipedrive(pipedrive_server.account)
    folder = tmp_path / "project" / "pulled" / "pipedrive"
    run_pull(pd(folder), folder)
    fidelity = migrate_pulled(tmp_path / "project", folder)
    assert fidelity["persons.csv"].records_kept == 9
    for label, fi in fidelity.items():
        assert fi.records_kept == fi.records and fi.links_kept == fi.links, (label, fi.line())
    assert fidelity["persons.csv"].links >= 8  # each person's organization
    assert fidelity["deals.csv"].links >= 8  # organization and person of each deal


def test_pipedrive_delta_by_updated_since_and_deletions(pipedrive_server, tmp_path) -> None:
    acct = pipedrive_server.account
    ids = fill_pipedrive(acct)
    folder = tmp_path / "pulled"
    run_pull(pd(folder), folder)
    state = json.loads((folder / "pull-state.json").read_text())
    state["started"] = "2026-11-01T00:10:00Z"  # after the records, on the account's clock
    (folder / "pull-state.json").write_text(json.dumps(state))
    acct.clock = 3600
    acct.change("persons", ids["persons"][1], job_title="CEO")
    acct.add("persons", name="New One", first_name="New", last_name="One")
    del acct.data["deals"][ids["deals"][3]]
    done = run_pull(pd(folder), folder, delta=True)
    assert (done.new["persons"], done.changed["persons"], done.deleted["persons"]) == (1, 1, 0)
    assert done.deleted["deals"] == 1 and done.files["deals"] == 3
    fresh = tmp_path / "fresh"
    run_pull(pd(fresh), fresh)
    for path in fresh.glob("*.csv"):
        assert sorted(rows_of(folder / path.name)[1:]) == sorted(rows_of(path)[1:]), path.name


# -- HTTP: the same retries for every vendor -----------------------------------------------
class _Clock:
    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


def _api(answers: list, clock: _Clock, **kw):
    import httpx

    from wizard.core.connectors.http import Api

    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, headers, body = answers.pop(0) if answers else (200, {}, {"ok": True})
        return httpx.Response(status, headers=headers, json=body)

    api = Api("Acme CRM", "https://api.acme.example", {"Authorization": "Bearer t"},
              sleep=clock.sleep, clock=clock.clock, transport=httpx.MockTransport(handler), **kw)  # fmt: skip
    return api, seen


def test_429_waits_what_retry_after_says_and_5xx_backs_off() -> None:
    clock = _Clock()
    api, seen = _api([(429, {"Retry-After": "7"}, {}), (503, {}, {}), (200, {}, {"x": 1})], clock)
    waits = []
    api.on_wait = waits.append
    assert api.json("GET", "/thing") == {"x": 1} and len(seen) == 3
    assert round(sum(clock.slept)) >= 7 and waits[0] == 7.0  # Retry-After, then a backoff


def test_a_wait_of_hours_is_the_daily_quota_not_waited() -> None:
    clock = _Clock()
    api, _ = _api([(429, {"Retry-After": str(6 * 3600)}, {})], clock)
    with pytest.raises(CutoverError, match="daily API limit is used up"):
        api.json("GET", "/thing")
    assert clock.slept == []


def test_stop_ends_a_wait_and_a_storm_gives_up_plainly() -> None:
    from wizard.core.connectors.http import RETRIES, ApiStopped

    clock = _Clock()
    api, _ = _api([(429, {"Retry-After": "60"}, {})], clock)
    api.should_stop = lambda: clock.now >= 3
    with pytest.raises(ApiStopped):
        api.json("GET", "/thing")
    assert clock.now < 5
    api, seen = _api([(502, {}, {})] * (RETRIES + 1), _Clock())
    with pytest.raises(CutoverError, match="servers kept failing"):
        api.json("GET", "/thing")
    assert len(seen) == RETRIES + 1
    api, _ = _api([(401, {}, {"message": "expired"})], _Clock())
    with pytest.raises(CutoverError, match="refused the access token"):
        api.json("GET", "/thing")


def test_salesforce_dry_run_names_what_the_org_lacks(salesforce_server, tmp_path, monkeypatch):
    from tests import salesforce_server as sfs
    from wizard.core.targets.salesforce import SalesforceTarget

    t = SalesforceTarget("", SALESFORCE_TOKEN, tmp_path / "i.db", sleep=lambda s: None)
    assert t.check_properties() == []
    contact = {k: v for k, v in sfs.FIELDS["Contact"].items() if k != "Legacy_Id__c"}
    task = {k: v for k, v in sfs.FIELDS["Task"].items() if k != "Legacy_Properties__c"}
    monkeypatch.setitem(sfs.FIELDS, "Contact", contact)
    monkeypatch.setitem(sfs.FIELDS, "Task", task)
    assert t.check_properties() == [
        "Contact: create the field 'Legacy_Id__c' (text, unique, External ID).",
        "Task: create the field 'Legacy_Properties__c' (long text area): without it, values "
        "with no standard field are not written.",
    ]
    t.close()


def test_the_folder_keeps_the_last_complete_pull_while_a_new_one_runs(salesforce_server,
                                                                      tmp_path) -> None:  # fmt: skip
    org = salesforce_server.org
    org.page_size = 2
    ids = fill_org(org)
    folder = tmp_path / "pulled"
    run_pull(sf(salesforce_server, folder), folder)
    before = {p.name: rows_of(p) for p in folder.glob("*.csv")}
    org.update("Account", ids["Account"][0], Name="Renamed meanwhile")
    pages = 0

    def stop() -> bool:
        nonlocal pages
        pages += 1
        return pages > 3

    items = list(pull(sf(salesforce_server, folder), folder, should_stop=stop))
    assert isinstance(items[-1], PullDone) and items[-1].stopped
    assert {p.name: rows_of(p) for p in folder.glob("*.csv")} == before  # never half a pull
    done = run_pull(sf(salesforce_server, folder), folder)  # goes on, then moves into place
    assert done.files["Account"] == 7 and not done.stopped
    names = [r[1] for r in rows_of(folder / "Account.csv")[1:]]
    assert "Renamed meanwhile" in names and not list((folder / ".pulling").glob("*.csv"))


def test_a_portal_with_hundreds_of_properties_is_read_whole(hubspot_server, tmp_path) -> None:
    """Real portals have hundreds of properties: more than one address can ask for (the test
    server, like HubSpot, refuses a request line over 8 KB)."""
    from tests import hubspot_server as hss

    many = {f"custom_property_with_a_long_internal_name_{i:03d}": (f"Custom {i}", "string", None)
            for i in range(400)}  # fmt: skip
    contacts = {**hss.PROPERTIES["contacts"], **many}
    old = hss.PROPERTIES["contacts"]
    hss.PROPERTIES["contacts"] = contacts
    try:
        portal = hubspot_server.portal
        cid = portal.add("contacts", firstname="Ann", lastname="Lee", **{
            name: f"value {i}" for i, name in enumerate(many)})  # fmt: skip
        folder = tmp_path / "pulled"
        done = run_pull(hs(hubspot_server), folder)
    finally:
        hss.PROPERTIES["contacts"] = old
    assert done.files["contacts"] == 1
    row = next(csv.DictReader((folder / "contacts.csv").open()))
    assert row["Record ID"] == cid and row["First Name"] == "Ann"
    assert row["Custom 0"] == "value 0" and row["Custom 399"] == "value 399"
    assert ("POST", "/crm/v3/objects/contacts/batch/read") in portal.requests


def test_an_object_with_hundreds_of_custom_fields_is_read_whole(salesforce_server, tmp_path,
                                                                monkeypatch) -> None:  # fmt: skip
    """More fields than one SOQL query's address holds (the server, like Salesforce, refuses a
    request line over 16 KB): read in groups by the page's range of Ids."""
    from tests import salesforce_server as sfs

    many = {f"Custom_Field_With_A_Long_API_Name_{i:03d}__c": "string" for i in range(500)}
    monkeypatch.setitem(sfs.FIELDS, "Account", {**sfs.FIELDS["Account"], **many})
    org = salesforce_server.org
    org.page_size = 3
    ids = [org.add("Account", Name=f"Acme {i}", **{n: f"{i}-{j}" for j, n in enumerate(many)})
           for i in range(8)]  # fmt: skip
    folder = tmp_path / "pulled"
    done = run_pull(sf(salesforce_server, folder), folder)
    assert done.files["Account"] == 8
    rows = list(csv.DictReader((folder / "Account.csv").open()))
    assert [r["Id"] for r in rows] == ids
    last = "Custom_Field_With_A_Long_API_Name_499__c"
    assert rows[7]["Name"] == "Acme 7" and rows[7][last] == "7-499"
    assert rows[0]["Custom_Field_With_A_Long_API_Name_000__c"] == "0-0"
