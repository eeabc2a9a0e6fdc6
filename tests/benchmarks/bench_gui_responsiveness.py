"""Benchmark: does the window stay responsive while the worker loads a million rows?

Not a test. A 10 ms ``QTimer`` ticks in the GUI thread while the wizard's own worker
(``GeneratorWorker`` run by ``JobRunner``, as the pages run it) first reads and checks the
export (staging, in its own process as the pages do; ``--thread-too`` also in the worker
thread), checks again after one column's mapping changed (only that column, in the worker
thread), then runs the Companies phase and the Contacts phase (1M contacts at scale 1), then
the checkpoint page's QA checks (in the worker, as the page runs them, and on the GUI thread
for comparison: how long the window waited when the page ran them there). For each step it prints the longest gap between two ticks, the 99th percentile, and how many
gaps were over 50 ms (the target: the longest under 50 ms). A gap is what the admin feels as
a frozen window.

    python tests/benchmarks/bench_gui_responsiveness.py [--scale 1] [--keep] [--thread-too]

Uses the seeded export of ``bench_migrate.py`` (generated once under ``out/``), only its
companies and contacts files. Runs offscreen; the project goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))
from make_dataset import generate  # noqa: E402
from PySide6.QtCore import QEventLoop, QObject, QTimer, Slot  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from wizard.core import qa  # noqa: E402
from wizard.core.migration import Migration  # noqa: E402
from wizard.core.plan import ActiveRule  # noqa: E402
from wizard.core.runner import PhaseResult  # noqa: E402
from wizard.core.staging import Staged  # noqa: E402
from wizard.gui.workers import GeneratorWorker, JobRunner  # noqa: E402

OUT = HERE / "out"


class Ticker(QObject):
    """Records the time between 10 ms timer ticks in the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.tick)
        self.gaps: list[float] = []
        self.last = 0.0
        self.progress = 0

    def start(self) -> None:
        self.gaps, self.last = [], time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    @Slot()
    def tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self.last) * 1000)
        self.last = now

    @Slot(object)
    def on_progress(self, _item: object) -> None:
        self.progress += 1


def run_job(jobs: JobRunner, ticker: Ticker, make, is_final,
            cancel_after_s: float | None = None) -> dict[str, float]:  # fmt: skip
    worker = GeneratorWorker(make, is_final)
    worker.signals.progress.connect(ticker.on_progress)
    loop = QEventLoop()
    jobs.busy_changed.connect(lambda busy: loop.quit() if not busy else None)
    failed: list[str] = []
    worker.signals.failed.connect(lambda m, d: failed.append(d))
    ticker.progress = 0
    ticker.start()
    start = time.perf_counter()
    cancelled_at: list[float] = []

    def cancel() -> None:
        cancelled_at.append(time.perf_counter())
        jobs.cancel()

    if cancel_after_s is not None:
        QTimer.singleShot(int(cancel_after_s * 1000), cancel)
    jobs.start(worker)
    loop.exec()
    seconds = time.perf_counter() - start
    ticker.stop()
    jobs.busy_changed.disconnect()
    if failed:
        raise SystemExit(failed[0])
    gaps = sorted(ticker.gaps)
    extra = {}
    if cancelled_at:  # from Cancel to the worker's thread joined and the page idle again
        extra["cancel_to_idle_ms"] = round((start + seconds - cancelled_at[0]) * 1000)
    return extra | {
        "seconds": round(seconds, 1),
        "ticks": len(gaps),
        "longest_gap_ms": round(gaps[-1], 1),
        "p99_gap_ms": round(gaps[int(len(gaps) * 0.99) - 1], 1),
        "median_gap_ms": round(statistics.median(gaps), 1),
        "gaps_over_50ms": sum(g > 50 for g in gaps),
        "progress_signals": ticker.progress,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--keep", action="store_true", help="keep the project folder")
    ap.add_argument(
        "--thread-too",
        action="store_true",
        help="also stage in the worker thread (the way before the staging process)",
    )
    args = ap.parse_args()
    data = OUT / f"data-{args.scale:g}"
    files = generate(data, scale=args.scale, seed=7)
    inputs = [files["companies"], files["contacts"]]
    app = QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="cutover-responsive-"))
    mig = Migration(folder / "project")
    prepared = mig.prepare(inputs)
    jobs, ticker = JobRunner(), Ticker()
    # every contact inactive, so the Contacts phase loads all of them (the 1M-row phase)
    prepared.plan.active_rule = ActiveRule(open_deal=False, recent_days=None, lifecycle=[])
    results: dict[str, object] = {"scale": args.scale}
    # as the pages stage: in a process of their own for files this big
    print("staging (read and check every row) in its own process, as the pages do...",
          flush=True)  # fmt: skip
    results["staging"] = run_job(jobs, ticker,
                                 lambda stop: mig.stage(prepared, stop, process=None),
                                 lambda i: isinstance(i, Staged))  # fmt: skip
    print(json.dumps(results["staging"]), flush=True)
    if args.thread_too:  # the same in the worker thread, into a project of its own
        with Migration(folder / "in-thread") as other:
            again = other.prepare(inputs)
            again.plan.active_rule = prepared.plan.active_rule
            print("staging in the worker thread, for comparison...", flush=True)
            results["staging_in_thread"] = run_job(
                jobs, ticker, lambda stop: other.stage(again, stop, process=False),
                lambda i: isinstance(i, Staged))  # fmt: skip
            print(json.dumps(results["staging_in_thread"]), flush=True)
    # "Check again with this mapping" after one column moved (Job Title to a custom field):
    # only that column is checked again, in the worker thread (nothing to read in a process)
    people = next(s for s in prepared.plan.sources if s.entity == "contact")
    people.fields = [fm for fm in people.fields if "Job Title" not in fm.columns]
    people.custom["Job Title"] = "job_title_kept"
    print("check again after one column's mapping changed, as the pages do...", flush=True)
    results["recheck_one_column"] = run_job(
        jobs, ticker, lambda stop: mig.stage(prepared, stop, process=None),
        lambda i: isinstance(i, Staged))  # fmt: skip
    print(json.dumps(results["recheck_one_column"]), flush=True)
    for phase in mig.phases(prepared.plan)[:2]:
        print(f"phase {phase.label}...", flush=True)
        r = run_job(jobs, ticker, lambda stop, p=phase: mig.run(p, prepared.plan, stop),
                    lambda i: isinstance(i, PhaseResult))  # fmt: skip
        n = mig.ledger.db.execute("SELECT COUNT(*) FROM outcomes WHERE phase=?",
                                  (phase.name,)).fetchone()[0]  # fmt: skip
        r["rows"] = n
        results[phase.name] = r
        print(json.dumps(r), flush=True)
    # the checkpoint page's QA checks count every row: in the worker, as the page runs them,
    # then on the GUI thread, as it ran them before (the window waits the whole time)
    print("the checkpoint's QA checks, in the worker as the page runs them...", flush=True)
    results["qa_checks"] = run_job(jobs, ticker, lambda stop: iter([qa.automated(mig)]),
                                   lambda i: isinstance(i, dict))  # fmt: skip
    print(json.dumps(results["qa_checks"]), flush=True)
    start = time.perf_counter()
    qa.automated(mig)
    results["qa_checks_on_the_gui_thread_s"] = round(time.perf_counter() - start, 2)
    print(json.dumps({"qa_checks_on_the_gui_thread_s": results["qa_checks_on_the_gui_thread_s"]}),
          flush=True)  # fmt: skip
    # Cancel: undo the Contacts phase, run it again, press Cancel after 5 s
    contacts = mig.phases(prepared.plan)[1]
    mig.undo(mig.undo_plan(contacts))
    print("cancel during the Contacts phase...", flush=True)
    r = run_job(jobs, ticker, lambda stop: mig.run(contacts, prepared.plan, stop),
                lambda i: isinstance(i, PhaseResult), cancel_after_s=5.0)  # fmt: skip
    results["cancel"] = r
    print(json.dumps(r), flush=True)
    mig.close()
    app.quit()
    out = OUT / f"responsiveness-{args.scale:g}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
