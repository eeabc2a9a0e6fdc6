"""Every control of every page can be reached with the keyboard and has a name a screen reader
can say (its text, or an accessible name)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from tests.conftest import rehearse_sample
from wizard.gui.wizard import PageId

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QAbstractSpinBox,
               QPlainTextEdit)  # fmt: skip


def access_problems(page: QWidget) -> list[str]:
    out = []
    for w in page.findChildren(QWidget):
        if not isinstance(w, INTERACTIVE) or not w.isVisibleTo(page) or not w.isEnabled():
            continue
        if isinstance(w.parent(), QAbstractItemView):
            continue  # a view's own headers and corner button: the view is the control
        if isinstance(w.parent(), QComboBox | QAbstractSpinBox):
            continue  # a combo's or spin box's own parts
        if w.parent() is not None and isinstance(w.parent().parent(), QAbstractItemView):
            continue  # editors inside a table cell: the table is the control
        if isinstance(w, QRadioButton) and not w.isChecked():
            pass  # radio buttons: Tab reaches the checked one, the arrow keys the others
        elif not (w.focusPolicy() & Qt.FocusPolicy.TabFocus):
            name = w.accessibleName() or (w.text() if isinstance(w, QAbstractButton) else "")
            out.append(f"{type(w).__name__} {name!r} ({w.focusPolicy()}) cannot be reached by Tab")
        text = w.text() if hasattr(w, "text") and isinstance(w, QAbstractButton) else ""
        if not (text or w.accessibleName()):
            out.append(f"{type(w).__name__} has no name ({w.objectName()!r})")
    return out


def test_every_page_is_keyboard_reachable_and_named(qtbot, wizard) -> None:
    problems: dict[int, list[str]] = {}

    def check() -> None:
        found = access_problems(wizard.currentPage())
        if found:
            problems[wizard.currentId()] = found

    check()
    wizard.currentPage().demo.click()
    check()
    wizard.next()
    sources = wizard.currentPage()
    check()
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        sources.check.click()
    for _ in range(3):  # mapping, relations, validation
        wizard.next()
        check()
    wizard.next()
    check()  # rehearsal
    rehearse_sample(qtbot, wizard)
    check()  # a phase page
    assert wizard.currentId() >= PageId.PHASE
    assert not problems, "\n".join(f"page {k}: {v}" for k, v in problems.items())
