"""Validation: what every row's check found, grouped by problem, with the rows behind each,
and an export to a spreadsheet. Rows that cannot load are listed again, with their reason, in
each phase's error file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from wizard.core.exports import write_findings
from wizard.core.validate import RULE_TITLES
from wizard.gui.icons import decorate

SEVERITY_WORDS = {"error": "cannot load as is", "warning": "loads, worth a look",
                  "info": "for your information"}  # fmt: skip


class ValidationPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("What the check found")
        self.setSubTitle("Every row was checked. Problems are grouped below; open one to see "
                         "the rows behind it. Nothing is loaded yet: 'Start loading' fixes the "
                         "plan, and the phases follow.")  # fmt: skip
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Problem", "Rows", "Details"])
        self.tree.setAccessibleName("Validation findings")
        self.tree.currentItemChanged.connect(self._show_row)
        self.row_view = QPlainTextEdit()
        self.row_view.setReadOnly(True)
        self.row_view.setAccessibleName("The row behind the selected finding")
        self.row_view.setPlaceholderText("Select a row in the list to see it in full.")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        # long lists: type to keep the rows whose file, row, value or message holds the words
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find in the findings: a file, a row number, a value, "
                                       "a word of the message")  # fmt: skip
        self.search.setAccessibleName("Find in the findings")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        export = decorate(QPushButton("Export to a spreadsheet…"), "export")
        export.clicked.connect(self._export)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(export)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.search)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.row_view)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Start loading >")

    def initializePage(self) -> None:
        if not getattr(self, "_watching", False):
            self.wizard().jobs.busy_changed.connect(self.completeChanged)  # type: ignore[attr-defined]
            self._watching = True
        staged = self.wizard().page_staged()  # type: ignore[attr-defined]
        self.tree.clear()
        if staged is None:  # a reopened project: check every row again first
            self.summary.setText("Reading and checking your files again…")
            self.wizard().recheck_then(self.initializePage)  # type: ignore[attr-defined]
            return
        if staged.findings is None:
            self.summary.setText("Read and check your files first.")
            return
        findings = staged.findings
        counts: dict[tuple[str, str], int] = {}
        for (_file, rule, severity), n in findings.counts.items():
            counts[(rule, severity)] = counts.get((rule, severity), 0) + n
        by_rule = findings.by_rule()
        order = {"error": 0, "warning": 1, "info": 2}
        for (rule, severity), n in sorted(counts.items(), key=lambda kv: (order[kv[0][1]], -kv[1])):
            title = RULE_TITLES.get(rule, rule)
            item = QTreeWidgetItem([title, f"{n:,}", SEVERITY_WORDS.get(severity, severity)])
            for f in by_rule.get(rule, []):
                if f.severity != severity:
                    continue
                where = f"{f.file}, row {f.row}" if f.row else f.file
                child = QTreeWidgetItem([where, "", f"{f.message} {f.fix}"])
                child.setData(1, Qt.ItemDataRole.UserRole,
                              f"{where} {f.column or ''} {f.value} {f.message}".casefold())  # fmt: skip
                child.setData(0, Qt.ItemDataRole.UserRole, (f.file, f.row))
                child.setToolTip(2, f"{f.message}\n{f.fix}")
                item.addChild(child)
            self.tree.addTopLevelItem(item)
        errors = sum(n for (_, s), n in counts.items() if s == "error")
        warnings = sum(n for (_, s), n in counts.items() if s == "warning")
        merged = sum(staged.duplicates.values())
        self.summary.setText(
            f"{errors:,} problems stop a row from loading (those rows are rejected with the "
            f"reason and listed in the error files); {warnings:,} warnings; {merged:,} duplicate "
            f"row{'s' if merged != 1 else ''} will be merged into the record "
            f"{'they repeat' if merged != 1 else 'it repeats'}."
        )
        self.tree.resizeColumnToContents(0)
        self.filter(self.search.text())

    @Slot(str)
    def filter(self, text: str) -> int:
        """Keep the findings whose file, row, column, value or message hold every word of
        ``text`` (a group stays while one of its rows does); returns how many rows show."""
        words = text.casefold().split()
        shown = 0
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            title = group.text(0).casefold()
            visible = 0
            for j in range(group.childCount()):
                child = group.child(j)
                hay = f"{title} {child.data(1, Qt.ItemDataRole.UserRole) or ''}"
                hit = all(w in hay for w in words)
                child.setHidden(not hit)
                visible += hit
            group.setHidden(bool(words) and not visible and not all(w in title for w in words))
            if words and visible:
                group.setExpanded(True)
            shown += visible
        return shown

    def _show_row(self, item: QTreeWidgetItem | None, _before: object = None) -> None:
        where = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if not where or where[1] is None:
            self.row_view.clear()
            return
        label, row = where
        mig = self.wizard().session.migration  # type: ignore[attr-defined]
        values = mig.staged_row(label, row)
        lines = [f"{label}, row {row}:"] + [f"  {k}: {v}" for k, v in values.items()]
        self.row_view.setPlainText("\n".join(lines) if values else f"{label}, row {row}.")

    def _export(self) -> None:
        staged = self.wizard().page_staged()  # type: ignore[attr-defined]
        if staged is None or staged.findings is None:
            return
        folder = self.wizard().session.migration.exports  # type: ignore[attr-defined]
        path, _ = QFileDialog.getSaveFileName(self, "Export findings",
                                              str(folder / "validation.xlsx"),
                                              "Excel workbook (*.xlsx)")  # fmt: skip
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> Path:
        staged = self.wizard().page_staged()  # type: ignore[attr-defined]
        written = write_findings(staged.findings, path)
        self.summary.setText(f"{self.summary.text()}\nSaved to {written}.")
        return written

    def isComplete(self) -> bool:
        wizard = self.wizard()
        if wizard is None or wizard.jobs.busy:  # type: ignore[attr-defined]
            return False
        return wizard.page_staged() is not None  # type: ignore[attr-defined]

    def nextId(self) -> int:
        from wizard.gui.wizard import PageId

        return PageId.REHEARSAL
