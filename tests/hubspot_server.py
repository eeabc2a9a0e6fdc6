"""A local HTTP server that speaks the HubSpot CRM API's documented request and response shapes
(batch upsert by a unique property, batch read and archive, search totals, v4 batch
associations, paged owners, property definitions), with the failures a real portal produces:
rate-limit storms (429 with Retry-After), server errors (502), and a token revoked mid-run
(401). The HubSpot target is tested against it, not against mocks of our own functions."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Portal:
    def __init__(self, token: str) -> None:
        self.token = token
        self.objects: dict[str, dict[str, dict]] = {}  # type -> id -> {"properties": {...}}
        self.associations: set[tuple[str, str, str, str]] = set()
        self.owners = [{"id": "901", "email": "ann@acme.com"}, {"id": "902", "email": "bo@acme.com"},
                       {"id": "903", "email": "cy@acme.com"}]  # fmt: skip
        self.next_id = 1000
        self.rate_limit_next = 0
        self.errors_next = 0
        self.revoke_after: int | None = None  # writes before the token stops working
        self.writes = 0
        self.requests: list[tuple[str, str]] = []
        self.auth_headers: list[str] = []
        self.missing_properties: dict[str, set[str]] = {}
        self.lock = threading.Lock()

    def by_legacy(self, kind: str, legacy: str) -> str | None:
        for oid, rec in self.objects.get(kind, {}).items():
            if rec["properties"].get("legacy_record_id") == legacy:
                return oid
        return None


def make_handler(portal: Portal):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, status: int, body: object = None, headers: dict | None = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null") if length else None
            url = urlparse(self.path)
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
                return self._send(200, {"results": [
                    {"name": n, "hasUniqueValue": n == "legacy_record_id"} for n in sorted(names)]})  # fmt: skip
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
                    for item in body["inputs"]:
                        oid = portal.by_legacy(kind, item["id"])
                        if oid:
                            found.append({"id": oid, "properties": store[oid]["properties"]})
                    return self._send(200, {"status": "COMPLETE", "results": found})
                for item in body["inputs"]:
                    store.pop(item["id"], None)
                    portal.associations = {a for a in portal.associations
                                           if item["id"] not in (a[1], a[3])}  # fmt: skip
                return self._send(204)
            m = re.fullmatch(r"/crm/v3/objects/(\w+)/search", path)
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

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    return Handler


class HubSpotServer:
    def __init__(self, token: str = "pat-na1-test-token-0123456789") -> None:
        self.portal = Portal(token)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.portal))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
