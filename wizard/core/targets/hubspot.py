"""The HubSpot CRM API as a target.

- **Upsert by legacy id**: every record carries its old id in the unique property
  ``legacy_record_id``; writes go through ``POST /crm/v3/objects/{type}/batch/upsert`` with
  ``idProperty`` set to it, 100 records a request. A retry, or a run resumed after a crash or a
  revoked token, updates the same records: nothing is doubled.
- **Associations** between objects with ``POST /crm/v4/associations/{from}/{to}/batch/associate/
  default``; owners are matched by email against ``GET /crm/v3/owners`` (paged).
- **Limits**: at most 100 requests every 10 seconds (HubSpot's burst limit for apps); on 429 it
  waits what ``Retry-After`` says (or backs off), 5xx answers are retried with jittered backoff,
  and 401/403 stop the phase with a plain message (the run resumes later, nothing lost).
- **Dry run**: :meth:`HubSpotTarget.check_properties` compares the plan's fields with the
  portal's property definitions.
- The access token is passed in and never stored here; :mod:`wizard.core.secrets` keeps it in
  the OS keyring.

A small local index (SQLite, in the project's live folder) remembers what was written and its
links, so the reconciliation can count links without reading the whole portal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.connectors import hubspot as _api
from wizard.core.connectors.http import ApiAuthError, retry_after
from wizard.core.errors import CutoverError
from wizard.core.targets.base import Target, WriteResult
from wizard.core.targets.written import Written

API = _api.API
LEGACY = "legacy_record_id"
OBJECTS = {"company": "companies", "contact": "contacts", "deal": "deals", "activity": "notes"}
PROPERTIES = {
    "company": {"name": "name", "domain": "domain", "website": "website", "phone": "phone",
                "city": "city", "country": "country", "industry": "industry"},
    "contact": {"first_name": "firstname", "last_name": "lastname", "email": "email",
                "phone": "phone", "title": "jobtitle", "lifecycle_stage": "lifecyclestage"},
    "deal": {"name": "dealname", "amount": "amount", "stage": "dealstage",
             "close_date": "closedate"},
    "activity": {"body": "hs_note_body", "occurred_at": "hs_timestamp"},
}  # fmt: skip
BATCH = 100
BURST = _api.BURST  # requests per seconds
VENDOR_HOSTS = _api.HOSTS
TEST_SERVER_ENV = _api.TEST_SERVER_ENV  # tests only: a local server, never stored
__all__ = ["HubSpotAuthError", "HubSpotTarget", "retry_after", "vendor_url"]


def vendor_url(base_url: str | None) -> str:
    """Where the token may go: HubSpot's own HTTPS hosts only. A test server (on this machine
    only) is allowed through ``CUTOVER_WIZARD_TEST_HUBSPOT``, which is never stored."""
    from wizard.core.connectors.http import vendor_url as allowed

    return allowed("HubSpot", base_url or API, lambda h: h in VENDOR_HOSTS, TEST_SERVER_ENV, API)


class HubSpotAuthError(CutoverError):
    """The token was refused: nothing more can be written until it is replaced."""


class HubSpotTarget(Target):
    kind = "hubspot"
    label = "HubSpot portal"

    def __init__(self, token: str, index: str | Path, base_url: str | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 offline: bool = False) -> None:  # fmt: skip
        """``offline``: to count what was written (status, report) from the local index,
        without a token; any call to HubSpot then says the token is needed."""
        if not token and not offline:
            from wizard.core import secrets

            where = ("Connect to HubSpot again (the token is then kept in your computer's "
                     "password store)." if secrets.store_works() else "This computer has no "
                     "password store: set HUBSPOT_ACCESS_TOKEN and run again (it is kept for "
                     "that session only).")  # fmt: skip
            raise HubSpotAuthError("No HubSpot access token.", where)
        self._token = token
        self.api = _api.hubspot_api(token or "-", base_url, sleep=sleep, clock=clock)
        self.base = self.api.base
        self.written = Written(index)
        self._owners: dict[str, str] | None = None

    def __repr__(self) -> str:  # never shows the token
        return f"HubSpotTarget({self.base})"

    # while HubSpot asks to wait: told the seconds left each second; True from should_stop
    # ends the wait (the run resumes later, nothing is written twice)
    @property
    def on_wait(self) -> Callable[[float], None]:
        return self.api.on_wait

    @on_wait.setter
    def on_wait(self, value: Callable[[float], None]) -> None:
        self.api.on_wait = value

    @property
    def should_stop(self) -> Callable[[], bool]:
        return self.api.should_stop

    @should_stop.setter
    def should_stop(self, value: Callable[[], bool]) -> None:
        self.api.should_stop = value

    @property
    def requests(self) -> int:
        return self.api.requests

    # -- HTTP (wizard.core.connectors.http: 429s, 5xx, the burst limit, waits) --------------
    def call(self, method: str, path: str, body: Any = None) -> Any:
        if not self._token:
            raise HubSpotAuthError("No HubSpot access token.", "Set HUBSPOT_ACCESS_TOKEN and "
                                   "run the same command.")  # fmt: skip
        try:
            return self.api.json(method, path, json=body)
        except ApiAuthError as exc:
            raise HubSpotAuthError(exc.message, exc.hint) from None

    # -- owners --------------------------------------------------------------------------
    def owners(self) -> dict[str, str]:
        """HubSpot users by email (paged)."""
        if self._owners is None:
            found: dict[str, str] = {}
            after = None
            while True:
                page = self.call(
                    "GET", "/crm/v3/owners?limit=100" + (f"&after={after}" if after else "")
                )
                for o in page.get("results", []):
                    if o.get("email"):
                        found[o["email"].lower()] = str(o["id"])
                after = (page.get("paging") or {}).get("next", {}).get("after")
                if not after:
                    break
            self._owners = found
        return self._owners

    # -- writing -------------------------------------------------------------------------
    def write_batch(self, entity: str, columns: list[str],
                    rows: list[tuple]) -> list[WriteResult]:  # fmt: skip
        if entity == "owner":
            owners = self.owners()
            out = []
            for row in rows:
                data = dict(zip(columns, row, strict=True))
                oid = owners.get(str(data.get("email") or "").lower())
                out.append(WriteResult(oid) if oid else WriteResult(
                    None, "No HubSpot user has this email: invite the user, then run again."))  # fmt: skip
                if oid:
                    self.written.remember(entity, str(data["source_id"]), oid, {})
            return out
        ent = ENTITIES[entity]
        obj = OBJECTS[entity]
        mapping = PROPERTIES[entity]
        refs = [c for c in columns if ent.has(c) and ent.field(c).type == FieldType.REFERENCE]
        results: list[WriteResult] = []
        for start in range(0, len(rows), BATCH):
            part = [dict(zip(columns, r, strict=True)) for r in rows[start : start + BATCH]]
            refused: dict[str, str] = {}
            for data in part:
                for ref in refs:
                    parent, target = data.get(ref), ent.field(ref).ref or ""
                    if parent is not None and not self.written.known(target, str(parent)):
                        refused[str(data["source_id"])] = ("It links to a record that does not "
                                                           "exist in HubSpot.")  # fmt: skip
            inputs = []
            for data in part:
                if str(data["source_id"]) in refused:
                    continue
                props = {mapping[k]: str(v) for k, v in data.items()
                         if k in mapping and v not in (None, "")}  # fmt: skip
                if data.get("owner"):
                    props["hubspot_owner_id"] = str(data["owner"])
                if entity == "activity":  # a note: the subject heads its body; a real timestamp
                    subject = str(data.get("subject") or "")
                    body = str(data.get("body") or "")
                    props["hs_note_body"] = f"{subject}\n{body}".strip()
                    when = str(data.get("occurred_at") or "")
                    if when:
                        props["hs_timestamp"] = when.replace(" ", "T") + (
                            "" if "T" in when and ("+" in when or when.endswith("Z")) else "Z"
                        )
                props[LEGACY] = str(data["source_id"])
                inputs.append({"idProperty": LEGACY, "id": str(data["source_id"]),
                               "properties": props})  # fmt: skip
            answer = (self.call("POST", f"/crm/v3/objects/{obj}/batch/upsert", {"inputs": inputs})
                      if inputs else {"results": []})  # fmt: skip
            ids = {str(r["properties"][LEGACY]): str(r["id"]) for r in answer.get("results", [])}
            errors = dict(refused) | {str(ctx): e.get("message", "refused")
                      for e in answer.get("errors", []) for ctx in e.get("context", {}).get("ids", [])}  # fmt: skip
            links: dict[tuple[str, str], list[dict[str, Any]]] = {}
            took = []
            for data in part:
                sid = str(data["source_id"])
                hid = ids.get(sid)
                if hid is None:
                    results.append(
                        WriteResult(None, f"HubSpot refused it: {errors.get(sid, 'no answer')}")
                    )
                    continue
                kept = {}
                for ref in refs:
                    parent = data.get(ref)
                    target = ent.field(ref).ref or ""
                    if parent is None:
                        continue
                    kept[ref] = str(parent)
                    if target not in OBJECTS:  # owners: set as hubspot_owner_id above
                        continue
                    links.setdefault((obj, OBJECTS[target]), []).append(
                        {"from": {"id": hid}, "to": {"id": str(parent)}})  # fmt: skip
                took.append((sid, hid, kept))
                results.append(WriteResult(hid))
            self.written.remember_many(entity, took)
            for (a, b), inputs_ in links.items():
                for i in range(0, len(inputs_), BATCH):
                    self.call("POST", f"/crm/v4/associations/{a}/{b}/batch/associate/default",
                              {"inputs": inputs_[i : i + BATCH]})  # fmt: skip
        return results

    # -- reading -------------------------------------------------------------------------
    def lookup(self, entity: str, source_ids: list[str]) -> dict[str, int | str]:
        if entity == "owner":
            return self.written.ids("owner", source_ids)
        out: dict[str, int | str] = {}
        for i in range(0, len(source_ids), BATCH):
            part = [str(s) for s in source_ids[i : i + BATCH]]
            answer = self.call("POST", f"/crm/v3/objects/{OBJECTS[entity]}/batch/read", {
                "idProperty": LEGACY, "properties": [LEGACY], "inputs": [{"id": s} for s in part]})  # fmt: skip
            for r in answer.get("results", []):
                out[str(r["properties"][LEGACY])] = str(r["id"])
        return out

    def delete(self, entity: str, ids: list[int | str]) -> int:
        if entity == "owner":  # users are not deleted; they are only forgotten
            return self.written.forget("owner")
        for i in range(0, len(ids), BATCH):
            part = [{"id": str(x)} for x in ids[i : i + BATCH]]
            self.call("POST", f"/crm/v3/objects/{OBJECTS[entity]}/batch/archive", {"inputs": part})
        self.written.forget(entity, [str(x) for x in ids])
        return len(ids)

    def count(self, entity: str) -> int:
        if entity == "owner":
            return self.written.count("owner")
        answer = self.call("POST", f"/crm/v3/objects/{OBJECTS[entity]}/search", {
            "filterGroups": [{"filters": [{"propertyName": LEGACY, "operator": "HAS_PROPERTY"}]}],
            "limit": 1})  # fmt: skip
        return int(answer.get("total", 0))

    def link_counts(self, entity: str) -> dict[str, int]:
        return self.written.link_counts(entity)

    def dangling(self, entity: str) -> dict[str, int]:
        return self.written.dangling(entity)

    def describe(self) -> dict[str, Any]:
        return {name: {"table": ENTITIES[name].table, "object": OBJECTS.get(name, "owners"),
                       "columns": ["source_id", *PROPERTIES.get(name, {}),
                                   *[f"{f.name}_id" for f in ENTITIES[name].references],
                                   "properties"],
                       "references": {f.name: f"{f.name}_id -> {ENTITIES[f.ref or ''].table}"
                                      for f in ENTITIES[name].references}}
                for name in ("owner", "company", "contact", "deal", "activity")}  # fmt: skip

    def check_properties(self) -> list[str]:
        """The dry run: what the portal lacks for this plan, in plain words (empty: ready)."""
        problems = []
        for entity, obj in OBJECTS.items():
            answer = self.call("GET", f"/crm/v3/properties/{obj}")
            have = {p["name"]: p for p in answer.get("results", [])}
            legacy = have.get(LEGACY)
            if legacy is None:
                problems.append(f"{obj}: create the property '{LEGACY}' (single-line text, "
                                "unique values).")  # fmt: skip
            elif not legacy.get("hasUniqueValue"):
                problems.append(f"{obj}: the property '{LEGACY}' must require unique values.")
            for prop in sorted(set(PROPERTIES[entity].values()) - set(have)):
                problems.append(f"{obj}: the portal has no property '{prop}'.")
        return problems

    def close(self) -> None:
        self.written.close()
        self.api.close()
