"""The mapping page's live preview: the first rows as they would load, problem cells marked.

An error cell (the row cannot load: nothing in it names the record) is tinted red, a warning
cell (the value could not be read and is kept as written, or was made from the rest of the row)
amber, showing the value as written; hovering shows why and what to do. Text on a tinted cell is always dark,
so it stays readable on dark palettes too.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from wizard.core.preview import Preview

Index = QModelIndex | QPersistentModelIndex
TINTS = {"error": QColor("#F9D0CB"), "warning": QColor("#FFE9A8")}
DARK = QColor("#111111")


class PreviewModel(QAbstractTableModel):
    def __init__(self, preview: Preview | None = None, parent=None) -> None:
        super().__init__(parent)
        self.preview = preview or Preview([], [], [], [])

    def set_preview(self, preview: Preview) -> None:
        self.beginResetModel()
        self.preview = preview
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.preview.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.preview.fields)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:  # fmt: skip
        pv = self.preview
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(pv.labels):
                return pv.labels[section]
            return None
        if not 0 <= section < len(pv.rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"Row {pv.rows[section]}" + (" ✗" if section in pv.row_errors else "")
        if role == Qt.ItemDataRole.ToolTipRole and section in pv.row_errors:
            return f"This row cannot load as it is: {pv.row_errors[section]}"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        pv = self.preview
        if not index.isValid() or not 0 <= index.row() < len(pv.rows):
            return None
        key = (index.row(), index.column())
        problem = pv.problems.get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            value = pv.values[index.row()][index.column()]
            if problem is not None and not value:
                return "(left out)" if problem.severity == "warning" else "(cannot load)"
            return value
        if problem is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(TINTS.get(problem.severity, TINTS["warning"]))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(DARK)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{problem.message}\n{problem.fix}"
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return f"{problem.severity}: {problem.message}"
        return None
