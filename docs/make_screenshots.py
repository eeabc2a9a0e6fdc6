"""Walk the wizard with the demo export and save a screenshot of every page.

Run under Xvfb, as a user's desktop would show it::

    xvfb-run -s "-screen 0 2600x1700x24" python docs/make_screenshots.py --all
    xvfb-run -s "-screen 0 2600x1700x24" python docs/make_screenshots.py --size 1024x700 --theme dark
    QT_SCALE_FACTOR=2 xvfb-run -s "-screen 0 2600x1700x24" python docs/make_screenshots.py --out /tmp/x2

``--all`` makes every page at 1280x800, 1024x700 and 1920x1080, in the light and the dark
palette, each set in ``docs/screenshots/<theme>-<size>/`` (one process each).

The project goes to a temporary folder (the real user data folder is never touched).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

SIZES = ("1280x800", "1024x700", "1920x1080")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1280x800", help="window size in logical pixels")
    ap.add_argument("--theme", choices=("light", "dark"), default="light")
    ap.add_argument("--out", help="default: docs/screenshots/<theme>-<size>")
    ap.add_argument("--all", action="store_true", help="every size, both palettes")
    args = ap.parse_args()
    if args.all:
        import subprocess

        for theme in ("light", "dark"):
            for size in SIZES:
                subprocess.run([sys.executable, __file__, "--size", size, "--theme", theme],
                               check=True)  # fmt: skip
        return 0
    os.environ["CUTOVER_THEME"] = args.theme
    if args.out is None:
        args.out = str(Path(__file__).parent / "screenshots" / f"{args.theme}-{args.size}")
    width, height = (int(v) for v in args.size.split("x"))
    home = tempfile.mkdtemp(prefix="cutover-shots-")
    os.environ["CUTOVER_WIZARD_HOME"] = home
    from PySide6.QtCore import QCoreApplication, Qt

    from wizard.core.migration import Migration
    from wizard.core.paths import projects_dir
    from wizard.gui.app import make_app
    from wizard.gui.wizard import CutoverWizard, PageId
    from wizard.resources import demo_dir

    app = make_app(sys.argv[:1])
    # a project worked on earlier, for the welcome page's list
    with Migration(projects_dir() / "acme-to-hubspot") as earlier:
        earlier.migrate([demo_dir()], through="contacts")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    w = CutoverWizard()
    w.resize(width, height)
    w.show()

    def settle(until=lambda: True, timeout: float = 120.0) -> None:
        end = time.monotonic() + timeout
        while True:
            QCoreApplication.processEvents()
            if until() and not w.jobs.busy:
                break
            if time.monotonic() > end:
                raise SystemExit("timed out waiting for the wizard")
            time.sleep(0.01)
        for _ in range(20):
            QCoreApplication.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        settle()
        path = out / f"{name}.png"
        w.grab().save(str(path))
        print(path)

    shot("01-welcome")
    w.page(PageId.WELCOME).try_demo()
    settle()
    shot("02-method")
    w.next()
    sources = w.currentPage()
    settle()
    sources.files.setCurrentRow(2)
    shot("03-sources")
    sources.start_check()
    settle(lambda: sources.isComplete())
    w.next()
    mapping = w.currentPage()
    names = [mapping.file.itemText(i) for i in range(mapping.file.count())]
    mapping.file.setCurrentIndex(next(i for i, n in enumerate(names) if "contacts" in n))
    settle()
    shot("04-mapping")
    fields = mapping.field_model
    row = next(i for i, f in enumerate(fields.fields) if f.name == "lifecycle_stage")
    mapping.fields.setCurrentIndex(fields.index(row, 0))
    mapping.tabs.setCurrentIndex(1)
    shot("05-mapping-field")
    row = next(i for i, f in enumerate(fields.fields) if f.name == "company")
    mapping.fields.setCurrentIndex(fields.index(row, 0))
    shot("05b-mapping-link")  # how a link finds its record: id, name or domain
    w.next()
    shot("06-relations")
    w.next()
    checks = w.currentPage()
    group = checks.tree.topLevelItem(0)
    group.setExpanded(True)
    checks.tree.setCurrentItem(group.child(0))
    shot("07-validation")
    w.next()
    rehearsal = w.currentPage()
    rehearsal.start()
    settle(lambda: rehearsal.isComplete())
    shot("08-rehearsal")
    w.next()
    phase = w.currentPage()
    shot("09-phase-ready")
    phase.start()
    settle(lambda: phase.isComplete())
    shot("10-phase-done")
    while w.currentId() < PageId.SPOTCHECK:
        page = w.currentPage()
        if not page.isComplete():
            page.start()
            settle(lambda page=page: page.isComplete())
        if w.nextId() == PageId.SPOTCHECK:
            shot("11-last-phase")
        w.next()
        settle()
    spot = w.currentPage()
    spot.name.setText("Dana Lee")
    for i in range(4):
        spot.list.setCurrentRow(i)
        spot.mark("pass")
    spot.list.setCurrentRow(4)
    shot("12-spot-checks")
    w.next()
    check = w.currentPage()
    check.name.setText("Dana Lee")
    shot("13-checkpoint")
    w.next()
    cut = w.currentPage()
    cut.name.setText("Dana Lee")
    for i in range(cut.checklist.count() - 2):
        cut.checklist.item(i).setCheckState(Qt.CheckState.Checked)
    cut.check_exports()
    settle(lambda: cut.checked)
    shot("14-cutover")
    for i in range(cut.checklist.count()):
        cut.checklist.item(i).setCheckState(Qt.CheckState.Checked)
    w.next()
    live = w.currentPage()
    live.start()  # locked: the testing buffer has only just started
    shot("15-live-phase-locked")
    w.jobs.wait()
    w.session.close()
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
