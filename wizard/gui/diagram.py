"""A picture of how the files link: one box per kind of record (its files and rows), one arrow
per link from the records that hold it to the records it points to, with how many rows found
their record and how many point to records that are in none of the files."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from wizard.core.blueprint import ENTITIES, LOAD_ORDER


@dataclass
class Box:
    entity: str
    files: list[str]
    rows: int


@dataclass
class Arrow:
    child: str
    parent: str
    label: str  # the link's field, in words
    found: int
    orphans: int


def diagram_data(files: list[tuple[str, str, int]], links: dict[str, int],
                 orphans: dict[str, int]) -> tuple[list[Box], list[Arrow]]:  # fmt: skip
    """Boxes and arrows from the check's result: ``files`` as (label, entity, rows), ``links``
    and ``orphans`` by relation ('contact.company')."""
    boxes: dict[str, Box] = {}
    for label, entity, rows in files:
        box = boxes.setdefault(entity, Box(entity, [], 0))
        box.files.append(label)
        box.rows += rows
    arrows = []
    for relation in sorted(set(links) | set(orphans)):
        child, name = relation.split(".")
        f = ENTITIES[child].field(name)
        parent = f.ref or ""
        for end in (child, parent):
            boxes.setdefault(end, Box(end, [], 0))
        arrows.append(Arrow(child, parent, f.label.lower(), links.get(relation, 0),
                            orphans.get(relation, 0)))  # fmt: skip
    order = {name: i for i, name in enumerate(LOAD_ORDER)}
    return sorted(boxes.values(), key=lambda b: order.get(b.entity, 99)), arrows


class LinkDiagram(QWidget):
    """Parents on the left, as they load; each arrow bends above the boxes, on the lowest level
    where it crosses no other arrow's label, from a point of its own on each box."""

    BOX_W, BOX_H, GAP, LEVEL = 150, 64, 96, 44

    def __init__(self) -> None:
        super().__init__()
        self.boxes: list[Box] = []
        self.arrows: list[Arrow] = []
        self.levels: list[int] = []
        self.setAccessibleName("Diagram of how your files link")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_links(self, boxes: list[Box], arrows: list[Arrow]) -> None:
        self.boxes = boxes
        at = {b.entity: i for i, b in enumerate(boxes)}
        self.arrows = sorted((a for a in arrows if a.child in at and a.parent in at),
                             key=lambda a: abs(at[a.child] - at[a.parent]))  # fmt: skip
        taken: list[list[tuple[float, float]]] = []
        self.levels = []
        for a in self.arrows:  # the lowest level whose arrows' spans this one does not touch
            lo, hi = sorted((at[a.child], at[a.parent]))
            level = next((n for n, spans in enumerate(taken)
                          if all(hi <= s0 or lo >= s1 for s0, s1 in spans)), len(taken))  # fmt: skip
            if level == len(taken):
                taken.append([])
            taken[level].append((lo, hi))
            self.levels.append(level)
        self.setAccessibleDescription("; ".join(
            f"{ENTITIES[a.child].label} to {ENTITIES[a.parent].label} by {a.label}: {a.found:,} "
            f"found, {a.orphans:,} not in your files" for a in self.arrows))  # fmt: skip
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        width = len(self.boxes) * (self.BOX_W + self.GAP) + self.GAP
        return QSize(width, self.BOX_H + 24 + self.LEVEL * (max(self.levels, default=0) + 1))

    def minimumSizeHint(self) -> QSize:  # it fits the width it gets: the window is not pushed
        return QSize(120 * max(len(self.boxes), 1), self.sizeHint().height())

    def _rect(self, i: int) -> QRectF:
        n = max(len(self.boxes), 1)
        width = min(self.BOX_W, self.width() / (n * 1.5))
        gap = (self.width() - n * width) / n
        top = self.height() - self.BOX_H - 8
        return QRectF(gap / 2 + i * (width + gap), top, width, self.BOX_H)

    def _ends(self) -> dict[tuple[int, str], float]:
        """Where each arrow leaves its child and meets its parent: points spread along the
        top of each box, in the order the arrows go."""
        at = {b.entity: i for i, b in enumerate(self.boxes)}
        uses: dict[int, list[tuple[float, int, str]]] = {}
        for k, a in enumerate(self.arrows):
            c, p = at[a.child], at[a.parent]
            uses.setdefault(c, []).append((p - c, k, "child"))
            uses.setdefault(p, []).append((c - p, k, "parent"))
        out = {}
        for box, items in uses.items():
            r = self._rect(box)
            for n, (_, k, role) in enumerate(sorted(items)):
                out[(k, role)] = r.left() + r.width() * (n + 1) / (len(items) + 1)
        return out

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        base = pal.color(QPalette.ColorRole.Base)
        accent = pal.color(QPalette.ColorRole.Highlight)
        dark = pal.color(QPalette.ColorRole.Window).lightnessF() < 0.5
        warn = QColor("#F5A524" if dark else "#B45309")  # 4.5:1 on either window colour
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        for i, box in enumerate(self.boxes):
            r = self._rect(i)
            p.setPen(QPen(accent, 1.5))
            p.setBrush(base)
            p.drawRoundedRect(r, 8, 8)
            p.setPen(text)
            title = QFont(self.font())
            title.setBold(True)
            p.setFont(title)
            p.drawText(r.adjusted(6, 4, -6, -r.height() / 2), Qt.AlignmentFlag.AlignCenter,
                       ENTITIES[box.entity].label)  # fmt: skip
            p.setFont(small)
            what = (f"{box.rows:,} rows, {len(box.files)} file{'s' if len(box.files) != 1 else ''}"
                    if box.files else "made from the links")  # fmt: skip
            p.drawText(r.adjusted(6, r.height() / 2, -6, -4), Qt.AlignmentFlag.AlignCenter, what)
        ends = self._ends()
        y = self._rect(0).top()
        for k, a in enumerate(self.arrows):
            x0, x1 = ends[(k, "child")], ends[(k, "parent")]
            lift = 26 + self.LEVEL * self.levels[k]
            path = QPainterPath(QPointF(x0, y))
            path.cubicTo(QPointF(x0, y - lift * 1.33), QPointF(x1, y - lift * 1.33),
                         QPointF(x1, y))  # fmt: skip
            colour = warn if a.orphans else accent
            p.setPen(QPen(colour, 1.6))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            p.setBrush(colour)
            p.drawPolygon(QPolygonF([QPointF(x1, y), QPointF(x1 - 5, y - 9),
                                     QPointF(x1 + 5, y - 9)]))  # fmt: skip
            p.setFont(small)
            top = y - lift - 16
            band = QRectF(min(x0, x1) + 4, top, abs(x1 - x0) - 8, 16)
            p.setPen(warn if a.orphans else text)
            # the whole figure always: shorter words, then two lines, never an ellipsis
            fm = p.fontMetrics()
            room = max(band.width(), 60)
            lines = [f"{a.label}: {a.found:,} found"
                     + (f", {a.orphans:,} not in your files" if a.orphans else "")]  # fmt: skip
            if a.orphans and fm.horizontalAdvance(lines[0]) > room:
                lines = [f"{a.label}: {a.found:,} found, {a.orphans:,} missing"]
            if a.orphans and fm.horizontalAdvance(lines[0]) > room:
                lines = [f"{a.label}: {a.found:,} found", f"{a.orphans:,} not in your files"]
            for n, words in enumerate(reversed(lines)):
                row = band.translated(0, -n * (band.height() - 2))
                w = fm.horizontalAdvance(words) + 8
                behind = QRectF(row.center().x() - w / 2, row.top() + 1, w, row.height() - 2)
                p.fillRect(behind, pal.color(QPalette.ColorRole.Window))  # the curve behind
                p.drawText(row, Qt.AlignmentFlag.AlignCenter, words)
        p.end()
