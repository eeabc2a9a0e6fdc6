"""Start the wizard window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from wizard import __version__


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Cutover Wizard")
    app.setOrganizationName("Cutover Wizard")
    app.setApplicationVersion(__version__)
    return app  # type: ignore[return-value]


def run(argv: list[str] | None = None) -> int:
    app = make_app(argv)
    from wizard.core.logs import log_to
    from wizard.gui.errors import install_excepthook
    from wizard.gui.wizard import CutoverWizard

    log_to()  # the app's own log until a project is opened
    window = CutoverWizard()
    install_excepthook(lambda: window)
    window.show()
    return app.exec()
