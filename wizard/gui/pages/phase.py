"""One page per phase: what it does, Run, progress with rows/s and ETA, Cancel (within a
second: between batches), the row accounting and reconciliation when done, Undo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wizard.core.blueprint import ENTITIES
from wizard.core.errors import CutoverError
from wizard.core.fidelity import Fidelity, kept_of
from wizard.core.migration import UndoDone, UndoProgress
from wizard.core.phases import PAUSED, RUNNING, PhaseDef
from wizard.core.runner import (
    ALL_ARRIVED,
    PhaseProgress,
    PhaseResult,
    pending_rows,
    phase_state,
    stored_result,
)
from wizard.gui.icons import decorate
from wizard.gui.outcomes import OutcomeBars, ReasonBars
from wizard.gui.pages.base import SessionPage
from wizard.gui.workers import GeneratorWorker

COLUMNS = ("file", "read", "loaded", "updated", "unchanged", "rejected", "deferred", "merged",
           "balanced")  # fmt: skip


class WaitNotice(QObject):
    """The seconds an API asks to wait (a 429), told from the worker thread to the
    page: a signal, so the page's slot runs in the GUI thread."""

    left = Signal(float)


class PhasePage(SessionPage):
    def __init__(self, phase: PhaseDef, live: bool = False) -> None:
        super().__init__()
        self.waits = WaitNotice()
        self._crm = "The CRM"  # who asks to wait: the running phase's target
        self.waits.left.connect(self._waiting)
        self.phase = phase
        self.running = self.stopping = False
        self._reconciled: bool | None = None  # the last sandbox phase's count, from the worker
        self.live = live
        self.setTitle(f"Live: {phase.label}" if live else phase.label)
        self.setSubTitle(phase.about)
        self.run_button = decorate(QPushButton(f"Run '{phase.label}'"), "run")
        self.run_button.clicked.connect(self.start)
        # "Stop", not "Cancel": the window's own Cancel button closes the wizard
        self.cancel_button = decorate(QPushButton("Stop after this batch"), "stop")
        self.cancel_button.setToolTip("Stops after the batch in progress; Run goes on from there.")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.undo_button = decorate(QPushButton("Undo this phase…"), "undo_phase")
        self.undo_button.clicked.connect(lambda: self.undo(confirmed=False))
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab moves on, arrows move in
        self.table.setHorizontalHeaderLabels([c.capitalize() for c in COLUMNS[:-1]] + ["Adds up"])
        self.table.setAccessibleName("Where every row of each file went")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setVisible(False)
        self.outcomes = OutcomeBars()
        self.outcomes.setVisible(False)
        # the golden rule's gate (live pages): why it is locked, and the override
        self.gate = QGroupBox("Locked by the method")
        self.gate_text = QLabel()
        self.gate_text.setWordWrap(True)
        self.override_reason = QLineEdit()
        self.override_reason.setPlaceholderText("Why go on anyway (written into the journal and "
                                                "the report)")  # fmt: skip
        self.override_reason.setAccessibleName("Reason for the override")
        self.override_by = QLineEdit()
        self.override_by.setPlaceholderText("Your name")
        self.override_by.setAccessibleName("Who overrides")
        self.override_button = QPushButton("Override and run")
        self.override_button.clicked.connect(self.override_and_run)
        gate = QVBoxLayout(self.gate)
        gate.addWidget(self.gate_text)
        row = QHBoxLayout()
        row.addWidget(self.override_reason, 3)
        row.addWidget(self.override_by, 1)
        row.addWidget(self.override_button)
        gate.addLayout(row)
        self.gate.setVisible(False)
        # import files (a live target): what to upload next, and the CRM's export read back
        self.upload = QGroupBox("Upload these files with the new CRM's importer, in this order")
        self.upload_text = QLabel()
        self.upload_text.setWordWrap(True)
        self.upload_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confirm_button = QPushButton("Confirm with the CRM's export…")
        self.confirm_button.setToolTip("After the upload, export this object from the new CRM "
                                       "(with its record id and legacy id) to check the counts.")  # fmt: skip
        self.confirm_button.clicked.connect(self._pick_export)
        up = QVBoxLayout(self.upload)
        up.addWidget(self.upload_text)
        up_row = QHBoxLayout()
        up_row.addStretch(1)
        up_row.addWidget(self.confirm_button)
        up.addLayout(up_row)
        self.upload.setVisible(False)
        # what arrived, per file, the counts in the CRM, and why rows were rejected; the same
        # as text beside it (to copy)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.arrived = _table(["File", "Records", "Links", "Values", "Everything arrived?"],
                              "What arrived in the CRM, file by file")  # fmt: skip
        self.counts = _table(["In the CRM", "Counted there", "Loaded by this project", "Same?"],
                             "The CRM's own counts beside what this project loaded")  # fmt: skip
        self.reasons_label = QLabel("Why rows were rejected:")
        self.reasons_chart = ReasonBars()
        self.result_text = QPlainTextEdit()
        self.result_text.setReadOnly(True)
        self.result_text.setAccessibleName("Result of the phase, as text")
        overview = QWidget()
        ov = QVBoxLayout(overview)
        ov.addWidget(self.message)
        ov.addWidget(self.arrived)
        ov.addWidget(self.counts)
        ov.addWidget(self.reasons_label)
        ov.addWidget(self.reasons_chart)
        ov.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(overview)
        self.result_tabs = QTabWidget()
        self.result_tabs.addTab(scroll, "What arrived")
        self.result_tabs.addTab(self.result_text, "As text")
        self.open_exports = decorate(QPushButton("Open the exports folder"), "open")
        self.open_exports.setToolTip("The loaded and rejected rows of each phase, as CSV and "
                                     "Excel files.")  # fmt: skip
        self.open_exports.clicked.connect(self._open_exports)
        self.open_exports.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.gate)
        layout.addWidget(self.upload)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.outcomes)
        layout.addWidget(self.result_tabs, 2)
        files = QHBoxLayout()
        files.addStretch(1)
        files.addWidget(self.open_exports)
        layout.addLayout(files)

    def initializePage(self) -> None:
        self.watch_jobs(self._busy_changed)  # idle again only once the thread is joined
        mig = self.mig
        done = mig.is_done(self.phase)
        stored = stored_result(mig.ledger, self.phase.name)
        self.bar.setValue(100 if done else 0)
        self.bar.setRange(0, 100)
        if done:
            self.status.setText("Completed.")
        elif phase_state(mig.ledger, self.phase.name) in (PAUSED, RUNNING):
            left = pending_rows(mig.ledger, self.phase)
            self.status.setText(f"Stopped part-way: {left:,} rows still to load. Run it to go "
                                "on from where it stopped; nothing is loaded twice.")  # fmt: skip
        else:
            rows = pending_rows(mig.ledger, self.phase)
            self.status.setText(f"Ready to run: {rows:,} rows to load.")
        self.show_result(stored)
        self.undo_button.setEnabled(stored is not None)
        self._show_gate()
        self._show_upload()
        self._run_label(done)

    # -- running -------------------------------------------------------------------------
    @property
    def mig(self):
        return self.session.env(self.live)

    def _plan(self):
        session = self.session
        return (session.live_prepared if self.live else session.prepared).plan

    def locks(self) -> list:
        project = self.session.project
        return project.locks(self.phase.name) if self.live and project is not None else []

    def _show_upload(self) -> None:
        target = self.mig.target if self.live and self.mig is not None else None
        files = getattr(target, "folder", None) if getattr(target, "kind", "") == "files" else None
        self.upload.setVisible(files is not None and self.mig.is_done(self.phase))
        if files is None:
            return
        names = [p.name for p in target.files_for(self.phase.entities)]
        self.upload_text.setText(f"In {files}:\n" + "\n".join(
            f"{i}. {n}" for i, n in enumerate(names, 1)) + "\nSee UPLOAD-ORDER.txt for what to "
            "match on. Then confirm with the CRM's export before the next phase.")  # fmt: skip

    def _pick_export(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "The CRM's export", "",
                                              "Exports (*.csv *.xlsx);;All files (*)")  # fmt: skip
        if path:
            self.confirm_export(Path(path))

    def confirm_export(self, path: Path) -> bool:
        """Read the CRM's export of this phase's object back: counts, and the new ids."""
        entity = self.phase.entities[0]
        try:
            result = self.mig.target.confirm_export(entity, path)
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return False
        text = (f"{result['found']:,} of {result['expected']:,} records of this phase are in the "
                "CRM's export; their new ids are kept.")  # fmt: skip
        if result["missing"]:
            text += " Missing: " + ", ".join(result["missing"]) + ". Upload the files again: "
            text += "the importer matches on the legacy id, so nothing doubles."
        self.status.setText(text)
        return bool(result["complete"])

    def _show_gate(self) -> None:
        locks = self.locks()
        self.gate.setVisible(bool(locks))
        self.gate_text.setText(" ".join(lock.reason for lock in locks))

    def override_and_run(self) -> bool:
        project = self.session.project
        try:
            project.override(self.locks(), self.override_reason.text(), self.override_by.text(),
                             self.mig.ledger)  # fmt: skip
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return False
        self._show_gate()
        self.start()
        return True

    def start(self) -> None:
        wizard, session = self.wizard(), self.session
        if wizard.jobs.busy:  # type: ignore[attr-defined]
            self.status.setText("Another step is still finishing; try again in a moment.")
            return
        if self.locks():
            self._show_gate()
            self.status.setText("Locked: see why above. It opens by itself when the method "
                                "allows, or with an override.")  # fmt: skip
            return
        mig, plan = self.mig, self._plan()
        project = None if self.live else session.project
        self._reconciled = None

        def run(stop):
            yield from mig.run(self.phase, plan, stop, batch_rows=session.batch_rows)
            if project is not None:  # the last sandbox phase: the rehearsal's count, here
                self._reconciled = project.rehearsal_reconciled(mig)

        worker = GeneratorWorker(run, lambda item: isinstance(item, PhaseResult))
        self._crm = {"hubspot": "HubSpot", "salesforce": "Salesforce"}.get(mig.target.kind,
                                                                           "The CRM")  # fmt: skip
        if hasattr(mig.target, "on_wait"):  # an API that may ask to wait: a countdown, and
            mig.target.on_wait = self.waits.left.emit  # Stop ends the wait
            mig.target.should_stop = worker.should_stop
        worker.signals.progress.connect(self._progress)
        worker.signals.result.connect(self._finished)
        worker.signals.failed.connect(self._failed)
        self.running, self.stopping = True, False
        self.run_button.setEnabled(False)
        self.undo_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText("Running…")
        wizard.jobs.start(worker)  # type: ignore[attr-defined]

    def cancel(self) -> None:
        self.stopping = True
        self.cancel_button.setEnabled(False)
        self.wizard().jobs.cancel()  # type: ignore[attr-defined]
        self.status.setText("Stopping after the batch in progress…")

    @Slot(float)
    def _waiting(self, left: float) -> None:
        if not self.running:
            return
        if left > 0:
            self.status.setText(f"{self._crm} asks to wait before the next request: {left:,.0f} s "
                                "left. 'Stop after this batch' ends the wait; running the "
                                "phase again goes on, and nothing is written twice.")  # fmt: skip
        else:
            self.status.setText("Running…")

    @Slot(object)
    def _progress(self, item: object) -> None:
        if not isinstance(item, PhaseProgress):
            return
        self.bar.setRange(0, max(item.rows_total, 1))
        self.bar.setValue(item.rows_done)
        if self.stopping:  # no time left to promise: it is stopping
            self.status.setText(f"Stopping after the batch in progress… ({item.rows_done:,} of "
                                f"{item.rows_total:,} rows done)")  # fmt: skip
            return
        eta = f", about {item.eta_s:.0f} s left" if item.eta_s else ""
        self.status.setText(f"{item.rows_done:,} of {item.rows_total:,} rows "
                            f"({item.rows_per_s:,.0f} rows/s{eta})")  # fmt: skip

    @Slot(object)
    def _finished(self, result: object) -> None:
        assert isinstance(result, PhaseResult)
        self.bar.setRange(0, 100)
        self.bar.setValue(100)
        self.status.setText(result.message)
        self.show_result(result)

    def show_result(self, result: PhaseResult | None) -> None:
        """The accounting per file as a table; reconciliation and top reasons below it."""
        self.table.setRowCount(0)
        self.table.setVisible(result is not None and bool(result.accounting))
        self.open_exports.setEnabled(result is not None and bool(result.exports))
        self.outcomes.set_accounting(result.accounting if result is not None else [])
        self.result_tabs.setVisible(result is not None)
        if result is None:
            self.result_text.clear()
            return
        self._show_arrived(result)
        self.table.setRowCount(len(result.accounting))
        for i, acc in enumerate(result.accounting):
            values = [acc.label] + [f"{getattr(acc, c):,}" for c in COLUMNS[1:-1]]
            values.append("yes" if acc.balanced else "NO: rows are missing")
            for j, value in enumerate(values):
                item = QTableWidgetItem(value)
                if 0 < j < len(values) - 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        height = self.table.horizontalHeader().height() + 4
        height += sum(self.table.rowHeight(i) for i in range(self.table.rowCount()))
        self.table.setMaximumHeight(height)
        lines = [result.headline(), *result.fidelity_lines()]
        for rec in result.reconciliation:
            lines += rec.lines()
        lines += [f"Rejected {n:,}: {reason}" for reason, n in result.reasons[:5]]
        if result.message and result.message != ALL_ARRIVED:  # orphans, losses: said
            lines.append(result.message)
        self.result_text.setPlainText("\n".join(lines))

    def _show_arrived(self, result: PhaseResult) -> None:
        """The result as tables and a chart: per file the records, links and values kept of
        those the files hold; the CRM's counts; rejections by reason."""
        said = result.message if result.message and result.message != ALL_ARRIVED else ""
        self.message.setText(f"{result.headline()}. {said or ALL_ARRIVED}")
        rows = []
        for fi in result.fidelity:
            f = Fidelity(**{k: v for k, v in fi.items() if k != "complete"})
            why = "yes" if f.complete else ("; ".join(f.why) or "no: see the counts")
            if f.pending and f.complete:
                why = f"yes so far ({f.pending:,} rows load in a later phase)"
            links = kept_of(f.links_kept, f.links)
            if f.orphans:
                links += f" (+{f.orphans:,} to records no file holds, kept as written)"
            values = kept_of(f.values_kept, f.values) if f.counted else "not counted"
            rows.append(([f.label, kept_of(f.records_kept, f.records), links, values, why],
                         f.complete))  # fmt: skip
        _fill(self.arrived, rows)
        counts = []
        for rec in result.reconciliation:
            label = ENTITIES[rec.entity].label
            counts.append(([label, f"{rec.target_count:,}", f"{rec.expected_count:,}",
                            "yes" if rec.target_count == rec.expected_count else "NO"],
                           rec.target_count == rec.expected_count))  # fmt: skip
            for name, (have, want) in rec.links.items():
                bad = rec.dangling.get(name, 0)
                same = have == want and not bad
                counts.append(([f"  its links to {name}", f"{have:,}", f"{want:,}",
                                "yes" if same else ("NO" + (f": {bad:,} point to nothing"
                                                           if bad else ""))], same))  # fmt: skip
        _fill(self.counts, counts)
        self.reasons_chart.set_reasons(list(result.reasons))
        self.reasons_label.setVisible(bool(result.reasons))

    def _run_label(self, done: bool) -> None:
        self.run_button.setText(f"Run '{self.phase.label}' again" if done
                                else f"Run '{self.phase.label}'")  # fmt: skip
        self.run_button.setToolTip("Loads only what changed in your files since the last run."
                                   if done else "")  # fmt: skip

    def _open_exports(self) -> None:
        folder = self.mig.exports
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    @Slot(str, str)
    def _failed(self, message: str, details: str) -> None:
        self.status.setText(message)

    @Slot(bool)
    def _busy_changed(self, busy: bool) -> None:
        if not busy and self.running:
            self._idle()

    def _idle(self) -> None:
        self.running = False
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.undo_button.setEnabled(True)
        self._run_label(self.mig.is_done(self.phase))
        self._show_upload()
        project = self.session.project
        # reconciled in the worker (a count of every record and link) when it was asked
        reconciled, self._reconciled = self._reconciled, None
        if (not self.live and project is not None
                and project.note_sandbox(self.mig, reconciled)):  # fmt: skip
            from wizard.core.qa import buffer

            self.status.setText("The full sandbox rehearsal is complete. "
                                + buffer(project.state, project.clock).describe())  # fmt: skip
        if self.stopping and not self.mig.is_done(self.phase):
            self.status.setText(f"Stopped after a whole batch: {self.bar.value():,} of "
                                f"{self.bar.maximum():,} rows done. Run again to go on.")  # fmt: skip
        self.stopping = False
        self.completeChanged.emit()
        self.wizard().refresh_rail(self.phase.name)  # type: ignore[attr-defined]

    # -- undo ----------------------------------------------------------------------------
    def undo(self, confirmed: bool) -> bool:
        mig = self.mig
        order = mig.undo_plan(self.phase)
        if not confirmed:
            later = [p.label for p in order[:-1]]
            text = f"Delete everything '{self.phase.label}' loaded into the sandbox?"
            if later:
                text += (" The later phases that depend on it are undone first: "
                         + ", ".join(later) + ".")  # fmt: skip
            answer = QMessageBox.question(
                self, "Undo", text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)  # deleting is never the default  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return False
        # in the worker: the window stays responsive and shows the progress; the undo is not
        # stopped half way (the phase would stay half loaded), so Stop is off meanwhile
        worker = GeneratorWorker(lambda stop: mig.undo_iter(order),
                                 lambda item: isinstance(item, UndoDone))  # fmt: skip
        worker.signals.progress.connect(self._undo_progress)
        worker.signals.result.connect(self._undone)
        worker.signals.failed.connect(self._failed)
        self.running = True
        for button in (self.run_button, self.undo_button, self.cancel_button):
            button.setEnabled(False)
        self.status.setText("Undoing…")
        self.wizard().jobs.start(worker)  # type: ignore[attr-defined]
        return True

    @Slot(object)
    def _undo_progress(self, item: object) -> None:
        if isinstance(item, UndoProgress):
            self.bar.setRange(0, max(item.total, 1))
            self.bar.setValue(item.deleted)
            self.status.setText(f"Undoing '{item.phase}': {item.deleted:,} of {item.total:,} "
                                "records deleted…")  # fmt: skip

    @Slot(object)
    def _undone(self, result: object) -> None:
        assert isinstance(result, UndoDone)
        total = sum(sum(d.values()) for d in result.deleted.values())
        if not self.live and self.session.project is not None:
            self.session.project.rehearsal_undone()
        self.status.setText(f"Undone: {total:,} records deleted. The phase can run again.")
        self.show_result(None)
        self._run_label(False)
        self.completeChanged.emit()
        self.wizard().refresh_rail(self.phase.name)  # type: ignore[attr-defined]

    def isComplete(self) -> bool:
        wizard = self.wizard()
        if wizard is None or self.mig is None:
            return False
        return not self.running and self.mig.is_done(self.phase)

    def nextId(self) -> int:
        wizard = self.wizard()
        if wizard is None:
            return -1
        return wizard.page_after(self.phase.name, self.live)  # type: ignore[attr-defined]


def describe(result: PhaseResult) -> str:
    files = [f"file: {p}" for p in result.exports]
    return "\n".join([result.headline(), *result.lines(), *files])


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setAccessibleName(name)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setTabKeyNavigation(False)  # Tab moves on, arrows move in
    t.verticalHeader().setVisible(False)
    t.setWordWrap(True)
    header = t.horizontalHeader()
    for col in range(len(headers) - 1):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return t


def _fill(table: QTableWidget, rows: list[tuple[list[str], bool]]) -> None:
    """Rows of text; a row whose last cell is not a plain yes is marked (bold)."""
    table.setRowCount(len(rows))
    for i, (values, ok) in enumerate(rows):
        for j, value in enumerate(values):
            item = QTableWidgetItem(value)
            if 0 < j < len(values) - 1:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if not ok and j == len(values) - 1:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            table.setItem(i, j, item)
    table.resizeRowsToContents()
    height = table.horizontalHeader().sizeHint().height() + 4
    height += sum(table.rowHeight(i) for i in range(table.rowCount()))
    table.setFixedHeight(height)
    table.setVisible(bool(rows))
