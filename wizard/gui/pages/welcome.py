"""Welcome: where the migration project lives (a new folder, or one to resume)."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from wizard.core.errors import CutoverError
from wizard.core.migration import Migration
from wizard.core.paths import projects_dir


class WelcomePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to Cutover Wizard")
        self.setSubTitle(
            "Move from your old CRM to the new one without breaking your data: rehearse in a "
            "sandbox first, then load phase by phase, parents before children, and active sales "
            "contacts last."
        )
        self.folder = QLineEdit(str(projects_dir() / f"migration-{date.today().isoformat()}"))
        self.folder.setAccessibleName("Project folder")
        self.folder.textChanged.connect(self.completeChanged)
        browse = QPushButton("Choose folder…")
        browse.clicked.connect(self._browse)
        self.demo = QPushButton("Try with demo data")
        self.demo.setToolTip("Walk the whole wizard with a small sample CRM export, into a "
                             "project of its own.")  # fmt: skip
        self.demo.clicked.connect(self.try_demo)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B3261E;")
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        label = QLabel("Project folder (a new folder starts a project; an existing one resumes "
                       "it where you left it):")  # fmt: skip
        label.setWordWrap(True)
        label.setBuddy(self.folder)
        layout.addWidget(label)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addStretch(1)
        first_time = QLabel("First time here? Try the wizard on a small sample export first:")
        first_time.setWordWrap(True)
        layout.addWidget(first_time)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo)
        demo_row.addStretch(1)
        layout.addLayout(demo_row)

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
        session = self.wizard().session  # type: ignore[attr-defined]
        session.close()
        try:
            session.migration = Migration(self.folder.text().strip())
        except CutoverError as exc:
            self.error.setText(f"{exc.message} {exc.hint}".strip())
            return False
        self.error.clear()
        return True
