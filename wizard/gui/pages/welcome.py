"""Welcome: start a new project or go on with one (each shows where it stands); or try the
wizard on the bundled demo export."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from wizard.core.errors import CutoverError
from wizard.core.paths import projects_dir
from wizard.core.phases import PENDING, find
from wizard.core.projects import ProjectSummary, list_projects
from wizard.core.runner import phase_state
from wizard.gui.icons import decorate


def _when(moment: datetime) -> str:
    days = (date.today() - moment.date()).days
    if days <= 0:
        return f"today at {moment:%H:%M}"
    return "yesterday" if days == 1 else f"{days} days ago"


class WelcomePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to Cutover Wizard")
        self.setSubTitle(
            "Move from your old CRM to the new one without breaking your data: rehearse in a "
            "sandbox first, then load phase by phase, parents before children, and active sales "
            "contacts last."
        )
        self.resume_to: int | None = None
        self.summaries: list[ProjectSummary] = []
        self.folder = QLineEdit(str(projects_dir() / f"migration-{date.today().isoformat()}"))
        self.folder.setAccessibleName("Project folder")
        self.folder.textChanged.connect(self.completeChanged)
        browse = QPushButton("Choose folder…")
        browse.clicked.connect(self._browse)
        self.demo = decorate(QPushButton("Try with demo data"), "demo")
        self.demo.setToolTip("Walk the whole wizard with a small sample CRM export, into a "
                             "project of its own.")  # fmt: skip
        self.demo.clicked.connect(self.try_demo)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B3261E;")
        # the most recent project that stopped part-way: one click goes on with it
        self.banner = QFrame()
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.resume = decorate(QPushButton("Go on with it"), "resume")
        self.resume.clicked.connect(self.resume_latest)
        banner = QHBoxLayout(self.banner)
        banner.addWidget(self.banner_text, 1)
        banner.addWidget(self.resume)
        self.banner.setVisible(False)
        self.projects = QListWidget()
        self.projects.setAccessibleName("Your projects")
        self.projects.currentItemChanged.connect(self._picked)
        self.projects.itemActivated.connect(self._open_item)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        self.projects_label = QLabel("&Your projects (select one to go on with it):")
        self.projects_label.setBuddy(self.projects)
        layout.addWidget(self.projects_label)
        layout.addWidget(self.projects, 1)
        label = QLabel("Project &folder (a new folder starts a project; an existing one "
                       "resumes it where you left it):")  # fmt: skip
        label.setWordWrap(True)
        label.setBuddy(self.folder)
        layout.addWidget(label)
        layout.addLayout(row)
        layout.addWidget(self.error)
        first_time = QLabel("First time here? Try the wizard on a small sample export first:")
        first_time.setWordWrap(True)
        layout.addWidget(first_time)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo)
        demo_row.addStretch(1)
        layout.addLayout(demo_row)

    def initializePage(self) -> None:
        self.refresh_projects()

    def refresh_projects(self) -> None:
        self.summaries = list_projects()
        self.projects.blockSignals(True)
        self.projects.clear()
        for s in self.summaries:
            item = QListWidgetItem(f"{s.name} — {s.where} Last worked on {_when(s.last_worked)}.")
            item.setData(Qt.ItemDataRole.UserRole, str(s.folder))
            item.setToolTip(str(s.folder))
            self.projects.addItem(item)
        self.projects.blockSignals(False)
        has = bool(self.summaries)
        self.projects.setVisible(has)
        self.projects_label.setVisible(has)
        latest = self.summaries[0] if has else None
        stopped = latest is not None and latest.resumable and latest.next_phase is not None
        self.banner.setVisible(stopped)
        if stopped:
            phase = find(latest.next_phase).label  # type: ignore[union-attr, arg-type]
            self.banner_text.setText(f"<b>{latest.name}</b>: {latest.where} "  # type: ignore[union-attr]
                                     f"Go on with '{phase}'?")  # fmt: skip
            self.resume.setAccessibleName(f"Go on with {latest.name}")  # type: ignore[union-attr]

    @Slot(QListWidgetItem, QListWidgetItem)
    def _picked(self, item: QListWidgetItem | None, _before: QListWidgetItem | None) -> None:
        if item is not None:
            self.folder.setText(item.data(Qt.ItemDataRole.UserRole))

    @Slot(QListWidgetItem)
    def _open_item(self, item: QListWidgetItem) -> None:
        self.folder.setText(item.data(Qt.ItemDataRole.UserRole))
        self.wizard().next()

    def resume_latest(self) -> None:
        if self.summaries:
            self.folder.setText(str(self.summaries[0].folder))
            self.wizard().next()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Project folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def try_demo(self) -> None:
        """A fresh demo project; the Sources page adds the demo export by itself."""
        stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
        self.folder.setText(str(projects_dir() / f"demo-{stamp}"))
        self.wizard().session.demo = True  # type: ignore[attr-defined]
        self.wizard().next()

    def isComplete(self) -> bool:
        return bool(self.folder.text().strip())

    def validatePage(self) -> bool:
        from wizard.gui.wizard import PageId

        wizard = self.wizard()
        session = wizard.session  # type: ignore[attr-defined]
        self.resume_to = None
        try:
            mig = session.open(self.folder.text().strip())
        except CutoverError as exc:
            self.error.setText(f"{exc.message} {exc.hint}".strip())
            return False
        self.error.clear()
        wizard.page(PageId.SOURCES).reset()  # type: ignore[attr-defined]
        if mig.saved_plan() is not None and not session.demo:
            self._resume(mig)
        return True

    def _resume(self, mig) -> None:
        """An existing project: read its files again (headers only) and return to the page
        where the admin left it (saved in project.json). When its files moved, the Sources
        page says which."""
        from wizard.gui.wizard import PageId

        wizard = self.wizard()
        session = wizard.session  # type: ignore[attr-defined]
        paths = mig.staged_paths()
        sources = wizard.page(PageId.SOURCES)
        if not paths:
            return
        try:
            prepared = mig.prepare(paths)
        except CutoverError as exc:
            self.error.setText(f"{exc.message} {exc.hint}".strip())
            return
        session.method = prepared.plan.method
        sources.paths = [Path(p) for p in paths]
        session.prepared = prepared
        if prepared.unreadable:
            self.resume_to = PageId.SOURCES  # it lists what cannot be read, and why
            return
        state = session.project.state
        saved = int(state.page or 0)
        names = [p.name for p in session.phases()]
        if saved >= PageId.CUTOVER:
            try:
                live = session.open_live()
            except CutoverError:  # the cutover page says what is missing (a token, say)
                self.resume_to = PageId.CUTOVER
                return
            live_paths = live.staged_paths()
            if live_paths:
                live_prepared = live.prepare(live_paths)
                if not live_prepared.unreadable:
                    session.live_prepared = live_prepared
            ok = session.live_prepared is not None and (
                saved == PageId.POSTLOAD or state.phase in names
            )
            self.resume_to = saved if ok else PageId.CUTOVER
            return
        if saved in (PageId.SPOTCHECK, PageId.CHECKPOINT, PageId.REHEARSAL):
            self.resume_to = saved
            return
        if PageId.PHASE <= saved < PageId.SPOTCHECK and state.phase in names:
            self.resume_to = saved
            return
        if saved in (PageId.SOURCES, PageId.MAPPING, PageId.RELATIONS, PageId.VALIDATION):
            self.resume_to = saved
            return
        if all(phase_state(mig.ledger, p.name) == PENDING for p in session.phases()):
            return  # nothing loaded yet: the plan can still change, from the method page on
        for phase in session.phases():
            if not mig.is_done(phase):
                self.resume_to = wizard.phase_page_id(phase)  # type: ignore[attr-defined]
                return
        self.resume_to = PageId.SPOTCHECK

    def nextId(self) -> int:
        from wizard.gui.wizard import PageId

        return self.resume_to if self.resume_to is not None else PageId.METHOD
