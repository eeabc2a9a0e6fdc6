"""Errors as an admin should meet them: a plain sentence and what to do, never a traceback.

The details of an unexpected error go to the log file, and the dialog has a "Copy details"
button so the admin can paste them into a message to whoever helps them.
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wizard import __version__
from wizard.core.logs import log, log_file, log_to


class ErrorDialog(QDialog):
    def __init__(self, message: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")
        self.details = details
        where = log_file()
        text = QLabel(message + (f"\n\nThe details were written to {where}." if where else ""))
        text.setWordWrap(True)
        text.setTextInteractionFlags(text.textInteractionFlags()
                                     | text.textInteractionFlags().TextSelectableByMouse)  # fmt: skip
        self.box = QPlainTextEdit(details)
        self.box.setReadOnly(True)
        self.box.setAccessibleName("Error details")
        self.box.setVisible(False)
        show = QPushButton("Show details")
        show.setCheckable(True)
        show.toggled.connect(self.box.setVisible)
        self.copy = QPushButton("Copy details")
        self.copy.clicked.connect(self.copy_details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(show, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.box, 1)
        layout.addWidget(buttons)
        self.resize(560, 200)

    def copy_details(self) -> None:
        header = f"Cutover Wizard {__version__}, Python {sys.version.split()[0]}\n"
        QGuiApplication.clipboard().setText(header + self.details)
        self.copy.setText("Copied")


def report(message: str, details: str, parent: QWidget | None = None,
           expected: bool = False) -> ErrorDialog | None:  # fmt: skip
    """Log a failure; an unexpected one also opens the error dialog (not modal: the window
    stays usable). Returns the dialog, if one was opened."""
    if expected:
        log.warning("%s", message)
        return None
    if log_file() is None:
        log_to()
    log.error("%s\n%s", message, details)
    dialog = ErrorDialog(message, details, parent)
    dialog.setModal(False)
    dialog.show()
    return dialog


def install_excepthook(parent_of_dialog) -> None:
    """An exception nobody caught (in a slot, say) is logged and shown in plain words instead
    of being printed to a console the admin never sees."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        details = "".join(traceback.format_exception(kind, exc, tb))
        report(f"Something unexpected went wrong ({kind.__name__}: {exc}). Your project is "
               "saved up to the last completed step; you can go on or restart the app.",
               details, parent_of_dialog())  # fmt: skip

    sys.excepthook = hook
