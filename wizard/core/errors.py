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


DISK_FULL_ERRNOS = {28, 122, 27}  # ENOSPC, EDQUOT, EFBIG (a file-size limit)


def is_disk_full(exc: BaseException) -> bool:
    """The disk (or the user's quota) ran out: an OSError, or SQLite's own 'disk is full'."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return True
    return exc.__class__.__name__ == "OperationalError" and "disk is full" in str(exc)


def disk_full(folder: str | None, need_bytes: int = 0) -> CutoverError:
    """What to say when the disk is full: every batch is its own transaction, so what was
    committed stays and the batch being written was rolled back; running again resumes."""
    import shutil

    free = 0
    if folder:
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            free = 0
    more = max(100 << 20, need_bytes - free)
    where = f" on the disk that holds {folder}" if folder else ""
    return CutoverError(
        f"The disk is full{where} ({free / 1e6:,.0f} MB free).",
        f"Free at least {more / 1e6:,.0f} MB and run the same command again; nothing was "
        "lost: the batch being written was rolled back and the run resumes where it stopped.",
        path=folder,
    )
