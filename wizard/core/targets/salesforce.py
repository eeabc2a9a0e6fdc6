"""Salesforce as a target, through Bulk API 2.0 ingest.

- **Upsert on the External ID** ``Legacy_Id__c``: each batch the runner sends is one ingest job
  (create, upload CSV, ``UploadComplete``, poll), and the job's successful and failed results
  are read back for the new ids and the errors. A batch sent again after a crash updates the
  same records: nothing is doubled.
- **Parents before children**: the runner's phases already order them; a link is the parent's
  Salesforce id (``AccountId``, ``ContactId``, ``WhoId``, ``WhatId``, ``ParentId``, ``OwnerId``).
  An activity's deal is its ``WhatId``; its company is the ``WhatId`` only without a deal (the
  Task's ``AccountId`` is Salesforce's own, from the deal or the contact): when the deal belongs
  to another company than the activity says, that link is not kept, and the count says so.
- **Values without a standard field** (and custom fields) go, as JSON, into the long text
  field ``Legacy_Properties__c``, so nothing written is dropped; the dry run says when the org
  lacks it.
- **Owners** are matched by email to active users (users are not created).
- **Undo** deletes with a Bulk API 2.0 delete job; **counts** are SOQL ``COUNT()`` queries.
- A small local index (SQLite) remembers what was written and its links, so the
  reconciliation counts links without reading the whole org.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.connectors.base import cell
from wizard.core.connectors.http import Api
from wizard.core.connectors.salesforce import VERSION, count, query_all, salesforce_api, soql_text
from wizard.core.errors import CutoverError
from wizard.core.targets.base import Target, WriteResult
from wizard.core.targets.written import Written

LEGACY = "Legacy_Id__c"
PROPS = "Legacy_Properties__c"
OBJECTS = {"owner": "User", "company": "Account", "contact": "Contact", "deal": "Opportunity",
           "activity": "Task"}  # fmt: skip
FIELDS = {
    "company": {"name": "Name", "website": "Website", "phone": "Phone", "industry": "Industry",
                "company_type": "Type", "employees": "NumberOfEmployees",
                "annual_revenue": "AnnualRevenue", "street": "BillingStreet",
                "city": "BillingCity", "state": "BillingState",
                "postal_code": "BillingPostalCode", "country": "BillingCountry",
                "description": "Description", "owner": "OwnerId", "parent_company": "ParentId"},
    "contact": {"first_name": "FirstName", "last_name": "LastName", "email": "Email",
                "phone": "Phone", "mobile_phone": "MobilePhone", "title": "Title",
                "department": "Department", "lead_source": "LeadSource",
                "street": "MailingStreet", "city": "MailingCity", "state": "MailingState",
                "postal_code": "MailingPostalCode", "country": "MailingCountry",
                "description": "Description", "email_opt_out": "HasOptedOutOfEmail",
                "company": "AccountId", "owner": "OwnerId"},
    "deal": {"name": "Name", "amount": "Amount", "stage": "StageName", "close_date": "CloseDate",
             "probability": "Probability", "deal_type": "Type", "lead_source": "LeadSource",
             "description": "Description", "company": "AccountId", "contact": "ContactId",
             "owner": "OwnerId"},
    "activity": {"subject": "Subject", "body": "Description", "occurred_at": "ActivityDate",
                 "status": "Status", "type": "Type", "contact": "WhoId", "owner": "OwnerId"},
}  # fmt: skip
STAGES = {"Prospecting": "Prospecting", "Qualification": "Qualification",
          "Needs analysis": "Needs Analysis", "Proposal": "Proposal/Price Quote",
          "Negotiation": "Negotiation/Review", "Closed won": "Closed Won",
          "Closed lost": "Closed Lost"}  # fmt: skip
# Salesforce keeps no record without these; a placeholder is written and the record says why
PLACEHOLDER = "[not provided]"
NAMES = {"company": "Name", "contact": "LastName", "deal": "Name"}
TASK_TYPES = {"Call": "Call", "Email": "Email", "Meeting": "Meeting"}  # others: "Other"
POLL = (0.5, 5.0)  # seconds between polls of a job: first, at most
MAX_POLL = 30 * 60.0  # a job still running after this long is reported, not waited for


def _refused(error: str) -> str:
    """Salesforce's error code and words, said for an admin."""
    code, _, rest = error.partition(":")
    words = rest.rpartition(":")[0] or rest  # "words:FIELD --" -> "words"
    if code == "INVALID_CROSS_REFERENCE_KEY":
        return "It links to a record that does not exist in Salesforce."
    if code == "REQUIRED_FIELD_MISSING":
        return f"Salesforce needs a value it does not have: {words.strip()}."
    if code == "DUPLICATES_DETECTED":
        return "A duplicate rule in Salesforce refused it as a duplicate of an existing record."
    return f"Salesforce refused it: {words.strip() or error} ({code})."


class SalesforceTarget(Target):
    kind = "salesforce"
    label = "Salesforce org"

    def __init__(self, instance_url: str, token: str, index: str | Path,
                 api: Api | None = None, offline: bool = False, **kw: Any) -> None:  # fmt: skip
        if not token and not offline:
            raise CutoverError("No Salesforce access token.",
                               "Connect to Salesforce again (the token is then kept in your "
                               "computer's password store).")  # fmt: skip
        self.api = api or salesforce_api(
            instance_url or "https://login.salesforce.com", token, **kw
        )
        self.written = Written(index)
        self._users: dict[str, str] | None = None
        self._props: dict[str, bool] = {}
        self.jobs = 0

    def __repr__(self) -> str:
        return f"SalesforceTarget({self.api.base})"

    @property
    def on_wait(self):
        return self.api.on_wait

    @on_wait.setter
    def on_wait(self, value) -> None:
        self.api.on_wait = value

    @property
    def should_stop(self):
        return self.api.should_stop

    @should_stop.setter
    def should_stop(self, value) -> None:
        self.api.should_stop = value

    # -- Bulk API 2.0 --------------------------------------------------------------------
    def _job(self, obj: str, operation: str, columns: list[str],
             rows: list[list[str]]) -> tuple[list[dict], list[dict]]:  # fmt: skip
        """Run one ingest job; its successful and failed rows (as dicts with sf__ columns)."""
        base = f"/services/data/{VERSION}/jobs/ingest"
        spec = {"object": obj, "operation": operation, "contentType": "CSV",
                "lineEnding": "LF", "columnDelimiter": "COMMA"}  # fmt: skip
        if operation == "upsert":
            spec["externalIdFieldName"] = LEGACY
        job = self.api.json("POST", base + "/", json=spec)
        jid = job["id"]
        self.jobs += 1
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        self.api.request("PUT", f"{base}/{jid}/batches/", content=out.getvalue().encode(),
                         headers={"Content-Type": "text/csv"})  # fmt: skip
        self.api.json("PATCH", f"{base}/{jid}/", json={"state": "UploadComplete"})
        wait, waited = POLL[0], 0.0
        while True:
            info = self.api.json("GET", f"{base}/{jid}/")
            state = info.get("state")
            if state in ("JobComplete", "Failed", "Aborted"):
                break
            if waited > MAX_POLL:
                raise CutoverError(f"Salesforce has not finished job {jid} after "
                                   f"{MAX_POLL / 60:.0f} minutes.", "Run the phase again later: "
                                   "the records it wrote are updated, not doubled.")  # fmt: skip
            self.api.wait(wait)
            waited += wait
            wait = min(POLL[1], wait * 2)
        if state != "JobComplete" and not info.get("numberRecordsProcessed"):
            raise CutoverError(f"Salesforce could not run the job ({info.get('errorMessage') or state}).",
                               "Check the object's fields and the user's permissions, then run "
                               "the phase again.")  # fmt: skip
        good = self._results(f"{base}/{jid}/successfulResults/")
        bad = self._results(f"{base}/{jid}/failedResults/")
        return good, bad

    def _results(self, path: str) -> list[dict]:
        text = self.api.request("GET", path, headers={"Accept": "text/csv"}).text
        return list(csv.DictReader(io.StringIO(text)))

    # -- owners --------------------------------------------------------------------------
    def users(self) -> dict[str, str]:
        if self._users is None:
            self._users = {str(u["Email"]).lower(): u["Id"] for u in query_all(
                self.api, "SELECT Id, Email FROM User WHERE IsActive = true") if u.get("Email")}  # fmt: skip
        return self._users

    def _has_props(self, obj: str) -> bool:
        if obj not in self._props:
            answer = self.api.json("GET", f"/services/data/{VERSION}/sobjects/{obj}/describe/")
            self._props[obj] = any(f["name"] == PROPS for f in answer.get("fields", []))
        return self._props[obj]

    # -- writing -------------------------------------------------------------------------
    def write_batch(self, entity: str, columns: list[str],
                    rows: list[tuple]) -> list[WriteResult]:  # fmt: skip
        if entity == "owner":
            users = self.users()
            out = []
            for row in rows:
                data = dict(zip(columns, row, strict=True))
                uid = users.get(str(data.get("email") or "").lower())
                out.append(WriteResult(uid) if uid else WriteResult(
                    None, "No active Salesforce user has this email: add the user, then run "
                    "again."))  # fmt: skip
                if uid:
                    self.written.remember(entity, str(data["source_id"]), uid, {})
            return out
        if not rows:
            return []
        ent, obj, mapping = ENTITIES[entity], OBJECTS[entity], FIELDS[entity]
        refs = [c for c in columns if ent.has(c) and ent.field(c).type == FieldType.REFERENCE]
        props = self._has_props(obj)
        header = [LEGACY, *dict.fromkeys(mapping.values())]
        if entity == "activity":
            header.append("WhatId")
        if props:
            header.append(PROPS)
        lines, kept_links = [], []
        for row in rows:
            data = dict(zip(columns, row, strict=True))
            line = dict.fromkeys(header, "")
            line[LEGACY] = str(data["source_id"])
            extra = json.loads(data.get("properties") or "{}")
            for name, value in data.items():
                if name in ("source_id", "properties") or value in (None, ""):
                    continue
                if name in mapping:
                    line[mapping[name]] = self._value(entity, name, value)
                elif name not in refs:
                    extra[name] = value  # no standard field: kept with the custom ones
            must = NAMES.get(entity)
            if must and not line[must]:
                stand_in = (str(data.get("full_name") or data.get("email") or "")
                            if entity == "contact" else "") or PLACEHOLDER  # fmt: skip
                line[must] = stand_in
                flag = f"Salesforce needs a {must}; '{stand_in}' was written in its place."
                extra["cutover_flag"] = f"{extra.get('cutover_flag', '')} {flag}".strip()
            kept = {r: str(data[r]) for r in refs if data.get(r) not in (None, "")}
            if entity == "activity":
                if data.get("deal"):
                    line["WhatId"] = str(data["deal"])
                    company = kept.get("company")
                    if (
                        company
                        and self.written.links_of("deal", str(data["deal"])).get("company")
                        != company
                    ):
                        kept.pop("company")  # the Task's account is the deal's, not this one
                elif data.get("company"):
                    line["WhatId"] = str(data["company"])
            if props and extra:
                line[PROPS] = json.dumps(extra, ensure_ascii=False, separators=(",", ":"))
            lines.append([line[h] for h in header])
            kept_links.append(kept)
        good, bad = self._job(obj, "upsert", header, lines)
        ids = {r[LEGACY]: r["sf__Id"] for r in good}
        errors = {r[LEGACY]: r.get("sf__Error", "") for r in bad}
        results, took = [], []
        for line, kept in zip(lines, kept_links, strict=True):
            sid = line[0]
            if sid in ids:
                took.append((sid, ids[sid], kept))
                results.append(WriteResult(ids[sid]))
            else:
                results.append(WriteResult(None, _refused(errors.get(sid, "NO_ANSWER:no answer"))))
        self.written.remember_many(entity, took)
        return results

    def _value(self, entity: str, name: str, value: object) -> str:
        text = cell(value)
        if entity == "deal" and name == "stage":
            return STAGES.get(text, text)
        if entity == "activity" and name == "type":
            return TASK_TYPES.get(text, "Other")
        if entity == "activity" and name == "occurred_at":
            return text[:10]  # ActivityDate is a date
        f = ENTITIES[entity].field(name)
        if f.type == FieldType.DATETIME and " " in text:
            return text.replace(" ", "T") + ("" if text.endswith("Z") or "+" in text else "Z")
        return text

    # -- reading -------------------------------------------------------------------------
    def lookup(self, entity: str, source_ids: list[str]) -> dict[str, int | str]:
        if entity == "owner":
            return self.written.ids("owner", source_ids)
        out: dict[str, int | str] = {}
        for i in range(0, len(source_ids), 200):
            part = ", ".join(soql_text(str(s)) for s in source_ids[i : i + 200])
            for r in query_all(self.api, f"SELECT Id, {LEGACY} FROM {OBJECTS[entity]} "
                                         f"WHERE {LEGACY} IN ({part})"):  # fmt: skip
                out[str(r[LEGACY])] = r["Id"]
        return out

    def delete(self, entity: str, ids: list[int | str]) -> int:
        if entity == "owner":  # users are not deleted; they are only forgotten
            return self.written.forget("owner")
        done = 0
        for i in range(0, len(ids), 10_000):
            part = [str(x) for x in ids[i : i + 10_000]]
            good, _ = self._job(OBJECTS[entity], "delete", ["Id"], [[x] for x in part])
            done += len(good)
            self.written.forget(entity, part)
        return done

    def count(self, entity: str) -> int:
        if entity == "owner":
            return self.written.count("owner")
        return count(self.api, f"SELECT COUNT() FROM {OBJECTS[entity]} WHERE {LEGACY} != null")

    def link_counts(self, entity: str) -> dict[str, int]:
        return self.written.link_counts(entity)

    def dangling(self, entity: str) -> dict[str, int]:
        return self.written.dangling(entity)

    def describe(self) -> dict[str, Any]:
        return {name: {"table": ENTITIES[name].table, "object": OBJECTS[name],
                       "columns": ["source_id", *FIELDS.get(name, {"email": "Email"}),
                                   *[f"{f.name}_id" for f in ENTITIES[name].references],
                                   "properties"],
                       "references": {f.name: f"{f.name}_id -> {ENTITIES[f.ref or ''].table}"
                                      for f in ENTITIES[name].references}}
                for name in OBJECTS}  # fmt: skip

    def check_properties(self) -> list[str]:
        """The dry run: what the org lacks for this plan, in plain words (empty: ready)."""
        problems = []
        for entity, obj in OBJECTS.items():
            if entity == "owner":
                continue
            answer = self.api.json("GET", f"/services/data/{VERSION}/sobjects/{obj}/describe/")
            have = {f["name"]: f for f in answer.get("fields", [])}
            legacy = have.get(LEGACY)
            if legacy is None:
                problems.append(f"{obj}: create the field '{LEGACY}' (text, unique, External ID).")
            elif not legacy.get("externalId"):
                problems.append(f"{obj}: mark the field '{LEGACY}' as External ID.")
            if PROPS not in have:
                problems.append(f"{obj}: create the field '{PROPS}' (long text area): without "
                                "it, values with no standard field are not written.")  # fmt: skip
            wanted = set(FIELDS[entity].values()) | ({"WhatId"} if entity == "activity" else set())
            for name in sorted(wanted - set(have)):
                problems.append(f"{obj}: the org has no field '{name}'.")
        return problems

    def close(self) -> None:
        self.written.close()
        self.api.close()
