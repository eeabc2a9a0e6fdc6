"""HubSpot through its CRM API: companies, contacts and deals (CRM v3 objects), their
associations (v4, read in batches), the activities (calls, emails, meetings, notes and tasks in
one file) and the owners (a users file with their emails; the other files name them, as
HubSpot's export does).

The files have the columns of HubSpot's own export: ``Record ID``, then each property under its
label (``First Name``, ``Lifecycle Stage``), options by their labels, owners by name, and the
associations as ``Associated Company IDs`` and the like (ids joined by ``;``), so the HubSpot
preset maps them as it maps an export.

- Pages of 100 with the ``after`` cursor, in id order; a pull resumes from the last cursor.
- Delta: the search API, filtered on the last-modified time and paged by record id (so its
  10,000-result window never cuts a large delta short); deletions are the archived records.
- Limits: 100 requests every 10 seconds (a private app's burst), and at most 4 searches a
  second (the search API allows 5); 429s wait as ``Retry-After`` says.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Iterator
from datetime import datetime

from wizard.core.connectors.base import Connector, Page, cell
from wizard.core.connectors.http import Api, vendor_url

API = "https://api.hubapi.com"
HOSTS = ("api.hubapi.com", "api.hubspot.com", "api-eu1.hubapi.com")
TEST_SERVER_ENV = "CUTOVER_WIZARD_TEST_HUBSPOT"
BURST = (100, 10.0)
SEARCH_GAP = 0.25  # seconds between searches
PAGE = 100
# the owners (users) first: the other files name them, and the new CRM matches them by email
OBJECTS = ["owners", "companies", "contacts", "deals", "activities"]
OWNER_COLUMNS = ["Record ID", "First Name", "Last Name", "Email"]
ENGAGEMENTS = ("calls", "emails", "meetings", "notes", "tasks")
ASSOCIATED = {"companies": "Associated Company IDs", "contacts": "Associated Contact IDs",
              "deals": "Associated Deal IDs"}  # fmt: skip
LINKS = {"owners": (), "companies": (), "contacts": ("companies",), "deals": ("companies", "contacts"),
         "activities": ("contacts", "companies", "deals")}  # fmt: skip
MODIFIED = {"contacts": "lastmodifieddate"}  # the others: hs_lastmodifieddate
OWNER = "hubspot_owner_id"
SKIP = {"hs_object_id"}  # the Record ID column already holds it
# activities: the export's columns and the property each engagement type fills them from
ACTIVITY_COLUMNS = {
    "Activity type": None, "Activity date": "hs_timestamp",
    "Call Title": ("calls", "hs_call_title"), "Call notes": ("calls", "hs_call_body"),
    "Call duration (milliseconds)": ("calls", "hs_call_duration"),
    "Email subject": ("emails", "hs_email_subject"), "Email body": ("emails", "hs_email_text"),
    "Meeting name": ("meetings", "hs_meeting_title"),
    "Meeting description": ("meetings", "hs_meeting_body"),
    "Note body": ("notes", "hs_note_body"),
    "Task Title": ("tasks", "hs_task_subject"), "Task notes": ("tasks", "hs_task_body"),
    "Task status": ("tasks", "hs_task_status"), "Activity assigned to": OWNER,
}  # fmt: skip
KIND = {"calls": "CALL", "emails": "EMAIL", "meetings": "MEETING", "notes": "NOTE",
        "tasks": "TASK"}  # fmt: skip


def hubspot_api(token: str, base_url: str | None = None, **kw) -> Api:
    base = vendor_url("HubSpot", base_url or API, lambda h: h in HOSTS, TEST_SERVER_ENV, API)
    return Api("HubSpot", base, {"Authorization": f"Bearer {token}"}, burst=BURST, **kw)


URL_PROPERTIES = 6000  # characters of property names a list request's address may carry


def _split(names: list[str]) -> tuple[list[str], list[str]]:
    """The properties a list request asks for in its address (a portal's hundreds of
    properties would make it too long: HubSpot answers 414), and the rest."""
    size = 0
    for i, name in enumerate(names):
        size += len(name) + 3  # the comma, encoded
        if size > URL_PROPERTIES:
            return names[:i], names[i:]
    return names, []


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


class HubSpotConnector(Connector):
    vendor = "hubspot"
    label = "HubSpot"

    def __init__(self, token: str, base_url: str | None = None, **kw) -> None:
        self.api = hubspot_api(token, base_url, **kw)
        self._defs: dict[str, list[dict]] = {}
        self._labels: dict[str, dict[str, dict[str, str]]] = {}
        self._owners: dict[str, str] | None = None
        self._owner_records: list[dict] = []
        self._searched: deque[float] = deque(maxlen=1)

    def objects(self) -> list[str]:
        return list(OBJECTS)

    # -- definitions ---------------------------------------------------------------------
    def _properties(self, kind: str) -> list[dict]:
        if kind not in self._defs:
            answer = self.api.json("GET", f"/crm/v3/properties/{kind}")
            self._defs[kind] = [p for p in answer.get("results", [])
                                if not p.get("hidden") and p["name"] not in SKIP]  # fmt: skip
        return self._defs[kind]

    def _columns(self, kind: str) -> list[tuple[str, str]]:
        """(header, property name) of an object's properties: each under its label, the
        name added when two labels are the same."""
        seen: set[str] = {"record id", *(h.lower() for h in ASSOCIATED.values())}
        out = []
        for p in self._properties(kind):
            label = p.get("label") or p["name"]
            if label.lower() in seen:
                label = f"{label} ({p['name']})"
            seen.add(label.lower())
            out.append((label, p["name"]))
        return out

    def owners(self) -> dict[str, str]:
        """Owner id -> the name HubSpot's export shows (else the email)."""
        if self._owners is None:
            found: dict[str, str] = {}
            self._owner_records = []
            after = None
            while True:
                answer = self.api.json("GET", "/crm/v3/owners", params={
                    "limit": 100, **({"after": after} if after else {})})  # fmt: skip
                for o in answer.get("results", []):
                    name = f"{o.get('firstName') or ''} {o.get('lastName') or ''}".strip()
                    found[str(o["id"])] = name or str(o.get("email") or o["id"])
                    self._owner_records.append(o)
                after = ((answer.get("paging") or {}).get("next") or {}).get("after")
                if not after:
                    break
            self._owners = found
        return self._owners

    def _owner_page(self, since: str | None) -> list[list[str]]:
        """The owners as a users file (a portal has few: one page); in a delta, those
        updated since (or whose update time HubSpot does not say)."""
        self.owners()
        cut = _ms(since) if since else None
        return [[str(o["id"]), cell(o.get("firstName")), cell(o.get("lastName")),
                 cell(o.get("email"))] for o in self._owner_records
                if cut is None or not o.get("updatedAt") or _ms(str(o["updatedAt"])) >= cut]  # fmt: skip

    def header(self, obj: str) -> list[str]:
        if obj == "owners":
            return list(OWNER_COLUMNS)
        links = [ASSOCIATED[k] for k in LINKS[obj]]
        if obj == "activities":
            return ["Record ID", *ACTIVITY_COLUMNS, *links]
        return ["Record ID", *(h for h, _ in self._columns(obj)), *links]

    # -- values --------------------------------------------------------------------------
    def _shown(self, kind: str, name: str, value: object) -> str:
        """A value as the export shows it: an option by its label, an owner by name."""
        if value in (None, ""):
            return ""
        if name == OWNER:
            return self.owners().get(str(value), str(value))
        labels = self._options(kind).get(name)
        if labels:
            return ";".join(labels.get(v, v) for v in str(value).split(";"))
        return cell(value)

    def _options(self, kind: str) -> dict[str, dict[str, str]]:
        """Property -> its options' value -> label (only properties with options)."""
        if kind not in self._labels:
            self._labels[kind] = {
                p["name"]: {o["value"]: o["label"] for o in p["options"]}
                for p in (self._properties(kind) if kind in self._defs else ())
                if p.get("options")
            }  # fmt: skip
        return self._labels[kind]

    def _associations(self, kind: str, to: str, ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {i: [] for i in ids}
        inputs = [{"id": i} for i in ids]
        while inputs:
            answer = self.api.json("POST", f"/crm/v4/associations/{kind}/{to}/batch/read",
                                   json={"inputs": inputs})  # fmt: skip
            inputs = []
            for r in answer.get("results", []):
                src = str(r["from"]["id"])
                out.setdefault(src, []).extend(str(t["toObjectId"]) for t in r.get("to", []))
                after = ((r.get("paging") or {}).get("next") or {}).get("after")
                if after:  # this record has more associations than one answer holds
                    inputs.append({"id": src, "after": after})
        return out

    # -- pages ---------------------------------------------------------------------------
    def pages(self, obj: str, cursor: str | None, since: str | None,
              header: list[str]) -> Iterator[Page]:  # fmt: skip
        if obj == "owners":
            yield self._owner_page(since), None
            return
        kinds = list(ENGAGEMENTS) if obj == "activities" else [obj]
        state = json.loads(cursor) if cursor else {"kind": 0, "after": None}
        while state["kind"] < len(kinds):
            kind = kinds[state["kind"]]
            if obj == "activities":
                names = sorted({v[1] for v in ACTIVITY_COLUMNS.values() if isinstance(v, tuple)
                                and v[0] == kind} | {"hs_timestamp", OWNER})  # fmt: skip
            else:
                by_label = dict(self._columns(kind))
                names = [by_label[h] for h in header[1:] if h in by_label]
            records, after = self._page(kind, names, state["after"], since)
            rows = self._rows(obj, kind, records, header)
            if after:
                state = {"kind": state["kind"], "after": after}
            else:
                state = {"kind": state["kind"] + 1, "after": None}
            last = state["kind"] >= len(kinds)
            yield rows, None if last else json.dumps(state)

    def _page(self, kind: str, names: list[str], after: str | None,
              since: str | None) -> tuple[list[dict], str | None]:  # fmt: skip
        if since is None:
            first, rest = _split(names)
            answer = self.api.json("GET", f"/crm/v3/objects/{kind}", params={
                "limit": PAGE, "properties": ",".join(first), "archived": "false",
                **({"after": after} if after else {})})  # fmt: skip
            records = answer.get("results", [])
            if rest and records:  # too many for one address: the others read by id, in a body
                more = self.api.json("POST", f"/crm/v3/objects/{kind}/batch/read", json={
                    "properties": rest, "inputs": [{"id": str(r["id"])} for r in records]})  # fmt: skip
                extra = {str(r["id"]): r.get("properties") or {} for r in more.get("results", [])}
                for r in records:
                    r.setdefault("properties", {}).update(extra.get(str(r["id"]), {}))
            nxt = ((answer.get("paging") or {}).get("next") or {}).get("after")
            return records, nxt
        # changed since: searched by modified time, paged by id (``after`` is the last id)
        self._pace()
        filters = [{"propertyName": MODIFIED.get(kind, "hs_lastmodifieddate"), "operator": "GTE",
                    "value": str(_ms(since))}]  # fmt: skip
        if after:
            filters.append({"propertyName": "hs_object_id", "operator": "GT", "value": after})
        answer = self.api.json("POST", f"/crm/v3/objects/{kind}/search", json={
            "filterGroups": [{"filters": filters}], "properties": names, "limit": PAGE,
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]})  # fmt: skip
        records = answer.get("results", [])
        more = (answer.get("paging") or {}).get("next")
        return records, (str(records[-1]["id"]) if records and more else None)

    def _pace(self) -> None:
        if self._searched:
            gap = SEARCH_GAP - (time.monotonic() - self._searched[0])
            if gap > 0:
                self.api.sleep(gap)
        self._searched.append(time.monotonic())

    def _rows(self, obj: str, kind: str, records: list[dict], header: list[str]) -> list[list[str]]:
        ids = [str(r["id"]) for r in records]
        links = {to: self._associations(kind, to, ids) for to in LINKS[obj]} if ids else {}
        rows = []
        if obj != "activities":
            self._properties(kind)
            by_label = dict(self._columns(kind))
        for r in records:
            props = r.get("properties") or {}
            row = []
            for h in header:
                if h == "Record ID":
                    row.append(str(r["id"]))
                elif h in ASSOCIATED.values():
                    to = next(k for k, v in ASSOCIATED.items() if v == h)
                    row.append(";".join(dict.fromkeys(links.get(to, {}).get(str(r["id"]), []))))
                elif obj == "activities":
                    spec = ACTIVITY_COLUMNS.get(h)
                    if spec is None:
                        row.append(KIND[kind] if h == "Activity type" else "")
                    elif isinstance(spec, tuple):
                        row.append(cell(props.get(spec[1])) if spec[0] == kind else "")
                    else:
                        row.append(self._shown(kind, spec, props.get(spec)))
                else:
                    name = by_label.get(h)
                    row.append(self._shown(kind, name, props.get(name)) if name else "")
            rows.append(row)
        return rows

    def deleted(self, obj: str, since: str) -> set[str]:
        if obj == "owners":  # a user who left stays in the file: records still name them
            return set()
        out: set[str] = set()
        cut = _ms(since)
        for kind in ENGAGEMENTS if obj == "activities" else (obj,):
            after = None
            while True:
                answer = self.api.json("GET", f"/crm/v3/objects/{kind}", params={
                    "limit": PAGE, "archived": "true", **({"after": after} if after else {})})  # fmt: skip
                for r in answer.get("results", []):
                    when = r.get("archivedAt")
                    if not when or _ms(str(when)) >= cut:
                        out.add(str(r["id"]))
                after = ((answer.get("paging") or {}).get("next") or {}).get("after")
                if not after:
                    break
        return out
