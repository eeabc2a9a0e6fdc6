"""A local HTTP server that speaks the Salesforce REST and Bulk API 2.0 shapes the wizard uses,
on 127.0.0.1 only:

- ``GET /services/data/vXX.X/sobjects/`` and ``.../sobjects/{obj}/describe/``;
- ``GET .../query/?q=`` and ``.../queryAll/?q=`` for the SOQL the wizard writes (SELECT fields or
  COUNT() FROM an object, WHERE conditions joined by AND: ``=``, ``!=``, ``>``, ``<``, ``IN``, on
  fields, ``Rel.Field`` through a lookup, or ``Rel.Type``; ORDER BY Id; LIMIT), pages of
  ``page_size`` records with ``nextRecordsUrl`` locators that can be made to expire;
- Bulk API 2.0 ingest: create a job (insert, upsert on an External ID, delete), upload CSV,
  ``UploadComplete``, poll (``InProgress`` once, then ``JobComplete``), and the successful and
  failed results as CSV with ``sf__Id``, ``sf__Created`` and ``sf__Error``;
- failures a real org gives: 401 ``INVALID_SESSION_ID``, 403 ``REQUEST_LIMIT_EXCEEDED``, 503,
  required fields missing, lookups to records that do not exist.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from urllib.parse import parse_qs, urlparse

from tests.local_server import JsonHandler, LocalServer

PREFIX = {"User": "005", "Account": "001", "Contact": "003", "Lead": "00Q", "Opportunity": "006",
          "OpportunityContactRole": "00K", "AccountContactRelation": "07k", "Task": "00T",
          "Event": "00U"}  # fmt: skip
REF = {"string": None}
FIELDS: dict[str, dict[str, str]] = {  # field -> type ("reference:Obj[,Obj]" for lookups)
    "User": {"Id": "id", "FirstName": "string", "LastName": "string", "Name": "string",
             "Email": "email", "IsActive": "boolean", "Title": "string"},
    "Account": {"Id": "id", "Name": "string", "Website": "url", "Phone": "phone",
                "Industry": "picklist", "Type": "picklist", "BillingStreet": "string", "BillingCity": "string",
                "BillingState": "string", "BillingPostalCode": "string",
                "BillingCountry": "string", "BillingAddress": "address",
                "NumberOfEmployees": "int", "AnnualRevenue": "currency",
                "Description": "textarea", "ParentId": "reference:Account",
                "OwnerId": "reference:User", "CreatedDate": "datetime",
                "SystemModstamp": "datetime", "IsDeleted": "boolean",
                "Legacy_Id__c": "string", "Legacy_Properties__c": "textarea"},
    "Contact": {"Id": "id", "FirstName": "string", "LastName": "string", "Email": "email",
                "Phone": "phone", "MobilePhone": "phone", "Title": "string",
                "Department": "string", "LeadSource": "picklist", "MailingStreet": "string", "MailingCity": "string",
                "MailingState": "string", "MailingPostalCode": "string",
                "MailingCountry": "string", "MailingAddress": "address",
                "HasOptedOutOfEmail": "boolean", "Description": "textarea",
                "AccountId": "reference:Account", "OwnerId": "reference:User",
                "CreatedDate": "datetime", "SystemModstamp": "datetime",
                "IsDeleted": "boolean", "Legacy_Id__c": "string",
                "Legacy_Properties__c": "textarea"},
    "Lead": {"Id": "id", "FirstName": "string", "LastName": "string", "Email": "email",
             "Company": "string", "Status": "picklist", "IsConverted": "boolean",
             "ConvertedContactId": "reference:Contact", "OwnerId": "reference:User",
             "CreatedDate": "datetime", "SystemModstamp": "datetime", "IsDeleted": "boolean"},
    "Opportunity": {"Id": "id", "Name": "string", "Amount": "currency",
                    "StageName": "picklist", "CloseDate": "date", "Probability": "percent",
                    "Type": "picklist", "LeadSource": "picklist", "Description": "textarea",
                    "AccountId": "reference:Account", "ContactId": "reference:Contact",
                    "OwnerId": "reference:User", "IsClosed": "boolean", "IsWon": "boolean",
                    "CreatedDate": "datetime", "SystemModstamp": "datetime",
                    "IsDeleted": "boolean", "Legacy_Id__c": "string",
                    "Legacy_Properties__c": "textarea"},
    "OpportunityContactRole": {"Id": "id", "OpportunityId": "reference:Opportunity",
                               "ContactId": "reference:Contact", "Role": "picklist",
                               "IsPrimary": "boolean", "SystemModstamp": "datetime",
                               "IsDeleted": "boolean"},
    "AccountContactRelation": {"Id": "id", "AccountId": "reference:Account",
                               "ContactId": "reference:Contact", "IsDirect": "boolean",
                               "Roles": "multipicklist", "SystemModstamp": "datetime",
                               "IsDeleted": "boolean"},
    "Task": {"Id": "id", "Subject": "string", "Description": "textarea",
             "ActivityDate": "date", "Status": "picklist", "Type": "picklist",
             "TaskSubtype": "picklist", "WhoId": "reference:Contact,Lead",
             "WhatId": "reference:Account,Opportunity", "AccountId": "reference:Account",
             "OwnerId": "reference:User", "CallDurationInSeconds": "int",
             "SystemModstamp": "datetime", "IsDeleted": "boolean", "Legacy_Id__c": "string",
             "Legacy_Properties__c": "textarea"},
    "Event": {"Id": "id", "Subject": "string", "Description": "textarea",
              "StartDateTime": "datetime", "DurationInMinutes": "int",
              "WhoId": "reference:Contact,Lead", "WhatId": "reference:Account,Opportunity",
              "OwnerId": "reference:User", "SystemModstamp": "datetime",
              "IsDeleted": "boolean"},
}  # fmt: skip
REQUIRED = {"Account": ["Name"], "Contact": ["LastName"], "Lead": ["LastName", "Company"],
            "Opportunity": ["Name", "StageName", "CloseDate"], "User": ["LastName"]}  # fmt: skip
RELATION = {"Account": "AccountId", "Owner": "OwnerId", "Parent": "ParentId", "Who": "WhoId",
            "What": "WhatId", "Contact": "ContactId", "Opportunity": "OpportunityId"}  # fmt: skip


class Org:
    def __init__(self, token: str) -> None:
        self.token = token
        self.records: dict[str, dict[str, dict]] = {o: {} for o in FIELDS}
        self.deleted: dict[str, dict[str, dict]] = {o: {} for o in FIELDS}
        self.external: dict[str, dict[str, str]] = {o: {} for o in FIELDS}  # Legacy_Id__c -> Id
        self.counter = 0
        self.clock = 0  # SystemModstamp: a logical clock, as an ISO time
        self.page_size = 2000
        self.locators: dict[str, tuple[str, list[dict], int]] = {}
        self.jobs: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail_next: list[tuple[int, object]] = []  # answers to give before the real ones
        self.lock = threading.Lock()

    def now(self) -> str:
        self.clock += 1
        minutes, seconds = divmod(self.clock, 60)
        hours, minutes = divmod(minutes, 60)
        return (
            f"2026-11-{1 + hours // 24:02d}T{hours % 24:02d}:{minutes:02d}:{seconds:02d}.000+0000"
        )

    def new_id(self, obj: str) -> str:
        self.counter += 1
        return f"{PREFIX[obj]}5g00000{self.counter:08d}"

    def kind_of(self, rid: str) -> str | None:
        for obj, prefix in PREFIX.items():
            if rid.startswith(prefix):
                return obj
        return None

    def add(self, obj: str, **values: object) -> str:
        rid = self.new_id(obj)
        rec = {f: None for f, t in FIELDS[obj].items() if t != "address"}
        rec.update({"Id": rid, "IsDeleted": False, "SystemModstamp": self.now()})
        rec.update(values)
        self.records[obj][rid] = rec
        if rec.get("Legacy_Id__c"):
            self.external[obj][rec["Legacy_Id__c"]] = rid
        return rid

    def update(self, obj: str, rid: str, **values: object) -> None:
        self.records[obj][rid].update(values, SystemModstamp=self.now())

    def delete(self, obj: str, rid: str) -> None:
        rec = self.records[obj].pop(rid)
        rec.update(IsDeleted=True, SystemModstamp=self.now())
        self.deleted[obj][rid] = rec

    # -- SOQL ----------------------------------------------------------------------------
    def _value(self, rec: dict, path: str) -> object:
        if "." not in path:
            return rec.get(path)
        rel, field = path.split(".", 1)
        target = rec.get(RELATION.get(rel, rel + "Id"))
        if target is None:
            return None
        kind = self.kind_of(str(target))
        if field == "Type":
            return kind
        parent = self.records.get(kind or "", {}).get(str(target))
        return parent.get(field) if parent else None

    def _test(self, rec: dict, cond: str) -> bool:
        m = re.fullmatch(r"([\w.]+)\s*(=|!=|>=|<=|>|<|IN)\s*(.+)", cond.strip())
        assert m, f"unsupported condition {cond!r}"
        left, op, raw = m.groups()
        have = self._value(rec, left)
        if op == "IN":
            items = [_literal(x.strip()) for x in raw.strip()[1:-1].split(",")]
            return have in items
        want = _literal(raw.strip())
        if op == "=":
            return have == want
        if op == "!=":
            return have != want
        if have is None or want is None:
            return False
        a, b = (_stamp(str(have)), _stamp(str(want))) if left.endswith(("Modstamp", "Date")) else (str(have), str(want))  # fmt: skip
        return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]

    def query(self, soql: str, all_rows: bool) -> tuple[list[str] | None, list[dict]]:
        m = re.fullmatch(r"SELECT (.+?) FROM (\w+)(?: WHERE (.+?))?(?: ORDER BY Id)?"
                         r"(?: LIMIT (\d+))?", soql.strip(), re.S)  # fmt: skip
        assert m, f"unsupported SOQL {soql!r}"
        fields, obj, where, limit = m.groups()
        rows = list(self.records[obj].values())
        if all_rows:
            rows += list(self.deleted[obj].values())
        if where:
            conds = re.split(r"\s+AND\s+", where)
            rows = [r for r in rows if all(self._test(r, c) for c in conds)]
        rows.sort(key=lambda r: r["Id"])
        if limit:
            rows = rows[: int(limit)]
        if fields.strip() == "COUNT()":
            return None, rows
        names = [f.strip() for f in fields.split(",")]
        for n in names:
            assert n in FIELDS[obj] and FIELDS[obj][n] != "address", f"no field {obj}.{n}"
        return names, [{"attributes": {"type": obj, "url": f"/sobjects/{obj}/{r['Id']}"},
                        **{n: r.get(n) for n in names}} for r in rows]  # fmt: skip

    # -- Bulk API 2.0 ----------------------------------------------------------------------
    def run_job(self, job: dict) -> None:
        obj, op = job["object"], job["operation"]
        reader = csv.DictReader(io.StringIO(job["data"]))
        columns = reader.fieldnames or []
        ok, bad = [], []
        for row in reader:
            values = {k: (v if v != "" else None) for k, v in row.items()}
            if op == "delete":
                rid = values.get("Id") or ""
                if rid in self.records[obj]:
                    self.delete(obj, rid)
                    ok.append((rid, "false", row))
                else:
                    bad.append(("", "ENTITY_IS_DELETED:entity is deleted:--", row))
                continue
            error = None
            for field, value in values.items():
                if field not in FIELDS[obj]:
                    error = f"INVALID_FIELD:No such column '{field}' on entity '{obj}':--"
                    break
                kind = FIELDS[obj][field]
                if kind.startswith("reference:") and value is not None:
                    allowed = kind.split(":", 1)[1].split(",")
                    target = self.kind_of(value)
                    if target not in allowed or value not in self.records.get(target, {}):
                        error = f"INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:{field} --"
                        break
                if value is not None and "REFUSE" in value:
                    error = f"FIELD_CUSTOM_VALIDATION_EXCEPTION:Refused by a rule:{field} --"
                    break
            ext = job.get("externalIdFieldName")
            existing = None
            if op == "upsert":
                key = values.get(ext)
                rid = self.external[obj].get(key) if key is not None else None
                existing = rid if rid in self.records[obj] else None
            if error is None and existing is None:
                missing = [f for f in REQUIRED.get(obj, []) if not values.get(f)]
                if missing:
                    error = (f"REQUIRED_FIELD_MISSING:Required fields are missing: "
                             f"[{', '.join(missing)}]:{', '.join(missing)} --")  # fmt: skip
            if error:
                bad.append(("", error, row))
                continue
            if obj == "Task":  # derived, as Salesforce does: the account of What or Who
                what, who = values.get("WhatId"), values.get("WhoId")
                account = None
                if what and self.kind_of(what) == "Account":
                    account = what
                elif what and self.kind_of(what) == "Opportunity":
                    account = self.records["Opportunity"][what].get("AccountId")
                elif who and self.kind_of(who) == "Contact":
                    account = self.records["Contact"][who].get("AccountId")
                values["AccountId"] = account
            if existing:
                self.update(obj, existing, **values)
                ok.append((existing, "false", row))
            else:
                ok.append((self.add(obj, **values), "true", row))
        job["results"] = (columns, ok, bad)
        job["numberRecordsProcessed"] = len(ok) + len(bad)
        job["numberRecordsFailed"] = len(bad)


def _literal(text: str) -> object:
    if text == "null":
        return None
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("'"):
        return text[1:-1].replace("\\'", "'").replace("\\\\", "\\")
    return text  # a date or datetime literal


def _stamp(text: str) -> str:
    """Times compared as text once they have one shape (2026-11-01T00:00:01)."""
    return text.replace("Z", "").split(".")[0].split("+")[0]


def _csv(columns: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    return out.getvalue().encode()


def make_handler(org: Org):
    class Handler(JsonHandler):
        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            url = urlparse(self.path)
            if len(self.path) > 16_384:
                return self._send(414, [{"message": "URI Too Long", "errorCode": "URI_TOO_LONG"}])
            with org.lock:
                org.requests.append((method, url.path))
                if self.headers.get("Authorization") != f"Bearer {org.token}":
                    return self._send(401, [{"message": "Session expired or invalid",
                                             "errorCode": "INVALID_SESSION_ID"}])  # fmt: skip
                if org.fail_next:
                    status, body = org.fail_next.pop(0)
                    return self._send(status, body)
                return self._route(method, url, raw)

        def _route(self, method: str, url, raw: bytes) -> None:
            path = url.path
            m = re.fullmatch(r"/services/data/v[\d.]+/(.*?)/?", path)
            if not m:
                return self._send(404, [{"message": "no such resource", "errorCode": "NOT_FOUND"}])
            rest = m.group(1)
            if rest == "sobjects" and method == "GET":
                return self._send(200, {"sobjects": [{"name": o, "queryable": True}
                                                     for o in FIELDS]})  # fmt: skip
            d = re.fullmatch(r"sobjects/(\w+)/describe", rest)
            if d:
                obj = d.group(1)
                if obj not in FIELDS:
                    return self._send(404, [{"message": "The requested resource does not exist",
                                             "errorCode": "NOT_FOUND"}])  # fmt: skip
                fields = [{"name": n, "type": t.split(":")[0], "externalId": n == "Legacy_Id__c",
                           "label": n} for n, t in FIELDS[obj].items()]  # fmt: skip
                return self._send(200, {"name": obj, "fields": fields})
            if rest in ("query", "queryAll"):
                soql = parse_qs(url.query)["q"][0]
                names, rows = org.query(soql, rest == "queryAll")
                if names is None:
                    return self._send(200, {"totalSize": len(rows), "done": True, "records": []})
                return self._send(200, self._page(rows, 0))
            q = re.fullmatch(r"query/(\w+)-(\d+)", rest)
            if q:
                loc, start = q.group(1), int(q.group(2))
                if loc not in org.locators:
                    return self._send(400, [{"message": "invalid query locator",
                                             "errorCode": "INVALID_QUERY_LOCATOR"}])  # fmt: skip
                return self._send(200, self._page(org.locators[loc][1], start, loc))
            if rest == "jobs/ingest" and method == "POST":
                spec = json.loads(raw)
                jid = f"750{len(org.jobs) + 1:015d}"
                org.jobs[jid] = {"id": jid, "state": "Open", "data": "", "polls": 0, **spec}
                return self._send(200, {"id": jid, "state": "Open", "object": spec["object"],
                                        "operation": spec["operation"],
                                        "contentUrl": f"services/data/v62.0/jobs/ingest/{jid}/batches"})  # fmt: skip
            j = re.fullmatch(r"jobs/ingest/(\w+)(/batches|/successfulResults|/failedResults|"
                             r"/unprocessedrecords)?", rest)  # fmt: skip
            if j:
                jid, part = j.groups()
                job = org.jobs.get(jid)
                if job is None:
                    return self._send(404, [{"message": "no such job", "errorCode": "NOT_FOUND"}])
                if part == "/batches" and method == "PUT":
                    assert job["state"] == "Open"
                    job["data"] += raw.decode()
                    return self._send(201)
                if part is None and method == "PATCH":
                    state = json.loads(raw)["state"]
                    if state == "UploadComplete":
                        org.run_job(job)
                        job["state"] = "UploadComplete"
                    else:
                        job["state"] = state
                    return self._send(200, {"id": jid, "state": job["state"]})
                if part is None and method == "GET":
                    if job["state"] == "UploadComplete":
                        job["polls"] += 1
                        job["state"] = "InProgress"
                    elif job["state"] == "InProgress":
                        job["state"] = "JobComplete"
                    return self._send(200, {k: job.get(k) for k in (
                        "id", "state", "object", "operation", "numberRecordsProcessed",
                        "numberRecordsFailed")})  # fmt: skip
                columns, ok, bad = job["results"]
                if part == "/successfulResults":
                    return self._send(200, _csv(["sf__Id", "sf__Created", *columns],
                                                [[i, c, *[r[k] for k in columns]] for i, c, r in ok]),
                                      ctype="text/csv")  # fmt: skip
                if part == "/failedResults":
                    return self._send(200, _csv(["sf__Id", "sf__Error", *columns],
                                                [[i, e, *[r[k] for k in columns]] for i, e, r in bad]),
                                      ctype="text/csv")  # fmt: skip
                return self._send(200, _csv(columns, []), ctype="text/csv")
            return self._send(404, [{"message": f"No route {method} {path}",
                                     "errorCode": "NOT_FOUND"}])  # fmt: skip

        def _page(self, rows: list[dict], start: int, loc: str | None = None) -> dict:
            size = org.page_size
            chunk = rows[start : start + size]
            done = start + size >= len(rows)
            out = {"totalSize": len(rows), "done": done, "records": chunk}
            if not done:
                if loc is None:
                    loc = f"01g{len(org.locators) + 1:012d}"
                    org.locators[loc] = ("", rows, 0)
                out["nextRecordsUrl"] = f"/services/data/v62.0/query/{loc}-{start + size}"
            return out

    return Handler


class SalesforceServer(LocalServer):
    def __init__(self, token: str = "00D5g000-test-session-token") -> None:
        self.org = Org(token)
        super().__init__(make_handler(self.org))
