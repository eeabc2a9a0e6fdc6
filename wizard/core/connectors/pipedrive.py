"""Pipedrive through its API v2: organizations, persons, deals and activities (cursor pages of
500, ``updated_since`` for the delta), with users, stages and pipelines by name (v1 users,
v2 stages and pipelines) and custom fields from the v1 field definitions.

Users go into ``users.csv`` (id, name, email), which the other files' owners name.
The files have the columns of Pipedrive's own export (``ID``, ``Name``, ``Organization ID``,
``Contact person ID``, ``Owner``, ``Add time``, custom fields by their names), so the Pipedrive
preset maps them as it maps an export.

Deletions: Pipedrive's v2 lists hold no deleted records and keep no log a v2 client can read,
so the delta lists every record's id once more (500 a request) and the ids the last pull had
that the CRM no longer has are the deleted ones.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from wizard.core.connectors.base import Connector, Page, cell
from wizard.core.connectors.http import Api, vendor_url

TEST_SERVER_ENV = "CUTOVER_WIZARD_TEST_PIPEDRIVE"
PAGE = 500
# the users first: the other files name them (Owner), and the new CRM matches them by email
OBJECTS = ["users", "organizations", "persons", "deals", "activities"]
USER_COLUMNS = ["ID", "Name", "Email", "Active"]
FIELDS = {"organizations": "organizationFields", "persons": "personFields",
          "deals": "dealFields", "activities": "activityFields"}  # fmt: skip
# the export's columns and where each comes from in a v2 record
COLUMNS = {
    "organizations": {"ID": "id", "Name": "name", "Address": "address", "Owner": "owner_id",
                      "Add time": "add_time", "Update time": "update_time"},
    "persons": {"ID": "id", "Name": "name", "First name": "first_name",
                "Last name": "last_name", "Email": "emails", "Phone": "phones",
                "Organization ID": "org_id", "Owner": "owner_id", "Label": "label_ids",
                "Job title": "job_title", "Add time": "add_time", "Update time": "update_time"},
    "deals": {"ID": "id", "Title": "title", "Value": "value", "Currency": "currency",
              "Organization ID": "org_id", "Contact person ID": "person_id",
              "Stage": "stage_id", "Pipeline": "pipeline_id",
              "Expected close date": "expected_close_date", "Owner": "owner_id",
              "Probability": "probability", "Status": "status", "Add time": "add_time",
              "Update time": "update_time"},
    "activities": {"ID": "id", "Subject": "subject", "Type": "type", "Due date": "due_date",
                   "Done": "done", "Note": "note", "Duration": "duration", "Deal ID": "deal_id",
                   "Contact person ID": "person_id", "Organization ID": "org_id",
                   "Assigned to user": "owner_id", "Add time": "add_time"},
}  # fmt: skip
CUSTOM_KEY = re.compile(r"^[0-9a-f]{40}$")  # a custom field's key


def _pipedrive_host(host: str) -> bool:
    return host == "api.pipedrive.com" or host.endswith(".pipedrive.com")


class PipedriveConnector(Connector):
    vendor = "pipedrive"
    label = "Pipedrive"

    def __init__(self, url: str, token: str, folder: str | Path | None = None, **kw) -> None:
        base = vendor_url("Pipedrive", url or "https://api.pipedrive.com", _pipedrive_host,
                          TEST_SERVER_ENV, "https://yourcompany.pipedrive.com")  # fmt: skip
        self.api = Api("Pipedrive", base, {"x-api-token": token, "Accept": "application/json"},
                       **kw)  # fmt: skip
        self.folder = Path(folder) if folder else None
        self._custom: dict[str, list[dict]] = {}
        self._names: dict[str, dict[str, str]] = {}
        self._users: list[dict] = []

    def objects(self) -> list[str]:
        return list(OBJECTS)

    def _fields(self, obj: str) -> list[dict]:
        """The object's custom fields (key, name, options), from the v1 definitions."""
        if obj not in self._custom:
            out, start = [], 0
            while True:
                answer = self.api.json("GET", f"/v1/{FIELDS[obj]}",
                                       params={"start": start, "limit": PAGE})  # fmt: skip
                out += [f for f in answer.get("data") or [] if CUSTOM_KEY.match(f.get("key", ""))]
                more = (answer.get("additional_data") or {}).get("pagination") or {}
                if not more.get("more_items_in_collection"):
                    break
                start = more.get("next_start", start + PAGE)
            self._custom[obj] = out
        return self._custom[obj]

    def _lookup(self, what: str) -> dict[str, str]:
        """Id -> name of users, stages, pipelines or person labels."""
        if what not in self._names:
            names: dict[str, str] = {}
            if what == "labels":
                for f in self._person_fields():
                    if f.get("key") in ("label_ids", "label"):
                        names |= {str(o["id"]): str(o["label"]) for o in f.get("options") or []}
            else:
                path = "/v1/users" if what == "users" else f"/api/v2/{what}"
                cursor = None
                while True:
                    answer = self.api.json("GET", path, params={
                        "limit": PAGE, **({"cursor": cursor} if cursor else {})})  # fmt: skip
                    data = answer.get("data") or []
                    names |= {str(x["id"]): str(x.get("name") or "") for x in data}
                    if what == "users":
                        self._users += data
                    cursor = (answer.get("additional_data") or {}).get("next_cursor")
                    if not cursor:
                        break
            self._names[what] = names
        return self._names[what]

    def _person_fields(self) -> list[dict]:
        answer = self.api.json("GET", "/v1/personFields", params={"limit": PAGE})
        return answer.get("data") or []

    def header(self, obj: str) -> list[str]:
        if obj == "users":
            return list(USER_COLUMNS)
        taken = {c.lower() for c in COLUMNS[obj]}
        custom = []
        for f in self._fields(obj):
            name = f.get("name") or f["key"]
            if name.lower() in taken:
                name = f"{name} ({f['key'][:8]})"
            taken.add(name.lower())
            custom.append(name)
        return [*COLUMNS[obj], *custom]

    def _value(self, obj: str, column: str, key: str, value: object) -> str:
        if value in (None, "", []):
            return ""
        if isinstance(value, list) and value and isinstance(value[0], dict):  # emails, phones
            first = next((v for v in value if v.get("primary")), value[0])
            return cell(first.get("value"))
        if isinstance(value, dict):  # an address, a money or a linked record
            return cell(value.get("value") if "value" in value else value.get("name"))
        if key == "owner_id":
            return self._lookup("users").get(str(value), str(value))
        if key == "stage_id":
            return self._lookup("stages").get(str(value), str(value))
        if key == "pipeline_id":
            return self._lookup("pipelines").get(str(value), str(value))
        if key == "label_ids":
            ids = value if isinstance(value, list) else [value]
            return ";".join(self._lookup("labels").get(str(i), str(i)) for i in ids)
        return cell(value)

    def pages(self, obj: str, cursor: str | None, since: str | None,
              header: list[str]) -> Iterator[Page]:  # fmt: skip
        if obj == "users":  # a company has few: one page; in a delta, those changed since
            self._lookup("users")
            yield [[cell(u.get("id")), cell(u.get("name")), cell(u.get("email")),
                    cell(u.get("active_flag"))] for u in self._users
                   if not since or str(u.get("modified") or "9") >= since.replace("T", " ")[:19]], None  # fmt: skip
            return
        custom = {}
        for f in self._fields(obj):
            name = f.get("name") or f["key"]
            custom[name if name in header else f"{name} ({f['key'][:8]})"] = f
        while True:
            params = {"limit": PAGE, **({"cursor": cursor} if cursor else {}),
                      **({"updated_since": since} if since else {})}  # fmt: skip
            answer = self.api.json("GET", f"/api/v2/{obj}", params=params)
            rows = []
            for rec in answer.get("data") or []:
                own = rec.get("custom_fields") or {}
                row = []
                for column in header:
                    key = COLUMNS[obj].get(column)
                    if key is not None:
                        row.append(self._value(obj, column, key, rec.get(key)))
                        continue
                    f = custom.get(column)
                    value = own.get(f["key"]) if f else None
                    options = {
                        str(o["id"]): str(o["label"]) for o in (f or {}).get("options") or []
                    }
                    if options and value not in (None, ""):
                        ids = value if isinstance(value, list) else str(value).split(",")
                        row.append(";".join(options.get(str(i), str(i)) for i in ids))
                    else:
                        row.append(self._value(obj, column, "", value))
                rows.append(row)
            cursor = (answer.get("additional_data") or {}).get("next_cursor")
            yield rows, cursor or None
            if not cursor:
                return

    def deleted(self, obj: str, since: str) -> set[str]:
        if obj == "users":  # a user who left stays in the file: records still name them
            return set()
        previous: set[str] = set()
        path = self.folder / f"{obj}.csv" if self.folder else None
        if path and path.exists():
            with path.open(newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                next(reader, None)
                previous = {row[0] for row in reader if row}
        if not previous:
            return set()
        now: set[str] = set()
        cursor = None
        while True:
            answer = self.api.json("GET", f"/api/v2/{obj}", params={
                "limit": PAGE, **({"cursor": cursor} if cursor else {})})  # fmt: skip
            now.update(str(r["id"]) for r in answer.get("data") or [])
            cursor = (answer.get("additional_data") or {}).get("next_cursor")
            if not cursor:
                return previous - now
