"""Pull a CRM through its API into export files, page by page, resumable after a kill.

Each object becomes ``<folder>/<object>.csv`` with the columns the CRM's own export has, so the
folder is opened like an export folder and the rest of the method is unchanged.

**Never half a pull.** A full pull writes into ``.pulling/`` and moves its files into the
folder only when every object is read, so the folder always holds the last complete pull (a
check or a migration of it never reads half a CRM).

**Nothing lost or doubled.** After each page the rows are appended and flushed to disk, then
``pull-state.json`` records the file's length and the next page's cursor (written under another
name and renamed). A pull stopped or killed at any instant goes on from the last recorded page:
the file is cut back to the recorded length, so a page written but not recorded is read again
once, never kept twice.

**Delta.** A pull after a complete one asks only for what changed since it started (less a
margin for the two clocks), and which records were deleted. Those pages go to ``.delta/``; then
each file is rewritten with the changed rows in place of the old ones and without the deleted
ones (a complete file again, renamed into place), so a check of the folder reports the new,
changed and deleted records as it would for fresh exports.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from filelock import FileLock, Timeout

from wizard.core.connectors.base import Connector, utc_now
from wizard.core.crashpoints import CrashPoints
from wizard.core.errors import CutoverError
from wizard.core.paths import private

STATE = "pull-state.json"
DELTA = ".delta"
FULL = ".pulling"  # a full pull's files until it is complete: the folder keeps the last one
MARGIN = timedelta(minutes=5)  # the vendor's clock and ours may differ by this much
# Crash tests only: "point:n" kills this process (SIGKILL) the n-th time the pull reaches
# ``point`` ("page": rows written, not yet recorded; "state": the page recorded).
_crash_point = CrashPoints("CUTOVER_WIZARD_TEST_KILL_PULL")


@dataclass
class PullProgress:
    obj: str
    rows: int  # rows of this object so far
    total: int  # rows of every object so far
    requests: int
    rows_per_s: float


@dataclass
class PullDone:
    folder: Path
    vendor: str
    mode: str  # "full" or "delta"
    files: dict[str, int] = field(default_factory=dict)  # object -> rows in its file
    new: dict[str, int] = field(default_factory=dict)  # delta only
    changed: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    pulled: int = 0  # rows read from the API in this run
    seconds: float = 0.0
    requests: int = 0
    stopped: bool = False

    @property
    def rows_per_s(self) -> float:
        return self.pulled / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        out = []
        for obj, rows in self.files.items():
            line = f"{obj}.csv: {rows:,} records"
            if self.mode == "delta":
                line += (f" ({self.new.get(obj, 0):,} new, {self.changed.get(obj, 0):,} changed,"
                         f" {self.deleted.get(obj, 0):,} deleted since the last pull)")  # fmt: skip
            out.append(line)
        return out


def state_of(folder: Path) -> dict | None:
    try:
        return json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _save(folder: Path, state: dict) -> None:
    tmp = folder / (STATE + ".part")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / STATE)


def _fresh(vendor: str, mode: str, since: str | None) -> dict:
    return {"vendor": vendor, "mode": mode, "since": since, "started": utc_now(),
            "completed": None, "objects": {}}  # fmt: skip


def pull(connector: Connector, folder: str | Path, delta: bool = False,
         should_stop: Callable[[], bool] = lambda: False,
         on_wait: Callable[[float], None] = lambda left: None) -> Iterator[PullProgress | PullDone]:  # fmt: skip
    """Pull every object into ``folder``; yields progress after each page and the result last.
    ``delta``: only what changed since the last complete pull (a full pull when none was
    complete). A pull left unfinished is always finished first, in its own mode."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    private(folder)
    lock = FileLock(str(folder / "pull.lock"), blocking=False)
    try:
        lock.acquire()
    except Timeout:
        raise CutoverError(
            "Another pull into this folder is running.",
            "Wait until it ends, or close the other window.",
        ) from None
    try:
        yield from _pull(connector, folder, delta, should_stop, on_wait)
    finally:
        lock.release()


def _pull(connector: Connector, folder: Path, delta: bool, should_stop: Callable[[], bool],
          on_wait: Callable[[float], None]) -> Iterator[PullProgress | PullDone]:  # fmt: skip
    connector.watch(on_wait, should_stop)
    state = state_of(folder)
    if state is not None and state.get("vendor") != connector.vendor:
        state = None  # another CRM's pull: start over
    if state is None or state.get("completed"):
        previous = state
        if delta and previous and previous.get("completed"):
            started = datetime.fromisoformat(previous["started"].replace("Z", "+00:00"))
            since = (started - MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")
            state = _fresh(connector.vendor, "delta", since)
            state["files"] = previous.get("files", {})
        else:
            state = _fresh(connector.vendor, "full", None)
        _save(folder, state)
    mode, since = state["mode"], state["since"]
    start = time.perf_counter()
    pulled = 0
    done = PullDone(folder, connector.vendor, mode)
    out_dir = folder / (DELTA if mode == "delta" else FULL)
    out_dir.mkdir(exist_ok=True)
    for obj in connector.objects():
        o = state["objects"].setdefault(obj, {"rows": 0, "bytes": 0, "cursor": None,
                                              "header": None, "paged": False, "done": False})  # fmt: skip
        if o["done"]:
            continue
        path = out_dir / f"{obj}.csv"
        if o["header"] is None:
            o["header"] = connector.header(obj)
            with path.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerow(o["header"])
                f.flush()
                os.fsync(f.fileno())
                o["bytes"] = f.tell()
            private(path)
            _save(folder, state)
        with path.open("r+b") as raw:
            raw.truncate(o["bytes"])  # a page written but not recorded is read again
        with path.open("a", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            pages = () if o.get("paged") else connector.pages(obj, o["cursor"], since, o["header"])
            for rows, cursor in pages:
                writer.writerows(rows)
                f.flush()
                os.fsync(f.fileno())
                _crash_point("page")
                o["rows"] += len(rows)
                o["bytes"] = f.tell()
                o["cursor"] = cursor
                o["paged"] = cursor is None  # the last page: recorded with it, never read twice
                pulled += len(rows)
                _save(folder, state)
                _crash_point("state")
                elapsed = time.perf_counter() - start
                yield PullProgress(obj, o["rows"], pulled, connector.requests,
                                   pulled / elapsed if elapsed else 0.0)  # fmt: skip
                if cursor is None:
                    break
                if should_stop():
                    done.stopped = True
                    done.pulled, done.seconds = pulled, time.perf_counter() - start
                    done.requests = connector.requests
                    yield done
                    return
        if mode == "delta":
            gone = sorted(connector.deleted(obj, since))
            (out_dir / f"{obj}.deleted.json").write_text(json.dumps(gone), encoding="utf-8")
        o["done"] = True
        _save(folder, state)
    files = {}
    for obj in connector.objects():
        o = state["objects"][obj]
        if mode == "delta":
            if "merged" not in o:
                o["merged"] = _merge(folder, obj, o["header"])
                _save(folder, state)
            counts = o["merged"]
            done.new[obj], done.changed[obj], done.deleted[obj] = counts[:3]
            files[obj] = counts[3]
        else:
            files[obj] = o["rows"]
            pulled_file = out_dir / f"{obj}.csv"
            if pulled_file.exists():  # moved already when a kill came between two moves
                os.replace(pulled_file, folder / f"{obj}.csv")
        if not files[obj]:  # the CRM has none: no file (an empty file reads as a mistake)
            (folder / f"{obj}.csv").unlink(missing_ok=True)
    state["files"] = files
    state["completed"] = utc_now()
    _save(folder, state)
    done.files = files
    done.pulled, done.seconds = pulled, time.perf_counter() - start
    done.requests = connector.requests
    yield done


def _merge(folder: Path, obj: str, header: list[str]) -> list[int]:
    """Rewrite ``<obj>.csv`` with the delta's rows in place of the old ones and without the
    deleted records; returns [new, changed, deleted, rows now]. Safe to run again after a kill
    (the file is renamed into place whole)."""
    base = folder / f"{obj}.csv"
    changed_path = folder / DELTA / f"{obj}.csv"
    gone = set(json.loads((folder / DELTA / f"{obj}.deleted.json").read_text(encoding="utf-8")))
    with changed_path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader, None)
        last = {row[0]: i for i, row in enumerate(reader) if row}  # a record paged twice: its last
    changed_ids = set(last)
    gone -= changed_ids  # a record changed after it was restored is not deleted
    old_header: list[str] = []
    if base.exists():
        with base.open(newline="", encoding="utf-8") as f:
            old_header = next(csv.reader(f), [])
    columns = old_header + [c for c in header if c not in old_header]
    tmp = folder / f"{obj}.csv.part"
    changed = deleted = rows = 0
    with tmp.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        pad = [""] * (len(columns) - len(old_header))
        if base.exists():
            with base.open(newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                next(reader, None)
                for row in reader:
                    if not row:
                        continue
                    if row[0] in changed_ids:
                        changed += 1
                        continue
                    if row[0] in gone:
                        deleted += 1
                        continue
                    writer.writerow(row + pad)
                    rows += 1
        where = [header.index(c) if c in header else None for c in columns]
        with changed_path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader, None)
            for n, row in enumerate(reader):
                if not row or last[row[0]] != n:
                    continue
                writer.writerow([row[i] if i is not None else "" for i in where])
                rows += 1
        out.flush()
        os.fsync(out.fileno())
    private(tmp)
    os.replace(tmp, base)
    # the old file holds each record once: the changed ones it did not hold are new (only the
    # delta's ids are kept in memory, never the whole file's)
    return [len(changed_ids) - changed, changed, deleted, rows]
