"""The lazy preview model: opens a big file with one batch, fetches more on demand, passes
Qt's model tester, and never raises from data()."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from wizard.core.sources import open_source
from wizard.gui.models.frame import FrameModel


def _big_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Name", "Email"])
        w.writerows([f"C{i}", f"Person {i}", f"p{i}@example.com"] for i in range(rows))
    return path


def test_big_file_opens_with_one_batch_and_fetches_on_demand(qtbot, tmp_path: Path) -> None:
    source = open_source(_big_csv(tmp_path / "big.csv", 200_000))
    model = FrameModel(source, batch=500)
    assert model.rowCount() == 500 and model.columnCount() == 3
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 1000
    assert model.headerData(0, Qt.Orientation.Vertical) == "2"  # spreadsheet row numbers
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Name"
    assert model.data(model.index(999, 0)) == "C999"
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()  # the view asks for more when it reaches the end
    qtbot.waitUntil(lambda: model.rowCount() > 1000, timeout=5000)


def test_model_passes_the_qt_model_tester(qtmodeltester, tmp_path: Path) -> None:
    source = open_source(_big_csv(tmp_path / "small.csv", 1200))
    model = FrameModel(source, batch=500)
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 1200 and not model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)


def test_frame_model_and_out_of_range_never_raise(qtbot) -> None:
    frame = pd.DataFrame({"a": ["1", "=cmd()"], "b": ["x", ""]}, index=[2, 3], dtype=object)
    model = FrameModel(frame=frame)
    assert model.data(model.index(1, 0)) == "=cmd()"
    assert model.data(model.index(5, 5)) is None
    assert model.headerData(9, Qt.Orientation.Horizontal) is None
    assert "empty" in model.data(model.index(1, 1), Qt.ItemDataRole.AccessibleTextRole)
