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
    app.setDesktopFileName("cutover-wizard")
    from PySide6.QtGui import QIcon

    from wizard.resources import resource

    app.setWindowIcon(QIcon(str(resource("icons", "cutover-wizard.svg"))))  # sharp at any scale
    from wizard.gui import theme

    theme.apply(app)  # the light or dark palette and the one stylesheet
    return app  # type: ignore[return-value]


def smoke_test() -> int:
    """Check a build: the window opens on its welcome page (the moment is printed, for the
    start-up time), then the bundled demo migrates headless into a temporary project."""
    import tempfile
    import time
    from pathlib import Path

    from PySide6.QtCore import QTimer

    app = make_app(sys.argv[:1])
    from wizard.gui.wizard import CutoverWizard, PageId

    window = CutoverWizard()
    window.show()
    shown: list[float] = []

    def first_page() -> None:
        shown.append(time.time())
        print(f"first page shown: {window.currentId() == PageId.WELCOME} at {shown[0]:.3f}",
              flush=True)  # fmt: skip
        app.quit()

    QTimer.singleShot(0, first_page)
    app.exec()
    window.close()
    from wizard.core.migration import Migration
    from wizard.resources import demo_dir

    with tempfile.TemporaryDirectory() as tmp, Migration(Path(tmp) / "demo") as mig:
        results = mig.migrate([demo_dir()])
        ok = bool(results) and all(r.state == "completed" and r.reconciled for r in results)
        loaded = sum(mig.target.count(e) for e in ("company", "contact", "deal", "activity"))
    print(f"demo migrated: {'ok' if ok else 'FAILED'}, {loaded:,} records in the sandbox",
          flush=True)  # fmt: skip
    # the staging process the window uses for big files starts this bundle again
    from wizard.core.staging import Staged

    with tempfile.TemporaryDirectory() as tmp, Migration(Path(tmp) / "apart") as mig:
        staged = [i for i in mig.stage(mig.prepare([demo_dir()]), process=True)
                  if isinstance(i, Staged)]  # fmt: skip
        apart = sum(f.rows_read for f in staged[0].files) if staged else 0
    print(f"demo checked in a staging process: {'ok' if apart else 'FAILED'}, {apart:,} rows",
          flush=True)  # fmt: skip
    return 0 if ok and shown and apart else 1


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
