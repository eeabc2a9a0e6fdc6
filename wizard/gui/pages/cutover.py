"""Before the live cutover: the things admins forget (each confirmed, signed), the fresh exports
checked against the rehearsal (new or missing columns, changed row counts, in plain words), and
where the gate stands. After it: the list of what to switch back on."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from wizard.core import connectors
from wizard.core.connectors.pull import PullDone, PullProgress, pull
from wizard.core.cutover import POSTLOAD, PRECUTOVER, all_confirmed, confirm, delta_check
from wizard.core.errors import CutoverError
from wizard.core.staging import Staged, StageProgress
from wizard.gui.icons import decorate
from wizard.gui.pages.base import SessionPage
from wizard.gui.workers import GeneratorWorker


class _Checklist(QListWidget):
    """Checkable items; ticking one records who and when (``which``: precutover, postload)."""

    def __init__(self, which: str, page: QWizardPage, name: QLineEdit) -> None:
        super().__init__()
        self.which, self.page, self.name = which, page, name
        self.setAccessibleName("Pre-cutover checklist" if which == "precutover"
                               else "Post-load checklist")  # fmt: skip
        self.itemChanged.connect(self._changed)

    def fill(self, state) -> None:
        table = state.precutover if self.which == "precutover" else state.postload
        self.blockSignals(True)
        self.clear()
        for key, text in PRECUTOVER if self.which == "precutover" else POSTLOAD:
            done = table.get(key)
            label = text + (
                f"  — {done['by']}, {done['at'][:16].replace('T', ' ')}" if done else ""
            )
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if done else Qt.CheckState.Unchecked)
            self.addItem(item)
        self.blockSignals(False)

    @Slot(QListWidgetItem)
    def _changed(self, item: QListWidgetItem) -> None:
        project = self.page.session.project  # type: ignore[attr-defined]
        done = item.checkState() == Qt.CheckState.Checked
        try:
            confirm(project.state, self.which, item.data(Qt.ItemDataRole.UserRole),
                    self.name.text(), done, project.clock)  # fmt: skip
        except CutoverError as exc:
            self.page.status.setText(exc.message)  # type: ignore[attr-defined]
            self.blockSignals(True)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.blockSignals(False)
            return
        project.state.tester = self.name.text().strip() or project.state.tester
        project.save()
        self.fill(project.state)
        self.page.completeChanged.emit()


TARGET_CHOICES = [
    ("local", "A local database standing in for the live CRM (a full dress rehearsal)"),
    ("hubspot", "HubSpot, through its API (an access token of a private app)"),
    ("salesforce", "Salesforce, through Bulk API 2.0 (your org's address and an access token)"),
    ("files-hubspot", "HubSpot import files, to upload with HubSpot's importer"),
    ("files-salesforce", "Salesforce Data Loader files (upsert on an External ID)"),
    ("postgres", "A PostgreSQL database (connection string, without the password)"),
]


class TargetChooser(QGroupBox):
    """Where the live cutover goes: the connection. A token goes to the OS password store."""

    def __init__(self, page: SessionPage) -> None:
        super().__init__("Where the live cutover goes")
        self.page = page
        self.kind = QComboBox()
        self.kind.setAccessibleName("Live target")
        for key, text in TARGET_CHOICES:
            self.kind.addItem(text, key)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText("HubSpot access token (kept in your computer's password "
                                       "store, never in the project)")  # fmt: skip
        self.secret.setAccessibleName("HubSpot access token")
        self.org_url = QLineEdit()
        self.org_url.setPlaceholderText("https://yourcompany.my.salesforce.com")
        self.org_url.setAccessibleName("Salesforce org address")
        self.dsn = QLineEdit()
        self.dsn.setPlaceholderText("host=db.example.com dbname=crm user=migrator")
        self.dsn.setAccessibleName("PostgreSQL connection string")
        self.connect_button = QPushButton("Use this target")
        self.connect_button.clicked.connect(self.apply)
        self.current = QLabel()
        self.current.setWordWrap(True)
        self.kind.currentIndexChanged.connect(self._fields)
        row = QHBoxLayout()
        row.addWidget(self.kind, 2)
        row.addWidget(self.org_url, 2)
        row.addWidget(self.secret, 2)
        row.addWidget(self.dsn, 2)
        row.addWidget(self.connect_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.current)
        self._fields()

    def _fields(self, *_: object) -> None:
        key = self.kind.currentData()
        crm = "Salesforce" if key == "salesforce" else "HubSpot"
        self.secret.setVisible(key in ("hubspot", "salesforce"))
        self.secret.setPlaceholderText(f"{crm} access token (kept in your computer's password "
                                       "store, never in the project)")  # fmt: skip
        self.secret.setAccessibleName(f"{crm} access token")
        self.org_url.setVisible(key == "salesforce")
        self.dsn.setVisible(key == "postgres")

    def show_current(self, live) -> None:
        state = self.page.session.project.state.live_target
        key = state.get("kind", "local")
        if key == "files":
            key = f"files-{state.get('profile')}"
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(max(self.kind.findData(key), 0))
        self.kind.blockSignals(False)
        self._fields()
        self.dsn.setText(state.get("dsn", ""))
        self.org_url.setText(state.get("url", ""))
        self.current.setText(f"Now: {live.target.label}.")

    def apply(self) -> bool:
        """Switch the live target (only before anything was loaded live)."""
        session = self.page.session
        project = session.project
        key = self.kind.currentData()
        try:
            if key == "hubspot":
                project.use_hubspot(self.secret.text().strip() or None)
            elif key == "salesforce":
                project.use_salesforce(self.org_url.text().strip(),
                                       self.secret.text().strip() or None)  # fmt: skip
            elif key == "postgres":
                project.use_postgres(self.dsn.text().strip())
            elif key.startswith("files-"):
                project.use_import_files(key.split("-", 1)[1])
            else:
                project.use_local()
            if session.live is not None:
                session.live.close()
                session.live = None
            live = session.open_live()
            problems = live.target.check_properties() if hasattr(
                live.target, "check_properties") else []  # fmt: skip
        except CutoverError as exc:
            self.current.setText(f"{exc.message} {exc.hint}".strip())
            return False
        finally:
            self.secret.clear()  # the token is in the password store now, not in the window
        self.current.setText(f"Now: {live.target.label}." + (
            " The CRM lacks: " + " ".join(problems) if problems else ""))  # fmt: skip
        self.page.completeChanged.emit()
        return True


class CutoverPage(SessionPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Before the live cutover")
        self.setSubTitle("The same plan, phase by phase, into the live CRM. First the things "
                         "admins forget, and your latest exports checked against the rehearsal.")  # fmt: skip
        self.paths: list[Path] = []
        self.checked = False
        self.name = QLineEdit()
        self.name.setPlaceholderText("Your name (each item you tick is signed)")
        self.name.setAccessibleName("Your name")
        self.checklist = _Checklist("precutover", self, self.name)
        self.files = QLabel()
        self.files.setWordWrap(True)
        fresh = QPushButton("Use a folder of fresh exports…")
        fresh.clicked.connect(self._pick_fresh)
        # the rehearsal read a CRM through its API: its changes since, through the API too
        self.pull_changes = decorate(QPushButton("Read the changes from the CRM"), "connect")
        self.pull_changes.clicked.connect(self.pull_delta)
        self.pull_changes.setVisible(False)
        self._source = None
        self._pull_lines: list[str] = []  # what the last pull of the changes said
        self.check = decorate(QPushButton("Check the exports"), "check")
        self.check.clicked.connect(self.check_exports)
        self.delta = QPlainTextEdit()
        self.delta.setReadOnly(True)
        self.delta.setAccessibleName("What changed since the rehearsal")
        self.target = TargetChooser(self)
        self.gate = QLabel()
        self.gate.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        before = QGroupBox("In the new CRM and the old one, before loading")
        b = QVBoxLayout(before)
        b.addWidget(self.name)
        b.addWidget(self.checklist, 1)
        exports = QGroupBox("Your latest exports")
        e = QVBoxLayout(exports)
        e.addWidget(self.files)
        row = QHBoxLayout()
        row.addWidget(fresh)
        row.addWidget(self.pull_changes)
        row.addStretch(1)
        row.addWidget(self.check)
        e.addLayout(row)
        e.addWidget(self.delta, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.target)
        layout.addWidget(before, 3)
        layout.addWidget(exports, 2)
        layout.addWidget(self.gate)
        layout.addWidget(self.status)

    def initializePage(self) -> None:
        self.watch_jobs(self._busy_changed)
        session = self.session
        project = session.project
        self.name.setText(project.state.tester)
        self.checklist.fill(project.state)
        try:
            live = session.open_live()
        except CutoverError as exc:  # e.g. the HubSpot token is not in this computer's store
            live = None
            self.target.current.setText(f"{exc.message} {exc.hint}".strip())
        if live is not None:
            self.target.show_current(live)
        if not self.paths:
            self.paths = (live.staged_paths() if live else []) or session.migration.staged_paths()
        self.checked = session.live_prepared is not None
        self._show_files()
        locks = {lock.kind: lock.reason for p in ("companies", "active")
                 for lock in project.locks(p)}  # fmt: skip
        self.gate.setText("The gate: " + (" ".join(locks.values()) if locks else
                          "open. The live cutover may start.") + " Each locked phase says why, "
                          "and can be overridden there with a typed reason.")  # fmt: skip

    def _pulled(self) -> str | None:
        """The CRM whose pull folder the exports are (the rehearsal read it through its API)."""
        project = self.session.migration.folder
        return next((c for c in map(lambda p: connectors.pulled_crm(p, project), self.paths)
                     if c), None)  # fmt: skip

    def _show_files(self) -> None:
        names = ", ".join(p.name for p in self.paths) or "none yet"
        self.files.setText(f"Files: {names}")
        crm = self._pulled()
        self.pull_changes.setVisible(crm is not None)
        if crm is not None:
            self.pull_changes.setText(f"Read the changes from {connectors.CRMS[crm]}")

    def pull_delta(self) -> bool:
        """Pull what changed in the CRM since the last pull (in the worker); the files are
        then checked against the rehearsal like fresh exports."""
        wizard, crm = self.wizard(), self._pulled()
        if crm is None or wizard.jobs.busy:  # type: ignore[attr-defined]
            return False
        try:
            source, folder = connectors.open_pull(self.session.migration.folder, crm)
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return False
        self._source = source
        worker = GeneratorWorker(lambda stop: pull(source, folder, delta=True, should_stop=stop),
                                 lambda item: isinstance(item, PullDone))  # fmt: skip
        worker.signals.progress.connect(self._pull_progress)
        worker.signals.result.connect(self._pull_done)
        worker.signals.failed.connect(self._failed)
        self.check.setEnabled(False)
        self.pull_changes.setEnabled(False)
        self.status.setText(f"Reading what changed in {connectors.CRMS[crm]}…")
        wizard.jobs.start(worker)  # type: ignore[attr-defined]
        return True

    @Slot(object)
    def _pull_progress(self, item: object) -> None:
        if isinstance(item, PullProgress):
            self.status.setText(f"Reading the changes to {item.obj}: {item.rows:,} records")

    @Slot(object)
    def _pull_done(self, done: object) -> None:
        assert isinstance(done, PullDone)
        if done.stopped:
            self.status.setText("Stopped. Read the changes again to go on from there.")
            return
        self.use_exports(self.paths)  # the files changed: checked again before going on
        label = connectors.CRMS.get(done.vendor, done.vendor)
        self._pull_lines = [f"Read from {label} since the last pull:", *done.lines()]
        self.delta.setPlainText("\n".join(self._pull_lines))
        self.status.setText("The changes were read into the files. Next, check the exports.")

    def _pick_fresh(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder of fresh exports")
        if chosen:
            self.use_exports([Path(chosen)])

    def use_exports(self, paths: list[Path]) -> None:
        self._pull_lines = []
        self.paths = list(paths)
        self.checked = False
        self.session.live_prepared = None
        self._show_files()
        self.completeChanged.emit()

    def check_exports(self) -> None:
        """Read and check the exports into the live ledger (nothing is loaded yet), then say
        what changed since the rehearsal."""
        wizard, session = self.wizard(), self.session
        if wizard.jobs.busy:  # type: ignore[attr-defined]
            return
        try:
            live = session.open_live()
            prepared = live.prepare(self.paths)
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return
        if prepared.unreadable:
            self.delta.setPlainText("\n".join(f"{Path(p).name} cannot be read: {m}"
                                              for p, m in prepared.unreadable))  # fmt: skip
            return
        self._prepared = prepared
        worker = GeneratorWorker(lambda stop: live.stage(prepared, stop, process=None),
                                 lambda item: isinstance(item, Staged))  # fmt: skip
        worker.signals.progress.connect(self._progress)
        worker.signals.result.connect(self._checked)
        worker.signals.failed.connect(self._failed)
        self.check.setEnabled(False)
        self.status.setText("Reading and checking the exports…")
        wizard.jobs.start(worker)  # type: ignore[attr-defined]

    @Slot(object)
    def _progress(self, item: object) -> None:
        if isinstance(item, StageProgress):
            self.status.setText(f"Reading {item.file}: {item.rows_done:,} rows")

    @Slot(object)
    def _checked(self, staged: object) -> None:
        assert isinstance(staged, Staged)
        session, project = self.session, self.session.project
        rows = {f.label: f.rows_read for f in staged.files}
        lines = [ln for d in delta_check(project.state, self._prepared, rows) for ln in d.lines()]
        said = "\n".join(lines) if lines else ("The exports match the rehearsal: the same files, "
                                               "columns and row counts.")  # fmt: skip
        self.delta.setPlainText("\n".join([*self._pull_lines, said]))
        session.live_prepared = self._prepared
        project.state.delta_checked = project.clock.now().isoformat(timespec="seconds")
        project.save()
        self.checked = True
        self.status.setText("Checked. " + ("Tick every item above to go on." if not
                            all_confirmed(project.state, "precutover") else ""))  # fmt: skip

    @Slot(str, str)
    def _failed(self, message: str, _details: str) -> None:
        self.status.setText(message)

    @Slot(bool)
    def _busy_changed(self, busy: bool) -> None:
        if not busy:
            self.check.setEnabled(True)
            self.pull_changes.setEnabled(True)
            if self._source is not None:
                self._source.close()
                self._source = None
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        wizard = self.wizard()
        if wizard is None or wizard.jobs.busy or self.session.project is None:  # type: ignore[attr-defined]
            return False
        return (self.checked and self.session.live is not None
                and all_confirmed(self.session.project.state, "precutover"))  # fmt: skip

    def nextId(self) -> int:
        wizard = self.wizard()
        return wizard.page_after(None, live=True) if wizard is not None else -1  # type: ignore[attr-defined]


class PostLoadPage(SessionPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("After the live cutover: switch things back on")
        self.setSubTitle("Everything paused for the load goes back on, and the old CRM becomes a "
                         "read-only archive.")  # fmt: skip
        self.name = QLineEdit()
        self.name.setPlaceholderText("Your name (each item you tick is signed)")
        self.name.setAccessibleName("Your name")
        self.checklist = _Checklist("postload", self, self.name)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.checklist, 1)
        layout.addWidget(self.status)

    def initializePage(self) -> None:
        state = self.session.project.state
        self.name.setText(state.tester)
        self.checklist.fill(state)

    def isComplete(self) -> bool:
        wizard = self.wizard()
        if wizard is None or self.session.project is None:
            return False
        return all_confirmed(self.session.project.state, "postload")

    def nextId(self) -> int:
        from wizard.gui.wizard import PageId

        return PageId.REPORT
