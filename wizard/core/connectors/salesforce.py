"""Salesforce through its REST API: each object's fields from ``describe``, its records with
SOQL ``query`` and ``nextRecordsUrl`` (queryMore), 2,000 a page, ordered by Id.

Files are named and shaped as the org's Data Export writes them (``Account.csv`` with the
fields' API names as headers), so the Salesforce preset maps them exactly.

- Compound fields (addresses, geolocations) are left out: their parts are fields of their own.
- A cursor is the next page's ``nextRecordsUrl`` and the last Id written. Salesforce forgets a
  query's locator after about 15 minutes unused, so a pull resumed later asks again for the
  records after that Id (the order is by Id), and nothing is lost or doubled.
- Delta: ``WHERE SystemModstamp > since``; deletions from ``queryAll`` with ``IsDeleted``.
- The opportunity's primary contact role is its ``ContactId`` when the field is empty (the
  contact roles are read before the opportunities). AccountContactRelation (the extra
  accounts of a contact) is pulled into its file; nothing in the method reads it yet.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from wizard.core.connectors.base import Connector, Page, cell
from wizard.core.connectors.http import Api, ApiError, vendor_url
from wizard.core.connectors.pull import DELTA, FULL

VERSION = "v62.0"
TEST_SERVER_ENV = "CUTOVER_WIZARD_TEST_SALESFORCE"
OBJECTS = ["User", "Account", "Contact", "Lead", "OpportunityContactRole", "Opportunity",
           "AccountContactRelation", "Task", "Event"]  # fmt: skip
COMPOUND = {"address", "location", "base64"}
SOQL_FIELDS = 10_000  # characters of field names one query's address carries (the limit is 16 KB)
QUOTA = ("REQUEST_LIMIT_EXCEEDED",)


def _salesforce_host(host: str) -> bool:
    return host.endswith((".salesforce.com", ".force.com", ".cloudforce.com"))


def salesforce_api(instance_url: str, token: str, **kw) -> Api:
    base = vendor_url("Salesforce", instance_url, _salesforce_host, TEST_SERVER_ENV,
                      "https://yourcompany.my.salesforce.com")  # fmt: skip
    return Api("Salesforce", base, {"Authorization": f"Bearer {token}",
                                    "Accept": "application/json"}, quota_codes=QUOTA, **kw)  # fmt: skip


def soql_text(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SalesforceConnector(Connector):
    vendor = "salesforce"
    label = "Salesforce"

    def __init__(self, instance_url: str, token: str, folder: str | Path | None = None,
                 **kw) -> None:  # fmt: skip
        """``folder``: where the pull writes (the contact roles are read back from it)."""
        self.api = salesforce_api(instance_url, token, **kw)
        self.folder = Path(folder) if folder else None
        self._objects: list[str] | None = None
        self._roles: dict[str, str] | None = None

    def objects(self) -> list[str]:
        if self._objects is None:
            answer = self.api.json("GET", f"/services/data/{VERSION}/sobjects/")
            have = {o["name"] for o in answer.get("sobjects", []) if o.get("queryable", True)}
            self._objects = [o for o in OBJECTS if o in have]
        return self._objects

    def header(self, obj: str) -> list[str]:
        answer = self.api.json("GET", f"/services/data/{VERSION}/sobjects/{obj}/describe/")
        names = [f["name"] for f in answer.get("fields", []) if f.get("type") not in COMPOUND]
        return ["Id", *[n for n in names if n != "Id"]]

    def _soql(self, obj: str, fields: list[str], since: str | None, after: str | None,
              through: str | None = None) -> str:  # fmt: skip
        where = []
        if since:
            where.append(f"SystemModstamp > {since}")
        if after:
            where.append(f"Id {'>=' if through else '>'} {soql_text(after)}")
        if through:
            where.append(f"Id <= {soql_text(through)}")
        return (f"SELECT {', '.join(fields)} FROM {obj}"
                + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY Id")  # fmt: skip

    @staticmethod
    def _groups(header: list[str]) -> list[list[str]]:
        """The fields in groups one query each can ask for (an object with hundreds of custom
        fields makes a query too long for its address); each group has the Id."""
        groups: list[list[str]] = [["Id"]]
        size = 0
        for name in header[1:]:
            if size + len(name) + 2 > SOQL_FIELDS:
                groups.append(["Id"])
                size = 0
            groups[-1].append(name)
            size += len(name) + 2
        return groups

    def _rest(self, obj: str, groups: list[list[str]], since: str | None,
              records: list[dict]) -> None:  # fmt: skip
        """The other groups' fields of a page's records, read by the page's range of Ids."""
        if not records:
            return
        first, last = records[0]["Id"], records[-1]["Id"]
        by_id = {r["Id"]: r for r in records}
        for fields in groups[1:]:
            for r in query_all(self.api, self._soql(obj, fields, since, first, last)):
                if r["Id"] in by_id:
                    by_id[r["Id"]].update({f: r.get(f) for f in fields})

    def pages(self, obj: str, cursor: str | None, since: str | None,
              header: list[str]) -> Iterator[Page]:  # fmt: skip
        state = json.loads(cursor) if cursor else {"next": None, "last": None}
        fill_contact = obj == "Opportunity" and "ContactId" in header
        roles = self._primary_roles() if fill_contact else {}
        at = header.index("ContactId") if fill_contact else -1
        groups = self._groups(header)
        while True:
            answer = None
            if state["next"]:
                try:
                    answer = self.api.json("GET", state["next"])
                except ApiError as exc:  # the locator expired: ask again after the last Id
                    if exc.code not in ("INVALID_QUERY_LOCATOR", "NOT_FOUND") and exc.status != 404:
                        raise
            if answer is None:
                q = self._soql(obj, groups[0], since, state["last"])
                answer = self.api.json("GET", f"/services/data/{VERSION}/query/",
                                       params={"q": q})  # fmt: skip
            records = answer.get("records", [])
            self._rest(obj, groups, since, records)
            rows = [[cell(r.get(f)) for f in header] for r in records]
            if fill_contact:
                for row in rows:
                    if not row[at] and row[0] in roles:
                        row[at] = roles[row[0]]
            nxt = answer.get("nextRecordsUrl") if not answer.get("done", True) else None
            if records:
                state = {"next": nxt, "last": records[-1].get("Id")}
            yield rows, (json.dumps(state) if nxt else None)
            if not nxt:
                return

    def _primary_roles(self) -> dict[str, str]:
        """Opportunity Id -> its primary contact, from the contact roles file already pulled."""
        if self._roles is None:
            self._roles = {}
            name = "OpportunityContactRole.csv"
            if self.folder is None:
                return self._roles
            if (self.folder / FULL / name).exists():  # a full pull: the roles it has just read
                paths = [self.folder / FULL / name]
            else:  # a delta: the last pull's roles, then the changed ones
                paths = [self.folder / name, self.folder / DELTA / name]
            for path in paths:
                if not path.exists():
                    continue
                with path.open(newline="", encoding="utf-8") as f:
                    for row in csv.DictReader(f):
                        if row.get("IsPrimary") == "true" and row.get("OpportunityId"):
                            self._roles[row["OpportunityId"]] = row.get("ContactId", "")
        return self._roles

    def deleted(self, obj: str, since: str) -> set[str]:
        q = f"SELECT Id FROM {obj} WHERE IsDeleted = true AND SystemModstamp > {since}"
        out: set[str] = set()
        answer = self.api.json("GET", f"/services/data/{VERSION}/queryAll/", params={"q": q})
        while True:
            out.update(r["Id"] for r in answer.get("records", []))
            if answer.get("done", True) or not answer.get("nextRecordsUrl"):
                return out
            answer = self.api.json("GET", answer["nextRecordsUrl"])


def query_all(api: Api, soql: str) -> Iterator[dict]:
    """Every record a SOQL query returns, page after page."""
    answer = api.json("GET", f"/services/data/{VERSION}/query/", params={"q": soql})
    while True:
        yield from answer.get("records", [])
        if answer.get("done", True) or not answer.get("nextRecordsUrl"):
            return
        answer = api.json("GET", answer["nextRecordsUrl"])


def count(api: Api, soql: str) -> int:
    return int(api.json("GET", f"/services/data/{VERSION}/query/", params={"q": soql})["totalSize"])
