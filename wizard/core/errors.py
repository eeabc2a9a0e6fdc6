"""The project's own error type: every user-facing failure is one of these.

Each carries a plain-language ``message`` (what happened and why) and a ``hint`` (what the admin
can do about it), so the GUI and the CLI can show it without a traceback.
"""

from __future__ import annotations


class CutoverError(Exception):
    """A failure an admin can understand and act on."""

    def __init__(self, message: str, hint: str = "", *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.path = path

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class SourceError(CutoverError):
    """A source file could not be read (empty, binary, corrupt, locked, vanished...)."""


class PlanError(CutoverError):
    """A plan file is missing, malformed or from an incompatible version."""
