"""The method's pages: spot checks, the checkpoint (buffer clock, QA checklist, sign-off), the
cutover page (pre-cutover checklist, fresh exports checked, the gate), the live phases with an
override, the post-load list; and a project closed at every page reopens on that page."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QWizard

from tests.conftest import SALESFORCE_TOKEN, new_wizard, rehearse_sample
from tests.test_gui_access import access_problems
from tests.test_pipeline import crm, write
from wizard.core.clock import FixedClock
from wizard.core.paths import projects_dir
from wizard.gui.wizard import CutoverWizard, PageId


def _settled(w: QWizard) -> None:
    """Wait for what a page checks in the worker as it opens (the checkpoint counts the
    sandbox): on the job's signal, not a sleep. An event loop of our own, which lets the
    worker take the interpreter's lock (QSignalSpy.wait holds it: the worker never ends)."""
    if not w.jobs.busy:
        return
    loop, timer = QEventLoop(), QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    w.jobs.busy_changed.connect(loop.quit)
    timer.start(30_000)
    loop.exec()
    w.jobs.busy_changed.disconnect(loop.quit)
    assert timer.isActive() and not w.jobs.busy, "the page's check did not end"
    timer.stop()


def _next(w: QWizard) -> None:
    _settled(w)
    page = w.currentPage()
    button = (QWizard.WizardButton.CommitButton if page.isCommitPage()
              else QWizard.WizardButton.NextButton)  # fmt: skip
    assert w.button(button).isEnabled(), f"page {w.currentId()} is not complete"
    w.next()
    _settled(w)


def _idle(qtbot, w: CutoverWizard, action) -> None:
    with qtbot.waitSignal(w.jobs.busy_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):  # fmt: skip
        action()


def _select(tree, item_id: str) -> None:
    """Select a checklist item of the checkpoint page by its id."""
    for g in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(g)
        for c in range(group.childCount()):
            if group.child(c).data(0, Qt.ItemDataRole.UserRole) == item_id:
                tree.setCurrentItem(group.child(c))
                return
    raise AssertionError(item_id)


def _to_spotchecks(qtbot, w: CutoverWizard, folder: Path, export: Path) -> None:
    w.currentPage().folder.setText(str(folder))
    _next(w)
    _next(w)
    sources = w.currentPage()
    sources.add_paths([export])
    _idle(qtbot, w, sources.check.click)
    for _ in range(3):
        _next(w)
    _next(w)  # commit: start loading
    rehearse_sample(qtbot, w)
    while w.currentId() < PageId.SPOTCHECK:
        page = w.currentPage()
        _idle(qtbot, w, page.run_button.click)
        _next(w)


def test_spot_checks_checkpoint_cutover_and_live(qtbot, wizard, tmp_path) -> None:
    folder = projects_dir() / "acme"
    _to_spotchecks(qtbot, wizard, folder, crm(tmp_path / "export"))
    project = wizard.session.project
    assert project.state.rehearsal_completed  # the last sandbox phase started the buffer
    spot = wizard.currentPage()
    assert wizard.currentId() == PageId.SPOTCHECK and spot.list.count() == 10
    assert access_problems(spot) == []  # keyboard-reachable and named, like every page
    spot.list.setCurrentRow(0)
    assert spot.in_sandbox.topLevelItemCount() and spot.in_source.topLevelItemCount()
    assert spot.links.topLevelItemCount() >= 1
    spot.name.setText("")
    assert not spot.mark("pass") and "Type your name" in spot.status.text()
    spot.name.setText("Dana")
    assert not spot.mark("fail") and "what is wrong" in spot.status.text()
    spot.comment.setText("The phone is missing")
    assert spot.mark("fail") and spot.list.item(0).text().startswith("✗")
    for i in range(1, 10):
        spot.list.setCurrentRow(i)
        assert spot.mark("pass")
    assert "9 passed, 1 failed" in spot.status.text()
    _next(wizard)
    check = wizard.currentPage()
    assert wizard.currentId() == PageId.CHECKPOINT
    assert check.clock_text.text().startswith("Day 0 of 30 of the testing buffer")
    bar = check.buffer_bar
    assert (bar.value(), bar.maximum(), bar.text()) == (0, 30, "day 0 of 30: 30 days left")
    assert access_problems(check) == []
    statuses = {i.item.id: i.status for i in check.items}
    assert statuses["accessibility.spot_checks"] == "failed"
    assert statuses["quality.counts"] == "passed" and not check.sign.isEnabled()

    check.name.setText("Dana")
    _select(check.tree, "quality.rejected")
    assert not check.decide_selected() and "Say why" in check.status.text()
    check.comment.setText("The rejected rows are test records.")
    assert check.decide_selected()
    # a value that matches no option loaded as written ('Carrier pigeon'): the check says so
    assert statuses["consistency.picklists"] == "failed"
    _select(check.tree, "consistency.picklists")
    check.comment.setText("These activity types become options in the new CRM.")
    assert check.decide_selected()
    _select(check.tree, "accessibility.spot_checks")
    check.comment.setText("The phone was fixed in the old CRM; reloaded next run.")
    assert check.decide_selected()
    _select(check.tree, "accessibility.find_own")
    assert check.decide_selected()
    assert check.sign.isEnabled()
    check.signer.setText("Morgan Boss")
    assert check.sign_off() and "Signed off by Morgan Boss" in check.signed.text()
    # the report, any time from the checkpoint page
    early = tmp_path / "reports" / "checkpoint.pdf"
    _idle(qtbot, wizard, lambda: check.report.export(early))
    assert early.stat().st_size > 10_000 and check.report.open_folder.isEnabled()
    assert str(early) in check.report.status.text()
    check.days.setValue(21)
    assert "Day 0 of 21" in check.clock_text.text() and project.state.buffer_days == 21
    assert (check.buffer_bar.maximum(), check.buffer_bar.text()) == (
        21,
        "day 0 of 21: 21 days left",
    )
    _next(wizard)
    cut = wizard.currentPage()
    assert wizard.currentId() == PageId.CUTOVER and not cut.isComplete()
    assert access_problems(cut) == []
    assert "testing buffer is still running" in cut.gate.text()
    first = cut.checklist.item(0)
    cut.name.setText("")
    first.setCheckState(Qt.CheckState.Checked)
    assert first.checkState() == Qt.CheckState.Unchecked and "Type your name" in cut.status.text()
    cut.name.setText("Dana")
    for i in range(cut.checklist.count()):
        cut.checklist.item(i).setCheckState(Qt.CheckState.Checked)
    assert "Dana" in cut.checklist.item(0).text() and not cut.isComplete()  # exports not checked
    _idle(qtbot, wizard, cut.check.click)
    assert "match the rehearsal" in cut.delta.toPlainText() and cut.isComplete()
    _next(wizard)
    page = wizard.currentPage()
    assert wizard.currentId() == PageId.LIVE_PHASE + 1 and page.live  # companies, live
    assert page.gate.isVisible() and "day 0 of 21" in page.gate_text.text()
    assert access_problems(page) == []
    page.run_button.click()
    assert not wizard.jobs.busy and page.status.text().startswith("Locked")
    page.override_reason.setText("soon")
    page.override_by.setText("Dana")
    assert not page.override_and_run() and "reason" in page.status.text()
    page.override_reason.setText("The old CRM's licence ends this Friday.")
    _idle(qtbot, wizard, page.override_and_run)
    assert page.isComplete() and not page.gate.isVisible()
    while wizard.currentId() < PageId.POSTLOAD:
        _next(wizard)
        page = wizard.currentPage()
        if wizard.currentId() == PageId.POSTLOAD:
            break
        assert page.locks() == []  # buffer overridden; QA signed off: active is open too
        _idle(qtbot, wizard, page.run_button.click)
    post = wizard.currentPage()
    assert not post.isComplete() and access_problems(post) == []
    for i in range(post.checklist.count()):
        post.checklist.item(i).setCheckState(Qt.CheckState.Checked)
    assert post.isComplete()
    _next(wizard)
    assert wizard.currentId() == PageId.REPORT and access_problems(wizard.currentPage()) == []
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()
    final = tmp_path / "reports" / "final.html"
    _idle(qtbot, wizard, lambda: wizard.currentPage().exporter.export(final))
    html = final.read_text(encoding="utf-8")
    assert "The live cutover is complete" in html and "licence ends this Friday" in html
    db = sqlite3.connect(folder / "live" / "live-crm.db")
    assert db.execute("SELECT COUNT(*) FROM contacts").fetchone() == (5,)
    db.close()
    journal = [r for r in wizard.session.live.ledger.runs() if r["action"] == "override"]
    assert len(journal) == 1 and "licence" in journal[0]["message"]


def test_the_gate_opens_on_day_30_without_an_override(qtbot, wizard, tmp_path) -> None:
    folder = projects_dir() / "clock"
    _to_spotchecks(qtbot, wizard, folder, crm(tmp_path / "export"))
    project = wizard.session.project
    started = project.clock.now()
    project.clock = FixedClock(started + timedelta(days=29))
    assert [lock.kind for lock in project.locks("companies")] == ["buffer"]
    project.clock = FixedClock(started + timedelta(days=30))
    assert project.locks("companies") == []
    assert [lock.kind for lock in project.locks("active")] == ["qa"]  # still: no sign-off


def test_closed_at_every_page_it_reopens_there(qtbot, tmp_path) -> None:
    export = crm(tmp_path / "export")
    folder = projects_dir() / "resume"
    w = new_wizard(qtbot)

    def reopen(w: CutoverWizard) -> CutoverWizard:
        where = w.currentId()
        w.reject()
        again = new_wizard(qtbot)
        welcome = again.currentPage()
        welcome.projects.setCurrentRow(0)
        assert welcome.folder.text() == str(folder)
        _next(again)
        if where == PageId.METHOD:  # the method page is where any project starts again
            assert again.currentId() == PageId.METHOD
        else:
            assert again.currentId() == where, f"closed at {where}, reopened at {again.currentId()}"
        return again

    w.currentPage().folder.setText(str(folder))
    _next(w)
    w = reopen(w)  # method
    _next(w)
    sources = w.currentPage()
    sources.add_paths([export])
    _idle(qtbot, w, sources.check.click)
    w = reopen(w)  # sources
    _idle(qtbot, w, w.currentPage().check.click)
    _next(w)
    w = reopen(w)  # mapping
    _next(w)
    qtbot.waitUntil(w.currentPage().isComplete, timeout=30_000)  # relations checks again
    w = reopen(w)  # relations
    qtbot.waitUntil(w.currentPage().isComplete, timeout=30_000)
    _next(w)
    qtbot.waitUntil(w.currentPage().isComplete, timeout=30_000)
    w = reopen(w)  # validation
    qtbot.waitUntil(w.currentPage().isComplete, timeout=30_000)
    _next(w)
    _idle(qtbot, w, w.currentPage().run_button.click)
    w = reopen(w)  # the sample rehearsal
    assert w.currentPage().isComplete()
    _next(w)
    _idle(qtbot, w, w.currentPage().run_button.click)
    w = reopen(w)  # the first phase page
    assert w.currentPage().isComplete()
    while w.currentId() < PageId.SPOTCHECK:
        _next(w)
        if w.currentId() < PageId.SPOTCHECK:
            _idle(qtbot, w, w.currentPage().run_button.click)
    w = reopen(w)  # spot checks
    _next(w)
    w = reopen(w)  # checkpoint
    _next(w)
    cut = w.currentPage()
    cut.name.setText("Dana")
    for i in range(cut.checklist.count()):
        cut.checklist.item(i).setCheckState(Qt.CheckState.Checked)
    _idle(qtbot, w, cut.check.click)
    w = reopen(w)  # cutover: the checklist kept, the exports checked again by the reopen
    assert w.currentPage().isComplete()
    _next(w)
    page = w.currentPage()
    page.override_reason.setText("Testing the resume of a live phase page.")
    page.override_by.setText("Dana")
    _idle(qtbot, w, page.override_and_run)
    w = reopen(w)  # a live phase page
    assert w.currentPage().live and w.currentPage().isComplete()
    assert w.jobs.wait(10_000)
    w.session.close()


def test_the_last_sandbox_phase_counts_the_rehearsal_in_the_worker(qtbot, wizard, tmp_path,
                                                                   monkeypatch) -> None:  # fmt: skip
    """Whether the sandbox holds what every phase loaded counts every record and link: the
    last phase's job asks it, so the window does not wait on it when the phase ends."""
    import threading

    from wizard.core.migration import Migration

    asked: list[bool] = []
    reconciled = Migration.reconciled

    def counted(self) -> bool:
        asked.append(threading.current_thread() is threading.main_thread())
        return reconciled(self)

    monkeypatch.setattr(Migration, "reconciled", counted)
    _to_spotchecks(qtbot, wizard, projects_dir() / "rehearsal-count", crm(tmp_path / "export"))
    assert wizard.session.project.state.rehearsal_completed
    assert asked == [False]  # once, in the worker's thread


def test_the_checkpoint_checks_the_sandbox_in_the_worker(qtbot, wizard, tmp_path) -> None:
    """The automated checks count every row (seconds on a million): the page runs them in the
    worker, says so meanwhile, and a person's decision shows at once without counting again."""
    folder = projects_dir() / "qa-in-the-worker"
    _to_spotchecks(qtbot, wizard, folder, crm(tmp_path / "export"))
    _settled(wizard)
    wizard.next()  # the checkpoint starts its check as it opens
    check = wizard.currentPage()
    assert wizard.currentId() == PageId.CHECKPOINT and wizard.jobs.busy
    found = {i.item.id: (i.status, i.detail) for i in check.items}
    assert found["quality.counts"] == ("open", "Checking the sandbox…")
    assert not check.again.isEnabled() and not check.sign.isEnabled()
    assert "Checking the sandbox" in check.status.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    check.name.setText("Dana")
    _select(check.tree, "accessibility.find_own")
    assert check.decide_selected()  # at once, while the check runs
    assert {i.item.id: i.status for i in check.items}["accessibility.find_own"] == "passed"
    assert not check.sign_off() and "being checked" in check.status.text()
    _settled(wizard)
    found = {i.item.id: (i.status, i.detail) for i in check.items}
    assert found["quality.counts"][0] == "passed" and found["accessibility.find_own"][0] == "passed"
    assert found["consistency.picklists"][0] == "failed"  # 'Carrier pigeon' loaded as written
    assert check.again.isEnabled() and check.status.text() == "Checked."
    # another step running: 'Check again' says so rather than starting a second job
    assert check.report.export(tmp_path / "r.html")
    assert not check.refresh() and "Another step is still running" in check.status.text()
    _settled(wizard)
    assert check.refresh()  # and again: the same findings
    _settled(wizard)
    assert {i.item.id: (i.status, i.detail) for i in check.items} == found
    _next(wizard)
    assert wizard.currentId() == PageId.CUTOVER


def test_the_cutover_page_chooses_the_live_target(qtbot, wizard, tmp_path,
                                                  salesforce_server) -> None:  # fmt: skip
    folder = projects_dir() / "targets"
    _to_spotchecks(qtbot, wizard, folder, crm(tmp_path / "export"))
    _next(wizard)  # checkpoint
    _next(wizard)  # cutover
    cut = wizard.currentPage()
    chooser = cut.target
    assert "local database" in chooser.current.text()
    chooser.kind.setCurrentIndex(chooser.kind.findData("postgres"))
    assert chooser.dsn.isVisibleTo(cut) and not chooser.secret.isVisibleTo(cut)
    chooser.dsn.setText("postgresql://u:secret@db/crm")
    assert not chooser.apply() and "must not keep secrets" in chooser.current.text()
    chooser.kind.setCurrentIndex(chooser.kind.findData("salesforce"))
    assert chooser.org_url.isVisibleTo(cut) and chooser.secret.isVisibleTo(cut)
    assert not chooser.apply() and "Which Salesforce org?" in chooser.current.text()
    chooser.org_url.setText("https://acme.my.salesforce.com")
    chooser.secret.setText(SALESFORCE_TOKEN)
    assert chooser.apply(), chooser.current.text()
    assert chooser.current.text() == "Now: Salesforce org."  # the dry run found nothing missing
    assert chooser.secret.text() == ""  # in the password store, not in the window
    chooser.kind.setCurrentIndex(chooser.kind.findData("files-hubspot"))
    assert chooser.apply() and "HubSpot import files" in chooser.current.text()
    assert wizard.session.project.state.live_target == {"kind": "files", "profile": "hubspot"}
    cut.name.setText("Dana")
    for i in range(cut.checklist.count()):
        cut.checklist.item(i).setCheckState(Qt.CheckState.Checked)
    _idle(qtbot, wizard, cut.check.click)
    _next(wizard)
    page = wizard.currentPage()
    page.override_reason.setText("Trying the HubSpot import files.")
    page.override_by.setText("Dana")
    _idle(qtbot, wizard, page.override_and_run)
    assert page.isComplete()
    package = folder / "live" / "hubspot-import-files"
    assert (package / "02-companies-part1.csv").exists()
    assert "1. 02-companies-part1.csv" in (package / "UPLOAD-ORDER.txt").read_text()
    # the page says what to upload, then reads the CRM's export back
    assert page.upload.isVisibleTo(page) and "1. 02-companies-part1.csv" in page.upload_text.text()
    crm_export = tmp_path / "hubspot-companies.csv"
    write(crm_export, ["Record ID", "Name", "Legacy record ID"],
          [["71", "Parent Inc", "A1"], ["72", "Child GmbH", "A2"]])  # fmt: skip
    assert not page.confirm_export(crm_export)
    assert "2 of 5 records" in page.status.text() and "Missing: A4, A7, A3" in page.status.text()
    wizard.back()  # back to the cutover page: records are loaded, the target cannot change
    cut = wizard.currentPage()
    chooser.kind.setCurrentIndex(chooser.kind.findData("local"))
    assert not chooser.apply() and "Undo the live phases first" in chooser.current.text()


def test_a_live_target_that_cannot_open_is_a_message_not_a_crash(qtbot, tmp_path) -> None:
    """A project whose live target is HubSpot, reopened on a computer whose password store
    has no token: it reopens on the cutover page, which says so and lets the admin connect."""
    from wizard.core import secrets
    from wizard.core.cutover import Project

    export = crm(tmp_path / "export")
    folder = projects_dir() / "no-token"
    w = new_wizard(qtbot)
    _to_spotchecks(qtbot, w, folder, export)
    _next(w)  # checkpoint
    w.reject()
    project = Project(folder)
    project.state.live_target = {"kind": "hubspot"}
    project.state.page = PageId.CUTOVER
    project.save()
    secrets.forget("hubspot", str(folder))
    again = new_wizard(qtbot)
    again.currentPage().projects.setCurrentRow(0)
    _next(again)
    cut = again.currentPage()
    assert again.currentId() == PageId.CUTOVER
    assert "No HubSpot access token" in cut.target.current.text() and not cut.isComplete()
    cut.check.click()  # checking the exports says the same, without a traceback
    assert "No HubSpot access token" in cut.status.text()
    again.session.close()


def test_validation_counts_are_inspects_after_a_recheck_and_a_resume(qtbot, tmp_path) -> None:
    """The Validation page's count of every problem is the one ``inspect`` gives for the same
    files and plan: after 'Check again with this mapping', and after the project is closed and
    opened again (one function counts them: staging's)."""
    from wizard.core.inspection import inspect
    from wizard.core.validate import RULE_TITLES
    from wizard.gui.pages.validation import SEVERITY_WORDS

    export = crm(tmp_path / "export")
    folder = projects_dir() / "counts"

    def shown(w: CutoverWizard) -> dict[tuple[str, str], int]:
        tree = w.currentPage().tree
        items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
        return {(i.text(0), i.text(2)): int(i.text(1).replace(",", "")) for i in items}

    def inspected(w: CutoverWizard) -> dict[tuple[str, str], int]:
        report = inspect([str(export)], w.session.migration.plan_path)
        out: dict[tuple[str, str], int] = {}
        for (_file, rule, severity), n in report.validation.findings.counts.items():
            key = (RULE_TITLES.get(rule, rule), SEVERITY_WORDS[severity])
            out[key] = out.get(key, 0) + n
        return out

    from tests.test_gui_pages import _checked as walk

    w = new_wizard(qtbot)
    walk(qtbot, w, folder, export)  # welcome, method, sources: every row checked
    _next(w)
    mapping = w.currentPage()
    mapping.file.setCurrentIndex([mapping.file.itemText(i) for i in range(mapping.file.count())]
                                 .index("contacts.csv — Contacts"))  # fmt: skip
    cols, fields = mapping.column_model, mapping.field_model
    # the email column leaves the mapping: its findings go, required-value ones may come
    mapping.columns.setCurrentIndex(cols.index(cols.columns.index("Shoe Size")))
    mapping.fields.setCurrentIndex(fields.index([f.name for f in fields.fields].index("title"), 0))
    assert mapping.map_selected()
    _idle(qtbot, w, mapping.recheck.click)
    assert mapping.isComplete()
    # a text field filled from another column: only those columns were checked again
    assert "Only the columns whose mapping changed were checked again" in mapping.status.text()
    _next(w)
    qtbot.waitUntil(w.currentPage().isComplete, timeout=30_000)
    _next(w)
    assert w.currentId() == PageId.VALIDATION
    qtbot.waitUntil(w.currentPage().isComplete, timeout=30_000)
    after_recheck = shown(w)
    assert after_recheck == inspected(w)
    assert ("Links to records that are not in your files", "loads, worth a look") in after_recheck
    # closed and opened again: the page checks every row again, and counts the same
    w.reject()
    again = new_wizard(qtbot)
    again.currentPage().projects.setCurrentRow(0)
    _next(again)
    assert again.currentId() == PageId.VALIDATION
    qtbot.waitUntil(lambda: again.currentPage().tree.topLevelItemCount() > 0, timeout=30_000)
    qtbot.waitUntil(lambda: not again.jobs.busy, timeout=30_000)
    assert shown(again) == after_recheck == inspected(again)
    again.reject()


def test_a_rehearsal_read_through_the_api_reads_its_changes_before_the_cutover(
    qtbot, wizard, tmp_path, hubspot_server
) -> None:
    """The whole method from a CRM read through its API: 'Connect to a CRM…' on the sources
    page, the rehearsal, then on the cutover page the changes since, read through the API too
    and checked against the rehearsal like fresh exports."""
    from tests.conftest import HUBSPOT_TOKEN
    from tests.test_connectors import fill_portal

    portal = hubspot_server.portal
    ids = fill_portal(portal)
    folder = projects_dir() / "from-hubspot"
    wizard.currentPage().folder.setText(str(folder))
    _next(wizard)
    _next(wizard)
    sources = wizard.currentPage()
    _idle(qtbot, wizard, lambda: sources.start_pull("hubspot", None, HUBSPOT_TOKEN, False))
    _idle(qtbot, wizard, sources.check.click)
    assert sources.isComplete(), sources.status.text()
    for _ in range(3):
        _next(wizard)
    _next(wizard)  # commit: start loading
    rehearse_sample(qtbot, wizard)
    while wizard.currentId() < PageId.SPOTCHECK:
        _idle(qtbot, wizard, wizard.currentPage().run_button.click)
        _next(wizard)
    _next(wizard)  # checkpoint
    _next(wizard)  # cutover
    cut = wizard.currentPage()
    assert cut.pull_changes.isVisibleTo(cut)
    assert cut.pull_changes.text() == "Read the changes from HubSpot"
    # the first pull's start moved back an hour: the changes below come after it
    state_path = folder / "pulled" / "hubspot" / "pull-state.json"
    import json

    from tests.hubspot_server import iso

    state = json.loads(state_path.read_text())
    state["started"] = iso(portal.clock + 600_000).replace(".000", "")
    state_path.write_text(json.dumps(state))
    portal.clock += 3_600_000
    portal.change("contacts", ids["contacts"][0], jobtitle="Head of sales")
    portal.add("contacts", firstname="Newly", lastname="Added", email="newly@acme.example")
    _idle(qtbot, wizard, cut.pull_delta)
    assert "1 new, 1 changed, 0 deleted" in cut.delta.toPlainText(), cut.delta.toPlainText()
    assert not cut.checked  # the files changed: checked again before going on
    _idle(qtbot, wizard, cut.check.click)
    said = cut.delta.toPlainText()
    assert cut.checked and "Read from HubSpot since the last pull:" in said, said
    assert "contacts.csv has 13 rows, 1 more than at the rehearsal (12)" in said
