"""Sources: add files (dialog, folder or drop), see what each holds, preview it, then read and
check every row (in a worker: the window never freezes)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
)

from wizard.core import connectors
from wizard.core.blueprint import ENTITIES
from wizard.core.connectors.pull import PullDone, PullProgress, pull
from wizard.core.errors import CutoverError
from wizard.core.plan import SourcePlan
from wizard.core.sources import ReadOptions
from wizard.core.staging import Staged, StageProgress
from wizard.gui.icons import decorate
from wizard.gui.models.frame import FrameModel
from wizard.gui.pages.base import SessionPage
from wizard.gui.workers import GeneratorWorker
from wizard.resources import demo_dir

ENCODINGS = [("utf-8", "UTF-8 (most exports)"), ("utf-8-sig", "UTF-8 with a byte-order mark"),
             ("cp1252", "Windows-1252 (Western Europe, older Excel)"), ("latin-1", "Latin-1"),
             ("utf-16", "UTF-16 (Excel 'Unicode text')"), ("cp1250", "Windows-1250 (Central "
             "Europe)"), ("cp1251", "Windows-1251 (Cyrillic)"), ("shift_jis", "Shift JIS"),
             ("gb18030", "GB 18030 (Chinese)")]  # fmt: skip
DELIMITERS = [(",", "Comma ,"), (";", "Semicolon ;"), ("\t", "Tab"), ("|", "Pipe |")]


class FileSettings(QGroupBox):
    """What a file holds and how it is read: detected, and each can be changed."""

    def __init__(self) -> None:
        super().__init__("What this file holds and how it is read")
        self.entity = QComboBox()
        for name, ent in ENTITIES.items():
            self.entity.addItem(ent.label, name)
        self.entity.addItem("Not imported", "")
        self.encoding = QComboBox()
        self.encoding.setEditable(True)
        for code, label in ENCODINGS:
            self.encoding.addItem(label, code)
        self.delimiter = QComboBox()
        for code, label in DELIMITERS:
            self.delimiter.addItem(label, code)
        self.header = QSpinBox()
        self.header.setRange(0, 1000)
        self.header.setSpecialValueText("No header row")
        self.header.setToolTip("The row that holds the column names, as a spreadsheet numbers "
                               "it; 0 when the file has none.")  # fmt: skip
        self.sheet = QLabel()
        for widget, name in ((self.entity, "What the file holds"), (self.encoding, "Encoding"),
                             (self.delimiter, "Delimiter"), (self.header, "Header row")):  # fmt: skip
            widget.setAccessibleName(name)
        self.apply = QPushButton("Apply")
        self.apply.setEnabled(False)
        form = QFormLayout(self)
        form.addRow("&Holds:", self.entity)
        form.addRow("&Encoding:", self.encoding)
        form.addRow("&Delimiter:", self.delimiter)
        form.addRow("Header &row:", self.header)
        form.addRow("Sheet:", self.sheet)
        form.addRow("", self.apply)
        for combo in (self.entity, self.encoding, self.delimiter):
            combo.currentIndexChanged.connect(self._changed)
        self.encoding.editTextChanged.connect(self._changed)
        self.header.valueChanged.connect(self._changed)
        self.setEnabled(False)

    def _changed(self, *_: object) -> None:
        self.apply.setEnabled(True)

    def show_file(self, splan: SourcePlan | None, options: ReadOptions | None) -> None:
        widgets = (self.entity, self.encoding, self.delimiter, self.header)
        for w in widgets:
            w.blockSignals(True)
        self.setEnabled(splan is not None)
        if splan is not None:
            self.entity.setCurrentIndex(self.entity.findData(splan.entity or ""))
        workbook = options is not None and options.encoding is None
        if options is not None:
            at = self.encoding.findData(options.encoding)
            if at >= 0:
                self.encoding.setCurrentIndex(at)
            else:
                self.encoding.setEditText(options.encoding or "")
            delim = options.delimiter
            at = self.delimiter.findData(delim)
            if at < 0 and delim:
                self.delimiter.addItem(f"'{delim}'", delim)
                at = self.delimiter.count() - 1
            self.delimiter.setCurrentIndex(max(at, 0))
            self.header.setValue(options.header_row or 0)
            self.sheet.setText(options.sheet or "(a text file has no sheets)")
        self.encoding.setEnabled(not workbook)
        self.delimiter.setEnabled(not workbook)
        for w in widgets:
            w.blockSignals(False)
        self.apply.setEnabled(False)

    def chosen(self, sheet: str | None) -> tuple[ReadOptions, str]:
        workbook = not self.encoding.isEnabled()
        # a listed encoding, or the name the admin typed
        text = self.encoding.currentText().strip()
        at = self.encoding.findText(text)
        code = self.encoding.itemData(at) if at >= 0 else text
        delim = self.delimiter.currentData()
        options = ReadOptions(
            encoding=None if workbook else code,
            delimiter=None if workbook else delim,
            sheet=sheet,
            header_row=self.header.value(),
        )
        return options, self.entity.currentData()


class _Waits(QObject):
    """Seconds left of a wait the CRM's API asked for, told from the pull's thread."""

    left = Signal(float)


class SourcesPage(SessionPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your exports")
        self.setSubTitle("Add the files exported from your old CRM, or drop them here. Each "
                         "file's content is recognised; check the preview.")  # fmt: skip
        self.setAcceptDrops(True)
        self.paths: list[Path] = []
        self.staged: Staged | None = None
        self._sources: list = []
        self._plans: list[SourcePlan | None] = []
        self._watching = False
        add = decorate(QPushButton("Add files…"), "add_file")
        add.clicked.connect(self._add_files)
        add_folder = decorate(QPushButton("Add a folder…"), "add_folder")
        add_folder.clicked.connect(self._add_folder)
        self.connect_crm = decorate(QPushButton("Connect to a CRM…"), "connect")
        self.connect_crm.setToolTip("Integration Sync: read HubSpot, Salesforce or Pipedrive "
                                    "through its API into export files, instead of exporting "
                                    "every object by hand.")  # fmt: skip
        self.connect_crm.clicked.connect(self._connect)
        self._pulling = False
        self._source = None  # the connector of the pull in progress
        self._waits = _Waits()
        self._waits.left.connect(self._api_wait)
        self.files = QListWidget()
        self.files.setAccessibleName("Files")
        self.files.currentRowChanged.connect(self._show_preview)
        self.settings = FileSettings()
        self.settings.apply.clicked.connect(self.apply_settings)
        self.preview = QTableView()
        self.preview.setTabKeyNavigation(False)  # Tab moves on, arrows move in
        self.preview.setAccessibleName("Preview of the selected file")
        self.preview.setWordWrap(False)
        self.preview.horizontalHeader().setDefaultSectionSize(130)
        self.check = decorate(QPushButton("Read and check every row"), "check")
        self.check.clicked.connect(self.start_check)
        self.check.setEnabled(False)
        self.stop = decorate(QPushButton("Stop reading"), "stop")
        self.stop.setToolTip("Stops after the rows in progress; files read to the end are kept, "
                             "so the next check goes on from there.")  # fmt: skip
        self.stop.setVisible(False)
        self.stop.clicked.connect(self.stop_check)
        self._checking = False
        # records loaded before whose rows are in none of the files any more (deleted in the
        # old CRM since): said after the check, taken out only when the admin asks
        self.remove = QPushButton("Take them out of the sandbox…")
        self.remove.setVisible(False)
        self.remove.clicked.connect(lambda: self.remove_deleted(confirmed=False))
        self.gone: dict[str, list[str]] = {}
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(add_folder)
        buttons.addWidget(self.connect_crm)
        buttons.addStretch(1)
        buttons.addWidget(self.check)
        buttons.addWidget(self.stop)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        files = QHBoxLayout()
        files.addWidget(self.files, 3)
        files.addWidget(self.settings, 2)
        layout.addLayout(files, 1)
        layout.addWidget(self.preview, 2)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.remove, 0, Qt.AlignmentFlag.AlignLeft)

    # -- adding files ----------------------------------------------------------------------
    def _add_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(self, "Add exports", "",
                                                 "Exports (*.csv *.tsv *.txt *.xlsx *.xlsm *.xls "
                                                 "*.ods);;All files (*)")  # fmt: skip
        self.add_paths([Path(p) for p in chosen])

    def _add_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Add an export folder")
        if chosen:
            self.add_paths([Path(chosen)])

    # -- reading the old CRM through its API ---------------------------------------------
    def _connect(self) -> None:
        from wizard.gui.pages.connect import ConnectDialog

        dialog = ConnectDialog(self.wizard().session.migration.folder, self)  # type: ignore[attr-defined]
        if dialog.exec() == ConnectDialog.DialogCode.Accepted:
            self.start_pull(*dialog.chosen())

    def start_pull(self, crm: str, url: str | None, token: str | None, delta: bool) -> bool:
        """Pull the CRM into the project's pulled/<crm>/ folder in the worker; when it is
        complete the folder is added like an export folder."""
        wizard = self.wizard()
        if wizard.jobs.busy:  # type: ignore[attr-defined]
            return False
        project = wizard.session.migration.folder  # type: ignore[attr-defined]
        try:
            source, folder = connectors.open_pull(project, crm, url, token)
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return False
        self._source, self._pulling = source, True
        label = connectors.CRMS[crm]
        waits = self._waits

        def work(stop):
            yield from pull(source, folder, delta=delta, should_stop=stop, on_wait=waits.left.emit)

        worker = GeneratorWorker(work, lambda item: isinstance(item, PullDone))
        worker.signals.progress.connect(self._pull_progress)
        worker.signals.result.connect(self._pulled)
        worker.signals.failed.connect(self._failed)
        for button in (self.check, self.connect_crm):
            button.setEnabled(False)
        self.stop.setVisible(True)
        self.stop.setEnabled(True)
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.status.setText(f"Connecting to {label}…")
        self.watch_jobs(self._busy_changed)
        wizard.jobs.start(worker)  # type: ignore[attr-defined]
        return True

    @Slot(float)
    def _api_wait(self, left: float) -> None:
        if self._pulling and left > 0 and self.stop.isEnabled():
            self.status.setText(f"The CRM asks to wait before the next request: {left:,.0f} s "
                                "left. (Stop keeps what was read; connecting again goes on.)")  # fmt: skip

    @Slot(object)
    def _pull_progress(self, item: object) -> None:
        if isinstance(item, PullProgress) and self.stop.isEnabled():
            self.status.setText(f"Reading {item.obj}: {item.rows:,} records, {item.total:,} in "
                                f"all ({item.rows_per_s:,.0f} records/s)")  # fmt: skip

    @Slot(object)
    def _pulled(self, done: object) -> None:
        assert isinstance(done, PullDone)
        label = connectors.CRMS.get(done.vendor, done.vendor)
        if done.stopped:
            self.status.setText(f"Stopped after {done.pulled:,} records from {label}. Connect "
                                "again to go on from there: nothing is read twice.")  # fmt: skip
            return
        if done.folder in self.paths:  # a pull again: the files are read afresh
            self.paths.remove(done.folder)
        self.add_paths([done.folder])
        what = "; ".join(done.lines())
        self.status.setText(f"Read from {label}: {what}. Next, read and check every row.")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.add_paths([Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    def add_paths(self, paths: list[Path]) -> None:
        if not paths:
            return
        session = self.wizard().session  # type: ignore[attr-defined]
        self.paths.extend(p for p in paths if p not in self.paths)
        try:
            session.prepared = session.migration.prepare(self.paths)
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return
        session.prepared.plan.method = session.method
        self.staged = None
        self._list()
        self.completeChanged.emit()

    def _list(self, select: int = 0) -> None:
        prepared = self.wizard().session.prepared  # type: ignore[attr-defined]
        self.files.clear()
        self._sources, self._plans = [], []
        for splan in prepared.plan.sources:
            source = prepared.sources.get((splan.file, splan.options.sheet))
            what = (ENTITIES[splan.entity].label if splan.entity
                    else f"not imported: {splan.note}")  # fmt: skip
            self.files.addItem(f"{splan.label} — {what}")
            self._sources.append(source)
            self._plans.append(splan)
        for path, message in prepared.unreadable:
            self.files.addItem(f"{Path(path).name} — cannot be read: {message}")
            self._sources.append(None)
            self._plans.append(None)
        for path, why in prepared.skipped:
            self.files.addItem(f"{Path(path).name} — skipped: {why}")
            self._sources.append(None)
            self._plans.append(None)
        self.check.setEnabled(bool(prepared.sources) and not prepared.unreadable)
        if prepared.unreadable:
            self.status.setText("Some files cannot be read. Remove or fix them: nothing is "
                                "loaded while a file is missing its part.")  # fmt: skip
        else:
            self.status.setText("Next, read and check every row.")
        if self.files.count():
            self.files.setCurrentRow(min(select, self.files.count() - 1))

    def _show_preview(self, row: int) -> None:
        source = self._sources[row] if 0 <= row < len(self._sources) else None
        splan = self._plans[row] if 0 <= row < len(self._plans) else None
        self.preview.setModel(FrameModel(source) if source is not None else None)
        self.settings.show_file(splan, source.options if source is not None else None)

    def apply_settings(self) -> bool:
        """The admin's correction of the selected file: read again, mapped again if need be."""
        row = self.files.currentRow()
        splan = self._plans[row] if 0 <= row < len(self._plans) else None
        if splan is None:
            return False
        prepared = self.wizard().session.prepared  # type: ignore[attr-defined]
        options, entity = self.settings.chosen(splan.options.sheet)
        try:
            prepared.change_source(splan, options, entity)
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return False
        self.staged = None
        self._list(select=row)
        self.status.setText("Changed. Next, read and check every row again.")
        self.completeChanged.emit()
        return True

    # -- reading and checking every row --------------------------------------------------
    def initializePage(self) -> None:
        if not self._watching:
            self.wizard().jobs.busy_changed.connect(self._busy_changed)  # type: ignore[attr-defined]
            self._watching = True
        session = self.wizard().session  # type: ignore[attr-defined]
        if session.demo and not self.paths:
            self.add_paths([demo_dir()])
        elif session.prepared is not None and self.files.count() == 0:
            self._list()  # a project reopened: its files as they were read

    def reset(self) -> None:
        """Another project was opened: forget this one's files."""
        self.paths, self.staged = [], None
        self.files.clear()
        self._sources, self._plans = [], []
        self.preview.setModel(None)
        self.settings.show_file(None, None)
        self.status.clear()

    @Slot(bool)
    def _busy_changed(self, busy: bool) -> None:
        self.completeChanged.emit()  # Next waits for the job's thread to be joined

    def start_check(self) -> None:
        wizard = self.wizard()
        session = wizard.session  # type: ignore[attr-defined]
        if wizard.jobs.busy:  # type: ignore[attr-defined]
            return
        worker = GeneratorWorker(lambda stop: session.migration.stage(session.prepared, stop, process=None),
                                 lambda item: isinstance(item, Staged))  # fmt: skip
        worker.signals.progress.connect(self._progress)
        worker.signals.result.connect(self._checked)
        worker.signals.failed.connect(self._failed)
        self.check.setEnabled(False)
        self.stop.setVisible(True)
        self.stop.setEnabled(True)
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.status.setText("Reading and checking every row…")
        self._checking = True
        self.watch_jobs(self._busy_changed)
        wizard.jobs.start(worker)  # type: ignore[attr-defined]

    def stop_check(self) -> None:
        self.stop.setEnabled(False)
        self.wizard().jobs.cancel()  # type: ignore[attr-defined]
        self.status.setText("Stopping after the page in progress…" if self._pulling
                            else "Stopping after the rows in progress…")  # fmt: skip

    @Slot(bool)
    def _busy_changed(self, busy: bool) -> None:
        if not busy and self._pulling:
            self._pulling = False
            if self._source is not None:
                self._source.close()
                self._source = None
            self.stop.setVisible(False)
            self.bar.setVisible(False)
            self.connect_crm.setEnabled(True)
            if self.status.text().startswith("Stopping"):  # the worker ended it between pages
                self.status.setText("Stopped. What was read is kept: connect again to go on "
                                    "from there; nothing is read twice.")  # fmt: skip
            prepared = self.wizard().session.prepared  # type: ignore[attr-defined]
            self.check.setEnabled(bool(prepared and prepared.sources and not prepared.unreadable))
            return
        if busy or not self._checking:
            return
        self._checking = False
        self.stop.setVisible(False)
        self.bar.setVisible(False)
        self.check.setEnabled(bool(self.wizard().session.prepared.sources))  # type: ignore[attr-defined]
        if self.staged is None and self.status.text().startswith("Stopping"):
            self.status.setText("Stopped. Files read to the end are kept: 'Read and check "
                                "every row' goes on from there.")  # fmt: skip

    @Slot(object)
    def _progress(self, item: object) -> None:
        if not self.stop.isEnabled():
            return  # stopping: the status says so
        if isinstance(item, StageProgress):
            self.status.setText(f"Reading {item.file}: {item.rows_done:,} rows "
                                f"({item.rows_per_s:,.0f} rows/s)")  # fmt: skip

    @Slot(object)
    def _checked(self, staged: object) -> None:
        assert isinstance(staged, Staged)
        self.staged = staged
        self.bar.setVisible(False)
        self.check.setEnabled(True)
        rows = sum(f.rows_read for f in staged.files)
        rejected = sum(f.rejected for f in staged.files)
        orphans = sum(staged.orphans.values())
        self.status.setText(
            f"{rows:,} rows checked: {rejected:,} cannot load (nothing in them names the record; "
            f"they will be listed with the reason), {orphans:,} links point to records not in your files, "
            f"{staged.active_contacts:,} active sales contacts are held back to the last phase."
            + self._columns_text(staged)
            + self._deleted_text(staged)
        )
        self.completeChanged.emit()
        self.wizard().refresh_rail()  # type: ignore[attr-defined]

    @staticmethod
    def _columns_text(staged: Staged) -> str:
        again = [f for f in staged.files if f.restaged and f.columns]
        if not again:
            return ""
        said = "; ".join(f"{f.label}: {', '.join(f.columns)}" for f in again)
        return (" Only the columns whose mapping changed were checked again, from the values "
                f"read last time ({said}).")  # fmt: skip

    def _deleted_text(self, staged: Staged) -> str:
        self.gone = staged.deleted  # found in the worker
        self.remove.setVisible(bool(self.gone))
        if not self.gone:
            return ""
        said = ", ".join(
            f"{len(ids):,} {ENTITIES[e].label.lower()}" for e, ids in self.gone.items()
        )
        return (f" Loaded before and no longer in your files (deleted in the old CRM since?): "
                f"{said}. They stay in the sandbox unless you take them out.")  # fmt: skip

    def remove_deleted(self, confirmed: bool) -> bool:
        """Take the records of ``deleted_since`` out of the sandbox (asked; No is the default).
        A record something in the files still links to stays, and is said."""
        if not self.gone:
            return False
        if not confirmed:
            answer = QMessageBox.question(
                self, "Take them out?", "Delete from the sandbox the records whose rows are no "
                "longer in your files? Records your files still link to stay.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return False
        mig, gone = self.wizard().session.migration, self.gone  # type: ignore[attr-defined]

        def work(_stop):  # in the worker: deleting many records takes a while
            yield ("removed", mig.remove_deleted(gone), mig.deleted_since())

        worker = GeneratorWorker(work, lambda item: isinstance(item, tuple))
        worker.signals.result.connect(self._removed)
        worker.signals.failed.connect(self._failed)
        self.remove.setEnabled(False)
        self.status.setText("Taking them out of the sandbox…")
        self.wizard().jobs.start(worker)  # type: ignore[attr-defined]
        return True

    @Slot(object)
    def _removed(self, item: object) -> None:
        _, done, self.gone = item  # type: ignore[misc]
        removed = sum(r for r, _ in done.values())
        kept = sum(k for _, k in done.values())
        self.remove.setEnabled(True)
        self.remove.setVisible(bool(self.gone) and kept < sum(map(len, self.gone.values())))
        self.status.setText(f"{removed:,} records taken out of the sandbox"
                            + (f"; {kept:,} kept: records in your files still link to them."
                               if kept else "."))  # fmt: skip

    @Slot(str, str)
    def _failed(self, message: str, details: str) -> None:
        self.bar.setVisible(False)
        self.check.setEnabled(True)
        self.status.setText(message)

    def isComplete(self) -> bool:
        wizard = self.wizard()
        busy = wizard is not None and wizard.jobs.busy  # type: ignore[attr-defined]
        return self.staged is not None and not busy

    def nextId(self) -> int:
        from wizard.gui.wizard import PageId

        return PageId.MAPPING
