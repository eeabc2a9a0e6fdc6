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


class ReasonBars(QWidget):
    """Why rows were rejected: one bar per reason, longest first, the count at its end and the
    reason in full above it (a reason too long for the window wraps)."""

    BAR = 14

    def __init__(self) -> None:
        super().__init__()
        self.reasons: list[tuple[str, int]] = []
        self.setAccessibleName("Rejected rows by reason, as bars")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_reasons(self, reasons: list[tuple[str, int]]) -> None:
        self.reasons = sorted(((r, n) for r, n in reasons if n), key=lambda rn: -rn[1])
        self.setAccessibleDescription("; ".join(f"{n:,} rejected: {r}" for r, n in self.reasons))
        self.setVisible(bool(self.reasons))
        self.updateGeometry()
        self.update()

    def _text_rect(self, reason: str, width: int) -> QRectF:
        flags = Qt.TextFlag.TextWordWrap
        r = self.fontMetrics().boundingRect(0, 0, max(width, 50), 10_000, flags, reason)
        return QRectF(0, 0, max(width, 50), r.height())

    def _height(self, width: int) -> int:
        return sum(int(self._text_rect(r, width).height()) + self.BAR + 8
                   for r, _ in self.reasons) + 4  # fmt: skip

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._height(width)

    def sizeHint(self) -> QSize:
        return QSize(400, self._height(max(self.width(), 400)))

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self._height(max(self.width(), 200)))

    def resizeEvent(self, event) -> None:
        self.setMinimumHeight(self._height(self.width()))
        super().resizeEvent(event)

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.Text)
        most = max((n for _, n in self.reasons), default=1)
        numbers = max((p.fontMetrics().horizontalAdvance(f"{n:,}") for _, n in self.reasons),
                      default=0) + 10  # fmt: skip
        span = max(self.width() - numbers, 20)
        y = 2.0
        for reason, n in self.reasons:
            box = self._text_rect(reason, self.width()).translated(0, y)
            p.setPen(text)
            p.drawText(box, int(Qt.TextFlag.TextWordWrap), reason)
            y += box.height() + 2
            w = span * n / most
            p.fillRect(QRectF(0, y, max(w, 2.0), self.BAR), QColor(COLOURS["rejected"]))
            p.drawText(QRectF(w + 6, y - 2, numbers, self.BAR + 4),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, f"{n:,}")  # fmt: skip
            y += self.BAR + 6
        p.end()
