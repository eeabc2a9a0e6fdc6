"""Staging in a process of its own, so the window never waits on it.

Reading, mapping and checking a file is Python and pandas work that holds the interpreter's
lock for tens of milliseconds at a time (building one chunk's frame: 46-64 ms measured); in a
thread beside the window that is a stalled window. Run in a separate process, the window's own
process only waits on a pipe. :func:`stage_apart` is a generator like :func:`staging.stage`:
the same progress items and the same :class:`Staged` summary last, so the pages iterate it as
they iterate the in-process one.

The child opens the project's ledger itself (the parent holds the project's lock for it and
writes nothing meanwhile), rebuilds the plan from its data and the sources from their paths
and read options, and stages exactly as :func:`staging.stage` does: per-file transactions, a
file marked complete only at its end, finalize last. Killed at any moment, what it committed
stays consistent and the next check stages again what it had not finished.

- Stop: the parent's ``should_stop`` sets an event the child reads between chunks (as the
  in-process staging does); when the parent closes the generator the child gets
  ``STOP_GRACE_S`` to end cleanly, then it is terminated.
- Errors: a :class:`CutoverError` (or what :func:`errors.plain` says of an OS refusal) comes
  back as the same kind of error with the same words; anything else as :class:`StagingFailed`
  with the child's traceback for the log. A child that dies without a word is said plainly.

Starting a process costs about a second (Python, pandas and pyarrow are imported again), so
:func:`worth_a_process` keeps small checks in the calling thread.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from wizard.core import errors
from wizard.core.errors import CutoverError
from wizard.core.ledger import Ledger
from wizard.core.logs import log
from wizard.core.plan import Plan
from wizard.core.recheck import column_change
from wizard.core.sources import ReadOptions, Source
from wizard.core.staging import Staged, StageProgress, file_row, fingerprint

# files to read again at least this big go to a process (about 60,000 rows of a contacts CSV;
# a workbook counts WORKBOOK_WEIGHT times its size: it is compressed and slower to read)
PROCESS_BYTES = 8 << 20
WORKBOOK_WEIGHT = 8
PROGRESS_EVERY_S = 0.05  # the child's progress messages (the worker throttles again)
STOP_GRACE_S = 10.0  # after close: the child ends its chunk, then it is terminated

Spec = tuple[str, ReadOptions]  # how the child opens a source again


class StagingFailed(Exception):
    """An error nobody foresaw in the staging process; ``details`` is its traceback."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.details = details


def to_read_again(plan: Plan, sources: dict[tuple[str, str | None], Source],
                  ledger: Ledger) -> int:  # fmt: skip
    """Bytes of the files the next check reads again (changed, new, or never finished)."""
    total = 0
    for splan in plan.sources:
        source = sources.get((splan.file, splan.options.sheet))
        if source is None or splan.entity is None:
            continue
        row = file_row(ledger.db, splan)
        try:
            if row and row[2] and row[1] == fingerprint(source, splan, plan):
                continue
            if column_change(ledger, row, splan, source, plan) is not None:
                continue  # the columns that changed, from the raw store: no file is read
            size = source.path.stat().st_size
        except OSError:
            continue  # staging itself says what is wrong with the file
        workbook = source.path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
        total += size * (WORKBOOK_WEIGHT if workbook else 1)
    return total


def worth_a_process(plan: Plan, sources: dict[tuple[str, str | None], Source],
                    ledger: Ledger) -> bool:  # fmt: skip
    return to_read_again(plan, sources, ledger) >= PROCESS_BYTES


def stage_apart(ledger: Ledger, plan: Plan, sources: dict[tuple[str, str | None], Source],
                should_stop: Callable[[], bool] = lambda: False, keep_raw: bool = True
                ) -> Iterator[StageProgress | Staged]:  # fmt: skip
    """Stage in a separate process; yields what :meth:`Migration.stage` yields."""
    specs = {key: (str(src.path), src.options) for key, src in sources.items()}
    ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
    receive, send = ctx.Pipe(duplex=False)
    stop = ctx.Event()
    child = ctx.Process(target=_child, name="cutover-staging", daemon=True,
                        args=(send, str(ledger.path), plan.to_dict(), specs, stop, keep_raw))  # fmt: skip
    child.start()
    send.close()  # the child's end: EOF here when it is gone
    ended = False
    try:
        while True:
            if should_stop():
                stop.set()
            if not receive.poll(0.05):
                if not child.is_alive() and not receive.poll(0):
                    break
                continue
            try:
                kind, payload = receive.recv()
            except EOFError:
                break
            if kind == "item":
                yield payload
            elif kind == "end":
                ended = True
                break
            else:
                raise _error(kind, payload)
        if not ended:
            child.join(5)
            log.warning("the staging process ended without a word (exit code %s)",
                        child.exitcode)  # fmt: skip
            raise CutoverError(
                "The check stopped unexpectedly: the program reading your files ended.",
                "Nothing it had finished was lost: check again and it goes on from there. "
                "If it happens again, close other programs (the computer may be short of "
                "memory).",
            )
    finally:
        stop.set()
        deadline = time.monotonic() + STOP_GRACE_S
        while child.is_alive() and time.monotonic() < deadline:
            try:  # read what it still sends, or it could block on a full pipe
                if receive.poll(0.05):
                    receive.recv()
            except (EOFError, OSError):
                child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            child.terminate()
            child.join()
        receive.close()
        if not ended:  # a killed child leaves its run open in the journal
            ledger.close_interrupted_runs()


def _error(kind: str, payload: dict) -> Exception:
    if kind == "cutover":
        cls = {"SourceError": errors.SourceError, "PlanError": errors.PlanError}.get(
            payload["type"], CutoverError
        )
        return cls(payload["message"], payload["hint"], path=payload["path"])
    return StagingFailed(payload["message"], payload["details"])


def _child(send, ledger_path: str, plan_data: dict, specs: dict[tuple[str, str | None], Spec],
           stop, keep_raw: bool = True) -> None:  # fmt: skip
    """The staging process: stage, send progress (throttled), the summary, then 'end'."""
    ledger = None
    try:
        from wizard.core.migration import settle_staged
        from wizard.core.sources import open_source
        from wizard.core.staging import stage

        plan = Plan.from_dict(plan_data)
        sources = {key: open_source(path, options) for key, (path, options) in specs.items()}
        ledger = Ledger(Path(ledger_path))
        last = 0.0
        for item in stage(plan, sources, ledger, should_stop=stop.is_set, keep_raw=keep_raw):
            if isinstance(item, Staged):
                settle_staged(ledger, item)
                send.send(("item", item))
                continue
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S:
                send.send(("item", item))
                last = now
        send.send(("end", None))
    except BrokenPipeError:
        pass  # the window's process is gone: nothing to tell
    except BaseException as exc:
        said = exc if isinstance(exc, CutoverError) else errors.plain(exc)
        try:
            if said is not None:
                send.send(("cutover", {"type": type(said).__name__, "message": said.message,
                                       "hint": said.hint, "path": said.path}))  # fmt: skip
            else:
                send.send(("failed", {"message": f"{type(exc).__name__}: {exc}",
                                      "details": traceback.format_exc()}))  # fmt: skip
        except (BrokenPipeError, OSError):
            pass
    finally:
        if ledger is not None:
            ledger.db.close()
        send.close()
