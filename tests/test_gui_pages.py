"""Each wizard page as an admin uses it: what makes it complete, Back/Next, its controls; the
rail, errors, closing mid-run and resuming days later."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWizard

from tests.conftest import new_wizard, rehearse_sample
from tests.test_pipeline import crm, write
from wizard.core.migration import Migration
from wizard.core.paths import projects_dir
from wizard.core.phases import PAUSED
from wizard.core.runner import phase_state
from wizard.gui.wizard import CutoverWizard, PageId


def _next(w: QWizard) -> None:
    assert w.button(QWizard.WizardButton.NextButton).isEnabled() or (
        w.currentPage().isCommitPage() and w.button(QWizard.WizardButton.CommitButton).isEnabled()
    )
    w.next()


def _checked(qtbot, w: CutoverWizard, folder: Path, export: Path):
    """Welcome -> method -> sources, the export added and checked."""
    w.currentPage().folder.setText(str(folder))
    _next(w)
    _next(w)
    sources = w.currentPage()
    sources.add_paths([export])
    with qtbot.waitSignal(w.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        sources.check.click()
    assert sources.isComplete()
    return sources


def _pick(combo, startswith: str) -> None:
    names = [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(next(i for i, n in enumerate(names) if n.startswith(startswith)))


def test_method_page_back_next_and_the_method_reaches_the_plan(qtbot, wizard, tmp_path) -> None:
    wizard.currentPage().folder.setText(str(tmp_path / "p"))
    _next(wizard)
    method = wizard.currentPage()
    assert wizard.currentId() == PageId.METHOD and method.isComplete()
    assert method.sync.isChecked() and method.sandbox.isChecked() and not method.live.isEnabled()
    wizard.back()
    assert wizard.currentId() == PageId.WELCOME
    _next(wizard)
    method.manual.setChecked(True)
    _next(wizard)
    wizard.currentPage().add_paths([crm(tmp_path / "export")])
    assert wizard.session.prepared.plan.method == "manual"


def test_sources_drop_files_and_correct_what_a_file_holds(qtbot, wizard, tmp_path) -> None:
    export = crm(tmp_path / "export")
    wizard.currentPage().folder.setText(str(tmp_path / "p"))
    _next(wizard)
    _next(wizard)
    sources = wizard.currentPage()
    assert not sources.isComplete() and not sources.settings.isEnabled()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(export / n)) for n in ("companies.csv", "deals.csv")])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    sources.dropEvent(drop)
    assert sources.files.count() == 2
    sources.files.setCurrentRow(1)
    settings = sources.settings
    assert settings.entity.currentData() == "deal" and settings.delimiter.currentData() == ","
    assert settings.header.value() == 1 and not settings.apply.isEnabled()
    settings.entity.setCurrentIndex(settings.entity.findData(""))
    assert settings.apply.isEnabled()
    settings.apply.click()
    assert "not imported" in sources.files.item(1).text()
    settings.entity.setCurrentIndex(settings.entity.findData("deal"))
    settings.apply.click()
    assert sources.files.item(1).text() == "deals.csv — Deals"
    settings.header.setValue(2)  # a wrong header row: the first deal becomes the header
    settings.apply.click()
    assert sources.preview.model().headerData(1, Qt.Orientation.Horizontal) == "Big deal"
    settings.header.setValue(99)  # no such row: a plain message, nothing changed
    settings.apply.click()
    assert "no row 99" in sources.status.text()
    settings.header.setValue(1)
    settings.apply.click()
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        sources.check.click()
    assert sources.isComplete() and "rows checked" in sources.status.text()
    settings.encoding.setCurrentIndex(settings.encoding.findData("cp1252"))
    settings.apply.click()  # read again another way: checked again before going on
    assert not sources.isComplete()


def test_mapping_preview_transforms_value_maps_and_plan_files(qtbot, wizard, tmp_path) -> None:
    _checked(qtbot, wizard, tmp_path / "p", crm(tmp_path / "export"))
    _next(wizard)
    page = wizard.currentPage()
    assert wizard.currentId() == PageId.MAPPING and page.isComplete()
    _pick(page.file, "deals.csv")
    pv = page.preview_model
    amount = pv.preview.fields.index("amount")
    bad = pv.index(2, amount)
    # 'lots' is no amount: shown as written, amber, and the row still loads
    assert pv.data(bad) == "lots" and "kept as written" in pv.data(bad, Qt.ItemDataRole.ToolTipRole)
    assert pv.data(bad, Qt.ItemDataRole.BackgroundRole) is not None
    assert pv.data(pv.index(0, amount)) == "1000"
    assert pv.data(pv.index(0, amount), Qt.ItemDataRole.BackgroundRole) is None
    assert "0 rows cannot load" in page.preview_label.text()
    # a transform on a field: the preview follows, and the mapping must be checked again
    _pick(page.file, "contacts.csv")
    fields = page.field_model
    last = [f.name for f in fields.fields].index("last_name")
    page.fields.setCurrentIndex(fields.index(last, 0))
    details = page.details
    assert details.transforms.isEnabled() and "Last name" in details.title.text()
    upper = next(details.transforms.item(i) for i in range(details.transforms.count())
                 if details.transforms.item(i).text() == "UPPER CASE")  # fmt: skip
    upper.setCheckState(Qt.CheckState.Checked)
    col = page.preview_model.preview.fields.index("last_name")
    assert page.preview_model.data(page.preview_model.index(0, col)) == "LEE"
    assert fields.data(fields.index(last, 4)) == "UPPER CASE"
    assert page.dirty and not page.isComplete()
    # a link: how it finds its record is the admin's choice (id, name, email, domain)
    company = [f.name for f in fields.fields].index("company")
    page.fields.setCurrentIndex(fields.index(company, 0))
    assert (
        details.format.isVisibleTo(details)
        and "among your companies" in details.format_label.text()
    )
    choices = [details.format.itemData(i) for i in range(details.format.count())]
    assert choices == ["source_id", "name", "domain"]
    assert details.format.currentData() == "source_id"
    details.format.setCurrentIndex(details.format.findData("name"))
    assert fields.splan.field_map("company").match_by == "name"
    assert fields.splan.field_map("company").origin == "admin"
    # a picklist's value map, through the combo an admin uses
    _pick(page.file, "activities.csv")
    fields = page.field_model
    kind = [f.name for f in fields.fields].index("type")
    page.fields.setCurrentIndex(fields.index(kind, 0))
    table = details.values
    at = next(i for i in range(table.rowCount()) if table.item(i, 0).text() == "Carrier pigeon")
    combo = table.cellWidget(at, 1)
    assert combo.currentData() == ""  # not an option: kept as written, flagged
    col = page.preview_model.preview.fields.index("type")
    assert (3, col) in page.preview_model.preview.problems
    combo.setCurrentIndex(combo.findData("Note"))
    assert page.preview_model.preview.problems.get((3, col)) is None
    assert page.preview_model.data(page.preview_model.index(3, col)) == "Note"
    # accept all suggestions in one click
    assert page.accept_all() > 0 and page.accept_all() == 0
    # save the plan, change it, load it back: the saved mapping returns
    saved = tmp_path / "my-plan.json"
    page.save_plan(saved)
    assert "Plan saved" in page.status.text()
    _pick(page.file, "contacts.csv")
    page.field_model.unmap([f.name for f in page.field_model.fields].index("last_name"))
    assert page.load_plan(saved)
    plan = wizard.session.prepared.plan
    contacts = next(s for s in plan.sources if s.file.endswith("contacts.csv"))
    assert contacts.field_map("last_name").transforms == ["upper"]
    assert plan.source(str(tmp_path / "export" / "activities.csv")).value_maps["type"][
        "Carrier pigeon"] == "Note"  # fmt: skip
    assert not page.load_plan(tmp_path / "export" / "deals.csv")  # not a plan: a message
    assert page.status.text() and "Traceback" not in page.status.text()
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        page.recheck.click()
    assert page.isComplete()


def test_validation_is_the_commit_page_and_shows_the_row(qtbot, wizard, tmp_path) -> None:
    _checked(qtbot, wizard, tmp_path / "p", crm(tmp_path / "export"))
    _next(wizard)
    _next(wizard)
    _next(wizard)
    page = wizard.currentPage()
    assert wizard.currentId() == PageId.VALIDATION and page.isCommitPage()
    assert wizard.button(QWizard.WizardButton.CommitButton).text() == "Start loading >"
    tree = page.tree
    group = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                 if tree.topLevelItem(i).text(0) == "Numbers that could not be read")  # fmt: skip
    tree.setCurrentItem(group.child(0))
    text = page.row_view.toPlainText()
    # the record it becomes, the value kept as written beside its field
    assert "deals.csv, row 4" in text and "amount_as_written: lots" in text
    _next(wizard)
    assert wizard.currentId() == PageId.REHEARSAL
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()  # committed
    rehearse_sample(qtbot, wizard)
    assert wizard.currentId() == PageId.PHASE + 1  # companies (the demo CRM has no owners)


def test_rail_shows_a_finished_phase_and_errors_are_plain(qtbot, wizard, tmp_path) -> None:
    _checked(qtbot, wizard, tmp_path / "p", crm(tmp_path / "export"))
    for _ in range(4):
        _next(wizard)
    rehearse_sample(qtbot, wizard)
    page = wizard.currentPage()
    assert page.phase.name == "companies"
    row = wizard.rail.rows["companies"]
    QTest.mouseClick(row, Qt.MouseButton.LeftButton)
    assert wizard.result_dialog is None  # not finished: nothing to show
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        page.run_button.click()
    assert row.state == "completed"
    QTest.mouseClick(row, Qt.MouseButton.LeftButton)
    assert wizard.result_dialog.isVisible()
    assert "read =" in wizard.result_dialog.findChild(type(page.result_text)).toPlainText()
    wizard.result_dialog.close()
    row.setFocus()
    QTest.keyClick(row, Qt.Key.Key_Return)  # the keyboard way
    assert wizard.result_dialog.isVisible()
    wizard.result_dialog.close()
    # an error nobody foresaw: a plain sentence on the page, the details in the log and
    # behind "Copy details"
    _next(wizard)
    page = wizard.currentPage()

    def broken(*args, **kwargs):
        yield from ()
        raise KeyError("no such column: f_email")

    wizard.session.migration.run = broken
    with qtbot.waitSignal(wizard.jobs.unexpected, timeout=10_000):
        page.run_button.click()
    qtbot.waitUntil(lambda: not wizard.jobs.busy, timeout=10_000)
    assert page.status.text().startswith("Something unexpected went wrong (KeyError")
    assert "Traceback" not in page.status.text()
    dialog = wizard.error_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.copy.click()
    copied = QGuiApplication.clipboard().text()
    assert "Traceback" in copied and "no such column" in copied and "Cutover Wizard" in copied
    log_text = (tmp_path / "p" / "wizard.log").read_text(encoding="utf-8")
    assert "KeyError" in log_text and "Traceback" in log_text
    dialog.close()


def many_companies(export: Path, n: int) -> Path:
    return write(export / "companies.csv", ["Company ID", "Company Name", "Website"],
                 [[f"A{i}", f"Company {i}", f"c{i}.example.com"] for i in range(n)])  # fmt: skip


def _at_the_companies_phase(qtbot, tmp_path: Path, folder: Path, rows: int, batch_rows: int):
    """A new project of ``rows`` companies, checked and rehearsed: a wizard on the Companies
    phase's page (batches of ``batch_rows``), and the page."""
    export = tmp_path / "export"
    many_companies(export, rows)
    w = new_wizard(qtbot)
    w.session.batch_rows = batch_rows
    _checked(qtbot, w, folder, export)
    for _ in range(4):
        _next(w)
    rehearse_sample(qtbot, w)
    return w, w.currentPage()


def _companies_loaded(folder: Path) -> tuple[int, int]:
    """Companies in the project's sandbox, and how many distinct legacy ids they carry."""
    db = sqlite3.connect(folder / "sandbox.db")
    try:
        return db.execute("SELECT COUNT(*), COUNT(DISTINCT source_id) FROM companies").fetchone()
    finally:
        db.close()


def test_close_mid_run_asks_stops_and_next_start_resumes(qtbot, tmp_path) -> None:
    # enough batches (of 20) that the phase cannot end between its first progress and the close
    ROWS = 12_000
    folder = projects_dir() / "big"
    first, page = _at_the_companies_phase(qtbot, tmp_path, folder, ROWS, batch_rows=20)
    assert page.phase.name == "companies"
    page.run_button.click()
    with qtbot.waitSignal(first.jobs.worker.signals.progress, timeout=20_000):
        pass
    first.confirm_close = lambda: False  # the admin answers No: nothing happens
    first.reject()
    assert first.isVisible() and first.jobs.busy
    first.confirm_close = lambda: True  # Yes: it stops after the batch and closes
    first.reject()
    assert not first.isVisible() and not first.jobs.busy
    with Migration(folder) as mig:
        assert phase_state(mig.ledger, "companies") == PAUSED
        loaded = mig.ledger.db.execute("SELECT COUNT(*) FROM outcomes").fetchone()[0]
        assert 0 < loaded < ROWS
    # days later: the welcome page offers to go on
    second = new_wizard(qtbot)
    welcome = second.currentPage()
    assert welcome.banner.isVisible() and "stopped part-way" in welcome.banner_text.text()
    assert "big" in welcome.projects.item(0).text()
    second.session.batch_rows = 1000
    welcome.resume.click()
    page = second.currentPage()
    assert second.currentId() == second.phase_page_id(page.phase) and page.phase.name == "companies"
    assert page.status.text().startswith("Stopped part-way")
    with qtbot.waitSignal(second.jobs.busy_changed, timeout=60_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        page.run_button.click()
    assert page.isComplete()
    second.session.close()
    assert _companies_loaded(folder) == (ROWS, ROWS)


def test_welcome_lists_projects_with_where_they_stand(qtbot, tmp_path) -> None:
    export = crm(tmp_path / "export")
    with Migration(projects_dir() / "alpha") as mig:
        mig.migrate([export], through="contacts")
    (projects_dir() / "not-a-project").mkdir()
    w = new_wizard(qtbot)
    welcome = w.currentPage()
    assert welcome.projects.count() == 1
    assert "2 of 5 phases loaded" in welcome.projects.item(0).text()
    assert "next: 'Deals'" in welcome.banner_text.text()
    welcome.folder.setText("")
    assert not w.button(QWizard.WizardButton.NextButton).isEnabled()
    welcome.projects.setCurrentRow(0)
    assert welcome.folder.text().endswith("alpha")
    _next(w)
    assert w.currentPage().phase.name == "deals"
    assert (
        w.currentPage().status.text() == "Ready to run: 3 rows to load."
    )  # D1 waits for the last phase
    w.session.close()


def test_reopening_a_project_with_nothing_loaded_goes_through_the_plan(qtbot, tmp_path) -> None:
    export = crm(tmp_path / "export")
    with Migration(projects_dir() / "beta") as mig:
        prepared = mig.prepare([export])
        for _ in mig.stage(prepared):
            pass
    w = new_wizard(qtbot)
    welcome = w.currentPage()
    assert "no phase loaded yet" in welcome.projects.item(0).text()
    welcome.projects.setCurrentRow(0)
    _next(w)
    assert w.currentId() == PageId.METHOD
    _next(w)
    sources = w.currentPage()
    assert sources.files.count() == 4 and not sources.isComplete()  # listed, to check again
    with qtbot.waitSignal(w.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        sources.check.click()
    assert sources.isComplete()
    w.session.close()


def test_welcome_refuses_a_file_as_project_folder(qtbot, wizard, tmp_path) -> None:
    (tmp_path / "a-file").write_text("x")
    wizard.currentPage().folder.setText(str(tmp_path / "a-file"))
    wizard.next()
    assert wizard.currentId() == PageId.WELCOME
    assert "is a file, not a project folder" in wizard.currentPage().error.text()


def test_window_geometry_is_remembered_in_the_app_folder(qtbot) -> None:
    from wizard.core.paths import data_home

    first = new_wizard(qtbot)
    first.resize(700, 520)  # within the offscreen screen (800x600), which restoring respects
    first.move(40, 30)
    first.reject()
    assert (data_home() / "window.ini").exists()
    second = new_wizard(qtbot)
    assert (second.width(), second.height()) == (700, 520)
    second.session.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_back_next_stop_run_and_close_at_random_moments_of_a_phase(qtbot, tmp_path,
                                                                   seed: int) -> None:  # fmt: skip
    """Clicks an admin might make while a phase loads, in a seeded random order and at random
    moments (a random number of turns of the event loop between them): never a crash, never a
    page change under the worker; closed at the end while it may still run, and opened again,
    the phase finishes with every row loaded once."""
    import random

    from PySide6.QtCore import QCoreApplication

    rng = random.Random(seed)
    rows = 3_000
    folder = projects_dir() / f"random-{seed}"
    w, page = _at_the_companies_phase(qtbot, tmp_path, folder, rows, batch_rows=10)
    at = w.currentId()
    back = w.button(QWizard.WizardButton.BackButton)
    nxt = w.button(QWizard.WizardButton.NextButton)
    actions = {
        "back": back.click, "next": nxt.click, "wizard back": w.back, "wizard next": w.next,
        "return": lambda: qtbot.keyClick(w, Qt.Key.Key_Return),
        "run": page.run_button.click, "stop": page.cancel_button.click,
    }  # fmt: skip
    page.run_button.click()
    for _ in range(40):
        name = rng.choice(sorted(actions))
        if w.jobs.busy or name in ("run", "stop"):
            actions[name]()
        for _ in range(rng.randint(0, 40)):  # a random moment: the worker goes on meanwhile
            QCoreApplication.processEvents()
        if w.jobs.busy:
            assert w.currentId() == at, f"{name} changed the page under a running phase"
        elif w.currentId() != at:  # idle: the wizard's own rules; come back for the next round
            w.back() if w.currentId() > at else w.next()
            assert w.currentId() == at
    w.confirm_close = lambda: True  # closed at a random moment, maybe mid-run
    w.reject()
    assert not w.isVisible() and not w.jobs.busy
    again = new_wizard(qtbot)
    again.session.batch_rows = 1000
    again.currentPage().projects.setCurrentRow(0)
    _next(again)
    page = again.currentPage()
    assert page.phase.name == "companies"
    if not page.isComplete():
        with qtbot.waitSignal(again.jobs.busy_changed, timeout=60_000,
                              check_params_cb=lambda busy: not busy):  # fmt: skip
            page.run_button.click()
    assert page.isComplete()
    again.session.close()
    assert _companies_loaded(folder) == (rows, rows)  # every row once
