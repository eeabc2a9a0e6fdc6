"""Relations and the active rule: how the files link (matched links and orphans per relation,
and what to do with orphans), and which contacts are active sales contacts, held back to the
last phase. Changing the rule re-decides the phases (in the worker; no file is read again)."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from wizard.core.blueprint import ENTITIES, LIFECYCLE
from wizard.core.staging import Staged
from wizard.gui.diagram import LinkDiagram, diagram_data
from wizard.gui.workers import GeneratorWorker

POLICIES = {"unlinked": "Load it without the link, and flag it", "reject": "Reject the row"}


class RelationsPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Links and active sales contacts")
        self.setSubTitle("Records are linked through the ids in your files. Active sales "
                         "contacts wait for the last phase, after everything else is in place.")  # fmt: skip
        self.links_box = QGroupBox("How your files link")
        # one row per link, the text taking the width; many links scroll instead of squeezing
        inner = QWidget()
        self.links_grid = QGridLayout(inner)
        self.links_grid.setColumnStretch(0, 1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.diagram = LinkDiagram()
        box = QVBoxLayout(self.links_box)
        box.addWidget(self.diagram)
        box.addWidget(scroll)
        self.policies: dict[str, QComboBox] = {}
        rule_box = QGroupBox("Who is an active sales contact")
        rule = QVBoxLayout(rule_box)
        self.open_deal = QCheckBox("has an open deal")
        self.via_company = QCheckBox("or works at a company with an open deal that names no "
                                     "contact (exports that keep the contact-deal link "
                                     "elsewhere)")  # fmt: skip
        self.open_deal.toggled.connect(self.via_company.setEnabled)
        self.recent = QCheckBox("had an activity in the last")
        self.days = QSpinBox()
        self.days.setRange(1, 3650)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Days of recent activity")
        recent_row = QHBoxLayout()
        recent_row.addWidget(self.recent)
        recent_row.addWidget(self.days)
        recent_row.addStretch(1)
        rule.addWidget(self.open_deal)
        rule.addWidget(self.via_company)
        rule.addLayout(recent_row)
        rule.addWidget(QLabel("or has one of these lifecycle stages:"))
        self.stages: dict[str, QCheckBox] = {}
        stages_grid = QGridLayout()
        for i, stage in enumerate(LIFECYCLE):
            box = QCheckBox(stage)
            self.stages[stage] = box
            stages_grid.addWidget(box, i // 4, i % 4)
        stages_grid.setColumnStretch(4, 1)
        rule.addLayout(stages_grid)
        self.apply = QPushButton("Apply the rule")
        self.apply.clicked.connect(self.apply_rule)
        self.held = QLabel()
        self.held.setWordWrap(True)
        apply_row = QHBoxLayout()
        apply_row.addWidget(self.held, 1)
        apply_row.addWidget(self.apply)
        rule.addLayout(apply_row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.links_box, 1)
        layout.addWidget(rule_box)
        self.busy = False

    def initializePage(self) -> None:
        session = self.wizard().session  # type: ignore[attr-defined]
        plan = session.prepared.plan
        staged: Staged = self.wizard().page_staged()  # type: ignore[attr-defined]
        self.busy = staged is None
        if staged is None:  # a reopened project: check every row again first
            self.held.setText("Reading and checking your files again…")
            self.completeChanged.emit()
            self.wizard().recheck_then(self.initializePage)  # type: ignore[attr-defined]
            return
        self.completeChanged.emit()
        while self.links_grid.count():
            item = self.links_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.policies = {}
        self.diagram.show_links(*diagram_data([(f.label, f.entity, f.rows_read)
                                               for f in staged.files],
                                              dict(staged.links), dict(staged.orphans)))  # fmt: skip
        for relation in sorted(staged.links):
            entity, field = relation.split(".")
            ent = ENTITIES[entity]
            target = ENTITIES[ent.field(field).ref or ""].label.lower()
            linked, orphans = staged.links[relation], staged.orphans[relation]
            text = (f"{ent.label} → {ent.field(field).label.lower()}: {linked:,} linked to your "
                    f"{target}, {orphans:,} point to records not in your files")  # fmt: skip
            combo = QComboBox()
            for key, words in POLICIES.items():
                combo.addItem(words, key)
            combo.setCurrentIndex(list(POLICIES).index(plan.policy(entity, field)))
            combo.setEnabled(orphans > 0)
            combo.setAccessibleName(f"What to do with orphans of {relation}")
            self.policies[relation] = combo
            label = QLabel(text)
            label.setWordWrap(True)
            label.setBuddy(combo)
            row = self.links_grid.rowCount()
            self.links_grid.addWidget(label, row, 0)
            self.links_grid.addWidget(combo, row, 1)
        if not staged.links:
            self.links_grid.addWidget(QLabel("Your files do not link to each other."), 0, 0)
        self.links_grid.setRowStretch(self.links_grid.rowCount(), 1)
        rule = plan.active_rule
        self.open_deal.setChecked(rule.open_deal)
        self.via_company.setChecked(rule.via_company)
        self.via_company.setEnabled(rule.open_deal)
        self.recent.setChecked(bool(rule.recent_days))
        self.days.setValue(rule.recent_days or 90)
        for stage, box in self.stages.items():
            box.setChecked(stage in rule.lifecycle)
        self._show_held(staged)

    def _show_held(self, staged: Staged) -> None:
        plan = self.wizard().session.prepared.plan  # type: ignore[attr-defined]
        self.held.setText(f"{plan.active_rule.describe()} {staged.active_contacts:,} contacts "
                          "are held back to the last phase.")  # fmt: skip

    def _read_choices(self) -> None:
        session = self.wizard().session  # type: ignore[attr-defined]
        plan = session.prepared.plan
        for relation, combo in self.policies.items():
            plan.orphan_policy[relation] = combo.currentData()
        rule = plan.active_rule
        rule.open_deal = self.open_deal.isChecked()
        rule.via_company = self.via_company.isChecked()
        rule.recent_days = self.days.value() if self.recent.isChecked() else None
        rule.lifecycle = [s for s, box in self.stages.items() if box.isChecked()]

    def apply_rule(self) -> None:
        wizard = self.wizard()
        session = wizard.session  # type: ignore[attr-defined]
        if wizard.jobs.busy:  # type: ignore[attr-defined]
            return
        self._read_choices()
        worker = GeneratorWorker(lambda stop: session.migration.stage(session.prepared, stop, process=None),
                                 lambda item: isinstance(item, Staged))  # fmt: skip
        worker.signals.result.connect(self._applied)
        worker.signals.failed.connect(self._failed)
        self.busy = True
        self.apply.setEnabled(False)
        self.completeChanged.emit()
        wizard.jobs.start(worker)  # type: ignore[attr-defined]

    @Slot(object)
    def _applied(self, staged: object) -> None:
        assert isinstance(staged, Staged)
        from wizard.gui.wizard import PageId

        sources = self.wizard().page(PageId.SOURCES)
        if sources.staged is not None and not any(f.restaged for f in staged.files):
            staged.findings = sources.staged.findings  # no file was read again: same findings
        sources.staged = staged  # the latest result, for all pages
        self.busy = False
        self.apply.setEnabled(True)
        self._show_held(staged)
        self.completeChanged.emit()

    @Slot(str, str)
    def _failed(self, message: str, _details: str) -> None:
        self.busy = False
        self.apply.setEnabled(True)
        self.held.setText(message)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        wizard = self.wizard()
        return not self.busy and not (wizard is not None and wizard.jobs.busy)  # type: ignore[attr-defined]

    def nextId(self) -> int:
        from wizard.gui.wizard import PageId

        return PageId.VALIDATION

    def validatePage(self) -> bool:
        self._read_choices()
        session = self.wizard().session  # type: ignore[attr-defined]
        session.migration.save_plan(session.prepared.plan)
        return True
