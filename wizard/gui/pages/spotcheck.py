"""Spot checks: real records drawn at random from the sandbox, each beside its source row and its
links (company -> contacts -> deals -> activities); the tester marks each pass or fail, with a
comment. The checks are saved in the project and go into the report."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from wizard.core import qa
from wizard.core.errors import CutoverError
from wizard.gui.pages.base import SessionPage


class SpotCheckPage(SessionPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Spot checks: real records in the sandbox")
        self.setSubTitle(f"Look at each record beside the row it came from and its links, then "
                         f"mark it. The method asks for at least {qa.SPOT_CHECKS_WANTED}.")  # fmt: skip
        self.records: list[tuple[str, str]] = []
        self.current: qa.SpotRecord | None = None
        self.list = QListWidget()
        self.list.setAccessibleName("Records to check")
        self.list.currentRowChanged.connect(self._show)
        more = QPushButton(f"Draw {qa.SPOT_CHECKS_WANTED} more")
        more.clicked.connect(self.draw)
        self.in_sandbox = QTreeWidget()
        self.in_sandbox.setHeaderLabels(["In the sandbox", ""])
        self.in_sandbox.setAccessibleName("The record in the sandbox")
        self.in_source = QTreeWidget()
        self.in_source.setHeaderLabels(["From your file", ""])
        self.in_source.setAccessibleName("The row it came from")
        self.links = QTreeWidget()
        self.links.setHeaderLabels(["Links", ""])
        self.links.setAccessibleName("Its links")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Your name")
        self.name.setAccessibleName("Your name")
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment (what is wrong, for a failed check)")
        self.comment.setAccessibleName("Comment")
        self.pass_button = QPushButton("✓ Pass")
        self.pass_button.clicked.connect(lambda: self.mark("pass"))
        self.fail_button = QPushButton("✗ Fail")
        self.fail_button.clicked.connect(lambda: self.mark("fail"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(more)
        panes = QHBoxLayout()
        panes.addWidget(self.in_sandbox)
        panes.addWidget(self.in_source)
        detail = QVBoxLayout()
        detail.addLayout(panes, 3)
        detail.addWidget(self.links, 2)
        verdict = QGroupBox("Your verdict")
        row = QHBoxLayout(verdict)
        row.addWidget(self.name, 1)
        row.addWidget(self.comment, 3)
        row.addWidget(self.pass_button)
        row.addWidget(self.fail_button)
        detail.addWidget(verdict)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(detail, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.status)

    def initializePage(self) -> None:
        state = self.session.project.state
        self.name.setText(state.tester)
        done = [(c["entity"], c["source_id"]) for c in state.spot_checks]
        if not self.records:
            self.records = list(done)
            if len(self.records) < qa.SPOT_CHECKS_WANTED:
                self.draw()
                return
        self._list()

    def draw(self) -> None:
        mig = self.session.migration
        new = qa.draw_spot_checks(mig, qa.SPOT_CHECKS_WANTED, exclude=set(self.records))
        if not new and not self.records:
            self.status.setText("The sandbox has no records yet: run the phases first.")
        self.records += new
        self._list()

    def _results(self) -> dict[tuple[str, str], dict]:
        checks = self.session.project.state.spot_checks
        return {(c["entity"], c["source_id"]): c for c in checks}

    def _list(self) -> None:
        results = self._results()
        at = max(self.list.currentRow(), 0)
        self.list.blockSignals(True)
        self.list.clear()
        mig = self.session.migration
        for entity, source_id in self.records:
            done = results.get((entity, source_id))
            mark = {"pass": "✓", "fail": "✗"}.get(done["result"], "") if done else "·"
            title = done["title"] if done else qa.spot_record(mig, entity, source_id).title
            item = QListWidgetItem(f"{mark} {title}")
            item.setToolTip(done["comment"] if done and done["comment"] else "")
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self.records:
            self.list.setCurrentRow(min(at, len(self.records) - 1))
            self._show(self.list.currentRow())
        passed = sum(1 for c in results.values() if c["result"] == "pass")
        failed = sum(1 for c in results.values() if c["result"] == "fail")
        self.status.setText(f"{passed} passed, {failed} failed, "
                            f"{len(self.records) - passed - failed} still to check.")  # fmt: skip

    @Slot(int)
    def _show(self, row: int) -> None:
        for tree in (self.in_sandbox, self.in_source, self.links):
            tree.clear()
        if not 0 <= row < len(self.records):
            self.current = None
            return
        entity, source_id = self.records[row]
        spot = qa.spot_record(self.session.migration, entity, source_id)
        self.current = spot
        for key, value in spot.record.items():
            if value not in (None, "") and key != "id":
                self.in_sandbox.addTopLevelItem(QTreeWidgetItem([key, str(value)]))
        self.in_source.setHeaderLabels([spot.source_where, ""])
        for key, value in spot.source_row.items():
            if value:
                self.in_source.addTopLevelItem(QTreeWidgetItem([key, value]))
        for what, text in spot.links:
            self.links.addTopLevelItem(QTreeWidgetItem([what, text]))
        for tree in (self.in_sandbox, self.in_source, self.links):
            tree.resizeColumnToContents(0)
        done = self._results().get((entity, source_id))
        self.comment.setText(done["comment"] if done else "")

    def mark(self, result: str) -> bool:
        if self.current is None:
            return False
        project = self.session.project
        try:
            qa.record_spot_check(project.state, self.current, result, self.name.text(),
                                 self.comment.text(), project.clock)  # fmt: skip
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return False
        project.state.tester = self.name.text().strip()
        project.save()
        row = self.list.currentRow()
        self._list()
        if row + 1 < len(self.records):
            self.list.setCurrentRow(row + 1)  # on to the next one
        return True

    def nextId(self) -> int:
        from wizard.gui.wizard import PageId

        return PageId.CHECKPOINT
