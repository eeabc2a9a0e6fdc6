"""The method, end to end, for the wizard and the command line alike: the project's state
(``project.json``) beside its sandbox and live ledgers; when the rehearsal counts as complete;
what the gate says about a live phase; what changed in fresh exports since the rehearsal."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.core.clock import SYSTEM, Clock
from wizard.core.errors import CutoverError
from wizard.core.project import ProjectState, ProjectStore
from wizard.core.qa import Lock, buffer, evaluate, finalized, live_locks, override

if TYPE_CHECKING:
    from wizard.core.migration import Migration, Prepared


SECRET_PARAMS = ("password", "sslpassword")


def has_password(dsn: str) -> bool:
    """A libpq connection string or URL that carries a password in any form: ``password=``,
    ``sslpassword=``, ``user:secret@host`` or ``?password=`` in a URL (parsed as libpq does),
    and, whatever the parser says, any of those words followed by '='."""
    import re

    if re.search(r"(?i)(ssl)?password\s*=", dsn) or re.search(r"://[^/@\s?]*:[^/@\s?]*@", dsn):
        return True
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(dsn)
    except Exception:  # not a connection string: the connection itself will say so
        return False
    return any(params.get(k) for k in SECRET_PARAMS)


def who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


class Project:
    """A project folder's method state. Not locked: the ledgers are (see ``Migration``)."""

    def __init__(self, folder: str | Path, clock: Clock = SYSTEM) -> None:
        self.folder = Path(folder).expanduser().resolve()
        self.clock = clock
        self.store = ProjectStore(self.folder, clock)
        self.state: ProjectState = self.store.load()

    @property
    def notice(self) -> str:
        return self.store.notice

    def save(self) -> None:
        """Under the project's lock: a sandbox undo and a live run in two windows cannot
        overwrite each other's state."""
        from wizard.core.migration import ProjectLock, not_allowed

        try:
            lock = ProjectLock(self.folder)
        except PermissionError as exc:
            raise not_allowed(self.folder, exc) from None
        try:
            self.store.save(self.state)
        except PermissionError as exc:
            raise not_allowed(self.folder, exc) from None
        finally:
            lock.release()

    # -- the rehearsal ---------------------------------------------------------------------
    def _rehearsal_due(self, mig: Migration) -> bool:
        """Every phase has completed and the rehearsal is not noted yet."""
        plan = mig.saved_plan()
        return (plan is not None and not self.state.rehearsal_completed
                and all(mig.is_done(p) for p in mig.phases(plan)))  # fmt: skip

    def rehearsal_reconciled(self, mig: Migration) -> bool | None:
        """Whether the sandbox holds what every phase loaded, when that is what
        :meth:`note_sandbox` would ask now; None otherwise. It counts every record and link:
        seconds on millions, so the wizard asks it in its worker and hands the answer to
        :meth:`note_sandbox`."""
        return mig.reconciled() if self._rehearsal_due(mig) else None

    def note_sandbox(self, mig: Migration, reconciled: bool | None = None) -> bool:
        """After sandbox work: when every phase has completed, the full rehearsal is done and
        the testing buffer starts (once). Returns True when that just happened.
        ``reconciled``: :meth:`rehearsal_reconciled`'s answer, when the caller has it."""
        if not self._rehearsal_due(mig):
            return False
        if reconciled is None:
            reconciled = mig.reconciled()
        if not reconciled:  # a sandbox deleted or emptied is no rehearsal
            return False
        self.state.rehearsal_completed = self.clock.now().isoformat(timespec="seconds")
        self.state.rehearsal_files = rehearsal_files(mig)
        try:
            self.save()
        except CutoverError:  # busy in another window, or a folder this user may only read:
            self.state = self.store.load()  # the next run that may write notes it
            return False
        return True

    def rehearsal_undone(self) -> None:
        """The sandbox was undone: the rehearsal (and its buffer and QA) start again."""
        if self.state.rehearsal_completed or self.state.signoff:
            self.state.rehearsal_completed = None
            self.state.signoff = None
            self.save()

    # -- the live target ---------------------------------------------------------------------
    def live_records(self) -> int:
        """Records the live cutover has loaded so far (read without opening the ledger)."""
        import sqlite3

        path = self.folder / "live" / "ledger.db"
        if not path.exists():
            return 0
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return db.execute("SELECT COUNT(*) FROM crosswalk").fetchone()[0]
        except sqlite3.Error:
            return 0
        finally:
            db.close()

    def _switching(self, wanted: dict[str, str]) -> None:
        """A live target can change only while nothing is loaded into the current one."""
        same = {k: v for k, v in wanted.items() if k != "base_url"} == {
            k: v for k, v in self.state.live_target.items() if k != "base_url"}  # fmt: skip
        if not same and self.live_records():
            from wizard.core.phases import RefusedError

            raise RefusedError("The live cutover has already loaded records into another "
                               "target.", "Undo the live phases first (cutover-wizard undo "
                               "companies --env live --yes), then choose the new target.")  # fmt: skip

    def use_postgres(self, dsn: str, schema: str = "cutover") -> None:
        """The live cutover goes to a PostgreSQL database. The connection string is kept in
        the project, so it must not hold a password."""
        if has_password(dsn):
            from wizard.core.errors import CutoverError

            raise CutoverError("The connection string holds a password, and the project file "
                               "must not keep secrets.", "Leave the password out and put it in "
                               "PGPASSWORD or ~/.pgpass instead.")  # fmt: skip
        wanted = {"kind": "postgres", "dsn": dsn, "schema": schema}
        self._switching(wanted)
        self.state.live_target = wanted
        self.save()

    def use_import_files(self, profile: str) -> None:
        """The live cutover writes the new CRM's own import files (hubspot or salesforce)."""
        wanted = {"kind": "files", "profile": profile}
        self._switching(wanted)
        self.state.live_target = wanted
        self.save()

    def use_hubspot(self, token: str | None, base_url: str | None = None) -> str:
        """The live cutover goes to a HubSpot portal through its API. The token goes to the
        OS password store (or this session only), never into the project."""
        from wizard.core.targets.hubspot import vendor_url

        wanted = {"kind": "hubspot"}
        if base_url:  # HubSpot's own hosts only (vendor_url refuses any other)
            wanted["base_url"] = vendor_url(base_url)
        return self._use_api(wanted, token)

    def use_salesforce(self, instance_url: str, token: str | None) -> str:
        """The live cutover goes to a Salesforce org through Bulk API 2.0. The token goes to
        the OS password store (or this session only), never into the project."""
        from wizard.core.connectors.salesforce import salesforce_api

        if not instance_url.strip():
            raise CutoverError("Which Salesforce org? Type its address.",
                               "For example https://yourcompany.my.salesforce.com")  # fmt: skip
        salesforce_api(instance_url, "-").close()  # Salesforce's own hosts only
        return self._use_api({"kind": "salesforce", "url": instance_url.rstrip("/")}, token)

    def _use_api(self, wanted: dict[str, str], token: str | None) -> str:
        """Switch to a CRM's API; the token goes to the password store. Where it is, said."""
        from wizard.core import secrets

        self._switching(wanted)
        if token:
            secrets.store(wanted["kind"], str(self.folder), token)
        self.state.live_target = wanted
        self.save()
        return secrets.where(wanted["kind"], str(self.folder))

    def use_local(self) -> None:
        self._switching({})
        self.state.live_target = {}
        self.save()

    def open_live(self, read_only: bool = False) -> Migration:
        from wizard.core.migration import LIVE, Migration

        target = None
        kind = self.state.live_target.get("kind")
        if kind == "hubspot":
            import os

            from wizard.core import secrets
            from wizard.core.targets.hubspot import HubSpotTarget

            token = (secrets.load("hubspot", str(self.folder))
                     or os.environ.get("HUBSPOT_ACCESS_TOKEN", ""))  # fmt: skip
            if not token and not read_only and not secrets.store_works():
                raise CutoverError("No HubSpot access token: this computer has no password "
                                   "store, so the token was kept for the session that gave it "
                                   "only.", "Set HUBSPOT_ACCESS_TOKEN again and run the same "
                                   "command.")  # fmt: skip
            if not read_only:
                (self.folder / LIVE).mkdir(parents=True, exist_ok=True)
            target = HubSpotTarget(token, self.folder / LIVE / "hubspot-index.db",
                                   base_url=self.state.live_target.get("base_url"),
                                   offline=read_only)  # fmt: skip
        elif kind == "salesforce":
            import os

            from wizard.core import secrets
            from wizard.core.targets.salesforce import SalesforceTarget

            token = (secrets.load("salesforce", str(self.folder))
                     or os.environ.get("SALESFORCE_ACCESS_TOKEN", ""))  # fmt: skip
            if not token and not read_only:
                raise CutoverError("No Salesforce access token.", "Set SALESFORCE_ACCESS_TOKEN "
                                   "and run the same command (it is then kept in your "
                                   "computer's password store).")  # fmt: skip
            if not read_only:
                (self.folder / LIVE).mkdir(parents=True, exist_ok=True)
            target = SalesforceTarget(self.state.live_target["url"], token,
                                      self.folder / LIVE / "salesforce-index.db",
                                      offline=read_only)  # fmt: skip
        elif kind == "files":
            from wizard.core.targets.importfiles import ImportFilesTarget

            profile = self.state.live_target["profile"]
            target = ImportFilesTarget(self.folder / LIVE / f"{profile}-import-files", profile)
        elif kind == "postgres":
            from wizard.core.targets.postgres import PostgresTarget

            target = PostgresTarget(self.state.live_target["dsn"],
                                    self.state.live_target.get("schema", "cutover"))  # fmt: skip
        return Migration(self.folder, target=target, env=LIVE, read_only=read_only)

    # -- the gate --------------------------------------------------------------------------
    def locks(self, phase: str) -> list[Lock]:
        return live_locks(self.state, phase, self.clock)

    def override(self, locks: list[Lock], reason: str, by: str | None = None,
                 ledger=None) -> None:  # fmt: skip
        for lock in locks:
            override(self.state, lock.kind, reason, by or who(), ledger, self.clock)
        self.save()

    def status(self, sandbox: Migration | None) -> dict[str, object]:
        buf = buffer(self.state, self.clock)
        items = evaluate(self.state, sandbox) if sandbox is not None else []
        return {
            "buffer": {"started": self.state.rehearsal_completed, "day": buf.day,
                       "days": buf.days, "unlocks": buf.unlocks.isoformat() if buf.unlocks
                       else None, "elapsed": buf.elapsed, "text": buf.describe()},
            "checklist": [i.to_dict() for i in items],
            "finalized": finalized(items) if items else False,
            "signoff": self.state.signoff,
            "spot_checks": self.state.spot_checks,
            "gate": {phase: [lock.reason for lock in self.locks(phase)]
                     for phase in ("companies", "active")},
            "overrides": self.state.overrides,
            "notice": self.notice,
        }  # fmt: skip


PRECUTOVER = (
    ("workflows", "Workflows, sequences and automations are paused in the new CRM"),
    ("notifications", "Notifications to record owners are turned off in the new CRM"),
    ("association", "Automatic association of records is turned off in the new CRM"),
    ("dedupe", "Duplicate management (dedupe) rules are turned off in the new CRM"),
    ("integrations", "Integrations that write to the new CRM (forms, email sync) are paused"),
    ("freeze", "Edits are frozen in the old CRM: users are told, write access is removed"),
)
POSTLOAD = (
    ("workflows", "Workflows, sequences and automations are switched back on"),
    ("notifications", "Notifications to record owners are switched back on"),
    ("association", "Automatic association is switched back on"),
    ("dedupe", "Duplicate management rules are switched back on"),
    ("integrations", "Integrations are resumed, pointing at the new CRM"),
    ("archive", "The old CRM is kept read-only as an archive"),
)


def confirm(state: ProjectState, which: str, item: str, by: str, done: bool,
            clock: Clock = SYSTEM) -> None:  # fmt: skip
    """Tick (or untick) an item of the pre-cutover or post-load list, signed."""
    table = state.precutover if which == "precutover" else state.postload
    if not done:
        table.pop(item, None)
        return
    if not by.strip():
        from wizard.core.errors import CutoverError

        raise CutoverError("Type your name first: every item you confirm is signed.")
    table[item] = {"by": by.strip(), "at": clock.now().isoformat(timespec="seconds")}


def all_confirmed(state: ProjectState, which: str) -> bool:
    table = state.precutover if which == "precutover" else state.postload
    items = PRECUTOVER if which == "precutover" else POSTLOAD
    return all(key in table for key, _ in items)


def rehearsal_files(mig: Migration) -> dict[str, dict[str, object]]:
    """What each file looked like at the rehearsal: its columns and its row count."""
    plan = mig.saved_plan()
    out: dict[str, dict[str, object]] = {}
    rows = dict(mig.ledger.db.execute("SELECT label, rows_read FROM files"))
    for splan in plan.sources if plan else []:
        columns = sorted(splan.mapped_columns() | set(splan.custom) | set(splan.skipped))
        out[splan.label] = {"columns": columns, "rows": rows.get(splan.label)}
    return out


@dataclass
class Delta:
    label: str
    new_columns: list[str]
    missing_columns: list[str]
    rows_before: int | None
    rows_now: int | None

    def lines(self) -> list[str]:
        out = []
        if self.new_columns:
            out.append(f"{self.label} has new columns: {', '.join(self.new_columns)}. They are "
                       "not in the plan: they load as custom fields, or map them first.")  # fmt: skip
        if self.missing_columns:
            out.append(f"{self.label} no longer has: {', '.join(self.missing_columns)}. The "
                       "fields they filled stay empty.")  # fmt: skip
        if (
            self.rows_before is not None
            and self.rows_now is not None
            and (self.rows_before != self.rows_now)
        ):
            change = self.rows_now - self.rows_before
            out.append(f"{self.label} has {self.rows_now:,} rows, {abs(change):,} "
                       f"{'more' if change > 0 else 'fewer'} than at the rehearsal "
                       f"({self.rows_before:,}).")  # fmt: skip
        return out


def delta_check(state: ProjectState, prepared: Prepared,
                rows_now: dict[str, int] | None = None) -> list[Delta]:  # fmt: skip
    """Fresh exports against the rehearsal: columns (from the headers) and, once read, row
    counts. Files the rehearsal did not have are listed with all their columns new."""
    out = []
    before = state.rehearsal_files
    for splan in prepared.plan.sources:
        source = prepared.source_of(splan)
        if source is None:
            continue
        then = before.get(splan.label, {})
        had = set(then.get("columns", []))  # type: ignore[arg-type]
        now = set(source.columns)
        out.append(Delta(splan.label, sorted(now - had), sorted(had - now) if had else [],
                         then.get("rows"), (rows_now or {}).get(splan.label)))  # type: ignore[arg-type]  # fmt: skip
    return out


@dataclass
class SampleResult:
    """The sample rehearsal's outcome: records kept per entity and each phase's result."""

    kept: dict[str, int]
    results: list  # PhaseResult per phase
    stopped: bool = False

    @property
    def total(self) -> int:
        return sum(self.kept.values())

    @property
    def ok(self) -> bool:
        return not self.stopped and all(r.state == "completed" and r.reconciled
                                        for r in self.results)  # fmt: skip


def rehearse_sample(project: Project, paths: list[Path], size: int, seed: int = 1,
                    should_stop=lambda: False, batch_rows: int | None = None,
                    process: bool | None = False):  # fmt: skip
    """A mock migration of about ``size`` records that keep their links, into a sandbox of its
    own (``PROJECT/mock/``, made afresh each time), with the project's plan. Yields the
    staging's and the phases' progress, then a :class:`SampleResult`. ``process``: where the
    staging runs (:meth:`Migration.stage`)."""
    import shutil

    from wizard.core.migration import MOCK, Migration
    from wizard.core.runner import BATCH_ROWS, PhaseResult, refresh_states
    from wizard.core.sample import draw_sample
    from wizard.core.staging import Staged

    shutil.rmtree(project.folder / MOCK, ignore_errors=True)
    with Migration(project.folder, env=MOCK) as mig:
        prepared = mig.prepare(paths)
        if prepared.unreadable:
            path, message = prepared.unreadable[0]
            from wizard.core.errors import SourceError

            raise SourceError(f"{Path(path).name}: {message}")
        staged = None
        for item in mig.stage(prepared, should_stop, process):
            if isinstance(item, Staged):
                staged = item
            else:
                yield item
        if staged is None:
            yield SampleResult({}, [], stopped=True)
            return
        kept = draw_sample(mig.ledger, size, seed)
        refresh_states(mig.ledger)
        results = []
        for phase in mig.phases(prepared.plan):
            for item in mig.run(phase, prepared.plan, should_stop, batch_rows or BATCH_ROWS):
                if isinstance(item, PhaseResult):
                    results.append(item)
                else:
                    yield item
            if should_stop() or not mig.is_done(phase):
                yield SampleResult(kept, results, stopped=True)
                return
        result = SampleResult(kept, results)
        if result.ok:
            project.state.mock_completed = project.clock.now().isoformat(timespec="seconds")
            project.state.sample_size = size
            project.save()
        yield result
