"""Command line: the same core as the wizard, headless.

``cutover-wizard`` with no arguments opens the wizard; ``inspect`` reads
files and folders and reports what the wizard would see; ``migrate`` stages, plans, validates
and runs the phases into a project's sandbox; ``status`` and ``undo`` work on a project.

Exit codes: 0 done (rejected rows are reported, not a failure); 2 an input could not be read or
the command was used wrongly; 3 refused (phase order, a gate, an undo that needs --yes);
1 unexpected failure; 130 stopped by Ctrl-C after the batch in progress (run again to resume).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wizard import __version__
from wizard.core.errors import CutoverError
from wizard.core.phases import RefusedError

EXIT_OK, EXIT_UNEXPECTED, EXIT_INPUT, EXIT_REFUSED, EXIT_STOPPED = 0, 1, 2, 3, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cutover-wizard",
        description="Migrate CRM data safely: rehearse in a sandbox, then cut over phase by "
        "phase. Run without a command to open the wizard.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--smoke-test", action="store_true",
                        help="open the window, report when the first page shows, migrate the "
                        "demo into a temporary project, and exit (used to check a build)")  # fmt: skip
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("inspect", help="read exports and show what would be migrated")
    p.add_argument("inputs", nargs="+", metavar="FILES_OR_FOLDERS")
    p.add_argument("--plan", type=Path, help="use this saved plan instead of a new one")
    p.add_argument("--save-plan", type=Path, metavar="PLAN.json", help="write the plan here")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--examples", type=int, default=3, help="example rows shown per rule")

    p = sub.add_parser("migrate", help="stage, plan, validate and run the phases into the "
                       "project's sandbox (resumes where it stopped)")  # fmt: skip
    p.add_argument("inputs", nargs="+", metavar="FILES_OR_FOLDERS")
    p.add_argument("--project", type=Path, required=True, metavar="DIR")
    p.add_argument(
        "--plan",
        type=Path,
        metavar="PLAN.json",
        help="use this plan (default: the project's plan, else an automatic one)",
    )
    p.add_argument("--through", metavar="PHASE", help="stop after this phase")
    p.add_argument(
        "--batch-rows",
        type=int,
        default=10_000,
        metavar="N",
        help="records per batch (each batch is committed on its own)",
    )
    p.add_argument("--json", action="store_true", help="print the final status as JSON")
    p.add_argument("--remove-deleted", action="store_true",
                   help="take out of the target the records this project loaded whose rows are "
                   "no longer in the files (deleted in the old CRM since the last run)")  # fmt: skip
    p.add_argument("--env", choices=("sandbox", "live"), default="sandbox",
                   help="sandbox (the rehearsal, default) or live: the cutover, which the gate "
                   "keeps locked until the testing buffer has passed, and for active sales "
                   "contacts until QA is signed off")  # fmt: skip
    p.add_argument("--override-reason", metavar="TEXT",
                   help="open a closed gate anyway; the reason goes into the journal and the "
                   "report")  # fmt: skip
    p.add_argument("--by", metavar="NAME", help="who overrides (default: your user name)")
    p.add_argument("--postgres", metavar="DSN",
                   help="live cutover into this PostgreSQL database (a libpq connection string "
                   "or URL, without the password: use PGPASSWORD or ~/.pgpass); remembered")  # fmt: skip
    p.add_argument("--import-files", choices=("hubspot", "salesforce"),
                   help="live cutover as the new CRM's own import files, numbered in upload "
                   "order (PROJECT/live/<crm>-import-files/); remembered")  # fmt: skip
    p.add_argument("--hubspot", action="store_true",
                   help="live cutover into a HubSpot portal through its API; the access token "
                   "comes from HUBSPOT_ACCESS_TOKEN the first time and is kept in your "
                   "computer's password store, never in the project; remembered")  # fmt: skip
    p.add_argument("--salesforce", metavar="ORG_ADDRESS",
                   help="live cutover into this Salesforce org (https://yourcompany.my."
                   "salesforce.com) through Bulk API 2.0; the access token comes from "
                   "SALESFORCE_ACCESS_TOKEN the first time and is kept in your computer's "
                   "password store, never in the project; remembered")  # fmt: skip
    p.add_argument("--pg-schema", default="cutover", metavar="NAME",
                   help="the PostgreSQL schema for the tables (default: cutover)")  # fmt: skip

    p = sub.add_parser("pull", help="read the old CRM through its API into export files in the "
                       "project (PROJECT/pulled/<crm>/), to migrate like an export folder; "
                       "resumes where it stopped")  # fmt: skip
    p.add_argument("crm", choices=("hubspot", "salesforce", "pipedrive"))
    p.add_argument("--project", type=Path, required=True, metavar="DIR")
    p.add_argument("--url", metavar="ADDRESS",
                   help="Salesforce: your org's address (https://yourcompany.my.salesforce.com);"
                   " Pipedrive: https://yourcompany.pipedrive.com; remembered")  # fmt: skip
    p.add_argument("--delta", action="store_true",
                   help="only what changed or was deleted since the last complete pull (before "
                   "the live cutover)")  # fmt: skip

    p = sub.add_parser("status", help="phases, states, accounting and reconciliation")
    p.add_argument("--project", type=Path, required=True, metavar="DIR")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("confirm", help="after uploading import files: read the CRM's export "
                       "back, confirm the counts and learn the new ids")  # fmt: skip
    p.add_argument("entity", metavar="ENTITY", help="companies, contacts, deals or activities")
    p.add_argument("export", type=Path, metavar="CRM_EXPORT.csv")
    p.add_argument("--project", type=Path, required=True, metavar="DIR")

    p = sub.add_parser("report", help="the cutover report as PDF, HTML or XLSX")
    p.add_argument("--project", type=Path, required=True, metavar="DIR")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf|.html|.xlsx")

    p = sub.add_parser("undo", help="delete what a phase loaded (later phases first)")
    p.add_argument("phase", metavar="PHASE")
    p.add_argument("--project", type=Path, required=True, metavar="DIR")
    p.add_argument("--env", choices=("sandbox", "live"), default="sandbox")
    p.add_argument(
        "--yes",
        action="store_true",
        help="also undo the later phases that depend on it, without asking",
    )
    return parser


def _say(text: str = "") -> None:
    print(text, flush=True)


def _inspect(args: argparse.Namespace) -> int:
    from wizard.core.inspection import inspect

    report = inspect([str(i) for i in args.inputs], plan_path=args.plan)
    if args.save_plan:
        report.plan.save(args.save_plan)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in report.lines(examples=args.examples):
            _say(line)
        if args.save_plan:
            _say(f"Plan saved to {args.save_plan}")
    return EXIT_INPUT if report.unreadable else EXIT_OK


class _StopFlag:
    """First Ctrl-C: stop after the batch in progress. Second: stop now."""

    def __init__(self) -> None:
        self.stop = False

    def __call__(self) -> bool:
        return self.stop

    def install(self) -> None:
        import signal

        def handler(signum: int, frame: object) -> None:
            if self.stop:
                raise KeyboardInterrupt
            self.stop = True
            print("\nStopping after the batch in progress (Ctrl-C again to stop at once)...",
                  file=sys.stderr, flush=True)  # fmt: skip

        signal.signal(signal.SIGINT, handler)


class _Ticker:
    """Progress on one terminal line, at most every half second; silent when not a terminal."""

    def __init__(self) -> None:
        import time

        self.clock = time.monotonic
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def show(self, text: str, force: bool = False) -> None:
        if not self.tty:
            return
        now = self.clock()
        if force or now - self.last >= 0.5:
            self.last = now
            print(f"\r{text[:100]:<100}", end="", file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self.tty:
            print(f"\r{'':<100}\r", end="", file=sys.stderr, flush=True)


def _pull(args: argparse.Namespace) -> int:
    import os

    from wizard.core import connectors
    from wizard.core.connectors.pull import PullDone, PullProgress, pull

    stop = _StopFlag()
    stop.install()
    ticker = _Ticker()
    crm, label = args.crm, connectors.CRMS[args.crm]
    token = os.environ.get(connectors.TOKEN_ENV[crm])
    source, folder = connectors.open_pull(args.project, crm, args.url, token)
    try:
        for item in pull(source, folder, delta=args.delta, should_stop=stop,
                         on_wait=lambda left: ticker.show(
                             f"{label} asks to wait: {left:,.0f} s left (Ctrl-C stops)",
                             force=True)):  # fmt: skip
            if isinstance(item, PullProgress):
                ticker.show(f"{item.obj}: {item.rows:,} records ({item.rows_per_s:,.0f}/s)")
            elif isinstance(item, PullDone):
                ticker.clear()
                if item.stopped:
                    _say(f"Stopped after {item.pulled:,} records; run the same command to go on.")
                    return EXIT_OK
                what = "Changes since the last pull" if item.mode == "delta" else "Pulled"
                _say(f"{what} from {label}: {item.pulled:,} records in {item.seconds:.1f} s "
                     f"({item.rows_per_s:,.0f} records/s, {item.requests:,} requests).")  # fmt: skip
                for line in item.lines():
                    _say(f"   {line}")
                _say(f"Export files: {folder}")
                _say(f"Next: cutover-wizard migrate {folder} --project {args.project}")
    finally:
        source.close()
    return EXIT_OK


def _print_result(result: object) -> None:
    from wizard.core.runner import PhaseResult

    assert isinstance(result, PhaseResult)
    _say(f"== {result.headline()}")
    for line in result.lines():
        _say(f"   {line}")


def _migrate(args: argparse.Namespace) -> int:
    from wizard.core.cutover import Project, delta_check
    from wizard.core.migration import Migration
    from wizard.core.phases import find
    from wizard.core.runner import PhaseProgress, PhaseResult
    from wizard.core.staging import Staged, StageProgress

    stop = _StopFlag()
    stop.install()
    ticker = _Ticker()
    live = args.env == "live"
    project = Project(args.project)
    if project.notice:
        _say(f"Note: {project.notice}")
    if live:
        if args.plan:
            raise CutoverError("The live cutover uses the plan the sandbox rehearsed; --plan is "
                               "for the sandbox.", "Leave out --plan.")  # fmt: skip
        if not (project.folder / "plan.json").exists():
            raise RefusedError("This project has no rehearsal yet: migrate into the sandbox "
                               "first.", "Run the same command with --env sandbox.")  # fmt: skip
        first = project.locks("companies")
        if first and not _gate(project, first, args):
            return EXIT_REFUSED
    if (args.postgres or args.import_files or args.hubspot or args.salesforce) and not live:
        raise CutoverError("--postgres, --import-files, --hubspot and --salesforce are for the "
                           "live cutover.", "Add --env live.")  # fmt: skip
    if args.hubspot:
        import os

        token = os.environ.get("HUBSPOT_ACCESS_TOKEN")
        kept = project.use_hubspot(token)
        if token:
            _say(f"The HubSpot access token is kept in {kept}; never in the project.")
    elif args.salesforce:
        import os

        token = os.environ.get("SALESFORCE_ACCESS_TOKEN")
        kept = project.use_salesforce(args.salesforce, token)
        if token:
            _say(f"The Salesforce access token is kept in {kept}; never in the project.")
    elif args.postgres:
        project.use_postgres(args.postgres, args.pg_schema)
    elif args.import_files:
        project.use_import_files(args.import_files)
    opened = project.open_live() if live else Migration(args.project)
    crm = {"hubspot": "HubSpot", "salesforce": "Salesforce"}.get(opened.target.kind, "The CRM")
    if hasattr(opened.target, "on_wait"):  # an API that may ask to wait: show it, let Ctrl-C stop
        opened.target.on_wait = lambda left: (
            ticker.show(f"{crm} asks to wait: {left:,.0f} s left (Ctrl-C stops; run again to "
                        "go on)", force=True) if left else ticker.clear())  # fmt: skip
        opened.target.should_stop = stop
    check = getattr(opened.target, "check_properties", None)
    if check is not None:  # the dry run against the portal's property definitions
        problems = check()
        if problems:
            opened.close()
            for problem in problems:
                print(f"Error: {problem}", file=sys.stderr)
            print(f"Nothing was written to {crm}: create these fields, then run again.",
                  file=sys.stderr)  # fmt: skip
            return EXIT_INPUT
    with opened as mig:
        prepared = mig.prepare(args.inputs, args.plan)
        for path, why in prepared.skipped:
            _say(f"Skipped {path}: {why}.")
        if prepared.unreadable:
            for path, message in prepared.unreadable:
                print(f"Error: {Path(path).name}: {message}", file=sys.stderr)
            print("Nothing was migrated: fix or remove the files above and run again, so that "
                  "no record loads without the records it links to.", file=sys.stderr)  # fmt: skip
            return EXIT_INPUT
        if not prepared.sources:
            print("Error: no readable files were given.", file=sys.stderr)
            return EXIT_INPUT
        phases = mig.phases(prepared.plan)
        through = find(args.through, phases) if args.through else None
        staged = None
        for item in mig.stage(prepared, should_stop=stop):
            if isinstance(item, StageProgress):
                ticker.show(f"Reading {item.file}: {item.rows_done:,} rows "
                            f"({item.rows_per_s:,.0f} rows/s)")  # fmt: skip
            elif isinstance(item, Staged):
                staged = item
        ticker.clear()
        if staged is None:
            _say("Stopped while reading the files; run the same command again to go on.")
            return EXIT_STOPPED
        _say(
            f"Plan saved to {mig.plan_path}"
            if not live
            else f"Live cutover into {mig.target.label}"
        )
        if live:
            rows = {f.label: f.rows_read for f in staged.files}
            changes = [ln for d in delta_check(project.state, prepared, rows) for ln in d.lines()]
            for line in changes or ["The exports match the rehearsal: same columns."]:
                _say(f"   {line}")
            if getattr(mig.target, "kind", "") == "hubspot":
                from wizard.core.targets.limits import hubspot_api_days

                records = sum(f.rows_read for f in staged.files)
                _say(f"   {hubspot_api_days(records, links=records).text}")
            elif getattr(mig.target, "kind", "") == "salesforce":
                from wizard.core.targets.limits import salesforce_bulk_days

                _say(f"   {salesforce_bulk_days(sum(f.rows_read for f in staged.files)).text}")
        for splan in prepared.plan.sources:
            if splan.entity is None:
                _say(f"   {Path(splan.file).name}: not imported: {splan.note or 'no entity'}")
        for f in staged.files:
            how = "read" if f.restaged else "unchanged since last time"
            if f.restaged and f.columns:  # only the columns whose mapping changed
                how = "checked again in " + ", ".join(f.columns)
            _say(f"   {f.label}: {f.rows_read:,} rows -> {f.entity} ({how}; "
                 f"{f.rejected:,} cannot load: nothing in them names the record)")  # fmt: skip
        for source in prepared.sources.values():
            for notice in source.notices + source.read_notices:
                if notice.severity != "info":
                    _say(f"   note on {source.label}: {notice.message}")
        for splan in prepared.plan.sources:
            for note in splan.notes:
                _say(f"   recognised in {splan.label}: {note}")
        for change in prepared.changes:
            _say(f"   {change}")
        gone = staged.deleted
        if gone:
            from wizard.core.blueprint import ENTITIES

            said = ", ".join(f"{len(ids):,} {ENTITIES[e].label.lower()} ({', '.join(ids[:3])}"
                             f"{', ...' if len(ids) > 3 else ''})" for e, ids in gone.items())  # fmt: skip
            _say(f"   Loaded before and no longer in the files: {said}.")
            if args.remove_deleted:
                for entity, (removed, kept) in mig.remove_deleted(gone).items():
                    _say(f"   {ENTITIES[entity].label}: {removed:,} taken out of the "
                         f"{mig.target.label}"
                         + (f"; {kept:,} kept: records in the files still link to them"
                            if kept else ""))  # fmt: skip
            else:
                _say(f"   They stay in the {mig.target.label}; run again with --remove-deleted "
                     "to take them out.")  # fmt: skip
        for relation in sorted(staged.orphans):
            if staged.orphans[relation]:
                _say(f"   links {relation}: {staged.links[relation]:,} found, "
                     f"{staged.orphans[relation]:,} point to records not in your files")  # fmt: skip
        _say(f"   {prepared.plan.active_rule.describe()} "
             f"{staged.active_contacts:,} contacts are held back to the last phase.")  # fmt: skip
        for phase in phases:
            if mig.is_done(phase):
                _say(f"== {phase.label}: already completed")
            else:
                locks = project.locks(phase.name) if live else []
                if locks and not _gate(project, locks, args, mig.ledger):
                    return EXIT_REFUSED
                for item in mig.run(phase, prepared.plan, stop, max(1, args.batch_rows)):
                    if isinstance(item, PhaseProgress):
                        eta = f", about {item.eta_s:.0f} s left" if item.eta_s else ""
                        ticker.show(f"{phase.label}: {item.rows_done:,} of {item.rows_total:,} "
                                    f"rows ({item.rows_per_s:,.0f} rows/s{eta})")  # fmt: skip
                    elif isinstance(item, PhaseResult):
                        ticker.clear()
                        _print_result(item)
                        if item.state != "completed":
                            return EXIT_UNEXPECTED
                ticker.clear()
                if stop.stop:
                    _say(f"Stopped during '{phase.label}' after a whole batch. Run the same "
                         "command again to resume.")  # fmt: skip
                    return EXIT_STOPPED
            if through and phase.name == through.name:
                break
        if not stop.stop:
            _print_fidelity([f.to_dict() for f in mig.fidelity(prepared.plan)])
        if not live and project.note_sandbox(mig):
            buf = project.status(None)["buffer"]
            _say(f"The full sandbox rehearsal is complete. {buf['text']}")  # type: ignore[index]
        if args.json:
            print(json.dumps(mig.status(), indent=2, ensure_ascii=False, default=str))
        _say(f"Success and error files: {mig.exports}")
    return EXIT_OK


def _gate(project: object, locks: list, args: argparse.Namespace, ledger=None) -> bool:
    """A closed gate refuses (False) unless an override reason was given."""
    if not args.override_reason:
        for lock in locks:
            print(f"Refused: {lock.reason}", file=sys.stderr)
        print("The method: rehearse in the sandbox, keep the testing buffer, sign off QA, and "
              "load active sales contacts last. To go on anyway, give "
              "--override-reason \"...\" (it is written into the journal and the report).",
              file=sys.stderr)  # fmt: skip
        return False
    project.override(locks, args.override_reason, args.by, ledger)  # type: ignore[attr-defined]
    for lock in locks:
        _say(f"Override recorded: {lock.reason} Reason: {args.override_reason}")
    return True


def _project(folder: Path, read_only: bool = False) -> object:
    """An existing project, or a plain error (exit 2). ``read_only``: to look at it (status,
    report), without its lock and in a folder this user may only read."""
    from wizard.core.migration import LEDGER_FILE, Migration

    if not (folder / LEDGER_FILE).is_file():
        raise CutoverError(f"{folder} is not a Cutover Wizard project.",
                           "Give the folder you used with 'migrate --project'.")  # fmt: skip
    return Migration(folder, read_only=read_only)


def _status(args: argparse.Namespace) -> int:
    from wizard.core.cutover import Project

    project = Project(args.project)
    with _project(args.project, read_only=True) as mig:  # type: ignore[attr-defined]
        project.note_sandbox(mig)
        status = mig.status()
        method = project.status(mig)
    live = None
    if (project.folder / "live" / "ledger.db").exists():
        with project.open_live(read_only=True) as lmig:
            live = lmig.status()
    if args.json:
        print(json.dumps(status | {"method_state": method, "live": live}, indent=2,
                         ensure_ascii=False, default=str))  # fmt: skip
        return EXIT_OK
    _print_status(status)
    _say()
    _say(method["buffer"]["text"])  # type: ignore[index]
    _say("QA checklist:")
    for item in method["checklist"]:  # type: ignore[union-attr]
        who_when = f" ({item['by']}, {item['at'][:10]})" if item["by"] else ""
        _say(f"   [{item['status']}] {item['title']}{who_when}: {item['detail']}")
    signoff = method["signoff"]
    _say(f"Signed off by {signoff['by']} on {signoff['at'][:10]}." if signoff  # type: ignore[index]
         else "QA is not signed off yet.")  # fmt: skip
    for phase, reasons in method["gate"].items():  # type: ignore[union-attr]
        what = "the live cutover" if phase == "companies" else "live active sales contacts"
        _say(f"Gate for {what}: " + ("open." if not reasons else "locked: " + " ".join(reasons)))
    for o in method["overrides"]:  # type: ignore[union-attr]
        _say(f"Override of the {o['gate']} gate by {o['by']} on {o['at'][:10]}: {o['reason']}")
    if live is not None:
        _say()
        _say("Live cutover:")
        _print_status(live)
    return EXIT_OK


def _print_status(status: dict) -> None:
    _say(f"Project {status['project']} -> {status['target']}")
    for p in status["phases"]:
        flag = "" if all(r["ok"] for r in p["reconciliation"]) else "  (reconciliation differs)"
        waiting = f", {p['pending_rows']:,} rows to go" if p["pending_rows"] else ""
        _say(f"== {p['label']}: {p['state']}{waiting}{flag if p['state'] == 'completed' else ''}")
        for a in p["accounting"]:
            from wizard.core.runner import Accounting

            acc = Accounting(**{k: v for k, v in a.items() if k != "balanced"})
            _say(f"   {acc.line()}")
    _print_fidelity(status["fidelity"])


def _print_fidelity(rows: list[dict]) -> None:
    """Per file: the records, links and values that reached the target, and what did not."""
    from wizard.core.fidelity import Fidelity

    if not rows:
        return
    _say("What arrived, file by file (counted from the files):")
    for row in rows:
        fi = Fidelity(**{k: v for k, v in row.items() if k != "complete"})
        _say(f"   {fi.line()}")
        if not fi.complete:
            for why in fi.why:
                _say(f"     {why}")


def _undo(args: argparse.Namespace) -> int:
    from wizard.core.cutover import Project

    if args.env == "live":
        if not (args.project / "live" / "ledger.db").exists():
            raise CutoverError("Nothing was loaded into the live CRM from this project.")
        opened = Project(args.project).open_live()
    else:
        opened = _project(args.project)
    with opened as mig:  # type: ignore[attr-defined]
        order = mig.undo_plan(args.phase)
        if len(order) > 1 and not args.yes:
            later = ", ".join(f"'{p.label}'" for p in order[:-1])
            print(f"Undoing '{order[-1].label}' also undoes {later}, which loaded records "
                  "that depend on it. Run again with --yes to undo them all, latest first.",
                  file=sys.stderr)  # fmt: skip
            return EXIT_REFUSED
        if len(order) > 1:
            _say("Warning: undoing the later phases that depend on it first: "
                 + ", ".join(p.label for p in order[:-1]))  # fmt: skip
        undone = mig.undo(order)
        if args.env == "sandbox":
            Project(args.project).rehearsal_undone()  # rehearse again, then a new buffer
        for name, deleted in undone.items():
            total = sum(deleted.values())
            _say(f"== {name}: deleted {total:,} records"
                 + (f" ({', '.join(f'{n:,} {e}' for e, n in deleted.items() if n)})"
                    if total else ""))  # fmt: skip
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from wizard.core.cutover import Project
    from wizard.core.migration import LIVE
    from wizard.core.report import FORMATS, build_report, write_report

    if args.out.suffix.lower() not in FORMATS:
        raise CutoverError(f"'{args.out.name}' is not a report format this app writes.",
                           "Name the file .pdf, .html or .xlsx.")  # fmt: skip
    project = Project(args.project)
    with _project(args.project, read_only=True) as sandbox:  # type: ignore[attr-defined]
        live = (project.open_live(read_only=True)
                if (project.folder / LIVE / "ledger.db").exists() else None)  # fmt: skip
        try:
            report = build_report(project, sandbox, live)
        finally:
            if live is not None:
                live.close()
    path = write_report(report, args.out)
    _say(f"Report written to {path}")
    _say(report.verdict)
    return EXIT_OK


def _confirm(args: argparse.Namespace) -> int:
    from wizard.core.cutover import Project
    from wizard.core.phases import find

    project = Project(args.project)
    if project.state.live_target.get("kind") != "files":
        raise CutoverError("This project's live cutover does not use import files.",
                           "Use it after 'migrate --env live --import-files ...'.")  # fmt: skip
    entity = find(args.entity).entities[0]
    with project.open_live() as mig:
        result = mig.target.confirm_export(entity, args.export)  # type: ignore[attr-defined]
    _say(f"{result['found']:,} of {result['expected']:,} {args.entity} from the package are in "
         "the CRM's export; their new ids are kept.")  # fmt: skip
    if result["missing"]:
        _say("Missing (first 20): " + ", ".join(result["missing"]))
        _say("Upload the files again (the importer matches on the legacy id: nothing doubles).")
        return EXIT_REFUSED
    return EXIT_OK


def _open_gui() -> int:
    try:
        from wizard.gui.app import run
    except ImportError as exc:  # PySide6 or a system library Qt needs is missing
        print(f"The wizard window could not start: {exc}.", file=sys.stderr)
        print("Reinstall with 'pip install -e .', or use the commands: "
              "cutover-wizard --help", file=sys.stderr)  # fmt: skip
        return EXIT_INPUT
    return run()


def _plain(exc: BaseException, args: argparse.Namespace) -> CutoverError | None:
    """The operating system's refusals, said plainly (see ``errors.plain``)."""
    from wizard.core.errors import is_disk_full, plain

    need = 0
    if is_disk_full(exc):  # about three times the inputs: the ledger, the sandbox, the files
        for item in getattr(args, "inputs", None) or []:
            path = Path(item)
            files = path.rglob("*") if path.is_dir() else [path]
            need += sum(3 * p.stat().st_size for p in files if p.is_file())
    return plain(exc, str(getattr(args, "project", "") or "") or None, need)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):  # a name that is not valid text still prints
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return _main(args)
    except Exception as exc:
        plain = _plain(exc, args)
        if plain is None:  # the last line of defence: a plain sentence, never a traceback
            print(f"Something unexpected went wrong: {exc.__class__.__name__}: {exc}",
                  file=sys.stderr)  # fmt: skip
            print("Please report this, with the command you ran.", file=sys.stderr)
            return EXIT_UNEXPECTED
        print(f"Error: {plain.message}", file=sys.stderr)
        print(plain.hint, file=sys.stderr)
        return EXIT_INPUT


def _main(args: argparse.Namespace) -> int:
    try:
        if args.smoke_test:
            from wizard.gui.app import smoke_test

            return smoke_test()
        if args.command is None:
            return _open_gui()
        if args.command == "inspect":
            return _inspect(args)
        if args.command == "migrate":
            return _migrate(args)
        if args.command == "pull":
            return _pull(args)
        if args.command == "status":
            return _status(args)
        if args.command == "undo":
            return _undo(args)
        if args.command == "report":
            return _report(args)
        if args.command == "confirm":
            return _confirm(args)
    except RefusedError as exc:
        print(f"Refused: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        return EXIT_REFUSED
    except CutoverError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to a pipe that closed (| head): not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return EXIT_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
