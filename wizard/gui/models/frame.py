"""A read-only table model over a source file that loads lazily: a million-row file opens at
once, and rows arrive in batches as the view scrolls (``canFetchMore``/``fetchMore``).

``data()`` never raises: a value that cannot be shown becomes an empty cell with the reason in
its tooltip. The vertical header shows the spreadsheet's own row numbers, so what the admin
sees matches what validation reports.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from wizard.core.errors import CutoverError
from wizard.core.sources import Source

Index = QModelIndex | QPersistentModelIndex
BATCH = 500
MAX_ROWS = 200_000  # a preview, not a copy of the file: beyond this, ask for the validation


class FrameModel(QAbstractTableModel):
    def __init__(self, source: Source | None = None, frame: pd.DataFrame | None = None,
                 batch: int = BATCH, max_rows: int = MAX_ROWS, parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self._batch, self._max = batch, max_rows
        self._columns: list[str] = []
        self._values: list[list[str]] = []  # loaded rows, as plain strings
        self._row_numbers: list[int] = []
        self._stream: Iterator[pd.DataFrame] | None = None
        self.error: str = ""  # why reading stopped, in plain words
        if source is not None:
            self._columns = list(source.columns)
            self._stream = source.stream(batch)
            self._fetch()
        elif frame is not None:
            self._columns = [str(c) for c in frame.columns]
            self._append(frame)

    # -- loading ---------------------------------------------------------------------------
    def _append(self, frame: pd.DataFrame) -> None:
        self._values.extend(frame.astype(str).to_numpy().tolist())
        self._row_numbers.extend(int(i) for i in frame.index)

    def _fetch(self) -> int:
        if self._stream is None:
            return 0
        try:
            frame = next(self._stream)
        except StopIteration:
            self._stream = None
            return 0
        except CutoverError as exc:
            self.error, self._stream = exc.message, None
            return 0
        room = self._max - len(self._values)
        if len(frame) >= room:
            frame, self._stream = frame.iloc[:room], None
        if frame.empty:
            return 0
        first = len(self._values)
        self.beginInsertRows(QModelIndex(), first, first + len(frame) - 1)
        self._append(frame)
        self.endInsertRows()
        return len(frame)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._stream is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not parent.isValid():
            self._fetch()

    # -- the table ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._values)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        try:
            value = self._values[index.row()][index.column()]
        except IndexError:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return value
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._columns[index.column()]}: {value or 'empty'}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:  # fmt: skip
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section] if 0 <= section < len(self._columns) else None
        return str(self._row_numbers[section]) if 0 <= section < len(self._row_numbers) else None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    @property
    def columns(self) -> list[str]:
        return list(self._columns)
