"""The QWizard: stable page ids, the session every page reads and writes, and the side rail.

Welcome, Import method, Sources, Field mapping, Relations, Validation (the commit page: after
it the phases load), then one page per phase. Closing the window while a phase runs asks
first and stops after the batch in progress; the welcome page offers to resume next time.
Unexpected errors are logged to the project's log file and shown in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from wizard.core.cutover import Project
from wizard.core.errors import CutoverError
from wizard.core.logs import log, log_to
from wizard.core.migration import Migration, Prepared
from wizard.core.phases import PHASES, PhaseDef, find
from wizard.core.runner import BATCH_ROWS, stored_result
from wizard.gui.errors import ErrorDialog, report
from wizard.gui.rail import PhaseRail
from wizard.gui.workers import JobRunner


class PageId(IntEnum):
    WELCOME = 0
    METHOD = 1
    SOURCES = 2
    MAPPING = 3
    RELATIONS = 4
    VALIDATION = 5
    REHEARSAL = 6
    PHASE = 10  # + the phase's position: 10 owners ... 15 active sales contacts
    SPOTCHECK = 20
    CHECKPOINT = 21
    CUTOVER = 22
    LIVE_PHASE = 30  # the live cutover's phase pages: 30 owners ... 35 active sales contacts
    POSTLOAD = 40
    REPORT = 41


@dataclass
class Session:
    """What the pages share: the project, the plan and sources, the choices made."""

    migration: Migration | None = None  # the sandbox
    prepared: Prepared | None = None
    project: Project | None = None  # project.json: where the admin is in the method
    live: Migration | None = None  # the live cutover, once the cutover page opens it
    live_prepared: Prepared | None = None
    method: str = "integration_sync"
    environment: str = "sandbox"
    demo: bool = False  # walking the wizard with the bundled demo export
    batch_rows: int = BATCH_ROWS  # rows per batch when a phase loads

    def phases(self) -> list[PhaseDef]:
        if self.migration is None or self.prepared is None:
            return list(PHASES)
        return self.migration.phases(self.prepared.plan)

    def open(self, folder: str) -> Migration:
        self.close()
        self.migration = Migration(folder)
        self.project = Project(self.migration.folder)
        log_to(self.migration.folder)
        log.info("project opened: %s", self.migration.folder)
        if self.project.notice:
            log.warning("%s", self.project.notice)
        return self.migration

    def open_live(self) -> Migration:
        if self.live is None:
            assert self.project is not None
            self.live = self.project.open_live()
        return self.live

    def env(self, live: bool) -> Migration | None:
        return self.live if live else self.migration

    def close(self) -> None:
        for mig in (self.live, self.migration):
            if mig is not None:
                mig.close()
        self.migration = self.live = None
        self.prepared = self.live_prepared = self.project = None


class CutoverWizard(QWizard):
    def __init__(self) -> None:
        super().__init__()
        from wizard.gui.pages.checkpoint import CheckpointPage
        from wizard.gui.pages.cutover import CutoverPage, PostLoadPage
        from wizard.gui.pages.mapping import MappingPage
        from wizard.gui.pages.method import MethodPage
        from wizard.gui.pages.phase import PhasePage
        from wizard.gui.pages.rehearsal import RehearsalPage
        from wizard.gui.pages.relations import RelationsPage
        from wizard.gui.pages.report import ReportPage
        from wizard.gui.pages.sources import SourcesPage
        from wizard.gui.pages.spotcheck import SpotCheckPage
        from wizard.gui.pages.validation import ValidationPage
        from wizard.gui.pages.welcome import WelcomePage

        self.setWindowTitle("Cutover Wizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.CancelButton, "Close")  # a page's Stop stops
        self.session = Session()
        self.jobs = JobRunner(self)
        self.rail = PhaseRail()
        self.rail.show_result.connect(self.show_phase_result)
        self.setSideWidget(self.rail)
        self.jobs.unexpected.connect(self._unexpected)
        self._after_check = None
        self.jobs.busy_changed.connect(self._checked_again)
        self.error_dialog: ErrorDialog | None = None
        self.result_dialog: QDialog | None = None
        self.setPage(PageId.WELCOME, WelcomePage())
        self.setPage(PageId.METHOD, MethodPage())
        self.setPage(PageId.SOURCES, SourcesPage())
        self.setPage(PageId.MAPPING, MappingPage())
        self.setPage(PageId.RELATIONS, RelationsPage())
        self.setPage(PageId.VALIDATION, ValidationPage())
        self.setPage(PageId.REHEARSAL, RehearsalPage())
        for i, phase in enumerate(PHASES):
            self.setPage(PageId.PHASE + i, PhasePage(phase))
        self.setPage(PageId.SPOTCHECK, SpotCheckPage())
        self.setPage(PageId.CHECKPOINT, CheckpointPage())
        self.setPage(PageId.CUTOVER, CutoverPage())
        for i, phase in enumerate(PHASES):
            self.setPage(PageId.LIVE_PHASE + i, PhasePage(phase, live=True))
        self.setPage(PageId.POSTLOAD, PostLoadPage())
        self.setPage(PageId.REPORT, ReportPage())
        self.setStartId(PageId.WELCOME)
        self._guard_navigation()
        self.help_dialog: QMessageBox | None = None
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents), self)
        shortcut.activated.connect(self.show_help)
        self.setButtonText(QWizard.WizardButton.HelpButton, "Help (F1)")
        self.setOption(QWizard.WizardOption.HaveHelpButton, True)
        self.helpRequested.connect(self.show_help)
        self.resize(1100, 720)
        self._restore_geometry()
        self.currentIdChanged.connect(self._page_changed)

    # -- no page change while a job runs ----------------------------------------------------
    def _guard_navigation(self) -> None:
        """Back, Next and Finish do nothing while a job runs in the worker (and are shown
        disabled): a page left mid-run could reopen the project under the worker's feet. The
        buttons' own connections are replaced, so a mnemonic or a click cannot get past."""
        for which, go in ((QWizard.WizardButton.BackButton, self.back),
                          (QWizard.WizardButton.NextButton, self.next),
                          (QWizard.WizardButton.FinishButton, self.accept)):  # fmt: skip
            button = self.button(which)
            button.clicked.disconnect()
            button.clicked.connect(self._navigate_slot(go))
        self.jobs.busy_changed.connect(self._busy_buttons)
        for page_id in self.pageIds():  # after QWizard's own update of the buttons
            self.page(page_id).completeChanged.connect(self._keep_disabled)
        # ... and after a page that starts a job as it opens (the checkpoint) is shown
        self.currentIdChanged.connect(self._keep_disabled)

    @Slot()
    def _keep_disabled(self) -> None:
        if self.jobs.busy:
            self._busy_buttons(True)

    def _navigate_slot(self, go):
        @Slot()
        def navigate() -> None:
            if not self.jobs.busy:
                go()

        return navigate

    @Slot(bool)
    def _busy_buttons(self, busy: bool) -> None:
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                      QWizard.WizardButton.FinishButton):  # fmt: skip
            button = self.button(which)
            if busy:
                button.setEnabled(False)
        page = self.currentPage()
        if not busy and page is not None:  # QWizard sets every button again from the page
            page.completeChanged.emit()

    def next(self) -> None:  # also the keyboard's way (Return on a page)
        if not self.jobs.busy:
            super().next()

    def back(self) -> None:
        if not self.jobs.busy:
            super().back()

    @Slot()
    def show_help(self) -> QMessageBox:
        """What the current page is for and what happens next, in plain words (F1)."""
        from wizard.gui.help import HELP, help_key

        page = self.currentPage()
        title = page.title() if page is not None and page.title() else "Cutover Wizard"
        if self.help_dialog is not None:
            self.help_dialog.close()
        box = QMessageBox(QMessageBox.Icon.Information, f"Help: {title}",
                          HELP[help_key(self.currentId())], QMessageBox.StandardButton.Close,
                          self)  # fmt: skip
        box.setModal(False)  # the page stays usable beside it
        box.show()
        self.help_dialog = box
        return box

    def page_staged(self):
        """The result of reading and checking every row (from the Sources page)."""
        return self.page(PageId.SOURCES).staged

    def recheck_then(self, callback) -> None:
        """A reopened project's pages that need every row checked: check (files that did not
        change are not read again), then call ``callback`` (a page's method)."""
        self._after_check = callback
        self.page(PageId.SOURCES).start_check()

    @Slot(bool)
    def _checked_again(self, busy: bool) -> None:
        if busy or self._after_check is None:
            return
        callback, self._after_check = self._after_check, None
        if self.page_staged() is not None:
            callback()

    def phase_page_id(self, phase: PhaseDef, live: bool = False) -> int:
        base = PageId.LIVE_PHASE if live else PageId.PHASE
        return base + [p.name for p in PHASES].index(phase.name)

    def page_after(self, phase: str | None, live: bool = False) -> int:
        """The page of the plan's phase after ``phase`` (the first one for None); after the
        last one, the spot checks (sandbox) or the post-load list (live)."""
        names = [p.name for p in self.session.phases()]
        at = 0 if phase is None else names.index(phase) + 1 if phase in names else len(names)
        if at < len(names):
            return self.phase_page_id(self.session.phases()[at], live)
        return PageId.POSTLOAD if live else PageId.SPOTCHECK

    def refresh_rail(self, active: str | None = None) -> None:
        session = self.session
        self.rail.set_phases(session.phases())
        states = {}
        live = self.currentId() >= PageId.CUTOVER
        mig = session.env(live)
        self.rail.set_title("Live cutover" if live else "Phases (sandbox)")
        if mig is not None and session.prepared is not None:
            for p in session.phases():
                states[p.name] = "completed" if mig.is_done(p) else "pending"
        self.rail.update_states(states, active)

    def _page_changed(self, page_id: int) -> None:
        active = None
        if PageId.PHASE <= page_id < PageId.SPOTCHECK:
            active = PHASES[page_id - PageId.PHASE].name
        elif PageId.LIVE_PHASE <= page_id < PageId.POSTLOAD:
            active = PHASES[page_id - PageId.LIVE_PHASE].name
        self.refresh_rail(active)
        self.remember_place(page_id, active)
        self._name_header()

    def _name_header(self) -> None:
        """The header's title and sub-title labels get names, so the stylesheet can give them
        the type scale (QWizard leaves them unnamed)."""
        page = self.currentPage()
        if page is None or getattr(self, "_header_named", False):
            return
        for label in self.findChildren(QLabel):
            if isinstance(label.parent(), QWizardPage) or label.objectName():
                continue
            if label.text() == page.title():
                label.setObjectName("wizardTitle")
            elif page.subTitle() and label.text() == page.subTitle():
                label.setObjectName("wizardSubTitle")
            else:
                continue
            label.style().unpolish(label)
            label.style().polish(label)
            self._header_named = True

    def remember_place(self, page_id: int, phase: str | None) -> None:
        """Saved at once (atomically): a project reopened days later returns here."""
        project = self.session.project
        if project is None or page_id < 0 or page_id == PageId.WELCOME:
            return
        project.state.page, project.state.phase = int(page_id), phase
        project.state.method = self.session.method
        try:
            project.save()
        except (OSError, CutoverError) as exc:  # a folder gone read-only, a lock elsewhere
            log.warning("could not save the project's place: %s", exc)

    # -- a finished phase's result, from the rail ----------------------------------------
    @Slot(str)
    def show_phase_result(self, name: str) -> None:
        from wizard.gui.pages.phase import describe

        mig = self.session.env(self.currentId() >= PageId.CUTOVER)
        stored = stored_result(mig.ledger, name) if mig is not None else None
        if stored is None:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(f"What '{find(name).label}' did")
        text = QPlainTextEdit(describe(stored))
        text.setReadOnly(True)
        text.setAccessibleName("Result of the phase")
        QVBoxLayout(dialog).addWidget(text)
        dialog.resize(620, 360)
        dialog.setModal(False)
        dialog.show()
        self.result_dialog = dialog

    # -- errors nobody foresaw ---------------------------------------------------------------
    @Slot(str, str)
    def _unexpected(self, message: str, details: str) -> None:
        self.error_dialog = report(message, details, self)

    # -- closing -------------------------------------------------------------------------
    def _ask(self, title: str, text: str) -> bool:
        """A yes/no question whose default (Return, Esc) is No: nothing is lost by accident."""
        answer = QMessageBox.question(
            self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def confirm_close(self) -> bool:
        """Asks before closing while a job runs (tests replace this)."""
        return self._ask("A step is still running",
                         "Stop after the batch in progress and close? Nothing is lost: the next "
                         "time you open this project, the welcome page offers to go on from "
                         "there.")  # fmt: skip

    def confirm_leave(self) -> bool:
        """Esc or Close with a project open: asked, not done at once (tests replace this)."""
        return self._ask("Close Cutover Wizard?",
                         "Close the wizard? Everything so far is saved: the next time you open "
                         "this project, the welcome page offers to go on from this page.")  # fmt: skip

    def reject(self) -> None:
        if self.jobs.busy:
            if not self.confirm_close():
                return
        elif self.session.migration is not None and not self.confirm_leave():
            return
        super().reject()

    # -- the window's size and place, remembered ----------------------------------------------
    def _settings(self):
        from PySide6.QtCore import QSettings

        from wizard.core.paths import data_home

        return QSettings(str(data_home() / "window.ini"), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        saved = self._settings().value("geometry")
        if saved is not None:
            self.restoreGeometry(saved)

    def _save_geometry(self) -> None:
        settings = self._settings()
        settings.setValue("geometry", self.saveGeometry())
        settings.sync()

    def done(self, result: int) -> None:
        self._save_geometry()
        if self.jobs.busy:
            self.jobs.wait()  # stops after the batch in progress; the next start resumes
            log.info("closed while a step was running; it stopped after a whole batch")
        self.session.close()
        super().done(result)
