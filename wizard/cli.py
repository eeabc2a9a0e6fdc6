"""Command line: the same core as the wizard, headless.

``cutover-wizard`` with no arguments opens the wizard (once the GUI exists); ``inspect`` reads
files and folders and reports what the wizard would see. Exit codes: 0 everything could be
read, 2 an input could not be read or the command was used wrongly, 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wizard import __version__
from wizard.core.errors import CutoverError

EXIT_OK, EXIT_UNEXPECTED, EXIT_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cutover-wizard",
        description="Migrate CRM data safely: rehearse in a sandbox, then cut over phase by "
        "phase. Run without a command to open the wizard.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("inspect", help="read exports and show what would be migrated")
    p.add_argument("inputs", nargs="+", metavar="FILES_OR_FOLDERS")
    p.add_argument("--plan", type=Path, help="use this saved plan instead of a new one")
    p.add_argument("--save-plan", type=Path, metavar="PLAN.json", help="write the plan here")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--examples", type=int, default=3, help="example rows shown per rule")
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


def _open_gui() -> int:
    try:
        from wizard.gui.app import run  # type: ignore[import-not-found]
    except ImportError:
        _say("The wizard window is not part of this version yet. Use a command, for example:")
        _say("  cutover-wizard inspect path/to/your/exports")
        _say("Run 'cutover-wizard --help' for all commands.")
        return EXIT_OK
    return run()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command is None:
            return _open_gui()
        if args.command == "inspect":
            return _inspect(args)
    except CutoverError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a plain sentence, never a traceback
        print(f"Something unexpected went wrong: {exc.__class__.__name__}: {exc}",
              file=sys.stderr)  # fmt: skip
        print("Please report this, with the command you ran.", file=sys.stderr)
        return EXIT_UNEXPECTED
    return EXIT_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
