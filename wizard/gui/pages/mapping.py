"""Field mapping: per file, drag source columns onto the entity's fields (or select both and
press Map), accept suggestions, see which required fields are still missing. A changed mapping
is checked again (only the files whose mapping changed are read again)."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWizardPage,
)

from wizard.core.blueprint import ENTITIES
from wizard.core.errors import CutoverError
from wizard.core.plan import SourcePlan
from wizard.gui.models.mapping import FieldMappingModel, SourceColumnsModel


class MappingPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Which column becomes which field")
        self.setSubTitle("Drag a column of your file onto a field of the new CRM, or select "
                         "both and press Map. Fields marked * are required.")  # fmt: skip
        self.file = QComboBox()
        self.file.setAccessibleName("File to map")
        self.file.currentIndexChanged.connect(self._show_file)
        self.columns = QListView()
        self.columns.setAccessibleName("Columns of your file")
        self.columns.setDragEnabled(True)
        self.columns.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.fields = QTableView()
        self.fields.setAccessibleName("Fields of the new CRM")
        self.fields.setAcceptDrops(True)
        self.fields.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.fields.setDropIndicatorShown(True)
        self.fields.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.map_button = QPushButton("Map →")
        self.map_button.setToolTip("Map the selected column to the selected field")
        self.map_button.clicked.connect(self.map_selected)
        unmap = QPushButton("Unmap")
        unmap.clicked.connect(self._unmap_selected)
        accept = QPushButton("Accept suggestion")
        accept.clicked.connect(self._accept_selected)
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.recheck = QPushButton("Check again with this mapping")
        self.recheck.clicked.connect(self.check_again)
        self.recheck.setEnabled(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("File:"))
        top.addWidget(self.file, 1)
        middle = QHBoxLayout()
        middle.addWidget(self.columns, 2)
        buttons = QVBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.map_button)
        buttons.addWidget(unmap)
        buttons.addWidget(accept)
        buttons.addStretch(1)
        middle.addLayout(buttons)
        middle.addWidget(self.fields, 5)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.recheck)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addWidget(self.missing)
        layout.addLayout(bottom)
        self.dirty = False
        self._watching = False
        self._plans: list[SourcePlan] = []
        self.field_model: FieldMappingModel | None = None
        self.column_model: SourceColumnsModel | None = None

    def _sources_page(self):
        from wizard.gui.wizard import PageId

        return self.wizard().page(PageId.SOURCES)

    def initializePage(self) -> None:
        if not self._watching:
            self.wizard().jobs.busy_changed.connect(self._busy_changed)  # type: ignore[attr-defined]
            self._watching = True
        prepared = self.wizard().session.prepared  # type: ignore[attr-defined]
        self._plans = [s for s in prepared.plan.sources if s.entity]
        self.file.blockSignals(True)
        self.file.clear()
        for splan in self._plans:
            self.file.addItem(f"{splan.label} — {ENTITIES[splan.entity].label}")
        self.file.blockSignals(False)
        self._show_file(0)

    def _show_file(self, row: int) -> None:
        if not 0 <= row < len(self._plans):
            return
        prepared = self.wizard().session.prepared  # type: ignore[attr-defined]
        splan = self._plans[row]
        source = prepared.sources.get((splan.file, splan.options.sheet))
        columns = source.columns if source else []
        try:
            sample = source.preview(50) if source else None
        except CutoverError as exc:  # the file moved or changed since it was added
            sample = None
            self.status.setText(f"{exc.message} {exc.hint}".strip())
        self.column_model = SourceColumnsModel(splan, columns, sample)
        self.field_model = FieldMappingModel(splan)
        self.field_model.changed.connect(self._mapping_changed)
        self.columns.setModel(self.column_model)
        self.fields.setModel(self.field_model)
        self.fields.resizeColumnsToContents()
        self._show_missing()

    def _show_missing(self) -> None:
        missing = self.field_model.missing_required() if self.field_model else []
        self.missing.setText("Still needed: " + ", ".join(missing) + "." if missing else "")

    # -- keyboard alternatives -----------------------------------------------------------
    def map_selected(self) -> bool:
        col = self.columns.currentIndex()
        field = self.fields.currentIndex()
        if not (col.isValid() and field.isValid() and self.field_model and self.column_model):
            self.status.setText("Select a column on the left and a field on the right first.")
            return False
        return self.field_model.assign(field.row(), self.column_model.columns[col.row()])

    def _unmap_selected(self) -> None:
        if self.field_model and self.fields.currentIndex().isValid():
            self.field_model.unmap(self.fields.currentIndex().row())

    def _accept_selected(self) -> None:
        if self.field_model and self.fields.currentIndex().isValid():
            self.field_model.accept(self.fields.currentIndex().row())

    # -- a changed mapping is checked again ----------------------------------------------
    @Slot()
    def _mapping_changed(self) -> None:
        self.dirty = True
        self.recheck.setEnabled(True)
        if self.column_model:
            self.column_model.refresh()
        self._show_missing()
        self.status.setText("The mapping changed: check every row again before going on.")
        self.completeChanged.emit()

    def check_again(self) -> None:
        session = self.wizard().session  # type: ignore[attr-defined]
        session.migration.save_plan(session.prepared.plan)
        self.recheck.setEnabled(False)
        self.status.setText("Reading and checking every row…")
        self._sources_page().start_check()

    @Slot(bool)
    def _busy_changed(self, busy: bool) -> None:
        sources = self._sources_page()
        if not busy and self.dirty and not self.recheck.isEnabled():
            if sources.staged is not None:
                self.dirty = False
                self.status.setText(sources.status.text())
            else:
                self.recheck.setEnabled(True)
                self.status.setText(sources.status.text())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        wizard = self.wizard()
        if wizard is None or self.dirty or wizard.jobs.busy:  # type: ignore[attr-defined]
            return False
        return not (self.field_model and self.field_model.missing_required())

    def validatePage(self) -> bool:
        session = self.wizard().session  # type: ignore[attr-defined]
        session.migration.save_plan(session.prepared.plan)
        return True

    def nextId(self) -> int:
        from wizard.gui.wizard import PageId

        return PageId.RELATIONS
