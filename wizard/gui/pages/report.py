"""The cutover report, from the wizard: PDF, HTML or XLSX, written in a worker, then the folder
opens. On its own page at the end of the wizard, and on the checkpoint page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wizard.gui.icons import decorate
from wizard.gui.pages.base import SessionPage
from wizard.gui.workers import GeneratorWorker

FORMAT_NAMES = {".pdf": "PDF", ".html": "HTML", ".xlsx": "Excel workbook"}


def _make(session, path: Path):
    """The worker's generator: the report, built and written (one item: the file)."""
    from wizard.core.report import build_report, write_report

    report = build_report(session.project, session.migration, session.live)
    yield write_report(report, path)


class ReportExporter(QWidget):
    """Three buttons (PDF, HTML, XLSX) and what happened."""

    def __init__(self, page: SessionPage) -> None:
        super().__init__()
        self.page = page
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for suffix, name in FORMAT_NAMES.items():
            button = decorate(QPushButton(f"Save the report as {name}…"), "save")
            button.clicked.connect(lambda _=False, s=suffix: self._choose(s))
            self.buttons[suffix] = button
            row.addWidget(button)
        self.open_folder = decorate(QPushButton("Open the folder"), "open")
        self.open_folder.setEnabled(False)
        self.open_folder.clicked.connect(self._open)
        row.addWidget(self.open_folder)
        row.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.written: Path | None = None

    def default_path(self, suffix: str) -> Path:
        folder = self.page.session.migration.folder / "reports"
        return folder / f"cutover-report-{date.today().isoformat()}{suffix}"

    def _choose(self, suffix: str) -> None:
        start = str(self.default_path(suffix))
        path, _ = QFileDialog.getSaveFileName(self, "Save the cutover report", start,
                                              f"{FORMAT_NAMES[suffix]} (*{suffix})")  # fmt: skip
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> bool:
        wizard = self.page.wizard()
        if wizard.jobs.busy:  # type: ignore[attr-defined]
            self.status.setText("Another step is still running; try again in a moment.")
            return False
        session = self.page.session
        worker = GeneratorWorker(lambda stop: _make(session, path),
                                 lambda item: isinstance(item, Path))  # fmt: skip
        worker.signals.result.connect(self._written)
        worker.signals.failed.connect(self._failed)
        for button in self.buttons.values():
            button.setEnabled(False)
        self.status.setText(f"Writing {path.name}…")
        wizard.jobs.start(worker)  # type: ignore[attr-defined]
        return True

    @Slot(object)
    def _written(self, path: object) -> None:
        assert isinstance(path, Path)
        self.written = path
        self.status.setText(f"Written: {path}")
        self._done()

    @Slot(str, str)
    def _failed(self, message: str, _details: str) -> None:
        self.status.setText(message)
        self._done()

    def _done(self) -> None:
        for button in self.buttons.values():
            button.setEnabled(True)
        self.open_folder.setEnabled(self.written is not None)

    def _open(self) -> None:
        if self.written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written.parent)))


class ReportPage(SessionPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("The cutover report")
        self.setSubTitle("The proof the migration was done right, and the record of what was "
                         "not: for your boss, your auditors, and you in six months.")  # fmt: skip
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.exporter = ReportExporter(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addWidget(self.exporter)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.verdict.setText("It holds the summary and verdict, every phase's accounting and "
                             "reconciliation (sandbox and live), the rejections with example "
                             "rows, orphans and merged duplicates, QA with spot checks and "
                             "sign-off, the checklists, any override, the plan and the journal.")  # fmt: skip

    def nextId(self) -> int:
        return -1
