"""Benchmark: ``migrate`` against two real tools copying the same CSVs into SQLite.

Not a test. Generates (once, seeded) 100k companies, 1M contacts, 500k deals and 2M activities
with about 2% dirty rows (``--scale`` shrinks it), then measures, each in its own process:

- the ``sqlite3`` command-line shell's ``.import`` into bare tables (a raw copy),
- ``sqlite-utils insert --csv`` (a raw copy through Python),
- ``cutover-wizard migrate`` (read, map, validate, stage, resolve links, run all six phases into
  the sandbox with the ledger, reconcile, write success and error files).

It installs the two reference tools itself when they are missing (``apt-get install sqlite3``,
``pip install sqlite-utils``). Prints rows/s and peak RSS for each, and the ratios.

    python tests/benchmarks/bench_migrate.py [--scale 1] [--skip-sqlite-utils]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_dataset import generate  # noqa: E402

OUT = HERE / "out"


def ensure_tools(skip_sqlite_utils: bool) -> None:
    if shutil.which("sqlite3") is None:
        print("installing the sqlite3 command-line shell (apt-get)...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "sqlite3"], check=True)
    if not skip_sqlite_utils and shutil.which("sqlite-utils") is None:
        print("installing sqlite-utils (pip)...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "sqlite-utils"],
                       check=True)  # fmt: skip


def measure(commands: list[list[str]]) -> tuple[float, int]:
    """Run commands one after the other; wall time and the largest peak RSS (MB)."""
    peak = 0
    start = time.perf_counter()
    for cmd in commands:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"failed: {' '.join(cmd)}\n{err}")
        peak = max(peak, usage.ru_maxrss // 1024)
    return time.perf_counter() - start, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-sqlite-utils", action="store_true",
                        help="it takes minutes at full scale")  # fmt: skip
    args = parser.parse_args()
    ensure_tools(args.skip_sqlite_utils)
    data = OUT / f"data-{args.scale:g}"
    print(f"generating the dataset in {data} (once)...", flush=True)
    files = generate(data, scale=args.scale, seed=7)
    rows = sum(sum(1 for _ in p.open(encoding="utf-8")) - 1 for p in files.values())
    print(f"{rows:,} rows in {len(files)} files", flush=True)
    results: dict[str, dict[str, float]] = {}

    db = OUT / "sqlite3-import.db"
    db.unlink(missing_ok=True)
    cmd = ["sqlite3", str(db), ".mode csv"]
    cmd += [f".import {path} {name}" for name, path in files.items()]
    seconds, peak = measure([cmd])
    results["sqlite3 .import"] = {"seconds": seconds, "peak_mb": peak}

    if not args.skip_sqlite_utils:
        db = OUT / "sqlite-utils.db"
        db.unlink(missing_ok=True)
        cmds = [["sqlite-utils", "insert", str(db), name, str(path), "--csv"]
                for name, path in files.items()]  # fmt: skip
        seconds, peak = measure(cmds)
        results["sqlite-utils insert"] = {"seconds": seconds, "peak_mb": peak}

    project = OUT / f"project-{args.scale:g}"
    shutil.rmtree(project, ignore_errors=True)
    cmd = [sys.executable, "-m", "wizard", "migrate", str(data), "--project", str(project)]
    seconds, peak = measure([cmd])
    results["cutover-wizard migrate"] = {"seconds": seconds, "peak_mb": peak}

    print(f"\n{'':<24}{'seconds':>10}{'rows/s':>12}{'peak RSS MB':>14}")
    for name, r in results.items():
        r["rows_per_s"] = rows / r["seconds"]
        print(f"{name:<24}{r['seconds']:>10.1f}{r['rows_per_s']:>12,.0f}{r['peak_mb']:>14}")
    ours = results["cutover-wizard migrate"]["rows_per_s"]
    print(f"\nmigrate / sqlite3 .import = {ours / results['sqlite3 .import']['rows_per_s']:.3f}x"
          " (issue 15: >= 0.2x now, 0.5x next)")  # fmt: skip
    if "sqlite-utils insert" in results:
        print(f"migrate / sqlite-utils    = "
              f"{ours / results['sqlite-utils insert']['rows_per_s']:.2f}x (issue 15: >= 5x now, 15x next)")  # fmt: skip
    (OUT / f"results-{args.scale:g}.json").write_text(json.dumps(
        {"rows": rows, "results": results}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
