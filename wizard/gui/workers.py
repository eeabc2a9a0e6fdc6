"""Run a core generator off the GUI thread: the thin adapter between the core and Qt.

The core's long work is a generator that yields progress and stops between batches when its
``should_stop`` callback says so. :class:`GeneratorWorker` iterates it in a ``QThread`` and
reports through signals that live on a separate :class:`WorkerSignals` object (composition):

- ``progress(item)`` at most once per ``interval`` seconds (a flood of signals stalls the GUI
  thread; measured here: one per chunk caused 362 ms stalls), and the last one always;
- ``result(item)`` for the generator's final item;
- ``failed(message, details)`` with a plain sentence, and the traceback for the log;
- ``finished()`` always, last.

:class:`JobRunner` runs one job at a time and joins its thread when it ends, so no thread is
left behind. Connect the signals to methods of objects that live in the GUI thread (a lambda
would run in the worker's thread).
"""

from __future__ import annotations

import gc
import threading
import time
import traceback
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, QThread, Signal, Slot

from wizard.core.errors import CutoverError, plain
from wizard.core.logs import log

ShouldStop = Callable[[], bool]


class WorkerSignals(QObject):
    progress = Signal(object)
    result = Signal(object)
    failed = Signal(str, str)
    unexpected = Signal(str, str)  # also emitted (after failed) for errors nobody foresaw
    finished = Signal()


class GeneratorWorker(QObject):
    """Iterates ``make(should_stop)``; the item for which ``is_final`` is true is the result."""

    def __init__(self, make: Callable[[ShouldStop], Iterator[object]],
                 is_final: Callable[[object], bool], interval: float = 0.1) -> None:  # fmt: skip
        super().__init__()
        self.signals = WorkerSignals()
        self._make, self._is_final, self._interval = make, is_final, interval
        self._stop = threading.Event()
        self.ended = threading.Event()  # set when run() has returned
        self.cancelled = False

    def cancel(self) -> None:
        """Ask the work to stop after the batch in progress (safe from any thread)."""
        self.cancelled = True
        self._stop.set()

    def should_stop(self) -> bool:
        return self._stop.is_set()

    @Slot()
    def run(self) -> None:
        # What is alive now (Qt, pandas, the project) lives as long as the app: out of the
        # garbage collector's way, or each full collection walks it while the work allocates
        # (measured here: 85-800 ms pauses of the window).
        gc.freeze()
        last_emit, pending = 0.0, None
        gen = None
        try:
            gen = self._make(self.should_stop)
            for item in gen:
                if self._is_final(item):
                    if pending is not None:
                        self.signals.progress.emit(pending)
                        pending = None
                    self.signals.result.emit(item)
                    continue
                now = time.monotonic()
                if now - last_emit >= self._interval:
                    self.signals.progress.emit(item)
                    last_emit, pending = now, None
                else:
                    pending = item
                if self._stop.is_set():
                    break
            if pending is not None:
                self.signals.progress.emit(pending)
        except CutoverError as exc:
            message = exc.message + (f" {exc.hint}" if exc.hint else "")
            self.signals.failed.emit(message, traceback.format_exc())
        except Exception as exc:  # shown as a sentence; the details go to the log
            said = plain(exc)  # a full disk, a folder this user may not write...
            if said is not None:
                self.signals.failed.emit(f"{said.message} {said.hint}", traceback.format_exc())
                return
            message = (f"Something unexpected went wrong ({exc.__class__.__name__}: {exc}). "
                       "Nothing after the last completed batch was lost; you can run it again.")  # fmt: skip
            details = traceback.format_exc() + getattr(exc, "details", "")  # a child's own
            self.signals.failed.emit(message, details)
            self.signals.unexpected.emit(message, details)
        finally:
            if gen is not None and hasattr(gen, "close"):
                gen.close()  # a stopped generator ends cleanly between batches
            self.signals.finished.emit()
            self.ended.set()


class JobRunner(QObject):
    """One job at a time, each in its own ``QThread``, joined when it finishes."""

    busy_changed = Signal(bool)
    unexpected = Signal(str, str)  # an error nobody foresaw: message, details for the log

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: GeneratorWorker | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None

    @property
    def worker(self) -> GeneratorWorker | None:
        return self._worker

    def start(self, worker: GeneratorWorker) -> None:
        if self.busy:
            raise RuntimeError("a job is already running")
        thread = QThread()
        worker.moveToThread(thread)
        worker.signals.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.signals.failed.connect(self._failed)
        worker.signals.unexpected.connect(self.unexpected)
        worker.signals.finished.connect(self._done)
        self._thread, self._worker = thread, worker
        thread.start()
        self.busy_changed.emit(True)

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def wait(self, ms: int = 30_000) -> bool:
        """Block until the job's thread has ended (used when the window closes)."""
        if self._thread is None:
            return True
        self.cancel()
        # the thread runs an event loop after the work: wait for the work, then end the loop
        if self._worker is not None and not self._worker.ended.wait(ms / 1000):
            return False
        self._done()  # joined now: idle at once (the queued 'finished' then finds nothing)
        return True

    @Slot(str, str)
    def _failed(self, message: str, details: str) -> None:
        log.warning("%s", message)

    @Slot()
    def _done(self) -> None:
        if self._thread is None:
            return
        thread, worker = self._thread, self._worker
        self._thread, self._worker = None, None
        thread.quit()
        thread.wait()
        # the worker and its signals live in that thread: their last reference goes only now
        # that it has ended (dropped before, the objects could be deleted from this thread
        # while that thread's event loop still ran, which Qt does not allow; one CI run
        # crashed at the next signal here)
        del worker
        self.busy_changed.emit(False)
