"""Sources: add files (dialog, folder or drop), see what each holds, preview it, then read and
check every row (in a worker: the window never freezes)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWizardPage,
)

from wizard.core.blueprint import ENTITIES
from wizard.core.errors import CutoverError
from wizard.core.staging import Staged, StageProgress
from wizard.gui.models.frame import FrameModel
from wizard.gui.workers import GeneratorWorker
from wizard.resources import demo_dir


class SourcesPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your exports")
        self.setSubTitle("Add the files exported from your old CRM, or drop them here. Each "
                         "file's content is recognised; check the preview.")  # fmt: skip
        self.setAcceptDrops(True)
        self.paths: list[Path] = []
        self.staged: Staged | None = None
        self._watching = False
        add = QPushButton("Add files…")
        add.clicked.connect(self._add_files)
        add_folder = QPushButton("Add a folder…")
        add_folder.clicked.connect(self._add_folder)
        self.files = QListWidget()
        self.files.setAccessibleName("Files")
        self.files.currentRowChanged.connect(self._show_preview)
        self.preview = QTableView()
        self.preview.setAccessibleName("Preview of the selected file")
        self.check = QPushButton("Read and check every row")
        self.check.clicked.connect(self.start_check)
        self.check.setEnabled(False)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(add_folder)
        buttons.addStretch(1)
        buttons.addWidget(self.check)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.files, 1)
        layout.addWidget(self.preview, 2)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)

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

    def _list(self) -> None:
        prepared = self.wizard().session.prepared  # type: ignore[attr-defined]
        self.files.clear()
        self._sources = []
        for splan in prepared.plan.sources:
            source = prepared.sources.get((splan.file, splan.options.sheet))
            what = (ENTITIES[splan.entity].label if splan.entity
                    else f"not imported: {splan.note}")  # fmt: skip
            self.files.addItem(f"{Path(splan.file).name} — {what}")
            self._sources.append(source)
        for path, message in prepared.unreadable:
            self.files.addItem(f"{Path(path).name} — cannot be read: {message}")
            self._sources.append(None)
        self.check.setEnabled(bool(prepared.sources) and not prepared.unreadable)
        if prepared.unreadable:
            self.status.setText("Some files cannot be read. Remove or fix them: nothing is "
                                "loaded while a file is missing its part.")  # fmt: skip
        else:
            self.status.setText("Next, read and check every row.")
        if self.files.count():
            self.files.setCurrentRow(0)

    def _show_preview(self, row: int) -> None:
        source = self._sources[row] if 0 <= row < len(self._sources) else None
        self.preview.setModel(FrameModel(source) if source is not None else None)

    # -- reading and checking every row --------------------------------------------------
    def initializePage(self) -> None:
        if not self._watching:
            self.wizard().jobs.busy_changed.connect(self._busy_changed)  # type: ignore[attr-defined]
            self._watching = True
        if self.wizard().session.demo and not self.paths:  # type: ignore[attr-defined]
            self.add_paths([demo_dir()])

    @Slot(bool)
    def _busy_changed(self, busy: bool) -> None:
        self.completeChanged.emit()  # Next waits for the job's thread to be joined

    def start_check(self) -> None:
        wizard = self.wizard()
        session = wizard.session  # type: ignore[attr-defined]
        if wizard.jobs.busy:  # type: ignore[attr-defined]
            return
        worker = GeneratorWorker(lambda stop: session.migration.stage(session.prepared, stop),
                                 lambda item: isinstance(item, Staged))  # fmt: skip
        worker.signals.progress.connect(self._progress)
        worker.signals.result.connect(self._checked)
        worker.signals.failed.connect(self._failed)
        self.check.setEnabled(False)
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.status.setText("Reading and checking every row…")
        wizard.jobs.start(worker)  # type: ignore[attr-defined]

    @Slot(object)
    def _progress(self, item: object) -> None:
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
            f"{rows:,} rows checked: {rejected:,} cannot load as they are (they will be listed "
            f"with the reason), {orphans:,} links point to records not in your files, "
            f"{staged.active_contacts:,} active sales contacts are held back to the last phase."
        )
        self.completeChanged.emit()
        self.wizard().refresh_rail()  # type: ignore[attr-defined]

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
