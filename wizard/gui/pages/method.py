"""Import method (Integration Sync or Manual CSV Import) and environment (sandbox first)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWizardPage,
)


def _explained(button: QRadioButton, text: str, layout: QVBoxLayout) -> None:
    layout.addWidget(button)
    label = QLabel(text)
    label.setWordWrap(True)
    label.setContentsMargins(24, 0, 0, 8)
    layout.addWidget(label)


class MethodPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("How should your data come in?")
        self.setSubTitle("Two ways to bring your data in. Either way, everything is rehearsed in "
                         "a sandbox first.")  # fmt: skip
        layout = QVBoxLayout(self)
        self.sync = QRadioButton("Integration Sync")
        self.manual = QRadioButton("Manual CSV Import")
        group = QButtonGroup(self)
        group.addButton(self.sync)
        group.addButton(self.manual)
        self.sync.setChecked(True)
        _explained(self.sync, "Give it the export of a CRM it knows (Salesforce, HubSpot, "
                   "Pipedrive), or connect to one of those three and it reads them through "
                   "their API; it maps the standard objects and fields for you. Best for "
                   "standard, unmodified data.", layout)  # fmt: skip
        _explained(self.manual, "Give it any spreadsheets and decide yourself which column "
                   "becomes which field. Best for custom fields and your own links between "
                   "records.", layout)  # fmt: skip
        env = QGroupBox("Where to")
        env_layout = QVBoxLayout(env)
        self.sandbox = QRadioButton("Sandbox: a rehearsal in a local copy of the new CRM")
        self.sandbox.setChecked(True)
        self.live = QRadioButton("Live: the new CRM itself (after the sandbox rehearsal and QA)")
        self.live.setEnabled(False)
        self.live.setToolTip("The live cutover comes after the sandbox rehearsal and the testing "
                             "buffer: the wizard leads you there.")  # fmt: skip
        env_layout.addWidget(self.sandbox)
        env_layout.addWidget(self.live)
        layout.addWidget(env)
        layout.addStretch(1)

    def validatePage(self) -> bool:
        session = self.wizard().session  # type: ignore[attr-defined]
        session.method = "integration_sync" if self.sync.isChecked() else "manual"
        session.environment = "sandbox"
        return True
