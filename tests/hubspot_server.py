"""A local HTTP server that speaks the HubSpot CRM API's documented request and response shapes
(batch upsert by a unique property, batch read and archive, search totals, v4 batch
associations, paged owners, property definitions) and, for pulling a portal, the read side:
objects listed page by page (``after`` cursors, archived ones apart), search with filters on
the last-modified time and the record id, v4 associations read in batches (with paging of a
record's many associations), property definitions with labels and options; with the failures a real portal produces:
rate-limit storms (429 with Retry-After), server errors (502), and a token revoked mid-run
(401). The HubSpot target is tested against it, not against mocks of our own functions."""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import parse_qs, urlparse

from tests.local_server import JsonHandler, LocalServer


class Portal:
    def __init__(self, token: str) -> None:
        self.token = token
        self.objects: dict[str, dict[str, dict]] = {}  # type -> id -> {"properties": {...}}
        self.associations: set[tuple[str, str, str, str]] = set()
        self.owners = [{"id": "901", "email": "ann@acme.com", "firstName": "Ann", "lastName": "Lee"},
                       {"id": "902", "email": "bo@acme.com", "firstName": "Bo", "lastName": "Ray"},
                       {"id": "903", "email": "cy@acme.com", "firstName": "Cy", "lastName": "Ng"}]  # fmt: skip
        self.next_id = 1000
        self.rate_limit_next = 0
        self.errors_next = 0
        self.revoke_after: int | None = None  # writes before the token stops working
        self.writes = 0
        self.requests: list[tuple[str, str]] = []
        self.auth_headers: list[str] = []
        self.missing_properties: dict[str, set[str]] = {}
        self.lock = threading.Lock()
        self.page_limit = 100  # the most a list page gives, whatever limit is asked
        self.assoc_page = 500  # associations per record before paging
        self.clock = 1_790_000_000_000  # ms; the last-modified times of records

    def tick(self) -> str:
        """The next moment, as HubSpot writes times (ISO 8601, UTC, milliseconds)."""
        self.clock += 1000
        return iso(self.clock)

    def add(self, kind: str, **props: str) -> str:
        """A record made in the portal (not by the target), with its timestamps."""
        self.next_id += 1
        oid = str(self.next_id)
        now = self.tick()
        props = {"hs_object_id": oid, "createdate": now, "lastmodifieddate": now,
                 "hs_lastmodifieddate": now, **props}  # fmt: skip
        self.objects.setdefault(kind, {})[oid] = {"properties": props, "archived": False}
        return oid

    def change(self, kind: str, oid: str, **props: str) -> None:
        now = self.tick()
        self.objects[kind][oid]["properties"].update(props, lastmodifieddate=now,
                                                     hs_lastmodifieddate=now)  # fmt: skip

    def archive(self, kind: str, oid: str) -> None:
        rec = self.objects[kind][oid]
        rec["archived"], rec["archivedAt"] = True, self.tick()

    def associate(self, a: str, aid: str, b: str, bid: str) -> None:
        self.associations.add((a, aid, b, bid))
        self.associations.add((b, bid, a, aid))  # HubSpot's associations go both ways

    def by_legacy(self, kind: str, legacy: str) -> str | None:
        for oid, rec in self.objects.get(kind, {}).items():
            if rec["properties"].get("legacy_record_id") == legacy:
                return oid
        return None


def iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def ms(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


PROPERTIES = {  # kind -> name -> (label, type, options)
    "companies": {"name": ("Company name", "string", None), "domain": ("Company Domain Name", "string", None),
                  "city": ("City", "string", None), "industry": ("Industry", "enumeration",
                  [("COMPUTER_SOFTWARE", "Computer Software"), ("RETAIL", "Retail")]),
                  "hubspot_owner_id": ("Company owner", "enumeration", []),
                  "createdate": ("Create Date", "datetime", None)},
    "contacts": {"firstname": ("First Name", "string", None), "lastname": ("Last Name", "string", None),
                 "email": ("Email", "string", None), "jobtitle": ("Job Title", "string", None),
                 "lifecyclestage": ("Lifecycle Stage", "enumeration",
                                    [("lead", "Lead"), ("customer", "Customer"),
                                     ("salesqualifiedlead", "Sales Qualified Lead")]),
                 "hubspot_owner_id": ("Contact owner", "enumeration", []),
                 "shoe_size": ("Shoe size", "number", None),
                 "createdate": ("Create Date", "datetime", None)},
    "deals": {"dealname": ("Deal Name", "string", None), "amount": ("Amount", "number", None),
              "dealstage": ("Deal Stage", "enumeration", [("appointmentscheduled", "Appointment Scheduled"),
                                                          ("closedwon", "Closed Won")]),
              "closedate": ("Close Date", "datetime", None),
              "hubspot_owner_id": ("Deal owner", "enumeration", []),
              "createdate": ("Create Date", "datetime", None)},
}  # fmt: skip
ENGAGEMENTS = ("calls", "emails", "meetings", "notes", "tasks")


def make_handler(portal: Portal):
    class Handler(JsonHandler):
        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null") if length else None
            url = urlparse(self.path)
            if len(self.path) > 8192:
                return self._send(414, {"status": "error", "message": "URI Too Long"})
            with portal.lock:
                portal.requests.append((method, url.path))
                portal.auth_headers.append(self.headers.get("Authorization", ""))
                if self.headers.get("Authorization") != f"Bearer {portal.token}":
                    return self._send(401, {"status": "error", "category": "INVALID_AUTHENTICATION",
                                            "message": "Authentication credentials not found."})  # fmt: skip
                if portal.rate_limit_next:
                    portal.rate_limit_next -= 1
                    return self._send(429, {"status": "error", "category": "RATE_LIMITS",
                                            "message": "You have reached your secondly limit."},
                                      {"Retry-After": "1"})  # fmt: skip
                if portal.errors_next:
                    portal.errors_next -= 1
                    return self._send(502, {"status": "error", "message": "Bad gateway"})
                return self._route(method, url, body)

        def _route(self, method: str, url, body) -> None:
            path = url.path
            if method == "GET" and path == "/crm/v3/owners":
                q = parse_qs(url.query)
                size = min(int(q.get("limit", ["100"])[0]), 2)  # small pages: paging is tested
                start = int(q.get("after", ["0"])[0])
                page = portal.owners[start : start + size]
                nxt = start + size
                paging = {"next": {"after": str(nxt)}} if nxt < len(portal.owners) else None
                return self._send(200, {"results": page, **({"paging": paging} if paging else {})})
            m = re.fullmatch(r"/crm/v3/properties/(\w+)", path)
            if m:
                kind = m.group(1)
                names = {"legacy_record_id", "name", "domain", "website", "phone", "city",
                         "country", "industry", "firstname", "lastname", "email", "jobtitle",
                         "lifecyclestage", "dealname", "amount", "dealstage", "closedate",
                         "hs_note_body", "hs_timestamp"} - portal.missing_properties.get(kind, set())  # fmt: skip
                defs = PROPERTIES.get(kind, {})
                results = []
                shown = (
                    names | set(defs) | {"hs_object_id", "hs_lastmodifieddate", "secret_internal"}
                )
                for n in sorted(shown - portal.missing_properties.get(kind, set())):
                    label, ptype, options = defs.get(
                        n, (n.replace("_", " ").title(), "string", None)
                    )
                    results.append({"name": n, "label": label, "type": ptype,
                                    "hidden": n == "secret_internal",
                                    "hasUniqueValue": n == "legacy_record_id",
                                    "options": [{"value": v, "label": lb} for v, lb in options or []]})  # fmt: skip
                return self._send(200, {"results": results})
            m = re.fullmatch(r"/crm/v3/objects/(\w+)/batch/(upsert|read|archive)", path)
            if m:
                kind, op = m.groups()
                store = portal.objects.setdefault(kind, {})
                if op in ("upsert", "archive"):
                    if portal.revoke_after is not None and portal.writes >= portal.revoke_after:
                        portal.token = "revoked-" + portal.token  # from now on: 401
                        return self._send(401, {"status": "error", "message": "The access token "
                                                "was revoked."})  # fmt: skip
                    portal.writes += 1
                if op == "upsert":
                    assert len(body["inputs"]) <= 100
                    results, errors = [], []
                    for item in body["inputs"]:
                        assert item["idProperty"] == "legacy_record_id"
                        if "REFUSE" in json.dumps(item["properties"]):
                            errors.append({"status": "error", "message": "Property values were "
                                           "not valid", "context": {"ids": [item["id"]]}})  # fmt: skip
                            continue
                        oid = portal.by_legacy(kind, item["id"])
                        new = oid is None
                        if new:
                            portal.next_id += 1
                            oid = str(portal.next_id)
                            store[oid] = {"properties": {}}
                        store[oid]["properties"].update(item["properties"])
                        results.append({"id": oid, "properties": store[oid]["properties"],
                                        "new": new})  # fmt: skip
                    out = {"status": "COMPLETE", "results": results}
                    if errors:
                        out |= {"errors": errors, "numErrors": len(errors)}
                    return self._send(207 if errors else 200, out)
                if op == "read":
                    found = []
                    by_legacy = body.get("idProperty") == "legacy_record_id"
                    for item in body["inputs"]:
                        oid = portal.by_legacy(kind, item["id"]) if by_legacy else (
                            item["id"] if item["id"] in store else None)  # fmt: skip
                        if oid:
                            props = store[oid]["properties"]
                            if not by_legacy:  # the properties asked for, as HubSpot answers
                                props = {p: props.get(p) for p in body.get("properties", [])}
                            found.append({"id": oid, "properties": props})
                    return self._send(200, {"status": "COMPLETE", "results": found})
                for item in body["inputs"]:
                    store.pop(item["id"], None)
                    portal.associations = {a for a in portal.associations
                                           if item["id"] not in (a[1], a[3])}  # fmt: skip
                return self._send(204)
            m = re.fullmatch(r"/crm/v3/objects/(\w+)", path)
            if m and method == "GET":
                kind = m.group(1)
                q = parse_qs(url.query)
                size = min(int(q.get("limit", ["10"])[0]), portal.page_limit)
                after = q.get("after", [None])[0]
                archived = q.get("archived", ["false"])[0] == "true"
                wanted = [p for p in q.get("properties", [""])[0].split(",") if p]
                ids = sorted((oid for oid, r in portal.objects.get(kind, {}).items()
                              if bool(r.get("archived")) == archived), key=int)  # fmt: skip
                if after:
                    ids = [i for i in ids if int(i) > int(after)]
                page, more = ids[:size], len(ids) > size
                out = {"results": [self._record(kind, i, wanted) for i in page]}
                if more:
                    out["paging"] = {"next": {"after": page[-1], "link": "ignored"}}
                return self._send(200, out)
            m = re.fullmatch(r"/crm/v4/associations/(\w+)/(\w+)/batch/read", path)
            if m:
                a, b = m.groups()
                results = []
                index: dict[str, list[str]] = {}
                for x, xid, y, t in portal.associations:
                    if x == a and y == b:
                        index.setdefault(xid, []).append(t)
                for item in body["inputs"]:
                    to = sorted(index.get(item["id"], []), key=int)
                    start = int(item.get("after") or 0)
                    chunk = to[start : start + portal.assoc_page]
                    res = {"from": {"id": item["id"]}, "to": [
                        {"toObjectId": int(t), "associationTypes": [
                            {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": None}]}
                        for t in chunk]}  # fmt: skip
                    if start + portal.assoc_page < len(to):
                        res["paging"] = {"next": {"after": str(start + portal.assoc_page)}}
                    if chunk:
                        results.append(res)
                return self._send(200, {"status": "COMPLETE", "results": results})
            m = re.fullmatch(r"/crm/v3/objects/(\w+)/search", path)
            if m and body.get("sorts"):  # a pull's search: by modified time, then by id
                kind = m.group(1)
                filters = body["filterGroups"][0]["filters"]
                rows = [(oid, r) for oid, r in portal.objects.get(kind, {}).items()
                        if not r.get("archived")]  # fmt: skip
                for f in filters:
                    name, op, value = f["propertyName"], f["operator"], int(f["value"])

                    def of(oid: str, r: dict, name: str = name) -> int:
                        return int(oid) if name == "hs_object_id" else ms(r["properties"][name])

                    rows = [(oid, r) for oid, r in rows
                            if (of(oid, r) >= value if op == "GTE" else of(oid, r) > value)]  # fmt: skip
                rows.sort(key=lambda x: int(x[0]))
                limit = min(int(body.get("limit", 10)), 200)
                page = rows[:limit]
                out = {"total": len(rows), "results": [
                    self._record(kind, oid, body.get("properties", [])) for oid, _ in page]}  # fmt: skip
                if len(rows) > limit:
                    out["paging"] = {"next": {"after": str(limit)}}
                return self._send(200, out)
            if m:
                kind = m.group(1)
                total = sum(1 for r in portal.objects.get(kind, {}).values()
                            if r["properties"].get("legacy_record_id"))  # fmt: skip
                return self._send(200, {"total": total, "results": []})
            m = re.fullmatch(r"/crm/v4/associations/(\w+)/(\w+)/batch/associate/default", path)
            if m:
                a, b = m.groups()
                for item in body["inputs"]:
                    portal.associations.add((a, item["from"]["id"], b, item["to"]["id"]))
                return self._send(200, {"status": "COMPLETE", "results": []})
            return self._send(404, {"status": "error", "message": f"No route {method} {path}"})

        def _record(self, kind: str, oid: str, wanted: list[str]) -> dict:
            rec = portal.objects[kind][oid]
            props = rec["properties"]
            shown = {p: props.get(p) for p in wanted} if wanted else {
                p: props.get(p) for p in ("createdate", "hs_object_id", "lastmodifieddate")}  # fmt: skip
            out = {"id": oid, "properties": shown, "createdAt": "2026-11-01T00:00:00Z",
                   "updatedAt": "2026-11-01T00:00:00Z", "archived": bool(rec.get("archived"))}  # fmt: skip
            if rec.get("archived"):
                out["archivedAt"] = rec["archivedAt"]
            return out

    return Handler


class HubSpotServer(LocalServer):
    def __init__(self, token: str = "pat-na1-test-token-0123456789") -> None:
        self.portal = Portal(token)
        super().__init__(make_handler(self.portal))
