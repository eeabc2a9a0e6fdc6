"""The side rail: every phase with its state, as the method's own walkthrough draws it.

Completed: a check mark on a lime badge, the row tinted lime. Active: the phase number on a cyan
badge, the row tinted cyan, the name in bold. Pending: the number on a dim badge, the name
dimmed. A 2 px left border in the badge colour. Text on badges is always dark, so it keeps its
contrast on light and dark palettes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from wizard.core.phases import PHASES, PhaseDef

LIME, CYAN = "#C1FF72", "#2CE7EA"


class PhaseRow(QWidget):
    """One phase; a completed one can be clicked (or focused and Enter pressed) to see its
    result."""

    clicked = Signal(str)

    def __init__(self, number: int, phase: PhaseDef) -> None:
        super().__init__()
        self.number, self.phase = number, phase
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("phaseRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.badge = QLabel(str(number))
        self.badge.setFixedSize(26, 26)
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel(phase.label)
        self.name.setWordWrap(True)
        layout = QVBoxLayout()
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(6, 4, 6, 4)
        h.addWidget(self.badge)
        h.addWidget(self.name, 1)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(row)
        self.setLayout(layout)
        self.state = ""
        self.set_state("pending", False)

    def set_state(self, state: str, active: bool) -> None:
        self.state = "active" if active and state != "completed" else state
        if state == "completed":
            colour, tint, text = LIME, "rgba(193, 255, 114, 26)", "✓"
        elif active:
            colour, tint, text = CYAN, "rgba(44, 231, 234, 26)", str(self.number)
        else:
            colour, tint, text = "#9AA0A6", "transparent", str(self.number)
        self.badge.setText(text)
        self.badge.setStyleSheet(
            f"background: {colour}; color: #111; border-radius: 13px; font-weight: bold;"
        )
        self.setStyleSheet(f"#phaseRow {{ background: {tint}; border-left: 2px solid {colour}; }}")
        font = self.name.font()
        font.setBold(active and state != "completed")
        self.name.setFont(font)
        self.name.setEnabled(state == "completed" or active)
        what = {"completed": "completed", "active": "in progress or next"}.get(self.state, state)
        self.setAccessibleName(f"Phase {self.number}, {self.phase.label}: {what}")
        done = state == "completed"
        self.setCursor(Qt.CursorShape.PointingHandCursor if done else Qt.CursorShape.ArrowCursor)
        self.setToolTip("Click to see what this phase did." if done else "")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.state == "completed":
            self.clicked.emit(self.phase.name)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and (
            self.state == "completed"
        ):
            self.clicked.emit(self.phase.name)
            return
        super().keyPressEvent(event)


class PhaseRail(QWidget):
    """Shows every phase of the plan; ``update_states`` colours them. ``show_result(name)``
    when a completed phase is clicked."""

    show_result = Signal(str)

    def __init__(self, phases: list[PhaseDef] | None = None) -> None:
        super().__init__()
        self.setAccessibleName("Migration phases")
        self.setMinimumWidth(210)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel("<b>Phases</b>")
        layout.addWidget(self.title)
        self._list = QVBoxLayout()
        self._list.setSpacing(4)
        layout.addLayout(self._list)
        layout.addStretch(1)
        self.rows: dict[str, PhaseRow] = {}
        self.set_phases(phases or list(PHASES))

    def set_phases(self, phases: list[PhaseDef]) -> None:
        if [r.phase.name for r in self.rows.values()] == [p.name for p in phases]:
            return
        for row in self.rows.values():
            self._list.removeWidget(row)
            row.hide()  # gone at once, even before the event loop deletes it
            row.deleteLater()
        self.rows = {}
        for i, p in enumerate(phases, 1):
            row = PhaseRow(i, p)
            row.clicked.connect(self.show_result)
            self.rows[p.name] = row
            self._list.addWidget(row)

    def set_title(self, text: str) -> None:
        self.title.setText(f"<b>{text}</b>")

    def update_states(self, states: dict[str, str], active: str | None) -> None:
        for name, row in self.rows.items():
            row.set_state(states.get(name, "pending"), name == active)
