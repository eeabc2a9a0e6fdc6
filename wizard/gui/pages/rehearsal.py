"""The sample rehearsal: before the full plan goes into the sandbox, a mock migration of a few
hundred records that keep their links (companies with their contacts, deals and activities),
into a sandbox of its own. Cheap to run, and it shows the plan works end to end."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from wizard.core.blueprint import ENTITIES
from wizard.core.cutover import SampleResult, rehearse_sample
from wizard.core.runner import PhaseProgress
from wizard.core.staging import StageProgress
from wizard.gui.icons import decorate
from wizard.gui.pages.base import SessionPage
from wizard.gui.workers import GeneratorWorker

HEADERS = ("Phase", "Loaded", "Rejected", "Merged", "Left out of the sample", "Reconciled")


class RehearsalPage(SessionPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Rehearse on a sample first")
        self.setSubTitle("A mock migration of a few hundred records that keep their links, into "
                         "a sandbox of its own. Then the full plan goes into the sandbox.")  # fmt: skip
        self.size = QSpinBox()
        self.size.setRange(10, 1_000_000)
        self.size.setSingleStep(100)
        self.size.setSuffix(" records")
        self.size.setAccessibleName("Size of the sample")
        self.run_button = decorate(QPushButton("Run the sample rehearsal"), "run")
        self.run_button.clicked.connect(self.start)
        self.stop_button = decorate(QPushButton("Stop"), "stop")
        self.stop_button.setToolTip("Stops after the batch in progress; a new run starts afresh.")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setTabKeyNavigation(False)  # Tab moves on, arrows move in
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("What the sample rehearsal did")
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Sample size, about:"))
        row.addWidget(self.size)
        row.addStretch(1)
        row.addWidget(self.run_button)
        row.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.running = False

    def initializePage(self) -> None:
        self.watch_jobs(self._busy_changed)
        state = self.session.project.state
        self.size.setValue(state.sample_size)
        if state.mock_completed:
            self.status.setText(f"The sample rehearsal passed on {state.mock_completed[:10]}. "
                                "Run it again after changing the plan, or go on.")  # fmt: skip

    def start(self) -> None:
        wizard, session = self.wizard(), self.session
        if wizard.jobs.busy:  # type: ignore[attr-defined]
            return
        project, paths, size = session.project, session.migration.staged_paths(), self.size.value()
        worker = GeneratorWorker(
            lambda stop: rehearse_sample(project, paths, size, should_stop=stop,
                                         batch_rows=session.batch_rows, process=None),
            lambda item: isinstance(item, SampleResult),
        )  # fmt: skip
        worker.signals.progress.connect(self._progress)
        worker.signals.result.connect(self._done)
        worker.signals.failed.connect(self._failed)
        self.running = True
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.table.setRowCount(0)
        self.status.setText("Rehearsing on a sample…")
        self.completeChanged.emit()
        wizard.jobs.start(worker)  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.stop_button.setEnabled(False)
        self.wizard().jobs.cancel()  # type: ignore[attr-defined]
        self.status.setText("Stopping after the batch in progress…")

    @Slot(object)
    def _progress(self, item: object) -> None:
        if not self.stop_button.isEnabled() and self.running:
            return  # stopping: no progress to promise
        if isinstance(item, StageProgress):
            self.status.setText(f"Reading {item.file}: {item.rows_done:,} rows")
        elif isinstance(item, PhaseProgress):
            self.status.setText(f"Loading the sample: {item.rows_done:,} rows")

    @Slot(object)
    def _done(self, result: object) -> None:
        assert isinstance(result, SampleResult)
        self.table.setRowCount(len(result.results))
        for i, r in enumerate(result.results):
            acc = r.accounting
            values = [r.label, sum(a.loaded + a.updated + a.unchanged for a in acc),
                      sum(a.rejected for a in acc), sum(a.merged for a in acc),
                      sum(a.deferred for a in acc), "yes" if r.reconciled else "NO"]  # fmt: skip
            for j, v in enumerate(values):
                item = QTableWidgetItem(f"{v:,}" if isinstance(v, int) else str(v))
                if isinstance(v, int):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        kept = ", ".join(f"{n:,} {ENTITIES[e].label.lower()}" for e, n in result.kept.items() if n)
        orphans = sum(int(fi.get("orphans", 0)) for r in result.results for fi in r.fidelity)
        if result.ok:
            also = (f" {orphans:,} links point to records none of your files holds: those records "
                    "loaded without them, the values kept as written." if orphans else "")  # fmt: skip
            self.status.setText(f"The sample rehearsal passed: {kept}, every phase completed with "
                                f"every row accounted for.{also} Next, the full plan into the "
                                "sandbox.")  # fmt: skip
        elif result.stopped:
            self.status.setText("Stopped. Run it again: it starts afresh.")
        else:
            self.status.setText("The sample rehearsal did not reconcile: look at the phases "
                                "below, fix the plan, and run it again.")  # fmt: skip

    @Slot(str, str)
    def _failed(self, message: str, _details: str) -> None:
        self.status.setText(message)

    @Slot(bool)
    def _busy_changed(self, busy: bool) -> None:
        if not busy and self.running:
            self.running = False
            self.run_button.setEnabled(True)
            self.stop_button.setEnabled(False)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        wizard = self.wizard()
        if wizard is None or wizard.jobs.busy or self.session.project is None:  # type: ignore[attr-defined]
            return False
        return self.session.project.state.mock_completed is not None

    def nextId(self) -> int:
        wizard = self.wizard()
        return wizard.page_after(None) if wizard is not None else -1  # type: ignore[attr-defined]
