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

import json
import random
import sqlite3
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.errors import CutoverError
from wizard.core.targets.base import Target, WriteResult

API = "https://api.hubapi.com"
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
BURST = (100, 10.0)  # requests per seconds
RETRIES = 8  # attempts after the first, across 429s and 5xx answers


MAX_WAIT = 15 * 60.0  # seconds: a longer Retry-After means the daily limit is used up
VENDOR_HOSTS = ("api.hubapi.com", "api.hubspot.com", "api-eu1.hubapi.com")
TEST_SERVER_ENV = "CUTOVER_WIZARD_TEST_HUBSPOT"  # tests only: a local server, never stored


def vendor_url(base_url: str | None) -> str:
    """Where the token may go: HubSpot's own HTTPS hosts only. A test server (on this machine
    only) is allowed through ``CUTOVER_WIZARD_TEST_HUBSPOT``, which is never stored."""
    import os
    from urllib.parse import urlsplit

    test = os.environ.get(TEST_SERVER_ENV)
    url = test or base_url or API
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if test and host in ("127.0.0.1", "localhost", "::1") and parts.scheme in ("http", "https"):
        return url.rstrip("/")
    if parts.scheme == "https" and host in VENDOR_HOSTS and not parts.username:
        return f"https://{host}" + (f":{parts.port}" if parts.port else "")
    raise CutoverError(
        f"The HubSpot address '{url}' is not HubSpot's own (https://api.hubapi.com): the access "
        "token is sent to no other host.",
        "Remove base_url from the project file, or set it to https://api.hubapi.com.",
    )


def retry_after(value: str | None, attempt: int) -> float:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date
    (RFC 9110); without one (or an unreadable one), a backoff."""
    backoff = min(30.0, 2.0**attempt)
    if not value:
        return backoff
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return backoff
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


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
        self.base = vendor_url(base_url)
        self.sleep, self.clock = sleep, clock
        # while HubSpot asks to wait: told the seconds left each second; True from
        # should_stop ends the wait (the run resumes later, nothing is written twice)
        self.on_wait: Callable[[float], None] = lambda left: None
        self.should_stop: Callable[[], bool] = lambda: False
        self._sent: deque[float] = deque()
        self.requests = 0
        self.db = sqlite3.connect(str(index), check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS records (entity TEXT, source_id TEXT, "
                        "id TEXT, links TEXT, PRIMARY KEY (entity, source_id))")  # fmt: skip
        self.db.commit()
        self._owners: dict[str, str] | None = None

    def __repr__(self) -> str:  # never shows the token
        return f"HubSpotTarget({self.base})"

    # -- HTTP ----------------------------------------------------------------------------
    def _throttle(self) -> None:
        limit, window = BURST
        now = self.clock()
        while self._sent and now - self._sent[0] >= window:
            self._sent.popleft()
        if len(self._sent) >= limit:
            self.sleep(window - (now - self._sent[0]))
        self._sent.append(self.clock())

    def call(self, method: str, path: str, body: Any = None) -> Any:
        if not self._token:
            raise HubSpotAuthError("No HubSpot access token.", "Set HUBSPOT_ACCESS_TOKEN and "
                                   "run the same command.")  # fmt: skip
        data = json.dumps(body).encode() if body is not None else None
        failures = 0  # server errors so far: the backoff's exponent
        for attempt in range(RETRIES + 1):
            self._throttle()
            req = urllib.request.Request(self.base + path, data=data, method=method, headers={
                "Authorization": f"Bearer {self._token}", "Content-Type": "application/json"})  # fmt: skip
            self.requests += 1
            try:
                with urllib.request.urlopen(req, timeout=60) as resp:
                    text = resp.read().decode() or "null"
                    return json.loads(text)
            except urllib.error.HTTPError as exc:
                status = exc.code
                detail = _message(exc)
                if status in (401, 403):
                    raise HubSpotAuthError(
                        f"HubSpot refused the access token ({status}: {detail}).",
                        "It was revoked, expired or lacks a permission. Connect again and run "
                        "the phase again: what was written stays, nothing is written twice.",
                    ) from None
                if status == 429 and attempt < RETRIES:
                    self._wait(retry_after(exc.headers.get("Retry-After"), attempt))
                    continue
                if status >= 500 and attempt < RETRIES:
                    self._wait(min(30.0, 2**failures * (0.5 + random.random())))
                    failures += 1
                    continue
                if status == 429:
                    raise CutoverError(f"HubSpot kept answering that too many requests were "
                                       f"sent ({status}: {detail}).", "The portal's API limit "
                                       "is used up for now: run the phase again later; what was "
                                       "written stays, nothing is written twice.") from None  # fmt: skip
                if status >= 500:
                    raise CutoverError(f"HubSpot's servers kept failing ({status}: {detail}).",
                                       "It is on HubSpot's side: run the phase again later "
                                       "(status.hubspot.com says when it is fixed); nothing is "
                                       "written twice.") from None  # fmt: skip
                raise CutoverError(f"HubSpot answered {status}: {detail}",
                                   "Check the portal's properties and the plan; run the "
                                   "phase again when it is fixed.") from None  # fmt: skip
            except urllib.error.URLError as exc:
                if attempt < RETRIES:
                    self._wait(min(30.0, 2**failures * (0.5 + random.random())))
                    failures += 1
                    continue
                raise CutoverError(f"HubSpot could not be reached: {exc.reason}.",
                                   "Check the internet connection and run the phase again.") from None  # fmt: skip
        raise CutoverError("HubSpot kept refusing the requests.", "Try again later.")

    def _wait(self, seconds: float) -> None:
        """Wait as HubSpot asked, a second at a time: the seconds left are shown and the user
        may stop. A wait longer than MAX_WAIT is not waited: the limit is used up for hours."""
        if seconds > MAX_WAIT:
            raise CutoverError(
                f"HubSpot asks to wait {seconds / 3600:,.1f} hours before the next request: "
                "the portal's daily API limit is used up.",
                "Run the phase again after that; what was written stays, nothing is written twice.",
            )
        end = self.clock() + seconds
        while (left := end - self.clock()) > 0:
            self.on_wait(left)
            if self.should_stop():
                raise CutoverError("Stopped while HubSpot asked to wait.",
                                   "Run the same command again to go on; nothing is written "
                                   "twice.")  # fmt: skip
            self.sleep(min(1.0, left))
        self.on_wait(0.0)

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
                    self._remember(entity, str(data["source_id"]), oid, {})
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
                    if parent is not None and not self._known(target, str(parent)):
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
                self._remember(entity, sid, hid, kept)
                results.append(WriteResult(hid))
            for (a, b), inputs_ in links.items():
                for i in range(0, len(inputs_), BATCH):
                    self.call("POST", f"/crm/v4/associations/{a}/{b}/batch/associate/default",
                              {"inputs": inputs_[i : i + BATCH]})  # fmt: skip
        return results

    def _known(self, entity: str, hid: str) -> bool:
        """A parent this target wrote (or an owner it matched)."""
        return self.db.execute("SELECT 1 FROM records WHERE entity=? AND id=?",
                               (entity, hid)).fetchone() is not None  # fmt: skip

    def _remember(self, entity: str, sid: str, hid: str, links: dict[str, str]) -> None:
        with self.db:
            self.db.execute("INSERT INTO records VALUES (?,?,?,?) ON CONFLICT (entity, source_id)"
                            " DO UPDATE SET id=excluded.id, links=excluded.links",
                            (entity, sid, hid, json.dumps(links)))  # fmt: skip

    # -- reading -------------------------------------------------------------------------
    def lookup(self, entity: str, source_ids: list[str]) -> dict[str, int | str]:
        if entity == "owner":
            rows = self.db.execute("SELECT source_id, id FROM records WHERE entity='owner'")
            known = dict(rows.fetchall())
            return {s: known[s] for s in source_ids if s in known}
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
            with self.db:
                return self.db.execute("DELETE FROM records WHERE entity='owner'").rowcount
        for i in range(0, len(ids), BATCH):
            part = [{"id": str(x)} for x in ids[i : i + BATCH]]
            self.call("POST", f"/crm/v3/objects/{OBJECTS[entity]}/batch/archive", {"inputs": part})
        with self.db:
            marks = ",".join("?" * len(ids))
            self.db.execute(f"DELETE FROM records WHERE entity=? AND id IN ({marks})",
                            [entity, *[str(x) for x in ids]])  # fmt: skip
        return len(ids)

    def count(self, entity: str) -> int:
        if entity == "owner":
            return self.db.execute("SELECT COUNT(*) FROM records WHERE entity='owner'").fetchone()[
                0
            ]
        answer = self.call("POST", f"/crm/v3/objects/{OBJECTS[entity]}/search", {
            "filterGroups": [{"filters": [{"propertyName": LEGACY, "operator": "HAS_PROPERTY"}]}],
            "limit": 1})  # fmt: skip
        return int(answer.get("total", 0))

    def _links(self, entity: str) -> list[dict[str, str]]:
        return [json.loads(x) for (x,) in self.db.execute(
            "SELECT links FROM records WHERE entity=?", (entity,))]  # fmt: skip

    def link_counts(self, entity: str) -> dict[str, int]:
        links = self._links(entity)
        return {f.name: sum(1 for x in links if f.name in x) for f in ENTITIES[entity].references}

    def dangling(self, entity: str) -> dict[str, int]:
        out = {}
        links = self._links(entity)
        for f in ENTITIES[entity].references:
            known = {i for (i,) in self.db.execute("SELECT id FROM records WHERE entity=?",
                                                   (f.ref or "",))}  # fmt: skip
            out[f.name] = sum(1 for x in links if f.name in x and x[f.name] not in known)
        return out

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
        self.db.close()


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read().decode() or "{}")
        return str(body.get("message") or exc.reason)
    except (ValueError, OSError):
        return str(exc.reason)
