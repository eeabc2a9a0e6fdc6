"""Start the wizard window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from wizard import __version__


def run(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Cutover Wizard")
    app.setOrganizationName("Cutover Wizard")
    app.setApplicationVersion(__version__)
    from wizard.gui.wizard import CutoverWizard

    window = CutoverWizard()
    window.show()
    return app.exec()
