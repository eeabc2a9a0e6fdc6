"""The sandbox checkpoint: the testing buffer's clock, the QA checklist in the method's three
groups (automated items tick themselves; people confirm or accept the rest, signed), and the
sign-off that unlocks active sales contacts for the live cutover."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from wizard.core import qa
from wizard.core.errors import CutoverError
from wizard.gui.icons import decorate
from wizard.gui.pages.base import SessionPage
from wizard.gui.pages.report import ReportExporter
from wizard.gui.workers import GeneratorWorker

STATUS_WORDS = {qa.PASSED: "✓ passed", qa.ACCEPTED: "✓ accepted", qa.FAILED: "✗ failed",
                qa.OPEN: "… to do"}  # fmt: skip
TINTS = {qa.FAILED: "#F9D0CB", qa.OPEN: "#FFE9A8"}


@dataclass
class _Checked:
    """The worker's one item: what the automated checks found."""

    checks: qa.Checks


class CheckpointPage(SessionPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Checkpoint: the testing buffer and QA")
        self.setSubTitle("Test in the sandbox while the buffer runs. The live cutover unlocks "
                         "when it is over; active sales contacts also wait for the QA sign-off.")  # fmt: skip
        self.items: list[qa.ItemStatus] = []
        self.clock_text = QLabel()
        self.clock_text.setWordWrap(True)
        font = self.clock_text.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.clock_text.setFont(font)
        # the buffer's days as a bar: how far the testing has come, and how long is left
        self.buffer_bar = QProgressBar()
        self.buffer_bar.setAccessibleName("Days of the testing buffer gone")
        self.buffer_bar.setTextVisible(True)
        self.days = QSpinBox()
        self.days.setRange(1, 365)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Length of the testing buffer")
        self.days.valueChanged.connect(self._days_changed)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Check", "Status", "Details", "Decided by"])
        self.tree.setAccessibleName("QA checklist")
        self.tree.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Your name")
        self.name.setAccessibleName("Your name")
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment (why a failed item is acceptable)")
        self.comment.setAccessibleName("Comment")
        self.confirm = QPushButton("Confirm / accept the selected item")
        self.confirm.clicked.connect(self.decide_selected)
        self.checks: qa.Checks = {}  # what the automated items found when last checked
        self.checking = False
        again = self.again = decorate(QPushButton("Check again"), "recheck")
        again.clicked.connect(self.refresh)
        self.signer = QLineEdit()
        self.signer.setPlaceholderText("Name of the person who signs off")
        self.signer.setAccessibleName("Signs off")
        self.sign = decorate(QPushButton("Sign off QA"), "sign")
        self.sign.clicked.connect(self.sign_off)
        self.signed = QLabel()
        self.signed.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.clock_text, 1)
        top.addWidget(QLabel("Buffer length:"))
        top.addWidget(self.days)
        decide = QHBoxLayout()
        decide.addWidget(self.name, 1)
        decide.addWidget(self.comment, 3)
        decide.addWidget(self.confirm)
        decide.addWidget(again)
        sign_box = QGroupBox("Sign-off")
        sign = QHBoxLayout(sign_box)
        sign.addWidget(self.signed, 2)
        sign.addWidget(self.signer, 1)
        sign.addWidget(self.sign)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.buffer_bar)
        layout.addWidget(self.tree, 1)
        layout.addLayout(decide)
        layout.addWidget(self.status)
        layout.addWidget(sign_box)
        self.report = ReportExporter(self)
        layout.addWidget(self.report)

    def initializePage(self) -> None:
        project = self.session.project
        project.note_sandbox(self.session.migration)
        self.name.setText(project.state.tester)
        self.days.blockSignals(True)
        self.days.setValue(project.state.buffer_days)
        self.days.blockSignals(False)
        self.checks = {}
        self.refresh()

    def refresh(self) -> bool:
        """Check the sandbox again, in the worker: the automated checks count every row (seconds
        on a million), so the window stays free; what people decide meanwhile shows at once.
        False when another step is running."""
        wizard = self.wizard()
        jobs = getattr(wizard, "jobs", None)
        if jobs is None or jobs.busy:
            self.status.setText("Another step is still running; check again in a moment.")
            self._show()
            return False
        mig = self.session.migration
        worker = GeneratorWorker(lambda _stop: iter([_Checked(qa.automated(mig))]),
                                 lambda item: isinstance(item, _Checked))  # fmt: skip
        worker.signals.result.connect(self._checked)
        worker.signals.failed.connect(self._not_checked)
        worker.signals.finished.connect(self._check_ended)
        self.checking = True
        self.again.setEnabled(False)
        self.status.setText("Checking the sandbox: every row, record and link is counted…")
        self._show()
        jobs.start(worker)
        self.completeChanged.emit()
        return True

    @Slot(object)
    def _checked(self, item: object) -> None:
        assert isinstance(item, _Checked)
        self.checks = item.checks
        self.status.setText("Checked.")

    @Slot(str, str)
    def _not_checked(self, message: str, _details: str) -> None:
        self.status.setText(f"The sandbox could not be checked: {message}")

    @Slot()
    def _check_ended(self) -> None:
        self.checking = False
        self.again.setEnabled(True)
        self._show()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Not while the sandbox is being checked: Next waits for the worker."""
        return not self.checking and super().isComplete()

    def _show(self) -> None:
        """The checklist as the last check found it and as people decided."""
        project = self.session.project
        self._show_buffer(qa.buffer(project.state, project.clock))
        waiting = "Checking the sandbox…" if self.checking else "Not checked yet."
        checks = self.checks or {i.id: (None, waiting) for i in qa.ITEMS if i.auto}
        self.items = qa.statuses(project.state, checks)
        selected = self.tree.currentItem().data(0, Qt.ItemDataRole.UserRole) if (
            self.tree.currentItem()) else None  # fmt: skip
        self.tree.clear()
        for group, title in qa.GROUPS.items():
            parent = QTreeWidgetItem([title])
            font = parent.font(0)
            font.setBold(True)
            parent.setFont(0, font)
            self.tree.addTopLevelItem(parent)
            for it in self.items:
                if it.item.group != group:
                    continue
                by = f"{it.by}, {it.at[:10]}" if it.by else ("automatic" if it.item.auto else "")
                detail = it.detail + (f" — {it.comment}" if it.comment else "")
                child = QTreeWidgetItem([it.item.title, STATUS_WORDS[it.status], detail, by])
                child.setData(0, Qt.ItemDataRole.UserRole, it.item.id)
                child.setToolTip(0, it.item.how)
                child.setToolTip(2, detail)
                if it.status in TINTS:
                    child.setBackground(1, QBrush(QColor(TINTS[it.status])))
                    child.setForeground(1, QBrush(QColor("#111111")))
                parent.addChild(child)
                if it.item.id == selected:
                    self.tree.setCurrentItem(child)
            parent.setExpanded(True)
        # the check's name and status whole; the details take the room left, wrapped
        header = self.tree.header()
        header.setStretchLastSection(False)
        for col, mode in ((0, QHeaderView.ResizeMode.ResizeToContents),
                          (1, QHeaderView.ResizeMode.ResizeToContents),
                          (2, QHeaderView.ResizeMode.Stretch),
                          (3, QHeaderView.ResizeMode.ResizeToContents)):  # fmt: skip
            header.setSectionResizeMode(col, mode)
        signoff = project.state.signoff
        done = sum(1 for i in self.items if i.final)
        if signoff:
            self.signed.setText(f"Signed off by {signoff['by']} on {signoff['at'][:10]}.")
        else:
            self.signed.setText(f"{done} of {len(self.items)} items done. Sign-off needs all of "
                                "them passed or accepted.")  # fmt: skip
        self.sign.setEnabled(qa.finalized(self.items) and not signoff and not self.checking)

    def _show_buffer(self, buf: qa.Buffer) -> None:
        self.clock_text.setText(buf.describe())
        if buf.day is None:
            self.buffer_bar.setVisible(False)
            return
        day = min(buf.day, buf.days)
        self.buffer_bar.setRange(0, buf.days)
        self.buffer_bar.setValue(day)
        left = buf.days - day
        self.buffer_bar.setFormat(f"day {day} of {buf.days}: {left} day{'s' if left != 1 else ''} "
                                  "left" if left else f"all {buf.days} days done")  # fmt: skip
        self.buffer_bar.setVisible(True)

    def _days_changed(self, value: int) -> None:
        project = self.session.project
        project.state.buffer_days = value
        project.save()
        self._show_buffer(qa.buffer(project.state, project.clock))

    def decide_selected(self) -> bool:
        item = self.tree.currentItem()
        item_id = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if not item_id:
            self.status.setText("Select an item of the checklist first.")
            return False
        project = self.session.project
        try:
            qa.decide(project.state, item_id, self.name.text(), self.comment.text(), project.clock)
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return False
        project.state.tester = self.name.text().strip()
        project.save()
        self.comment.clear()
        self.status.setText(f"Recorded: '{qa.BY_ID[item_id].title}', by {self.name.text()}.")
        self._show()  # a decision changes no count: nothing to check again
        return True

    def sign_off(self) -> bool:
        project = self.session.project
        if self.checking:  # the button is off meanwhile; a shortcut waits too
            self.status.setText("The sandbox is being checked; sign off when it is done.")
            return False
        try:
            qa.sign_off(project.state, self.items, self.signer.text(), project.clock)
        except CutoverError as exc:
            self.status.setText(f"{exc.message} {exc.hint}".strip())
            return False
        project.save()
        self.status.setText("QA is signed off. Active sales contacts can go live after the "
                            "buffer.")  # fmt: skip
        self._show()
        return True

    def nextId(self) -> int:
        from wizard.gui.wizard import PageId

        return PageId.CUTOVER
