"""Welcome: where the migration project lives (a new folder, or one to resume)."""

from __future__ import annotations

from datetime import date

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

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Project folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

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
