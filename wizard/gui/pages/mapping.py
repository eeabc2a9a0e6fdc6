"""Field mapping: per file, drag source columns onto the entity's fields (or select both and
press Map), accept suggestions, see which required fields are still missing; per field, the
transforms, the date order or decimal mark, and a picklist's value map; a live preview of the
first rows as they would load, problem cells marked; save and load the plan. A changed mapping
is checked again (only the files whose mapping changed are read again)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.errors import CutoverError
from wizard.core.plan import Plan, SourcePlan
from wizard.core.preview import PREVIEW_ROWS, distinct_values, preview_rows, unmatched_values
from wizard.core.recognition.vocab import option_for
from wizard.core.transforms import TRANSFORM_LABELS
from wizard.gui.icons import decorate
from wizard.gui.models.mapping import FieldMappingModel, SourceColumnsModel
from wizard.gui.models.preview import PreviewModel

DATE_ORDERS = [("MDY", "Month / day / year (US)"), ("DMY", "Day / month / year"),
               ("YMD", "Year / month / day")]  # fmt: skip
DECIMALS = [(".", "1,234.56 (point)"), (",", "1.234,56 (comma)")]
MATCH_WORDS = {"source_id": "their record ID in the old CRM", "name": "their name",
               "email": "their email address", "domain": "their web domain"}  # fmt: skip
NO_OPTION = "(none: kept as written, flagged)"
ADD_OPTION = "\x00add"  # the combo's last entry: the value becomes a new option


class FieldDetails(QWidget):
    """The selected field: transforms, date order or decimal mark, picklist value map."""

    def __init__(self, page: MappingPage) -> None:
        super().__init__()
        self.page = page
        self.row = -1
        self.title = QLabel("Select a field to see its transforms and value map.")
        self.title.setWordWrap(True)
        self.transforms = QListWidget()
        self.transforms.setAccessibleName("Transforms of the selected field")
        for name, label in TRANSFORM_LABELS.items():
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.transforms.addItem(item)
        self.transforms.itemChanged.connect(self._transforms_changed)
        self.format_label = QLabel()
        self.format = QComboBox()
        self.format.setAccessibleName("Date order, decimal mark, or how a link finds its record")
        self.format.currentIndexChanged.connect(self._format_changed)
        self.values = QTableWidget(0, 2)
        self.values.setTabKeyNavigation(False)  # Tab moves on, arrows move in
        self.values.setHorizontalHeaderLabels(["In your file", "Becomes"])
        self.values.horizontalHeader().setStretchLastSection(True)
        self.values.setAccessibleName("Value map of the selected field")
        self.values_label = QLabel()
        self.values_label.setWordWrap(True)
        # a field no column fills: one value for every row (said in the preview as made)
        self.constant_label = QLabel("Same value for every row:")
        self.constant = QLineEdit()
        self.constant.setAccessibleName("Same value for every row of the selected field")
        self.constant.setPlaceholderText("for a field your file has no column for")
        self.constant.editingFinished.connect(self._constant_changed)
        # or a value made from the row's other columns (an owner's email from the names)
        self.template_label = QLabel("Or make it from the row:")
        self.template = QLineEdit()
        self.template.setAccessibleName("A value made from the row's columns")
        self.template.setPlaceholderText("{First Name}.{Last Name}@acme.com")
        self.template.setToolTip("Write the value with the file's column names in braces: each "
                                 "row's cells take their place. A row where one of them is "
                                 "empty gets no value (it is said, never half-made).")  # fmt: skip
        self.template.editingFinished.connect(self._template_changed)
        left = QVBoxLayout()
        left.addWidget(QLabel("Transforms, applied in list order:"))
        left.addWidget(self.transforms, 1)
        fmt = QHBoxLayout()
        fmt.addWidget(self.format_label)
        fmt.addWidget(self.format, 1)
        left.addLayout(fmt)
        same = QHBoxLayout()
        same.addWidget(self.constant_label)
        same.addWidget(self.constant, 1)
        left.addLayout(same)
        made = QHBoxLayout()
        made.addWidget(self.template_label)
        made.addWidget(self.template, 1)
        left.addLayout(made)
        right = QVBoxLayout()
        right.addWidget(self.values_label)
        right.addWidget(self.values, 1)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)
        self.show_field(-1)

    def show_field(self, row: int) -> None:
        model = self.page.field_model
        self.row = row
        f = model.fields[row] if model and 0 <= row < len(model.fields) else None
        fm = model.splan.field_map(f.name) if f is not None and model else None
        self.transforms.blockSignals(True)
        for i in range(self.transforms.count()):
            item = self.transforms.item(i)
            on = fm is not None and item.data(Qt.ItemDataRole.UserRole) in fm.transforms
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.transforms.blockSignals(False)
        usable = fm is not None and f is not None and f.type != FieldType.REFERENCE
        self.transforms.setEnabled(usable)
        made = f is not None and f.type != FieldType.REFERENCE and (fm is None
                                                                     or bool(fm.template))  # fmt: skip
        self.template.setVisible(made)
        self.template_label.setVisible(made)
        self.template.setText(fm.template if made and fm is not None and fm.template else "")
        constant = f is not None and fm is None and f.type != FieldType.REFERENCE
        self.constant.setVisible(constant)
        self.constant_label.setVisible(constant)
        self.constant.setText(model.splan.constants.get(f.name, "") if constant else "")
        if f is None:
            self.title.setText("Select a field to see its transforms and value map.")
        elif fm is None and f.name in model.splan.constants:
            self.title.setText(f"{f.label}: '{model.splan.constants[f.name]}' for every row "
                               "(no column of your file fills it).")  # fmt: skip
        elif fm is None:
            self.title.setText(f"{f.label}: not mapped. Map a column to it, give one value "
                               "for every row below, or make it from the row's columns.")  # fmt: skip
        elif fm.template:
            self.title.setText(f"{f.label}, made from the row: {fm.template}")
        else:
            self.title.setText(f"{f.label}, from {' + '.join(fm.columns)}")
        self._show_format(f, fm)
        self._show_values(f, fm)

    def _show_format(self, f, fm) -> None:
        self.format.blockSignals(True)
        self.format.clear()
        kind = None
        if fm is not None and f.type in (FieldType.DATE, FieldType.DATETIME):
            orders = self.page.field_model.splan.date_orders
            kind, choices = "date_order", DATE_ORDERS
            current = orders.get(fm.columns[0], "MDY").rstrip("?")
            self.format_label.setText("Dates are written:")
        elif fm is not None and f.type == FieldType.REFERENCE:
            kind = "match_by"
            choices = [(m, MATCH_WORDS[m]) for m in f.match_by]
            current = fm.match_by or "source_id"
            what = ENTITIES[f.ref or ""].label.split(" (")[0].lower()
            self.format_label.setText(f"Finds its record among your {what} by:")
        elif fm is not None and f.type in (FieldType.NUMBER, FieldType.MONEY):
            marks = self.page.field_model.splan.decimal_marks
            kind, choices = "decimal", DECIMALS
            current = marks.get(fm.columns[0], ".")
            self.format_label.setText("Numbers are written:")
        if kind:
            for code, label in choices:
                self.format.addItem(label, code)
            self.format.setCurrentIndex(max(self.format.findData(current), 0))
        self.format.setProperty("kind", kind)
        self.format.setVisible(kind is not None)
        self.format_label.setVisible(kind is not None)
        self.format.blockSignals(False)

    def _show_values(self, f, fm) -> None:
        self.values.setRowCount(0)
        picklist = fm is not None and f.type == FieldType.PICKLIST
        self.values.setEnabled(picklist)
        if not picklist:
            self.values_label.setText("A value map is for fields with a fixed list of values.")
            return
        splan = self.page.field_model.splan
        prepared = self.page.wizard().session.prepared  # type: ignore[attr-defined]
        seen = distinct_values(prepared.source_of(splan), fm.columns)[:200]
        # values anywhere in the file that matched no option at the last check come first
        session = self.page.wizard().session  # type: ignore[attr-defined]
        options = self.page.field_model.options(self.row)
        later = unmatched_values(session.migration.ledger, splan, f.name, options=options)
        seen = list(dict.fromkeys([*later, *seen]))
        vmap = splan.value_maps.get(f.name, {})
        self.values_label.setText(f"Each value in your file becomes one of the {len(options)} "
                                  f"values of {f.label} (the first 2,000 rows, and every value "
                                  "the last check found matching none):")  # fmt: skip
        self.values.setRowCount(len(seen))
        for i, value in enumerate(seen):
            cell = QTableWidgetItem(value)
            cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.values.setItem(i, 0, cell)
            combo = QComboBox()
            combo.addItem(NO_OPTION, "")
            for o in options:
                combo.addItem(o, o)
            # as the check decides it: the value map, else the option the value means
            chosen = vmap.get(value) or option_for(value, f.name, options)[0]
            if value not in options:
                combo.addItem(f"Add '{value}' as a new option", ADD_OPTION)
            combo.setCurrentIndex(max(combo.findData(chosen), 0))
            combo.setAccessibleName(f"{value} becomes")
            combo.currentIndexChanged.connect(self._value_changed)
            combo.setProperty("source_value", value)
            self.values.setCellWidget(i, 1, combo)
        self.values.resizeColumnToContents(0)

    @Slot(QListWidgetItem)
    def _transforms_changed(self, _item: QListWidgetItem) -> None:
        names = [self.transforms.item(i).data(Qt.ItemDataRole.UserRole)
                 for i in range(self.transforms.count())
                 if self.transforms.item(i).checkState() == Qt.CheckState.Checked]  # fmt: skip
        self.page.field_model.set_transforms(self.row, names)

    @Slot()
    def _template_changed(self) -> None:
        page = self.page
        if page.field_model is None or page.column_model is None:
            return
        why = page.field_model.set_template(self.row, self.template.text(),
                                            page.column_model.columns)  # fmt: skip
        if why:
            page.status.setText(why)

    def _constant_changed(self) -> None:
        if self.page.field_model.set_constant(self.row, self.constant.text()):
            self.show_field(self.row)

    @Slot(int)
    def _format_changed(self, _i: int) -> None:
        kind = self.format.property("kind")
        if kind:
            self.page.field_model.set_format(self.row, kind, self.format.currentData())

    @Slot(int)
    def _value_changed(self, _i: int) -> None:
        combo = self.sender()
        if combo.currentData() == ADD_OPTION:
            if self.page.field_model.add_option(self.row, combo.property("source_value")):
                self.show_field(self.row)  # the lists again, with the new option
            return
        self.set_value(combo.property("source_value"), combo.currentData())

    def set_value(self, source_value: str, option: str) -> bool:
        return self.page.field_model.set_value(self.row, source_value, option)


class MappingChange(QUndoCommand):
    """One change of one file's mapping, as the states before and after it (its plan and the
    options added to the plan's picklists): undo puts the earlier state back."""

    def __init__(self, page: MappingPage, row: int, before: dict, after: dict, text: str) -> None:
        super().__init__(text)
        self.page, self.row, self.before, self.after = page, row, before, after
        self._first = True  # pushed after the change was made: the first redo is a no-op

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.page.restore(self.row, self.after)

    def undo(self) -> None:
        self.page.restore(self.row, self.before)


class MappingPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Which column becomes which field")
        self.setSubTitle("Drag a column of your file onto a field of the new CRM, or select "
                         "both and press Map. Fields marked * are required.")  # fmt: skip
        self.dirty = False
        self._watching = False
        self._plans: list[SourcePlan] = []
        self.field_model: FieldMappingModel | None = None
        self.column_model: SourceColumnsModel | None = None
        self.file = QComboBox()
        self.file.setAccessibleName("File to map")
        self.file.currentIndexChanged.connect(self._show_file)
        self.columns = QListView()
        self.columns.setAccessibleName("Columns of your file")
        self.columns.setDragEnabled(True)
        self.columns.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.fields = QTableView()
        self.fields.setTabKeyNavigation(False)  # Tab moves on, arrows move in
        self.fields.setAccessibleName("Fields of the new CRM")
        self.fields.setAcceptDrops(True)
        self.fields.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.fields.setDropIndicatorShown(True)
        self.fields.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields.horizontalHeader().setStretchLastSection(True)
        self.fields.verticalHeader().setVisible(False)
        self.map_button = QPushButton("Map →")
        self.map_button.setToolTip("Map the selected column to the selected field")
        self.map_button.clicked.connect(self.map_selected)
        self.add_button = QPushButton("Add to field +")
        self.add_button.setToolTip("Add the selected column to the field's columns: their values "
                                   "are joined with a space (a name from two columns)")  # fmt: skip
        self.add_button.clicked.connect(self.add_selected)
        unmap = QPushButton("Unmap")
        unmap.clicked.connect(self._unmap_selected)
        accept = QPushButton("Accept suggestion")
        accept.clicked.connect(self._accept_selected)
        accept_all = QPushButton("Accept all suggestions")
        accept_all.clicked.connect(self.accept_all)
        load = decorate(QPushButton("Load plan…"), "load")
        load.setToolTip("Use a plan saved earlier (for example from the rehearsal).")
        load.clicked.connect(self._load_plan)
        save = decorate(QPushButton("Save plan…"), "save")
        save.setToolTip("Save this mapping to a file, to reuse it or keep it with the report.")
        save.clicked.connect(self._save_plan)
        self.preview_model = PreviewModel()
        self.preview = QTableView()
        self.preview.setTabKeyNavigation(False)  # Tab moves on, arrows move in
        self.preview.setModel(self.preview_model)
        self.preview.setAccessibleName("Preview of the rows as they would load")
        self.preview.setWordWrap(False)
        self.preview_label = QLabel()
        self.preview_label.setWordWrap(True)
        preview_tab = QWidget()
        pv = QVBoxLayout(preview_tab)
        pv.addWidget(self.preview_label)
        pv.addWidget(self.preview, 1)
        self.details = FieldDetails(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(preview_tab, "Preview")
        self.tabs.addTab(self.details, "Selected field")
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.recheck = decorate(QPushButton("Check again with this mapping"), "recheck")
        self.recheck.clicked.connect(self.check_again)
        self.recheck.setEnabled(False)
        # undo and redo of mapping changes (Ctrl+Z, Ctrl+Shift+Z); back to the mapping last
        # checked, nothing needs checking again
        self.undo_stack = QUndoStack(self)
        self._snapshot: dict | None = None
        self._checked: str | None = None  # the plan as it was last checked
        self.undo_button = decorate(QPushButton("&Undo"), "undo")
        self.undo_button.setAccessibleName("Undo the last mapping change")
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button = decorate(QPushButton("&Redo"), "redo")
        self.redo_button.setAccessibleName("Redo the mapping change undone")
        self.redo_button.clicked.connect(self.undo_stack.redo)
        # the platform's keys (Ctrl+Z, Ctrl+Shift+Z on Linux) anywhere on the page, except in
        # a text box, whose own undo they are
        self.undo_keys = QShortcut(QKeySequence.StandardKey.Undo, self, self.undo_stack.undo,
                                   context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        self.redo_keys = QShortcut(QKeySequence.StandardKey.Redo, self, self.undo_stack.redo,
                                   context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        keys = {
            "undo": self.undo_keys.key().toString(QKeySequence.SequenceFormat.NativeText),
            "redo": self.redo_keys.key().toString(QKeySequence.SequenceFormat.NativeText),
        }
        self.undo_stack.undoTextChanged.connect(
            lambda text: self.undo_button.setToolTip(f"Undo: {text} ({keys['undo']})"
                                                     if text else ""))  # fmt: skip
        self.undo_stack.redoTextChanged.connect(
            lambda text: self.redo_button.setToolTip(f"Redo: {text} ({keys['redo']})"
                                                     if text else ""))  # fmt: skip
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        file_label = QLabel("&File:")
        file_label.setBuddy(self.file)
        top.addWidget(file_label)
        top.addWidget(self.file, 1)
        top.addWidget(load)
        top.addWidget(save)
        mapping = QWidget()
        middle = QHBoxLayout(mapping)
        middle.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(self.columns, 2)
        buttons = QVBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.map_button)
        buttons.addWidget(self.add_button)
        buttons.addWidget(unmap)
        buttons.addWidget(accept)
        buttons.addWidget(accept_all)
        buttons.addStretch(1)
        middle.addLayout(buttons)
        middle.addWidget(self.fields, 5)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.redo_button)
        bottom.addWidget(self.recheck)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(mapping)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.missing)
        layout.addLayout(bottom)

    def _sources_page(self):
        from wizard.gui.wizard import PageId

        return self.wizard().page(PageId.SOURCES)

    def initializePage(self) -> None:
        if not self._watching:
            self.wizard().jobs.busy_changed.connect(self._busy_changed)  # type: ignore[attr-defined]
            self._watching = True
        prepared = self.wizard().session.prepared  # type: ignore[attr-defined]
        self._plans = [s for s in prepared.plan.sources if s.entity]
        self.undo_stack.clear()  # the files (and their plans) may have changed since
        if not self.dirty and self._sources_page().staged is not None:
            self._checked = self.plan_key()
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
        self.field_model = FieldMappingModel(splan, plan=prepared.plan)
        self.field_model.changed.connect(self._mapping_changed)
        self._snapshot = self._state(splan)
        self.columns.setModel(self.column_model)
        self.fields.setModel(self.field_model)
        self.fields.selectionModel().currentRowChanged.connect(self._field_selected)
        self.fields.resizeColumnsToContents()
        self._show_missing()
        self.details.show_field(-1)
        self.refresh_preview()

    @Slot(QModelIndex, QModelIndex)
    def _field_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.details.show_field(current.row())

    def refresh_preview(self) -> None:
        """The first rows as they would load with the mapping as it is now."""
        row = self.file.currentIndex()
        if not 0 <= row < len(self._plans):
            return
        session = self.wizard().session  # type: ignore[attr-defined]
        splan = self._plans[row]
        pv = preview_rows(session.prepared.plan, splan, session.prepared.source_of(splan))
        self.preview_model.set_preview(pv)
        self.preview.resizeColumnsToContents()
        text = pv.summary(PREVIEW_ROWS)  # rows that cannot load count, with or without a cell
        self.preview_label.setText(text)

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

    def add_selected(self) -> bool:
        """The selected column joins the selected field's columns (combined with a space)."""
        col = self.columns.currentIndex()
        field = self.fields.currentIndex()
        if not (col.isValid() and field.isValid() and self.field_model and self.column_model):
            self.status.setText("Select a column on the left and a field on the right first.")
            return False
        if not self.field_model.assign(field.row(), self.column_model.columns[col.row()],
                                       add=True):  # fmt: skip
            self.status.setText("Columns are combined into a text field; a link or an empty "
                                "field takes one column: use Map.")  # fmt: skip
            return False
        return True

    def _unmap_selected(self) -> None:
        if self.field_model and self.fields.currentIndex().isValid():
            self.field_model.unmap(self.fields.currentIndex().row())

    def _accept_selected(self) -> None:
        if self.field_model and self.fields.currentIndex().isValid():
            self.field_model.accept(self.fields.currentIndex().row())

    def accept_all(self) -> int:
        return self.field_model.accept_all() if self.field_model else 0

    # -- the plan as a file --------------------------------------------------------------
    def _save_plan(self) -> None:
        session = self.wizard().session  # type: ignore[attr-defined]
        start = str(session.migration.folder / "plan-copy.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save plan", start, "Plan (*.json)")
        if path:
            self.save_plan(Path(path))

    def save_plan(self, path: Path) -> None:
        session = self.wizard().session  # type: ignore[attr-defined]
        try:
            session.prepared.plan.save(path)
        except OSError as exc:
            self.status.setText(f"The plan could not be saved to {path}: {exc.strerror}. "
                                "Choose another folder.")  # fmt: skip
            return
        self.status.setText(f"Plan saved to {path}.")

    def _load_plan(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load plan", "", "Plan (*.json)")
        if path:
            self.load_plan(Path(path))

    def load_plan(self, path: Path) -> bool:
        """Use a saved plan for the files on the Sources page: its mapping, transforms and
        value maps replace the ones shown; files it does not know are mapped automatically."""
        session = self.wizard().session  # type: ignore[attr-defined]
        sources = self._sources_page()
        try:
            Plan.load(path)  # a clear message when it is not a plan
            prepared = session.migration.prepare(sources.paths, plan_path=path)
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return False
        prepared.plan.method = session.method
        session.prepared = prepared
        sources.staged = None
        self.initializePage()
        self.dirty = True
        self.recheck.setEnabled(True)
        self.status.setText(f"Plan loaded from {path.name}: check every row again with it.")
        self.completeChanged.emit()
        return True

    # -- undo and redo ---------------------------------------------------------------------
    def _state(self, splan: SourcePlan) -> dict:
        plan = self.wizard().session.prepared.plan  # type: ignore[attr-defined]
        # a copy: to_dict() hands out the plan's own dicts, which the next change edits
        return json.loads(json.dumps({"splan": splan.to_dict(), "options": plan.options}))

    def plan_key(self) -> str:
        """The plan's mapping as text: equal texts, the same check."""
        plan = self.wizard().session.prepared.plan  # type: ignore[attr-defined]
        return json.dumps([[s.to_dict() for s in plan.sources], plan.options], sort_keys=True)

    def restore(self, row: int, state: dict) -> None:
        """Put a file's mapping back as it was (undo, redo); the same object, so every view of
        it sees the change."""
        prepared = self.wizard().session.prepared  # type: ignore[attr-defined]
        if prepared is None or not 0 <= row < len(self._plans):
            return  # the project was closed: nothing to put back
        plan = prepared.plan
        splan = self._plans[row]
        fresh = SourcePlan.from_dict(state["splan"])
        splan.__dict__.update(fresh.__dict__)
        plan.options.clear()
        plan.options.update(json.loads(json.dumps(state["options"])))
        selected = self.fields.currentIndex().row() if self.field_model else -1
        if self.file.currentIndex() != row:
            self.file.setCurrentIndex(row)  # shows it
        else:
            self._show_file(row)
        if selected >= 0 and self.field_model and selected < self.field_model.rowCount():
            self.fields.setCurrentIndex(self.field_model.index(selected, 0))
        self._after_change()

    # -- a changed mapping is checked again ----------------------------------------------
    @Slot()
    def _mapping_changed(self) -> None:
        row = self.file.currentIndex()
        if (
            self.field_model is not None
            and self._snapshot is not None
            and 0 <= row < len(self._plans)
        ):
            after = self._state(self._plans[row])
            if after != self._snapshot:
                what = f"a change to {self._plans[row].label}'s mapping"
                self.undo_stack.push(MappingChange(self, row, self._snapshot, after, what))
                self._snapshot = after
        self._after_change()

    def _after_change(self) -> None:
        back = self._checked is not None and self.plan_key() == self._checked
        self.dirty = not back
        self.recheck.setEnabled(not back)
        if self.column_model:
            self.column_model.refresh()
        self._show_missing()
        self.details.show_field(self.fields.currentIndex().row())
        self.refresh_preview()
        self.status.setText("The mapping is the one last checked: nothing to check again."
                            if back else
                            "The mapping changed: check every row again before going on.")  # fmt: skip
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
                self._checked = self.plan_key()
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
