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


def test_the_link_diagram_draws_every_link_with_its_counts(qtbot) -> None:
    from wizard.gui.diagram import LinkDiagram, diagram_data

    boxes, arrows = diagram_data(
        [("deals.csv", "deal", 250), ("companies.csv", "company", 50),
         ("contacts.csv", "contact", 500)],
        {"contact.company": 499, "deal.company": 250, "deal.contact": 248, "deal.owner": 0},
        {"contact.company": 1, "deal.contact": 2, "deal.owner": 30})  # fmt: skip
    assert [b.entity for b in boxes] == ["owner", "company", "contact", "deal"]  # load order
    assert boxes[0].files == [] and boxes[0].rows == 0  # made from the links only
    view = LinkDiagram()
    qtbot.addWidget(view)
    view.show_links(boxes, arrows)
    view.resize(900, view.sizeHint().height())
    at = [b.entity for b in boxes]
    spans = [sorted((at.index(a.child), at.index(a.parent))) for a in view.arrows]
    for i, (lo, hi) in enumerate(spans):  # arrows on one level never overlap
        for j in range(i):
            if view.levels[i] == view.levels[j]:
                assert hi <= spans[j][0] or lo >= spans[j][1]
    assert not view.grab().isNull()
    text = view.accessibleDescription()
    assert "Contacts to Companies by company: 499 found, 1 not in your files" in text
    assert "30 not in your files" in text
    assert view.minimumSizeHint().width() < 900  # it never pushes the window wider


def test_outcome_bars_show_where_every_row_of_each_file_went(qtbot) -> None:
    from wizard.core.runner import Accounting
    from wizard.gui.outcomes import OutcomeBars

    bars = OutcomeBars()
    qtbot.addWidget(bars)
    rows = [Accounting("contacts.csv", "contact", read=500, loaded=223, deferred=277),
            Accounting("empty.csv", "contact", read=0)]  # fmt: skip
    bars.set_accounting(rows)
    assert [a.label for a in bars.rows] == ["contacts.csv"]  # a file with no rows: no bar
    assert bars.accessibleDescription() == "contacts.csv: 223 loaded, 277 deferred"
    bars.resize(600, bars.sizeHint().height())
    assert not bars.grab().isNull()
    bars.set_accounting([])
    assert bars.isHidden()
