"""The first slice of the wizard, driven like a user would: pick a project folder, a method,
add the exports, read and check every row, run each phase in a worker, undo one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtWidgets import QWizard

from tests.conftest import rehearse_sample
from tests.test_pipeline import crm
from wizard.gui.wizard import PageId


def _next(w: QWizard) -> None:
    assert w.button(QWizard.WizardButton.NextButton).isEnabled()
    w.next()


def _checked(qtbot, w: QWizard, tmp_path: Path, export: Path | None = None):
    """A new project with the test export (or ``export``), every row read and checked: the
    Sources page, complete (the pages' tests' own walk)."""
    from tests.test_gui_pages import _checked as walk

    return walk(qtbot, w, tmp_path / "project", export or crm(tmp_path / "export"))


def _check_and_rehearse(qtbot, w: QWizard, sources):
    """From the Sources page: check every row, then past mapping, relations, validation and
    the sample rehearsal, to the first phase's page."""
    sources.check.click()
    qtbot.waitUntil(sources.isComplete, timeout=60_000)
    for _ in range(4):
        _next(w)
    rehearse_sample(qtbot, w)
    return w.currentPage()


def _first_phase(qtbot, w: QWizard, tmp_path: Path):
    """On to the first phase's page, past mapping, relations, validation and the sample
    rehearsal."""
    _checked(qtbot, w, tmp_path)
    for _ in range(4):
        _next(w)
    rehearse_sample(qtbot, w)
    return w.currentPage()


def test_walk_the_slice_into_the_sandbox(qtbot, wizard, tmp_path: Path) -> None:
    src = crm(tmp_path / "export")
    welcome = wizard.currentPage()
    assert wizard.currentId() == PageId.WELCOME
    welcome.folder.setText("")
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    welcome.folder.setText(str(tmp_path / "project"))
    _next(wizard)
    assert wizard.currentId() == PageId.METHOD
    _next(wizard)
    sources = wizard.currentPage()
    assert wizard.currentId() == PageId.SOURCES
    assert not sources.isComplete()
    sources.add_paths([src])
    assert sources.files.count() == 4 and sources.preview.model().rowCount() > 0
    sources.check.click()
    qtbot.waitUntil(sources.isComplete, timeout=20_000)
    assert "rows checked" in sources.status.text()
    _next(wizard)
    mapping = wizard.currentPage()
    assert wizard.currentId() == PageId.MAPPING and mapping.isComplete()
    mapping.file.setCurrentIndex([mapping.file.itemText(i) for i in range(mapping.file.count())]
                                 .index("contacts.csv — Contacts"))  # fmt: skip
    cols, fields = mapping.column_model, mapping.field_model
    mapping.columns.setCurrentIndex(cols.index(cols.columns.index("Shoe Size")))
    mapping.fields.setCurrentIndex(fields.index([f.name for f in fields.fields].index("title"), 0))
    assert mapping.map_selected()  # the keyboard way: select both, press Map
    assert not mapping.isComplete() and mapping.recheck.isEnabled()
    mapping.recheck.click()
    qtbot.waitUntil(mapping.isComplete, timeout=20_000)
    plan = wizard.session.migration.saved_plan()
    contacts = next(s for s in plan.sources if s.file.endswith("contacts.csv"))
    assert contacts.field_map("title").columns == ["Shoe Size"]
    _next(wizard)
    relations = wizard.currentPage()
    assert wizard.currentId() == PageId.RELATIONS
    assert "3 contacts are held back" in relations.held.text()
    assert set(relations.policies) >= {"contact.company", "deal.contact", "activity.deal"}
    assert relations.via_company.isChecked() and relations.via_company.isEnabled()
    relations.open_deal.setChecked(False)  # the company clause hangs on the open-deal one
    assert not relations.via_company.isEnabled()
    relations.open_deal.setChecked(True)
    relations.stages["Opportunity"].setChecked(False)  # C4 is active only by its stage
    relations.apply.click()
    qtbot.waitUntil(lambda: relations.isComplete() and "2 contacts" in relations.held.text(),
                    timeout=20_000)  # fmt: skip
    relations.stages["Opportunity"].setChecked(True)
    relations.apply.click()
    qtbot.waitUntil(lambda: relations.isComplete() and "3 contacts" in relations.held.text(),
                    timeout=20_000)  # fmt: skip
    _next(wizard)
    checks = wizard.currentPage()
    assert wizard.currentId() == PageId.VALIDATION
    titles = [checks.tree.topLevelItem(i).text(0) for i in range(checks.tree.topLevelItemCount())]
    # Zoe's company A9 and the lost deal's are in no file: said here, before anything loads
    assert "Required values missing" in titles
    assert "Links to records that are not in your files" in titles
    saved = checks.export_to(tmp_path / "findings.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(saved, read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    wb.close()
    assert rows[0][:2] == ("File", "Row") and len(rows) > 3
    assert any(r[3] == "not an email" and r[1] == 6 for r in rows)
    _next(wizard)
    rehearse_sample(qtbot, wizard)
    names = []
    while True:
        page = wizard.currentPage()
        names.append(page.phase.name)
        assert not page.isComplete()
        assert wizard.rail.rows[page.phase.name].state == "active"
        page.run_button.click()
        qtbot.waitUntil(page.isComplete, timeout=20_000)
        assert not wizard.jobs.busy and page.table.rowCount() >= 1
        assert all(page.table.item(i, 8).text() == "yes" for i in range(page.table.rowCount()))
        assert page.run_button.text().endswith("again")
        shown = page.result_text.toPlainText()
        assert "arrived" in shown  # records, links and values, per file
        # the same as tables and a chart: every file, the CRM's counts, rejections by reason
        files = [page.arrived.item(i, 0).text() for i in range(page.arrived.rowCount())]
        assert files and all(f.endswith(".csv") for f in files)
        assert all(page.counts.item(i, 3).text() == "yes" for i in range(page.counts.rowCount()))
        if page.phase.name == "companies":  # the row with nothing that names a company
            assert "not everything arrived" in shown and "1 row was rejected" in shown
            assert page.arrived.item(0, 1).text() == "6 of 7 (85.7%)"
            assert "1 row was rejected" in page.arrived.item(0, 4).text()
            assert [n for _, n in page.reasons_chart.reasons] == [1]
            assert not page.reasons_chart.isHidden() and not page.reasons_label.isHidden()
        if page.nextId() == PageId.SPOTCHECK:  # the last phase: the checkpoint follows
            break
        _next(wizard)
    assert names == ["companies", "contacts", "deals", "activities", "active"]
    assert all(r.state == "completed" for r in wizard.rail.rows.values())
    db = sqlite3.connect(tmp_path / "project" / "sandbox.db")
    assert db.execute("SELECT COUNT(*) FROM contacts").fetchone() == (5,)
    assert db.execute("SELECT COUNT(*) FROM activities").fetchone() == (5,)  # none rejected
    db.close()
    # undo the last phase from its page (confirmed), and it is pending again
    page = wizard.currentPage()
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=20_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        assert page.undo(confirmed=True)  # in the worker: the window stays responsive
        assert page.status.text() == "Undoing…" and not page.run_button.isEnabled()
    assert not page.isComplete() and page.status.text().startswith("Undone: ")


def test_cancel_stops_a_phase_and_run_again_resumes(qtbot, wizard, tmp_path: Path) -> None:
    page = _first_phase(qtbot, wizard, tmp_path)
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=20_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        page.run_button.click()
        page.cancel_button.click()
    # tiny phase: it may have finished before the cancel; either way a second run completes
    if not page.isComplete():
        page.run_button.click()
        qtbot.waitUntil(page.isComplete, timeout=20_000)
    assert page.isComplete()


def test_demo_walks_end_to_end_into_the_sandbox(qtbot, wizard) -> None:
    """The welcome page's demo button, then every page through to the last phase; the
    sandbox holds the demo's records with their links."""
    welcome = wizard.currentPage()
    welcome.demo.click()
    assert wizard.session.demo and wizard.currentId() == PageId.METHOD
    _next(wizard)
    sources = wizard.currentPage()
    assert sources.files.count() == 4  # the demo export was added by itself
    sources.check.click()
    qtbot.waitUntil(sources.isComplete, timeout=30_000)
    _next(wizard)
    assert wizard.currentId() == PageId.MAPPING
    _next(wizard)
    assert wizard.currentId() == PageId.RELATIONS
    _next(wizard)
    assert wizard.currentId() == PageId.VALIDATION
    _next(wizard)
    rehearse_sample(qtbot, wizard)
    while True:
        page = wizard.currentPage()
        page.run_button.click()
        qtbot.waitUntil(page.isComplete, timeout=30_000)
        if page.nextId() == PageId.SPOTCHECK:  # the last phase: the checkpoint follows
            break
        _next(wizard)
    project = Path(welcome.folder.text())
    status = wizard.session.migration.status()
    for f in status["files"]:
        decided = sum(f[k] for k in ("loaded", "updated", "unchanged", "rejected", "merged"))
        assert f["rows_read"] == decided and f["waiting"] == 0
    db = sqlite3.connect(project / "sandbox.db")
    try:
        counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("companies", "contacts", "deals", "activities")}  # fmt: skip
        assert counts["companies"] > 40 and counts["contacts"] > 450
        assert counts["deals"] > 200 and counts["activities"] > 900
        linked = db.execute("SELECT COUNT(*) FROM deals WHERE company_id IS NOT NULL").fetchone()
        assert linked[0] > 200
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()


def test_back_and_next_do_nothing_while_a_phase_loads(qtbot, wizard, tmp_path: Path) -> None:
    """Back then Next while a phase runs used to reopen the project under the worker (a
    crash in SQLite): now the buttons are disabled and the clicks (or keys) go nowhere."""
    from PySide6.QtCore import Qt

    page = _first_phase(qtbot, wizard, tmp_path)
    at = wizard.currentId()
    wizard.session.batch_rows = 1  # many small batches: the run lasts while we click
    back = wizard.button(QWizard.WizardButton.BackButton)
    nxt = wizard.button(QWizard.WizardButton.NextButton)
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=20_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=5_000):
            page.run_button.click()
        assert wizard.jobs.busy and not back.isEnabled() and not nxt.isEnabled()
        for _ in range(3):
            back.click()
            nxt.click()
            wizard.back()
            wizard.next()
            qtbot.keyClick(wizard, Qt.Key.Key_Return)
        assert wizard.currentId() == at  # still on the running phase
    assert page.isComplete() and wizard.currentId() == at
    assert back.isEnabled() and nxt.isEnabled()  # the wizard's own rules again
    _next(wizard)  # and the way on works
    assert wizard.currentId() != at


def test_esc_asks_before_closing_and_undo_defaults_to_no(qtbot, wizard, tmp_path: Path,
                                                         monkeypatch) -> None:  # fmt: skip
    from PySide6.QtWidgets import QMessageBox

    src = crm(tmp_path / "export")
    wizard.currentPage().folder.setText(str(tmp_path / "project"))
    _next(wizard)
    asked: list[tuple] = []
    wizard.confirm_leave = lambda: asked.append("leave") or False  # the admin answers No
    wizard.reject()  # Esc, or Cancel
    assert asked == ["leave"] and wizard.isVisible()
    _next(wizard)
    sources = wizard.currentPage()
    sources.add_paths([src])
    page = _check_and_rehearse(qtbot, wizard, sources)
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=20_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        page.run_button.click()

    def question(parent, title, text, buttons, default):
        asked.append((title, default))
        return default  # Return on the dialog takes the default

    monkeypatch.setattr(QMessageBox, "question", question)
    assert not page.undo(confirmed=False) and page.isComplete()  # nothing was deleted
    assert asked[-1] == ("Undo", QMessageBox.StandardButton.No)


def test_tab_leaves_tables_and_stop_leaves_no_stale_promise(qtbot, wizard, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    src = crm(tmp_path / "export")
    wizard.currentPage().folder.setText(str(tmp_path / "project"))
    _next(wizard)
    _next(wizard)
    sources = wizard.currentPage()
    sources.add_paths([src])
    sources.preview.setFocus()
    qtbot.waitUntil(sources.preview.hasFocus, timeout=5_000)
    qtbot.keyClick(sources.preview, Qt.Key.Key_Tab)
    assert not sources.preview.hasFocus()  # Tab moves on to the next control
    page = _check_and_rehearse(qtbot, wizard, sources)
    assert page.cancel_button.text() == "Stop after this batch"
    assert wizard.buttonText(QWizard.WizardButton.CancelButton) == "Close"
    wizard.session.batch_rows = 1
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=20_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=5_000):
            page.run_button.click()
        page.cancel()
        assert not page.cancel_button.isEnabled()
    assert "left" not in page.status.text()  # no time left is promised once it stopped
    if not page.isComplete():
        assert page.status.text().startswith("Stopped after a whole batch")


def test_reading_the_files_and_the_sample_rehearsal_can_be_stopped(qtbot, wizard,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    from tests.test_pipeline import write

    export = tmp_path / "export"
    write(export / "contacts.csv", ["Contact ID", "Email", "City"],
          [[f"C{i}", f"p{i}@x.com", "Porto"] for i in range(60_000)])  # fmt: skip
    wizard.currentPage().folder.setText(str(tmp_path / "project"))
    _next(wizard)
    _next(wizard)
    sources = wizard.currentPage()
    sources.add_paths([export])
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=60_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        sources.check.click()
        assert sources.stop.isVisible() and sources.stop.isEnabled()
        sources.stop_check()
    if sources.staged is None:  # stopped before the end
        assert sources.status.text().startswith("Stopped.") and not sources.isComplete()
    assert not sources.stop.isVisible() and sources.check.isEnabled()
    sources.check.click()  # goes on, and ends
    qtbot.waitUntil(sources.isComplete, timeout=60_000)
    for _ in range(4):
        _next(wizard)
    page = wizard.currentPage()
    assert wizard.currentId() == PageId.REHEARSAL and not page.stop_button.isEnabled()
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=60_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        page.run_button.click()
        assert page.stop_button.isEnabled()
        page.stop()
    assert not page.stop_button.isEnabled() and page.run_button.isEnabled()
    assert "left" not in page.status.text()


def test_the_findings_can_be_searched(qtbot, wizard, tmp_path: Path) -> None:
    _checked(qtbot, wizard, tmp_path)
    for _ in range(3):
        _next(wizard)
    checks = wizard.currentPage()
    assert wizard.currentId() == PageId.VALIDATION
    total = sum(checks.tree.topLevelItem(i).childCount()
                for i in range(checks.tree.topLevelItemCount()))  # fmt: skip
    checks.search.setText("not an email")
    shown = [checks.tree.topLevelItem(i) for i in range(checks.tree.topLevelItemCount())
             if not checks.tree.topLevelItem(i).isHidden()]  # fmt: skip
    assert 1 <= checks.filter("not an email") < total and shown
    # every row left holds every word (in its group's title or its own text)
    assert all(all(w in f"{g.text(0).casefold()} {c.data(1, 256)}" for w in ("not", "an", "email"))
               for g in shown for j in range(g.childCount())
               if not (c := g.child(j)).isHidden())  # fmt: skip
    assert any("not an email" in c.data(1, 256) for g in shown for j in range(g.childCount())
               if not (c := g.child(j)).isHidden())  # fmt: skip
    assert checks.filter("no such thing anywhere") == 0
    assert all(checks.tree.topLevelItem(i).isHidden()
               for i in range(checks.tree.topLevelItemCount()))  # fmt: skip
    checks.search.clear()
    assert checks.filter("") == total


def test_f1_says_what_each_page_is_for_in_plain_words(qtbot, wizard) -> None:
    from PySide6.QtCore import Qt

    from wizard.gui.help import HELP, help_key

    qtbot.keyClick(wizard, Qt.Key.Key_F1)
    box = wizard.help_dialog
    assert box is not None and box.isVisible() and not box.isModal()
    assert box.text() == HELP["welcome"]
    box.close()
    for page_id in wizard.pageIds():  # every page has its help, none uses the engine's words
        text = HELP[help_key(page_id)]
        assert "Next:" in text or "last page" in text
        assert not any(w in text.lower() for w in ("ledger", "source_id", "target", "staging"))
    assert wizard.button(wizard.WizardButton.HelpButton).isVisible()


def test_records_deleted_in_the_old_crm_are_said_and_taken_out_on_request(qtbot, wizard,
                                                                          tmp_path: Path) -> None:  # fmt: skip
    from tests.test_pipeline import write

    export = tmp_path / "export"
    write(export / "contacts.csv", ["Contact ID", "Email"],
          [["C1", "a@x.com"], ["C2", "b@x.com"], ["C3", "c@x.com"]])  # fmt: skip
    sources = _checked(qtbot, wizard, tmp_path, export)
    assert not sources.remove.isVisible()  # nothing was loaded yet
    wizard.session.migration.migrate([export])  # every phase, as the phase pages would
    write(export / "contacts.csv", ["Contact ID", "Email"], [["C1", "a@x.com"], ["C2", "b@x.com"]])
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        sources.check.click()  # C3 was deleted in the old CRM since
    assert "no longer in your files" in sources.status.text() and sources.remove.isVisible()
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        assert sources.remove_deleted(confirmed=True)  # in the worker
    assert sources.status.text().startswith("1 records taken out of the sandbox")
    assert not sources.remove.isVisible()
    db = sqlite3.connect(tmp_path / "project" / "sandbox.db")
    assert db.execute("SELECT source_id FROM contacts ORDER BY 1").fetchall() == [("C1",), ("C2",)]
    db.close()


def test_a_big_check_runs_in_its_own_process_and_close_ends_it(qtbot, wizard, tmp_path: Path,
                                                               monkeypatch) -> None:  # fmt: skip
    """Files big enough are read and checked in a staging process (the window's thread only
    waits on it); the page reads its result as from the thread's; closing the window in the
    middle of a check leaves no process behind."""
    import multiprocessing

    from tests.test_pipeline import write
    from wizard.core import stage_process

    monkeypatch.setattr(stage_process, "PROCESS_BYTES", 1)  # this small export counts as big
    apart = []
    real = stage_process.stage_apart

    def recorded(*args, **kwargs):
        apart.append(1)
        yield from real(*args, **kwargs)

    monkeypatch.setattr(stage_process, "stage_apart", recorded)
    sources = _checked(qtbot, wizard, tmp_path)
    assert apart == [1] and sources.isComplete() and sources.staged is not None
    assert sum(f.rows_read for f in sources.staged.files) == 23  # every row of the four files
    export = tmp_path / "export"
    write(export / "contacts.csv", ["Contact ID", "Email", "City"],
          [[f"C{i}", f"p{i}@x.com", "Porto"] for i in range(120_000)])  # fmt: skip
    sources.check.click()
    qtbot.waitUntil(lambda: bool(multiprocessing.active_children()), timeout=10_000)
    assert wizard.jobs.busy
    wizard.confirm_close = lambda: True  # "A step is still running": Yes
    wizard.close()  # stops the check, then closes
    assert not wizard.jobs.busy
    assert not multiprocessing.active_children()


def test_mapping_changes_undo_and_redo_and_back_needs_no_check(
    qtbot, wizard, tmp_path: Path
) -> None:
    """Undo (Ctrl+Z) takes a mapping change back, Redo puts it again; undone to the mapping
    last checked, the page is complete again without reading a row."""
    from PySide6.QtCore import Qt

    _checked(qtbot, wizard, tmp_path)
    _next(wizard)
    mapping = wizard.currentPage()
    assert mapping.isComplete() and not mapping.undo_button.isEnabled()
    mapping.file.setCurrentIndex([mapping.file.itemText(i) for i in range(mapping.file.count())]
                                 .index("contacts.csv — Contacts"))  # fmt: skip
    contacts = mapping.field_model.splan
    import copy

    state = lambda: copy.deepcopy(contacts.to_dict())  # noqa: E731
    before = state()
    cols, fields = mapping.column_model, mapping.field_model
    title = [f.name for f in fields.fields].index("title")
    mapping.columns.setCurrentIndex(cols.index(cols.columns.index("Shoe Size")))
    mapping.fields.setCurrentIndex(fields.index(title, 0))
    assert mapping.map_selected()
    after = state()
    assert after != before and not mapping.isComplete() and mapping.recheck.isEnabled()
    assert mapping.undo_button.isEnabled() and mapping.undo_stack.count() == 1
    assert mapping.undo_button.toolTip().startswith("Undo: a change to contacts.csv")
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=5_000)
    mapping.fields.setFocus()
    qtbot.keyClick(mapping.fields, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Z
    assert contacts.to_dict() == before
    assert mapping.isComplete() and not mapping.recheck.isEnabled() and not mapping.dirty
    assert "nothing to check again" in mapping.status.text()
    assert not wizard.jobs.busy  # no row was read
    assert mapping.field_model.splan is contacts  # every view sees the same plan
    assert mapping.field_model.data(mapping.field_model.index(title, 1)) != "Shoe Size"
    mapping.redo_button.click()
    assert contacts.to_dict() == after and not mapping.isComplete()
    # a second change, then both undone in order
    mapping.fields.setCurrentIndex(mapping.field_model.index(title, 0))
    mapping.field_model.unmap(title)
    assert mapping.undo_stack.count() == 2
    mapping.undo_button.click()
    assert contacts.to_dict() == after
    mapping.undo_button.click()
    assert contacts.to_dict() == before and mapping.isComplete()
    # checked with the change, then undone: now the undone state is the one to check again
    mapping.redo_button.click()
    with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        mapping.recheck.click()
    assert mapping.isComplete()
    mapping.undo_button.click()
    assert not mapping.isComplete() and mapping.recheck.isEnabled()


def test_a_field_can_be_made_from_the_rows_columns(qtbot, wizard, tmp_path: Path) -> None:
    """The selected field's tab: 'Or make it from the row' with {Column} places; a column the
    file lacks is said and changes nothing; the preview shows the value made."""
    from PySide6.QtCore import Qt

    _checked(qtbot, wizard, tmp_path)
    _next(wizard)
    mapping = wizard.currentPage()
    mapping.file.setCurrentIndex([mapping.file.itemText(i) for i in range(mapping.file.count())]
                                 .index("contacts.csv — Contacts"))  # fmt: skip
    fields = mapping.field_model
    row = [f.name for f in fields.fields].index("department")
    mapping.fields.setCurrentIndex(fields.index(row, 0))
    details = mapping.details
    assert not details.template.isHidden()
    details.template.setText("{First Name} wears {Nope}")
    details.template.editingFinished.emit()
    assert mapping.status.text() == "Your file has no column 'Nope'."
    assert fields.splan.field_map("department") is None and mapping.undo_stack.count() == 0
    details.template.setText("{First Name} wears {Shoe Size}")
    details.template.editingFinished.emit()
    fm = fields.splan.field_map("department")
    assert fm.template == "{First Name} wears {Shoe Size}"
    assert fm.columns == ["First Name", "Shoe Size"]
    assert fields.data(fields.index(row, 1)) == "made: {First Name} wears {Shoe Size}"
    assert mapping.dirty and mapping.undo_stack.count() == 1
    pv = mapping.preview_model
    col = next(c for c in range(pv.columnCount())
               if pv.headerData(c, Qt.Orientation.Horizontal) == "Department")  # fmt: skip
    assert pv.data(pv.index(0, col)) == "Ann wears 38"  # row 2 of the file, C1
    assert pv.data(pv.index(2, col)) in ("", None)  # Eve has no shoe size: no value made
    mapping.undo_button.click()
    assert fields.splan.field_map("department") is None


def test_an_api_wait_is_counted_down_on_the_phase_page(qtbot, wizard, tmp_path: Path) -> None:
    """A target that may ask to wait (HubSpot's 429) tells the seconds left from the worker
    thread while the run waits; the page shows them, and Stop ends the wait (the target asks
    the worker). The run here waits as HubSpot's target does: told, then until stopped."""
    import threading

    from wizard.core.errors import CutoverError
    from wizard.core.runner import PhaseProgress

    page = _first_phase(qtbot, wizard, tmp_path)
    mig = wizard.session.migration
    target = mig.target
    target.on_wait = lambda left: None  # as HubSpot's target has them
    target.should_stop = lambda: False
    told = threading.Event()

    def waiting_run(phase, plan, should_stop, batch_rows):
        yield PhaseProgress(phase.name, "company", 0, 10, 0.0, None)
        target.on_wait(7.0)  # in the worker thread, as HubSpot's target says it
        told.set()
        while not target.should_stop():  # HubSpot's wait loop, a second at a time
            threading.Event().wait(0.01)
        raise CutoverError("Stopped while HubSpot asked to wait.", "Run it again to go on.")

    mig.run = waiting_run
    try:
        with qtbot.waitSignal(wizard.jobs.busy_changed, timeout=20_000,
                              check_params_cb=lambda busy: not busy):  # fmt: skip
            page.run_button.click()
            qtbot.waitUntil(told.is_set, timeout=5_000)
            qtbot.waitUntil(lambda: "7 s left" in page.status.text(), timeout=5_000)
            assert "asks to wait before the next request" in page.status.text()
            page.cancel()  # Stop: the wait ends, the run stops
        assert target.should_stop() is True
        assert page.status.text().startswith("Stopped")  # said as a stop, run again to go on
    finally:
        del mig.run, target.on_wait, target.should_stop
