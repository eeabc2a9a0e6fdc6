"""The worker that runs core generators off the GUI thread: results, throttled progress,
cancel within a second, plain failures, and no thread left behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Slot

from wizard.core.errors import CutoverError
from wizard.core.migration import Migration
from wizard.core.runner import PhaseProgress, PhaseResult
from wizard.gui.workers import GeneratorWorker, JobRunner


class Sink(QObject):
    """Lives in the GUI thread: what the wizard's pages will be."""

    def __init__(self) -> None:
        super().__init__()
        self.progress: list[object] = []
        self.results: list[object] = []
        self.failures: list[tuple[str, str]] = []

    @Slot(object)
    def on_progress(self, item: object) -> None:
        self.progress.append(item)

    @Slot(object)
    def on_result(self, item: object) -> None:
        self.results.append(item)

    @Slot(str, str)
    def on_failed(self, message: str, details: str) -> None:
        self.failures.append((message, details))


def _wire(worker: GeneratorWorker, sink: Sink) -> None:
    worker.signals.progress.connect(sink.on_progress)
    worker.signals.result.connect(sink.on_result)
    worker.signals.failed.connect(sink.on_failed)


@pytest.fixture
def runner(qtbot) -> Iterator[JobRunner]:
    jobs = JobRunner()
    yield jobs
    assert jobs.wait(5000), "a worker thread was left running"
    assert not jobs.busy


def _counting(n: int):
    def make(should_stop) -> Iterator[object]:
        for i in range(n):
            if should_stop():
                return
            yield i
        yield "done"

    return make


def test_result_and_throttled_progress(qtbot, runner: JobRunner) -> None:
    sink = Sink()
    worker = GeneratorWorker(_counting(10_000), lambda item: item == "done", interval=0.05)
    _wire(worker, sink)
    with qtbot.waitSignal(runner.busy_changed, timeout=10_000, check_params_cb=lambda b: not b):
        runner.start(worker)
    assert sink.results == ["done"]
    assert 1 <= len(sink.progress) < 1000  # throttled, not one signal per item
    assert sink.progress[-1] == 9_999  # the last progress always arrives


def test_cancel_stops_between_batches_within_a_second(qtbot, runner: JobRunner) -> None:
    sink = Sink()

    def forever(should_stop) -> Iterator[object]:
        i = 0
        while not should_stop():
            i += 1
            yield i

    worker = GeneratorWorker(forever, lambda item: False, interval=0.01)
    _wire(worker, sink)
    with qtbot.waitSignal(worker.signals.progress, timeout=5000):
        runner.start(worker)
    with qtbot.waitSignal(runner.busy_changed, timeout=1000, check_params_cb=lambda b: not b):
        runner.cancel()
    assert worker.cancelled and not sink.failures and not sink.results


def test_failures_are_plain_sentences(qtbot, runner: JobRunner) -> None:
    def refuse(should_stop) -> Iterator[object]:
        yield 1
        raise CutoverError("The file moved.", "Put it back or pick it again.")

    def crash(should_stop) -> Iterator[object]:
        yield 1
        raise ZeroDivisionError("division by zero")

    for make, expected in ((refuse, "The file moved. Put it back"), (crash, "unexpected")):
        sink = Sink()
        worker = GeneratorWorker(make, lambda item: False)
        _wire(worker, sink)
        with qtbot.waitSignal(worker.signals.finished, timeout=5000):
            runner.start(worker)
        qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
        ((message, details),) = sink.failures
        assert expected in message and "Traceback" not in message and "Traceback" in details


def test_a_real_phase_runs_in_the_worker(qtbot, runner: JobRunner, tmp_path: Path) -> None:
    from tests.test_pipeline import crm

    src = crm(tmp_path / "export")
    mig = Migration(tmp_path / "project")  # opened on the GUI thread, run in the worker
    try:
        prepared = mig.prepare([src])
        for _ in mig.stage(prepared):
            pass
        for phase in mig.phases(prepared.plan):
            sink = Sink()
            worker = GeneratorWorker(
                lambda stop, p=phase: mig.run(p, prepared.plan, stop, batch_rows=2),
                lambda item: isinstance(item, PhaseResult),
                interval=0,
            )
            _wire(worker, sink)
            with qtbot.waitSignal(worker.signals.result, timeout=20_000):
                runner.start(worker)
            qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
            assert all(isinstance(p, PhaseProgress) for p in sink.progress)
            (result,) = sink.results
            assert result.state == "completed" and result.reconciled
        assert all(mig.is_done(p) for p in mig.phases(prepared.plan))
    finally:
        mig.close()
