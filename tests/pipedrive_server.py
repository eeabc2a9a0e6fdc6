"""A local HTTP server that speaks the Pipedrive API shapes the wizard reads, on 127.0.0.1:
API v2 lists of organizations, persons, deals and activities (cursor pages with
``additional_data.next_cursor``, ``updated_since``), v2 stages and pipelines, v1 users and v1
field definitions (custom fields keyed by 40-character hashes, options by id), the
``x-api-token`` header, and 429s (Pipedrive's rate limit)."""

from __future__ import annotations

import base64
import threading
from urllib.parse import parse_qs, urlparse

from tests.local_server import JsonHandler, LocalServer

SIZE_KEY = "a" * 40  # a custom field of persons: "Shoe size"
TIER_KEY = "b" * 40  # a custom option field of organizations: "Tier"


class Account:
    def __init__(self, token: str) -> None:
        self.token = token
        self.data: dict[str, dict[int, dict]] = {o: {} for o in (
            "organizations", "persons", "deals", "activities")}  # fmt: skip
        self.users = [{"id": 11, "name": "Ann Lee", "email": "ann@acme.com", "active_flag": True,
                       "modified": "2026-11-01 00:00:00"}]  # fmt: skip
        self.stages = [{"id": 1, "name": "Qualified", "pipeline_id": 1},
                       {"id": 2, "name": "Won", "pipeline_id": 1}]  # fmt: skip
        self.pipelines = [{"id": 1, "name": "Sales"}]
        self.fields = {
            "personFields": [{"key": "name", "name": "Name"}, {"key": "label_ids", "name": "Label",
                              "options": [{"id": 5, "label": "Hot lead"}, {"id": 6, "label": "Customer"}]},
                             {"key": SIZE_KEY, "name": "Shoe size", "field_type": "double"}],
            "organizationFields": [{"key": "name", "name": "Name"},
                                   {"key": TIER_KEY, "name": "Tier", "field_type": "enum",
                                    "options": [{"id": 1, "label": "Gold"}, {"id": 2, "label": "Silver"}]}],
            "dealFields": [{"key": "title", "name": "Title"}],
            "activityFields": [{"key": "subject", "name": "Subject"}],
        }  # fmt: skip
        self.page_size = 500
        self.rate_limit_next = 0
        self.requests: list[str] = []
        self.clock = 0
        self.next_id = 100
        self.lock = threading.Lock()

    def now(self) -> str:
        self.clock += 1
        h, rest = divmod(self.clock, 3600)
        m, s = divmod(rest, 60)
        return f"2026-11-01T{h:02d}:{m:02d}:{s:02d}Z"

    def add(self, obj: str, **values: object) -> int:
        self.next_id += 1
        stamp = self.now()
        self.data[obj][self.next_id] = {"id": self.next_id, "add_time": stamp,
                                        "update_time": stamp, **values}  # fmt: skip
        return self.next_id

    def change(self, obj: str, rid: int, **values: object) -> None:
        self.data[obj][rid].update(values, update_time=self.now())


def make_handler(acct: Account):
    class Handler(JsonHandler):
        def _handle(self, method: str) -> None:
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            with acct.lock:
                acct.requests.append(url.path)
                if self.headers.get("x-api-token") != acct.token:
                    return self._send(401, {"success": False, "error": "unauthorized access",
                                            "errorCode": 401})  # fmt: skip
                if acct.rate_limit_next:
                    acct.rate_limit_next -= 1
                    return self._send(429, {"success": False, "error": "Rate limit exceeded"})
                return self._route(url.path, q)

        def _route(self, path: str, q: dict) -> None:
            if path.startswith("/v1/") and path[4:] in acct.fields:
                return self._send(200, {"success": True, "data": acct.fields[path[4:]],
                                        "additional_data": {"pagination": {
                                            "more_items_in_collection": False}}})  # fmt: skip
            if path == "/v1/users":
                return self._send(200, {"success": True, "data": acct.users})
            lists = {"/api/v2/stages": acct.stages, "/api/v2/pipelines": acct.pipelines}
            if path in lists:
                return self._send(200, {"success": True, "data": lists[path],
                                        "additional_data": {"next_cursor": None}})  # fmt: skip
            obj = path.removeprefix("/api/v2/")
            if obj not in acct.data:
                return self._send(404, {"success": False, "error": "Not found"})
            rows = sorted(acct.data[obj].values(), key=lambda r: r["id"])
            if q.get("updated_since"):
                rows = [r for r in rows if r["update_time"] >= q["updated_since"]]
            start = int(base64.b64decode(q["cursor"]).decode()) if q.get("cursor") else 0
            size = min(int(q.get("limit", 100)), acct.page_size)
            page = rows[start : start + size]
            nxt = start + size
            cursor = base64.b64encode(str(nxt).encode()).decode() if nxt < len(rows) else None
            return self._send(200, {"success": True, "data": page,
                                    "additional_data": {"next_cursor": cursor}})  # fmt: skip

    return Handler


class PipedriveServer(LocalServer):
    def __init__(self, token: str = "pd-test-token-0123") -> None:
        self.account = Account(token)
        super().__init__(make_handler(self.account))
