"""Relational exports written in the shapes other CRMs' own exports take, for recognition tests.

Each writer makes one small CRM (companies, people, deals, activities, users) in a vendor's
export shape: its file names, headers, id formats and the way it writes links (by id, by name,
by email, polymorphic columns, 0 for none). The truth is counted from what was written: rows
per file, references that resolve in the files, non-empty cells.
"""

from __future__ import annotations

import csv
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path

FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jonas",
         "Keiko", "Liam", "Maya", "Nils", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tara"]  # fmt: skip
LAST = ["Almeida", "Berg", "Costa", "Dubois", "Evans", "Fischer", "García", "Hansen", "Ito",
        "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Olsen", "Petrov", "Quist", "Rossi"]  # fmt: skip
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne",
         "Soylent", "Hooli", "Vandelay", "Wonka", "Gringotts", "Oscorp", "Aperture", "Massive",
         "Dunder", "Sterling", "Pied", "Bluth", "Monarch", "Nakatomi", "Virtucon", "Zorg"]  # fmt: skip
SUFFIX = ["Inc", "Ltd", "GmbH", "LLC", "SA", "Corp", "", "Group"]


@dataclass
class Export:
    folder: Path
    rows: dict[str, int] = field(default_factory=dict)  # file -> data rows
    links: dict[str, int] = field(default_factory=dict)  # "file:field" -> rows whose link resolves
    cells: dict[str, int] = field(default_factory=dict)  # file -> non-empty cells

    def write(self, name: str, header: list[str], rows: list[list[str]]) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        self.rows[name] = len(rows)
        self.cells[name] = sum(1 for r in rows for v in r if str(v).strip())
        return path

    def link(self, name: str, fname: str, n: int) -> None:
        self.links[f"{name}:{fname}"] = self.links.get(f"{name}:{fname}", 0) + n


@dataclass
class Crm:
    """The records every export is made from."""

    users: list[dict]
    companies: list[dict]
    people: list[dict]
    deals: list[dict]
    activities: list[dict]


def make_crm(seed: int = 1, companies: int = 40, people: int = 120, deals: int = 90,
             activities: int = 240) -> Crm:  # fmt: skip
    rnd = random.Random(seed)
    users = []
    for i in range(6):
        first, last = FIRST[i * 3 % len(FIRST)], LAST[i * 5 % len(LAST)]
        users.append({"i": i, "first": first, "last": last, "name": f"{first} {last}",
                      "email": f"{first.lower()}.{last.lower()}@ourco.example".replace("é", "e")
                      .replace("í", "i")})  # fmt: skip
    comps = []
    names = set()
    while len(comps) < companies:
        base = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)}"
        if base in names:
            continue
        names.add(base)
        suffix = rnd.choice(SUFFIX)
        slug = base.lower().replace(" ", "")
        comps.append({"i": len(comps), "name": f"{base} {suffix}".strip(), "domain": f"{slug}.com",
                      "city": rnd.choice(["Lisbon", "Austin", "Lyon", "Osaka", "Porto"]),
                      "owner": rnd.choice(users), "parent": None,
                      "industry": rnd.choice(["Retail", "Software", "Energy", "Health"])})  # fmt: skip
    for c in comps[10:]:
        if rnd.random() < 0.2:
            c["parent"] = rnd.choice(comps[:10])
    ppl = []
    for i in range(people):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        comp = rnd.choice(comps)
        ascii_ = f"{first}.{last}".lower().replace("é", "e").replace("í", "i")
        ppl.append({"i": i, "first": first, "last": last, "name": f"{first} {last}",
                    "email": f"{ascii_}{i}@{comp['domain']}", "company": comp,
                    "phone": f"+1 512 555 {1000 + i:04d}", "owner": comp["owner"],
                    "title": rnd.choice(["CFO", "Buyer", "CEO", "Engineer", ""])})  # fmt: skip
    dls = []
    for i in range(deals):
        person = rnd.choice(ppl)
        dls.append({"i": i, "name": f"{person['company']['name'].split()[0]} deal {i}",
                    "company": person["company"], "person": person,
                    "amount": f"{rnd.randint(5, 900) * 100}", "owner": rnd.choice(users),
                    "stage": rnd.randrange(7), "close": f"2026-{1 + i % 12:02d}-{1 + i % 27:02d}"})  # fmt: skip
    acts = []
    for i in range(activities):
        person = rnd.choice(ppl)
        deal = rnd.choice(dls) if rnd.random() < 0.5 else None
        acts.append({"i": i, "kind": rnd.choice(["call", "meeting", "task"]),
                     "subject": f"Follow-up {i}", "person": person, "deal": deal,
                     "owner": rnd.choice(users), "when": f"2026-{1 + i % 12:02d}-{1 + i % 27:02d}",
                     "regarding": deal if deal else person["company"]})  # fmt: skip
    return Crm(users, comps, ppl, dls, acts)


# --- Zoho CRM (classic export: upper-case id columns, 19-digit ids, Potentials, SEID/SEMODULE)
def zoho(folder: Path, crm: Crm | None = None) -> Export:
    crm = crm or make_crm(2)
    ex = Export(folder)

    def zid(kind: int, i: int) -> str:
        return f"3652397{kind:02d}0000{i:06d}"

    ex.write("Users.csv", ["USER_ID", "First Name", "Last Name", "Email", "Role"],
             [[zid(1, u["i"]), u["first"], u["last"], u["email"], "Sales"] for u in crm.users])  # fmt: skip
    ex.write("Accounts.csv", ["ACCOUNTID", "SMOWNERID", "Account Owner", "Account Name", "Website",
                              "Phone", "Industry", "Billing City", "Parent Account",
                              "Created Time"],
             [[zid(2, c["i"]), zid(1, c["owner"]["i"]), c["owner"]["name"], c["name"],
               f"www.{c['domain']}", "+1 512 555 0100", c["industry"], c["city"],
               c["parent"]["name"] if c["parent"] else "", "2024-03-01 10:00:00"]
              for c in crm.companies])  # fmt: skip
    ex.link("Accounts.csv", "owner", len(crm.companies))
    ex.link("Accounts.csv", "parent_company", sum(1 for c in crm.companies if c["parent"]))
    ex.write("Contacts.csv", ["CONTACTID", "SMOWNERID", "Contact Owner", "First Name", "Last Name",
                              "ACCOUNTID", "Account Name", "Email", "Phone", "Title",
                              "Created Time"],
             [[zid(3, p["i"]), zid(1, p["owner"]["i"]), p["owner"]["name"], p["first"], p["last"],
               zid(2, p["company"]["i"]), p["company"]["name"], p["email"], p["phone"],
               p["title"], "2024-03-02 11:00:00"] for p in crm.people])  # fmt: skip
    ex.link("Contacts.csv", "company", len(crm.people))
    ex.link("Contacts.csv", "owner", len(crm.people))
    stages = ["Qualification", "Needs Analysis", "Value Proposition", "Identify Decision Makers",
              "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"]  # fmt: skip
    ex.write("Potentials.csv", ["POTENTIALID", "SMOWNERID", "Potential Owner", "Potential Name",
                                "Amount", "Closing Date", "ACCOUNTID", "Account Name", "Stage",
                                "CONTACTID", "Contact Name"],
             [[zid(4, d["i"]), zid(1, d["owner"]["i"]), d["owner"]["name"], d["name"],
               d["amount"], d["close"], zid(2, d["company"]["i"]), d["company"]["name"],
               stages[d["stage"]], zid(3, d["person"]["i"]), d["person"]["name"]]
              for d in crm.deals])  # fmt: skip
    for f in ("company", "contact", "owner"):
        ex.link("Potentials.csv", f, len(crm.deals))
    for name, kind in (("Calls.csv", "call"), ("Events.csv", "meeting"), ("Tasks.csv", "task")):
        mine = [a for a in crm.activities if a["kind"] == kind]
        when = {"call": "Call Start Time", "meeting": "Start DateTime", "task": "Due Date"}[kind]
        rows = []
        for a in mine:
            reg = a["regarding"]
            module = "Potentials" if a["deal"] else "Accounts"
            seid = zid(4, reg["i"]) if a["deal"] else zid(2, reg["i"])
            rows.append([zid(5, a["i"]), zid(1, a["owner"]["i"]), a["subject"], a["when"],
                         zid(3, a["person"]["i"]), seid, module])  # fmt: skip
        ex.write(name, ["ACTIVITYID", "SMOWNERID", "Subject", when, "CONTACTID", "SEID",
                        "SEMODULE"], rows)  # fmt: skip
        ex.link(name, "contact", len(mine))
        ex.link(name, "owner", len(mine))
        ex.link(name, "deal", sum(1 for a in mine if a["deal"]))
        ex.link(name, "company", sum(1 for a in mine if not a["deal"]))
    return ex


# --- HubSpot UI export without Record ID: links by name and email, owners by email ----------
def hubspot_ui(folder: Path, crm: Crm | None = None) -> Export:
    crm = crm or make_crm(3)
    ex = Export(folder)
    ex.write("hubspot-crm-exports-all-companies-2026-11-30.csv",
             ["Company name", "Company Domain Name", "Company owner", "Industry", "City",
              "Create Date"],
             [[c["name"], c["domain"], c["owner"]["email"], c["industry"], c["city"],
               "2024-05-01 09:30"] for c in crm.companies])  # fmt: skip
    ex.link("hubspot-crm-exports-all-companies-2026-11-30.csv", "owner", len(crm.companies))
    lifecycle = ["Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Customer"]
    ex.write("hubspot-crm-exports-all-contacts-2026-11-30.csv",
             ["First Name", "Last Name", "Email", "Phone Number", "Contact owner",
              "Lifecycle Stage", "Associated Company", "Create Date"],
             [[p["first"], p["last"], p["email"], p["phone"], p["owner"]["email"],
               lifecycle[p["i"] % 4], p["company"]["name"], "2024-05-02 10:00"]
              for p in crm.people])  # fmt: skip
    for f in ("company", "owner"):
        ex.link("hubspot-crm-exports-all-contacts-2026-11-30.csv", f, len(crm.people))
    stages = ["Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
              "Decision Maker Bought-In", "Contract Sent", "Closed Won", "Closed Lost"]  # fmt: skip
    ex.write("hubspot-crm-exports-all-deals-2026-11-30.csv",
             ["Deal Name", "Deal Stage", "Pipeline", "Amount", "Close Date", "Deal owner",
              "Associated Company", "Associated Contact"],
             [[d["name"], stages[d["stage"]], "Sales Pipeline", d["amount"], d["close"],
               d["owner"]["email"], d["company"]["name"], d["person"]["email"]]
              for d in crm.deals])  # fmt: skip
    for f in ("company", "contact", "owner"):
        ex.link("hubspot-crm-exports-all-deals-2026-11-30.csv", f, len(crm.deals))
    return ex


# --- Maven-style sales spreadsheets: everything linked by name ------------------------------
def maven(folder: Path, crm: Crm | None = None) -> Export:
    crm = crm or make_crm(4)
    ex = Export(folder)
    ex.write("sales_teams.csv", ["sales_agent", "manager", "regional_office"],
             [[u["name"], "Melvin Marxen", "Central"] for u in crm.users])  # fmt: skip
    ex.write("accounts.csv", ["account", "sector", "year_established", "revenue", "employees",
                              "office_location", "subsidiary_of"],
             [[c["name"], c["industry"].lower(), str(1980 + c["i"]), f"{c['i'] * 12.5 + 3:.2f}",
               str(100 + c["i"] * 7), c["city"], c["parent"]["name"] if c["parent"] else ""]
              for c in crm.companies])  # fmt: skip
    ex.link("accounts.csv", "parent_company", sum(1 for c in crm.companies if c["parent"]))
    stages = ["Prospecting", "Engaging", "Engaging", "Engaging", "Engaging", "Won", "Lost"]
    ex.write("products.csv", ["product", "series", "sales_price"],
             [["GTX Basic", "GTX", "550"], ["GTX Pro", "GTX", "4821"], ["MG Special", "MG", "55"]])  # fmt: skip
    ex.write("sales_pipeline.csv", ["opportunity_id", "sales_agent", "product", "account",
                                    "deal_stage", "engage_date", "close_date", "close_value"],
             [[f"{uuid.UUID(int=(d['i'] + 7) * 2654435761).hex[-8:].upper()}", d["owner"]["name"],
               ["GTX Basic", "GTXPro", "MG Special"][d["i"] % 3], d["company"]["name"],
               stages[d["stage"]], "2025-01-05", d["close"] if d["stage"] >= 5 else "",
               d["amount"] if d["stage"] == 5 else "0"] for d in crm.deals])  # fmt: skip
    ex.link("sales_pipeline.csv", "company", len(crm.deals))
    ex.link("sales_pipeline.csv", "owner", len(crm.deals))
    return ex


# --- Dynamics 365 (Dataverse logical names, GUIDs, regardingobjectid) ------------------------
def dynamics(folder: Path, crm: Crm | None = None) -> Export:
    crm = crm or make_crm(5)
    ex = Export(folder)

    def guid(kind: int, i: int) -> str:
        return str(uuid.UUID(int=(kind << 64) + i + 1))

    ex.write("systemuser.csv", ["systemuserid", "fullname", "internalemailaddress"],
             [[guid(1, u["i"]), u["name"], u["email"]] for u in crm.users])  # fmt: skip
    ex.write("account.csv", ["accountid", "name", "websiteurl", "telephone1", "address1_city",
                             "industrycode", "parentaccountid", "ownerid", "createdon"],
             [[guid(2, c["i"]), c["name"], f"https://{c['domain']}", "+1 512 555 0100",
               c["city"], c["industry"], guid(2, c["parent"]["i"]) if c["parent"] else "",
               guid(1, c["owner"]["i"]), "2024-02-01T08:00:00Z"] for c in crm.companies])  # fmt: skip
    ex.link("account.csv", "parent_company", sum(1 for c in crm.companies if c["parent"]))
    ex.link("account.csv", "owner", len(crm.companies))
    ex.write("contact.csv", ["contactid", "firstname", "lastname", "fullname", "emailaddress1",
                             "telephone1", "jobtitle", "parentcustomerid", "ownerid"],
             [[guid(3, p["i"]), p["first"], p["last"], p["name"], p["email"], p["phone"],
               p["title"], guid(2, p["company"]["i"]), guid(1, p["owner"]["i"])]
              for p in crm.people])  # fmt: skip
    ex.link("contact.csv", "company", len(crm.people))
    ex.link("contact.csv", "owner", len(crm.people))
    steps = ["Qualify", "Qualify", "Develop", "Propose", "Propose", "Close", "Close"]
    state = ["Open"] * 5 + ["Won", "Lost"]
    ex.write("opportunity.csv", ["opportunityid", "name", "estimatedvalue", "estimatedclosedate",
                                 "stepname", "statecode", "parentaccountid", "parentcontactid",
                                 "ownerid"],
             [[guid(4, d["i"]), d["name"], d["amount"], d["close"], steps[d["stage"]],
               state[d["stage"]], guid(2, d["company"]["i"]), guid(3, d["person"]["i"]),
               guid(1, d["owner"]["i"])] for d in crm.deals])  # fmt: skip
    for f in ("company", "contact", "owner"):
        ex.link("opportunity.csv", f, len(crm.deals))
    for name, kind in (("phonecall.csv", "call"), ("appointment.csv", "meeting"),
                       ("task.csv", "task")):  # fmt: skip
        mine = [a for a in crm.activities if a["kind"] == kind]
        rows = [[guid(5, a["i"]), a["subject"], a["when"],
                 guid(4, a["deal"]["i"]) if a["deal"] else guid(2, a["regarding"]["i"]),
                 guid(1, a["owner"]["i"])] for a in mine]  # fmt: skip
        ex.write(name, ["activityid", "subject", "scheduledstart", "regardingobjectid",
                        "ownerid"], rows)  # fmt: skip
        ex.link(name, "deal", sum(1 for a in mine if a["deal"]))
        ex.link(name, "company", sum(1 for a in mine if not a["deal"]))
        ex.link(name, "owner", len(mine))
    return ex


# --- a spreadsheet kept by hand: people with a company column, owners by name ---------------
def handkept(folder: Path, crm: Crm | None = None) -> Export:
    crm = crm or make_crm(6)
    ex = Export(folder)
    status = ["hot", "warm", "cold", "customer"]
    ex.write("Our customers 2026.csv", ["Name", "Company", "E-mail", "Tel", "Account manager",
                                        "Status", "Notes"],
             [[p["name"], p["company"]["name"], p["email"], p["phone"].replace("+1 ", "(")
               .replace(" 555", ") 555"), p["owner"]["name"], status[p["i"] % 4],
               "met at the fair" if p["i"] % 5 == 0 else ""] for p in crm.people])  # fmt: skip
    ex.link("Our customers 2026.csv", "company", len(crm.people))
    ex.link("Our customers 2026.csv", "owner", len(crm.people))
    return ex


# --- Salesforce Data Export service: API names, 18-character ids, CreatedDate everywhere ----
def salesforce_export(folder: Path, crm: Crm | None = None) -> Export:
    crm = crm or make_crm(7)
    ex = Export(folder)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

    def sfid(prefix: str, i: int) -> str:  # 3 + 12 characters, then the 3-character suffix
        return f"{prefix}bm{i:010d}{alphabet[i % 32]}{alphabet[i // 32 % 32]}A"

    created = "2024-01-15T09:30:00.000+0000"
    ex.write("User.csv", ["Id", "Username", "FirstName", "LastName", "Email", "IsActive",
                          "CreatedDate"],
             [[sfid("005", u["i"]), u["email"], u["first"], u["last"], u["email"], "true",
               created] for u in crm.users])  # fmt: skip
    ex.write("Account.csv", ["Id", "IsDeleted", "Name", "Type", "ParentId", "BillingCity",
                             "Website", "Industry", "OwnerId", "CreatedDate", "SystemModstamp"],
             [[sfid("001", c["i"]), "false", c["name"], "Customer - Direct",
               sfid("001", c["parent"]["i"]) if c["parent"] else "", c["city"],
               f"http://www.{c['domain']}", c["industry"], sfid("005", c["owner"]["i"]),
               created, created] for c in crm.companies])  # fmt: skip
    ex.link("Account.csv", "parent_company", sum(1 for c in crm.companies if c["parent"]))
    ex.link("Account.csv", "owner", len(crm.companies))
    ex.write("Contact.csv", ["Id", "IsDeleted", "AccountId", "LastName", "FirstName", "Email",
                             "Phone", "Title", "OwnerId", "CreatedDate"],
             [[sfid("003", p["i"]), "false", sfid("001", p["company"]["i"]), p["last"],
               p["first"], p["email"], p["phone"], p["title"], sfid("005", p["owner"]["i"]),
               created] for p in crm.people])  # fmt: skip
    ex.link("Contact.csv", "company", len(crm.people))
    ex.link("Contact.csv", "owner", len(crm.people))
    # every contact's direct account, and an indirect one for every fourth
    relations = [(p, p["company"], "true") for p in crm.people]
    relations += [(p, crm.companies[(p["company"]["i"] + 3) % len(crm.companies)], "false")
                  for p in crm.people if p["i"] % 4 == 0]  # fmt: skip
    ex.write("AccountContactRelation.csv", ["Id", "AccountId", "ContactId", "Roles", "IsDirect",
                                            "CreatedDate"],
             [[sfid("07k", i), sfid("001", c["i"]), sfid("003", p["i"]),
               "Business User" if direct == "true" else "Technical Buyer", direct, created]
              for i, (p, c, direct) in enumerate(relations)])  # fmt: skip
    ex.link("AccountContactRelation.csv", "company", len(relations))
    stages = ["Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote",
              "Negotiation/Review", "Closed Won", "Closed Lost"]  # fmt: skip
    ex.write("Opportunity.csv", ["Id", "IsDeleted", "AccountId", "Name", "StageName", "Amount",
                                 "CloseDate", "IsClosed", "IsWon", "OwnerId", "CreatedDate"],
             [[sfid("006", d["i"]), "false", sfid("001", d["company"]["i"]), d["name"],
               stages[d["stage"]], d["amount"], d["close"], str(d["stage"] >= 5).lower(),
               str(d["stage"] == 5).lower(), sfid("005", d["owner"]["i"]), created]
              for d in crm.deals])  # fmt: skip
    ex.link("Opportunity.csv", "company", len(crm.deals))
    ex.link("Opportunity.csv", "owner", len(crm.deals))
    # the contact of each deal (and a second one for every fifth) in a file of its own
    roles = [(d, d["person"], "Decision Maker", "true") for d in crm.deals]
    roles += [(d, crm.people[(d["person"]["i"] + 1) % len(crm.people)], "Influencer", "false")
              for d in crm.deals if d["i"] % 5 == 0]  # fmt: skip
    ex.write("OpportunityContactRole.csv", ["Id", "OpportunityId", "ContactId", "Role",
                                            "IsPrimary", "CreatedDate"],
             [[sfid("00K", i), sfid("006", d["i"]), sfid("003", p["i"]), role, primary, created]
              for i, (d, p, role, primary) in enumerate(roles)])  # fmt: skip
    ex.link("OpportunityContactRole.csv", "contact", len(roles))
    ex.link("Opportunity.csv", "contact", len(crm.deals))  # the first role becomes its link
    tasks = [a for a in crm.activities if a["kind"] != "meeting"]
    ex.write("Task.csv", ["Id", "WhoId", "WhatId", "Subject", "ActivityDate", "Status",
                          "TaskSubtype", "OwnerId", "CreatedDate"],
             [[sfid("00T", a["i"]), sfid("003", a["person"]["i"]),
               sfid("006", a["deal"]["i"]) if a["deal"] else sfid("001", a["regarding"]["i"]),
               a["subject"], a["when"], "Completed", "Call" if a["kind"] == "call" else "Task",
               sfid("005", a["owner"]["i"]), created] for a in tasks])  # fmt: skip
    ex.link("Task.csv", "contact", len(tasks))
    ex.link("Task.csv", "owner", len(tasks))
    ex.link("Task.csv", "deal", sum(1 for a in tasks if a["deal"]))
    ex.link("Task.csv", "company", sum(1 for a in tasks if not a["deal"]))
    events = [a for a in crm.activities if a["kind"] == "meeting"]
    ex.write("Event.csv", ["Id", "WhoId", "WhatId", "Subject", "StartDateTime",
                           "DurationInMinutes", "OwnerId", "CreatedDate"],
             [[sfid("00U", a["i"]), sfid("003", a["person"]["i"]),
               sfid("006", a["deal"]["i"]) if a["deal"] else sfid("001", a["regarding"]["i"]),
               a["subject"], f"{a['when']}T14:00:00.000+0000", "30",
               sfid("005", a["owner"]["i"]), created] for a in events])  # fmt: skip
    ex.link("Event.csv", "contact", len(events))
    ex.link("Event.csv", "owner", len(events))
    ex.link("Event.csv", "deal", sum(1 for a in events if a["deal"]))
    ex.link("Event.csv", "company", sum(1 for a in events if not a["deal"]))
    return ex


# --- HubSpot export with Record IDs and association id columns (';' between several) -------
def hubspot_ids(folder: Path, crm: Crm | None = None) -> Export:
    crm = crm or make_crm(8)
    ex = Export(folder)

    def hid(kind: int, i: int) -> str:
        return str(kind * 10_000_000 + 3_100_000 + i)

    ex.write("companies.csv", ["Record ID", "Company name", "Company Domain Name",
                               "Company owner", "Parent Company", "Create Date"],
             [[hid(1, c["i"]), c["name"], c["domain"], c["owner"]["name"],
               hid(1, c["parent"]["i"]) if c["parent"] else "", "2024-05-01 09:30"]
              for c in crm.companies])  # fmt: skip
    ex.link("companies.csv", "parent_company", sum(1 for c in crm.companies if c["parent"]))
    ex.link("companies.csv", "owner", len(crm.companies))
    ex.write("contacts.csv", ["Record ID", "First Name", "Last Name", "Email", "Contact owner",
                              "Lifecycle Stage", "Associated Company IDs"],
             [[hid(2, p["i"]), p["first"], p["last"], p["email"], p["owner"]["name"],
               ["subscriber", "lead", "salesqualifiedlead", "customer"][p["i"] % 4],
               hid(1, p["company"]["i"]) + (f";{hid(1, (p['company']['i'] + 1) % 40)}"
                                             if p["i"] % 7 == 0 else "")]
              for p in crm.people])  # fmt: skip
    ex.link("contacts.csv", "company", len(crm.people))
    ex.link("contacts.csv", "owner", len(crm.people))
    ex.write("deals.csv", ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date",
                           "Deal owner", "Associated Company IDs", "Associated Contact IDs"],
             [[hid(3, d["i"]), d["name"], ["appointmentscheduled", "qualifiedtobuy",
               "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon",
               "closedlost"][d["stage"]], d["amount"], d["close"], d["owner"]["name"],
               hid(1, d["company"]["i"]), hid(2, d["person"]["i"])] for d in crm.deals])  # fmt: skip
    for f in ("company", "contact", "owner"):
        ex.link("deals.csv", f, len(crm.deals))
    return ex


# --- Pipedrive: organizations, persons, deals, activities, linked by name and by id ---------
def pipedrive(folder: Path, crm: Crm | None = None) -> Export:
    crm = crm or make_crm(9)
    ex = Export(folder)
    ex.write("organizations.csv", ["ID", "Name", "Owner", "Address", "Add time"],
             [[str(100 + c["i"]), c["name"], c["owner"]["name"], c["city"],
               "2024-06-01 08:00:00"] for c in crm.companies])  # fmt: skip
    ex.link("organizations.csv", "owner", len(crm.companies))
    ex.write("persons.csv", ["ID", "Name", "Organization", "Email - Work", "Phone - Work",
                             "Owner", "Label"],
             [[str(500 + p["i"]), p["name"], p["company"]["name"], p["email"], p["phone"],
               p["owner"]["name"], ["Hot lead", "Customer", "Cold lead"][p["i"] % 3]]
              for p in crm.people])  # fmt: skip
    ex.link("persons.csv", "company", len(crm.people))
    ex.link("persons.csv", "owner", len(crm.people))
    stages = ["Lead In", "Contact Made", "Demo Scheduled", "Proposal Made",
              "Negotiations Started", "Negotiations Started", "Negotiations Started"]  # fmt: skip
    status = ["open"] * 5 + ["won", "lost"]
    ex.write("deals.csv", ["ID", "Title", "Value", "Currency of Value", "Organization",
                           "Contact person", "Stage", "Status", "Owner", "Expected close date"],
             [[str(900 + d["i"]), d["name"], d["amount"], "EUR", d["company"]["name"],
               d["person"]["name"], stages[d["stage"]], status[d["stage"]], d["owner"]["name"],
               d["close"]] for d in crm.deals])  # fmt: skip
    for f in ("company", "owner"):
        ex.link("deals.csv", f, len(crm.deals))
    # a person's name is no key when two people share it: only the unique ones resolve
    names = [p["name"] for p in crm.people]
    ex.link(
        "deals.csv", "contact", sum(1 for d in crm.deals if names.count(d["person"]["name"]) == 1)
    )
    ex.write("activities.csv", ["ID", "Subject", "Type", "Due date", "Done", "Deal ID",
                                "Contact person", "Assigned to user"],
             [[str(2000 + a["i"]), a["subject"], a["kind"].capitalize(), a["when"], "Done",
               str(900 + a["deal"]["i"]) if a["deal"] else "", a["person"]["name"],
               a["owner"]["name"]] for a in crm.activities])  # fmt: skip
    ex.link("activities.csv", "deal", sum(1 for a in crm.activities if a["deal"]))
    ex.link("activities.csv", "owner", len(crm.activities))
    ex.link(
        "activities.csv",
        "contact",
        sum(1 for a in crm.activities if names.count(a["person"]["name"]) == 1),
    )
    return ex


# --- Odoo: res.partner (companies and people in one model, split in two exports) and crm.lead
def odoo(folder: Path, crm: Crm | None = None) -> Export:
    crm = crm or make_crm(10)
    ex = Export(folder)
    ex.write("Company (res.partner).csv", ["id", "name", "is_company", "website", "email",
                                           "phone", "city", "user_id", "parent_id/id"],
             [[f"__export__.res_partner_{c['i'] + 1}_a1b2", c["name"], "True",
               f"https://{c['domain']}", "", "+1 512 555 0100", c["city"], c["owner"]["name"],
               f"__export__.res_partner_{c['parent']['i'] + 1}_a1b2" if c["parent"] else ""]
              for c in crm.companies])  # fmt: skip
    ex.link(
        "Company (res.partner).csv", "parent_company", sum(1 for c in crm.companies if c["parent"])
    )
    ex.link("Company (res.partner).csv", "owner", len(crm.companies))
    ex.write("Contact (res.partner).csv", ["id", "name", "is_company", "email", "phone",
                                           "function", "parent_id/id", "user_id"],
             [[f"__export__.res_partner_{1000 + p['i']}_c3d4", p["name"], "False", p["email"],
               p["phone"], p["title"], f"__export__.res_partner_{p['company']['i'] + 1}_a1b2",
               p["owner"]["name"]] for p in crm.people])  # fmt: skip
    ex.link("Contact (res.partner).csv", "company", len(crm.people))
    ex.link("Contact (res.partner).csv", "owner", len(crm.people))
    stages = ["New", "Qualified", "Qualified", "Proposition", "Proposition", "Won", "Lost"]
    ex.write("Pipeline (crm.lead).csv", ["id", "name", "partner_id/id", "stage_id",
                                         "expected_revenue", "date_deadline", "user_id",
                                         "type"],
             [[f"__export__.crm_lead_{d['i'] + 1}_e5f6", d["name"],
               f"__export__.res_partner_{1000 + d['person']['i']}_c3d4", stages[d["stage"]],
               d["amount"], d["close"], d["owner"]["name"], "opportunity"]
              for d in crm.deals])  # fmt: skip
    ex.link("Pipeline (crm.lead).csv", "contact", len(crm.deals))
    ex.link("Pipeline (crm.lead).csv", "owner", len(crm.deals))
    return ex


VENDORS = {"zoho": zoho, "hubspot_ui": hubspot_ui, "hubspot_ids": hubspot_ids, "maven": maven,
           "dynamics": dynamics, "handkept": handkept, "salesforce": salesforce_export,
           "pipedrive": pipedrive, "odoo": odoo}  # fmt: skip
