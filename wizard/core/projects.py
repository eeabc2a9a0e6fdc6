"""Where each project stands, for the welcome page's list (read without opening or locking
the project: another window may have it open)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wizard.core.errors import CutoverError
from wizard.core.paths import projects_dir
from wizard.core.phases import COMPLETED, FAILED, PAUSED, RUNNING, phase_list
from wizard.core.plan import Plan

PLAN_FILE, LEDGER_FILE = "plan.json", "ledger.db"


@dataclass
class ProjectSummary:
    folder: Path
    last_worked: datetime
    where: str  # where it stands, in one sentence
    resumable: bool  # a phase stopped part-way, or phases are left to run
    next_phase: str | None = None  # the phase to go on with

    @property
    def name(self) -> str:
        return self.folder.name


def summarize(folder: Path) -> ProjectSummary | None:
    """None when ``folder`` is not a project."""
    plan_path, ledger_path = folder / PLAN_FILE, folder / LEDGER_FILE
    if not plan_path.is_file() and not ledger_path.is_file():
        return None
    stamps = [p.stat().st_mtime for p in (plan_path, ledger_path) if p.exists()]
    last = datetime.fromtimestamp(max(stamps))
    try:
        plan = Plan.load(plan_path)
    except CutoverError:
        return ProjectSummary(folder, last, "Started: no files read yet.", False)
    phases = phase_list(plan)
    states: dict[str, str] = {}
    files = 0
    if ledger_path.is_file():
        try:
            db = sqlite3.connect(f"file:{ledger_path}?mode=ro", uri=True, timeout=1)
            try:
                states = dict(db.execute("SELECT name, state FROM phases"))
                files = db.execute("SELECT COUNT(*) FROM files WHERE complete=1").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error:
            return ProjectSummary(folder, last, "Its ledger cannot be read.", False)
    done = [p for p in phases if states.get(p.name) == COMPLETED]
    stopped = next((p for p in phases if states.get(p.name) in (PAUSED, RUNNING, FAILED)), None)
    todo = next((p for p in phases if states.get(p.name) != COMPLETED), None)
    if stopped is not None:
        where = (f"'{stopped.label}' stopped part-way; {len(done)} of {len(phases)} phases "
                 "loaded into the sandbox.")  # fmt: skip
        return ProjectSummary(folder, last, where, True, stopped.name)
    if not files:
        return ProjectSummary(folder, last, "Files added; not read and checked yet.", False)
    if not done:
        return ProjectSummary(folder, last, "Files read and checked; no phase loaded yet.",
                              True, todo.name if todo else None)  # fmt: skip
    if todo is None:
        return ProjectSummary(folder, last, _method_stage(folder, len(phases)), True)
    return ProjectSummary(folder, last, f"{len(done)} of {len(phases)} phases loaded into the "
                          f"sandbox; next: '{todo.label}'.", True, todo.name)  # fmt: skip


def _method_stage(folder: Path, n_phases: int) -> str:
    """After the sandbox rehearsal: the buffer's day, QA, the live cutover."""
    from wizard.core.project import ProjectStore
    from wizard.core.qa import buffer

    state = ProjectStore(folder).load()
    buf = buffer(state)
    if buf.started is None:
        return f"Sandbox rehearsal complete: all {n_phases} phases loaded."
    days_ago = "today" if buf.day == 0 else f"{buf.day} days ago"
    where = f"Sandbox loaded {days_ago}, day {buf.day} of {buf.days}"
    where += " (the buffer is over)." if buf.elapsed else "."
    if state.signoff:
        where += f" QA signed off by {state.signoff['by']}."
    live = folder / "live" / LEDGER_FILE
    if live.is_file():
        try:
            db = sqlite3.connect(f"file:{live}?mode=ro", uri=True, timeout=1)
            try:
                done = db.execute("SELECT COUNT(*) FROM phases WHERE state=?",
                                  (COMPLETED,)).fetchone()[0]  # fmt: skip
            finally:
                db.close()
            where += f" Live cutover: {done} of {n_phases} phases loaded."
        except sqlite3.Error:
            pass
    return where


def list_projects(root: Path | None = None) -> list[ProjectSummary]:
    """Every project under ``root`` (the projects folder), most recently worked on first."""
    root = root or projects_dir()
    if not root.is_dir():
        return []
    found = [summarize(p) for p in root.iterdir() if p.is_dir()]
    return sorted((s for s in found if s), key=lambda s: s.last_worked, reverse=True)
