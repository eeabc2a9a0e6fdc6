"""What the wizard's pages share: the session, and watching the job runner once."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWizardPage


class SessionPage(QWizardPage):
    @property
    def session(self):
        return self.wizard().session  # type: ignore[attr-defined]

    def watch_jobs(self, slot: Callable[[bool], None]) -> None:
        """Call ``slot(busy)`` whenever a job starts or its thread has been joined (connected
        once, however often the page is shown)."""
        if not getattr(self, "_watching_jobs", False):
            self.wizard().jobs.busy_changed.connect(slot)  # type: ignore[attr-defined]
            self._watching_jobs = True
