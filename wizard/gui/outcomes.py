"""Where every row of each file went, as bars: one stacked bar per file, coloured by outcome
(the report's colours), beside the table with the exact counts."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from wizard.core.report.charts import COLOURS
from wizard.core.runner import BUCKETS, Accounting

ROW, LEGEND, LABEL = 20, 20, 170


class OutcomeBars(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Accounting] = []
        self.setAccessibleName("Where every row went, as bars")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_accounting(self, rows: list[Accounting]) -> None:
        self.rows = [a for a in rows if a.read]
        self.setAccessibleDescription("; ".join(
            f"{a.label}: " + ", ".join(f"{getattr(a, b):,} {b}" for b in BUCKETS if getattr(a, b))
            for a in self.rows))  # fmt: skip
        self.setVisible(bool(self.rows))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(400, LEGEND + ROW * len(self.rows) + 6)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.sizeHint().height())

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.Text)
        x = 0.0
        for bucket in BUCKETS:  # the legend
            p.fillRect(QRectF(x, 4, 10, 10), QColor(COLOURS[bucket]))
            p.setPen(text)
            width = p.fontMetrics().horizontalAdvance(bucket) + 22
            p.drawText(QRectF(x + 14, 0, width, LEGEND - 2),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, bucket)  # fmt: skip
            x += width
        span = max(self.width() - LABEL - 8, 10)
        for i, a in enumerate(self.rows):
            y = LEGEND + i * ROW
            p.setPen(text)
            label = p.fontMetrics().elidedText(a.label, Qt.TextElideMode.ElideMiddle, LABEL - 8)
            p.drawText(QRectF(0, y, LABEL - 8, ROW - 4),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, label)  # fmt: skip
            left = float(LABEL)
            for bucket in BUCKETS:
                n = getattr(a, bucket)
                if not n:
                    continue
                w = span * n / a.read
                p.fillRect(QRectF(left, y + 2, max(w, 1.0), ROW - 6), QColor(COLOURS[bucket]))
                left += w
        p.end()
