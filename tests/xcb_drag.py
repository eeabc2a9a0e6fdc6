"""A real mouse drag on the field mapping page, on a real display server (Xvfb).

Qt's offscreen platform has no drag and drop, so ``test_gui_mapping_drag`` runs this script
under ``xvfb-run`` with the xcb platform. The mouse is pressed on a column of the file, moved
(which starts Qt's own drag), moved over a field of the new CRM and released there. Prints the
columns the field then maps from, as JSON, and exits 0 when it is the dragged column.

    xvfb-run -a python tests/xcb_drag.py EXPORT_FOLDER PROJECT_FOLDER
"""

from __future__ import annotations

import json
import sys
import time

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

LEFT = Qt.MouseButton.LeftButton


def main(export: str, project: str) -> int:
    app = QApplication(sys.argv[:1])
    from wizard.gui.wizard import CutoverWizard, PageId

    w = CutoverWizard()
    w.session.open(project)
    w.session.prepared = w.session.migration.prepare([export])
    w.setStartId(PageId.MAPPING)
    w.resize(1280, 800)
    w.show()
    w.restart()
    QTest.qWaitForWindowExposed(w)
    page = w.currentPage()
    names = [page.file.itemText(i) for i in range(page.file.count())]
    page.file.setCurrentIndex(next(i for i, n in enumerate(names) if n.startswith("contacts")))
    cols, fields = page.column_model, page.field_model
    src = page.columns.visualRect(cols.index(cols.columns.index("Shoe Size"))).center()
    row = [f.name for f in fields.fields].index("title")
    page.fields.scrollTo(fields.index(row, 0))
    app.processEvents()
    dst = page.fields.visualRect(fields.index(row, 1)).center()
    window = w.windowHandle()
    at = page.fields.viewport().mapTo(w, dst)

    def over_the_field() -> None:  # runs inside QDrag.exec's own event loop
        QTest.mouseMove(window, at - QPoint(5, 0))
        QTest.mouseMove(window, at)
        QTest.mouseRelease(window, LEFT, Qt.KeyboardModifier.NoModifier, at)

    QTimer.singleShot(300, over_the_field)
    view = page.columns.viewport()
    for kind, pos, button in ((QEvent.Type.MouseButtonPress, src, LEFT),
                              (QEvent.Type.MouseMove, src + QPoint(40, 0), Qt.MouseButton.NoButton)):  # fmt: skip
        QApplication.sendEvent(view, QMouseEvent(kind, QPointF(pos), QPointF(view.mapToGlobal(pos)),
                                                 button, LEFT, Qt.KeyboardModifier.NoModifier))  # fmt: skip
    end = time.monotonic() + 5
    while time.monotonic() < end and not page.dirty:
        app.processEvents()
    fm = page.field_model.splan.field_map("title")
    columns = fm.columns if fm else []
    print(json.dumps({"title": columns, "dirty": page.dirty}))
    w.session.close()
    return 0 if columns == ["Shoe Size"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
