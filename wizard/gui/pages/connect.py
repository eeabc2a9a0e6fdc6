"""Connect to the old CRM: which one, its address (Salesforce, Pipedrive), the access token,
and whether to pull everything or only what changed since the last pull."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from wizard.core import connectors
from wizard.core.connectors.pull import state_of

WHERE_TOKEN = {
    "hubspot": "A private app's access token (Settings > Integrations > Private apps), with "
    "read access to contacts, companies, deals, owners and activities.",
    "salesforce": "An access token of a user who may read every record (for example from "
    "'sf org display'), and your org's address.",
    "pipedrive": "Your personal API token (Settings > Personal preferences > API) of a user "
    "with global permissions, and your company's Pipedrive address.",
}


class ConnectDialog(QDialog):
    def __init__(self, project: Path, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to your old CRM")
        self.project = project
        self.crm = QComboBox()
        self.crm.setAccessibleName("Which CRM")
        for key, label in connectors.CRMS.items():
            self.crm.addItem(label, key)
        self.url = QLineEdit()
        self.url.setAccessibleName("The CRM's address")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setAccessibleName("Access token")
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.delta = QCheckBox("Only what changed or was deleted since the last pull")
        kept = QLabel("The token is kept in your computer's password store, never in the "
                      "project. Records are read, never changed.")  # fmt: skip
        kept.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&CRM:", self.crm)
        self.url_label = QLabel("&Address:")
        self.url_label.setBuddy(self.url)
        form.addRow(self.url_label, self.url)
        form.addRow("Access &token:", self.token)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect and read")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.help)
        layout.addWidget(self.delta)
        layout.addWidget(kept)
        layout.addWidget(self.buttons)
        self.crm.currentIndexChanged.connect(self._crm_changed)
        self.token.textChanged.connect(self._ready)
        self.url.textChanged.connect(self._ready)
        self._crm_changed()

    def chosen(self) -> tuple[str, str | None, str | None, bool]:
        """(crm, address or None, the token typed or None, delta)."""
        url = self.url.text().strip() or None
        return (self.crm.currentData(), url, self.token.text().strip() or None,
                self.delta.isChecked())  # fmt: skip

    def _crm_changed(self) -> None:
        crm = self.crm.currentData()
        needs = crm in connectors.NEEDS_URL
        self.url.setVisible(needs)
        self.url_label.setVisible(needs)
        self.url.setPlaceholderText(connectors.NEEDS_URL.get(crm, ""))
        self.url.setText(connectors.connection(self.project, crm).get("url", ""))
        self.help.setText(WHERE_TOKEN[crm])
        before = state_of(connectors.pull_folder(self.project, crm))
        complete = bool(before and before.get("completed"))
        self.delta.setEnabled(complete)
        self.delta.setChecked(complete)
        self.token.setPlaceholderText("kept from last time: leave empty" if before else "")
        self._ready()

    def _ready(self) -> None:
        crm = self.crm.currentData()
        has_url = crm not in connectors.NEEDS_URL or bool(self.url.text().strip())
        has_token = bool(self.token.text().strip()) or bool(
            state_of(connectors.pull_folder(self.project, crm)))  # fmt: skip
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(has_url and has_token)
